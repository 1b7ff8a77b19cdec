import { useShallow } from 'zustand/react/shallow';
import { setDataChoices, setUseControlCodes } from '../controller';
import { useAppStore } from '../store';

const quoted = (names: string[]) => names.map((n) => `'${n}'`).join(', ');

/**
 * The data choices, made by the user: which record field is the text, which fields are labels,
 * and whether labels become control codes. The app proposes fields from the files (shown here
 * only, never applied by itself): a choice read from the data would let one added record change
 * the whole run outside any DP mechanism. The privacy report lists these choices as public.
 */
export function DataChoices() {
  const { options, proposal, useControlCodes, locked } = useAppStore(
    useShallow((s) => ({
      options: s.data.options,
      proposal: s.data.summary?.proposal,
      useControlCodes: s.budget.settings.useControlCodes ?? false,
      locked: s.run.status === 'running' || s.run.status === 'pausing' || s.run.status === 'starting',
    })),
  );
  const fields = [...new Set([...(proposal?.fields ?? []), options.textField, ...options.labelFields])];
  const hasLabels = options.labelFields.length > 0 || options.folderLabels;
  const proposed = proposal?.textField
    ? { textField: proposal.textField, labelFields: proposal.labelFields }
    : null;
  const differs =
    proposed !== null &&
    (proposed.textField !== options.textField ||
      quoted(proposed.labelFields) !== quoted(options.labelFields));
  const toggleLabel = (field: string, on: boolean) =>
    setDataChoices({
      labelFields: on ? [...options.labelFields, field] : options.labelFields.filter((f) => f !== field),
    });
  return (
    <fieldset className="options data-choices" data-testid="data-choices" disabled={locked}>
      <legend>Your data choices (public, listed in the privacy report)</legend>
      {proposal && (
        <>
          <label>
            Text field{' '}
            <select
              data-testid="text-field"
              value={options.textField}
              onChange={(e) => setDataChoices({ textField: e.currentTarget.value })}
            >
              {fields.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </label>
          <div className="label-fields" data-testid="label-fields">
            Label fields:{' '}
            {fields
              .filter((f) => f !== options.textField)
              .map((f) => (
                <label key={f}>
                  <input
                    type="checkbox"
                    data-testid={`label-field-${f}`}
                    checked={options.labelFields.includes(f)}
                    onChange={(e) => toggleLabel(f, e.currentTarget.checked)}
                  />
                  {f}
                </label>
              ))}
          </div>
          {differs && proposed && (
            <p className="hint" data-testid="field-proposal">
              Proposed from your files (only shown here): text {quoted([proposed.textField])}
              {proposed.labelFields.length > 0 ? `, labels ${quoted(proposed.labelFields)}` : ', no labels'}.{' '}
              <button
                type="button"
                className="secondary"
                data-testid="use-proposal"
                onClick={() => setDataChoices(proposed)}
              >
                Use these
              </button>
            </p>
          )}
        </>
      )}
      <label>
        <input
          type="checkbox"
          data-testid="use-control-codes"
          checked={useControlCodes && hasLabels}
          disabled={!hasLabels}
          onChange={(e) => setUseControlCodes(e.currentTarget.checked)}
        />
        Use labels as control codes (prompts for the synthetic text; their histogram is released with DP)
      </label>
      <p className="hint">
        These choices are yours: the app never picks them from the data by itself, and the privacy report
        lists them as public settings.
      </p>
    </fieldset>
  );
}
