import { useId, useMemo, useState } from 'react';
import { useAppStore } from '../store';

const ALL = '__all__';
/** Samples rendered at once (the newest); the list scrolls. */
const SHOWN = 300;

const codeOf = (labels: string[]) => (labels.length ? labels.join(' / ') : '(no control code)');

/** Synthetic text as the DP teacher writes it (post-processing of a DP model: safe to show). */
export function SamplesPanel() {
  const samples = useAppStore((s) => s.run.samples);
  const [code, setCode] = useState(ALL);
  const selectId = useId();
  const codes = useMemo(() => [...new Set(samples.map((s) => codeOf(s.labels)))].sort(), [samples]);
  const filtered = useMemo(
    () => (code === ALL ? samples : samples.filter((s) => codeOf(s.labels) === code)),
    [samples, code],
  );
  const shown = filtered.slice(-SHOWN).reverse();
  return (
    <section className="panel" id="samples" aria-labelledby="samples-heading">
      <h2 id="samples-heading">Synthetic samples</h2>
      <div className="picker-row">
        <label htmlFor={selectId}>Control code</label>
        <select
          id={selectId}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          data-testid="sample-filter"
        >
          <option value={ALL}>All ({samples.length})</option>
          {codes.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        <span className="hint" data-testid="sample-count">
          {filtered.length.toLocaleString('en-US')} sample(s)
          {filtered.length > SHOWN ? `, newest ${SHOWN} shown` : ''}
        </span>
      </div>
      {shown.length === 0 ? (
        <p className="hint">The DP teacher's samples appear here as they are generated.</p>
      ) : (
        // Chromium makes a scrolling container keyboard-focusable by itself (no tabIndex needed).
        <ol className="samples" data-testid="samples" aria-label="Synthetic samples, newest first">
          {shown.map((s, i) => (
            // Samples are appended only; newest first, so the index from the end is stable.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above
            <li key={filtered.length - i} data-testid="sample">
              <span className="sample-code">{codeOf(s.labels)}</span>
              <span className="sample-text">{s.text}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
