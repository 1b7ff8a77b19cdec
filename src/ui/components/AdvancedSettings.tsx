import { useShallow } from 'zustand/react/shallow';
import {
  describeKnobValue,
  effectiveValues,
  OVERRIDE_FIELDS,
  validateOverrides,
} from '../../contract/overrides';
import { advancedPatch, PROFILE_CONFIG } from '../../contract/run-settings';
import { updateSettings } from '../controller';
import { useAppStore } from '../store';
import { NumberField } from './NumberField';

/**
 * The CLI's knobs (`distildp pipeline --lambda ...`), feeding the same pipeline config. Empty fields
 * keep the run profile's value, shown as the placeholder. None of them changes ε or δ.
 */
export function AdvancedSettings({ locked }: { locked: boolean }) {
  const { settings, profile } = useAppStore(
    useShallow((s) => ({ settings: s.budget.settings, profile: s.budget.settings.profile })),
  );
  const defaults = effectiveValues(PROFILE_CONFIG[profile]);
  const errors = validateOverrides(settings.advanced ?? {});
  const changed = Object.keys(settings.advanced ?? {}).length;
  return (
    <details className="advanced" data-testid="advanced-settings">
      <summary>
        Advanced settings{changed ? ` (${changed} changed)` : ''}: learning rates, distillation, synthetic
        text
      </summary>
      <p className="hint">
        The same knobs as the command line (<code>distildp pipeline --help</code>). Leave a field empty for
        the default shown in it. They change how well the models learn, never the privacy guarantee: ε and δ
        come from the budget above.
      </p>
      <div className="budget-form">
        {OVERRIDE_FIELDS.map((f) => (
          <NumberField
            key={f.key}
            label={f.label}
            value={settings.advanced?.[f.key] ?? null}
            allowEmpty
            placeholder={`default ${describeKnobValue(defaults[f.key])}`}
            help={`${f.help} (--${f.cli})`}
            error={errors[f.key]}
            disabled={locked}
            testId={`advanced-${f.cli}`}
            onChange={(v) => updateSettings(advancedPatch(settings, f.key, v))}
          />
        ))}
      </div>
    </details>
  );
}
