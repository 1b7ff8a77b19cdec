import { useShallow } from 'zustand/react/shallow';
import { validateSettings } from '../../contract/run-settings';
import { updateSettings } from '../controller';
import { useAppStore } from '../store';
import { EpsilonGuide } from './EpsilonGuide';
import { LedgerNotice } from './LedgerNotice';
import { NumberField } from './NumberField';
import { PlanView } from './PlanView';

/** The privacy budget: what the user sets, and what it means, before anything trains. */
export function BudgetPanel() {
  const { settings, plan, locked } = useAppStore(
    useShallow((s) => ({
      settings: s.budget.settings,
      plan: s.budget.plan,
      locked: s.run.status === 'running' || s.run.status === 'pausing' || s.run.status === 'starting',
    })),
  );
  const errors = validateSettings(settings);
  const defaultDelta = plan ? `default 1/N^1.1 = ${plan.defaultDelta.toExponential(2)}` : 'default 1/N^1.1';
  return (
    <section className="panel" id="budget" aria-labelledby="budget-heading">
      <h2 id="budget-heading">Privacy budget</h2>
      <p className="guarantee" data-testid="guarantee">
        The guarantee: everything this app releases (the DP teacher, the synthetic text, the student and the
        control-code histogram) is (ε, δ)-differentially private with respect to <strong>one document</strong>{' '}
        of your training data: adding or removing any single document changes the probability of any outcome
        by at most a factor e<sup>ε</sup>, except with probability δ. A document is one line of a .jsonl file,
        one CSV row, or one text file (one paragraph with the split option). The control-code histogram is
        released with DP too and counted in ε.{' '}
        <span data-testid="neighbouring-relation">
          Neighbouring datasets differ by adding or removing one document; N, the number of training
          documents, is treated as public (it sets q and δ).
        </span>{' '}
        <span data-testid="guarantee-scope">
          The guarantee covers the training split; the held-out validation and test documents are used only
          for evaluation on this device, and numbers computed on them are never part of an export.
        </span>
      </p>
      <form className="budget-form" onSubmit={(e) => e.preventDefault()} aria-describedby="guarantee">
        <NumberField
          label="Target ε (epsilon)"
          value={settings.targetEpsilon}
          help="Total privacy loss of the whole pipeline. Smaller is more private. Default 2."
          error={errors.targetEpsilon}
          disabled={locked}
          testId="epsilon-input"
          onChange={(v) => updateSettings({ targetEpsilon: v ?? Number.NaN })}
        />
        <NumberField
          label="δ (delta)"
          value={settings.delta}
          allowEmpty
          placeholder={defaultDelta}
          help={`Probability the guarantee may fail. Empty: ${defaultDelta}, N = training documents; keep it below 1/N.`}
          error={errors.delta}
          disabled={locked}
          testId="delta-input"
          onChange={(v) => updateSettings({ delta: v })}
        />
        <NumberField
          label="Clip norm C"
          value={settings.clipNorm}
          help="Each document's gradient is scaled to at most this norm before noise is added."
          error={errors.clipNorm}
          disabled={locked}
          testId="clip-input"
          onChange={(v) => updateSettings({ clipNorm: v ?? Number.NaN })}
        />
        <NumberField
          label="Expected batch size (documents)"
          value={settings.expectedBatchSize}
          allowEmpty
          placeholder={plan ? `automatic: ${plan.expectedBatchSize}` : 'automatic'}
          help="Each step samples every document independently with probability q = batch / N. Empty: chosen from N and ε."
          error={errors.expectedBatchSize}
          disabled={locked}
          testId="batch-input"
          onChange={(v) => updateSettings({ expectedBatchSize: v })}
        />
        <NumberField
          label="Epochs"
          value={settings.epochs}
          allowEmpty
          placeholder={plan ? `automatic: ${plan.epochs}` : 'automatic'}
          help="Expected passes over the data: steps = epochs / q. Empty: chosen from N and ε."
          error={errors.epochs}
          disabled={locked}
          testId="epochs-input"
          onChange={(v) => updateSettings({ epochs: v })}
        />
      </form>
      <EpsilonGuide epsilon={settings.targetEpsilon} />
      <PlanView />
      <LedgerNotice />
    </section>
  );
}
