import { useEffect, useId, useState } from 'react';

interface NumberFieldProps {
  label: string;
  value: number | null;
  /** Shown under the field. */
  help?: string;
  error?: string;
  placeholder?: string;
  /** Empty input means null (e.g. "use the default"). */
  allowEmpty?: boolean;
  disabled?: boolean;
  step?: string;
  testId?: string;
  onChange(value: number | null): void;
}

/**
 * A labelled numeric input that keeps what the user types (so "1e-" or "0." can be finished) and
 * reports a number, or null when empty and allowed; help and error are tied to it for screen readers.
 */
export function NumberField(p: NumberFieldProps) {
  const id = useId();
  const [text, setText] = useState(p.value === null ? '' : String(p.value));
  // Follow outside changes (e.g. settings restored from a saved run) unless the text already means them.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only changes of the value from outside matter
  useEffect(() => {
    const parsed = text.trim() === '' ? null : Number(text);
    if (parsed !== p.value && !(Number.isNaN(parsed) && Number.isNaN(p.value))) {
      setText(p.value === null ? '' : String(p.value));
    }
  }, [p.value]);
  const describedBy = [p.help ? `${id}-help` : '', p.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id} className="field-label">
        {p.label}
      </label>
      <input
        id={id}
        type="text"
        inputMode="decimal"
        value={text}
        placeholder={p.placeholder}
        disabled={p.disabled}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={describedBy || undefined}
        data-testid={p.testId}
        onChange={(e) => {
          const t = e.currentTarget.value;
          setText(t);
          if (t.trim() === '') {
            if (p.allowEmpty) p.onChange(null);
            else p.onChange(Number.NaN);
            return;
          }
          p.onChange(Number(t));
        }}
      />
      {p.help && (
        <span id={`${id}-help`} className="hint">
          {p.help}
        </span>
      )}
      {p.error && (
        <span id={`${id}-error`} className="field-error">
          {p.error}
        </span>
      )}
    </div>
  );
}
