import { useShallow } from 'zustand/react/shallow';
import { formatRate } from '../../contract/format';
import type { PlanSummary } from '../../contract/protocol';
import { budgetWarnings, noisePerStep } from '../budget-guidance';
import { useAppStore } from '../store';
import { PlanEstimate } from './PlanEstimate';
import { colorOf, DASH, SeriesChart } from './SeriesChart';

/** What the plan means with two or more labels (pipeline/code-teachers.ts). */
const PER_CODE_TEACHERS =
  ' When two or more labels are released, DistilDP trains one DP teacher per label, each on its own documents with the steps below, one after another (so the charts show that many times the steps); a document is in one part only, so together they cost the ε below, not more.';

/** The worker's privacy plan for the current data and settings, before training. */
export function PlanView() {
  const { plan, status, error, hasData, settings } = useAppStore(
    useShallow((s) => ({
      settings: s.budget.settings,
      plan: s.budget.plan,
      status: s.budget.planStatus,
      error: s.budget.planError,
      hasData: (s.data.summary?.totals.documents ?? 0) >= 3,
    })),
  );
  if (!hasData) return <p className="hint">Add at least 3 documents to see the noise and the expected ε.</p>;
  if (status === 'error')
    return (
      <p className="alert alert-error" role="alert" data-testid="plan-error">
        {error}
      </p>
    );
  if (!plan)
    return (
      <p className="hint">
        {status === 'computing' ? 'Computing the plan…' : 'Load both models to see the plan.'}
      </p>
    );
  const points = plan.curve.map((c) => ({ x: c.step, y: c.epsilon }));
  return (
    <div className="plan" data-testid="plan" aria-busy={status === 'computing'}>
      <dl className="facts plan-facts">
        <dt>Noise multiplier σ</dt>
        <dd data-testid="plan-sigma">{plan.sigma.toFixed(3)}</dd>
        <dt>Sampling rate q</dt>
        <dd data-testid="plan-q">
          {plan.q.toPrecision(3)} ({plan.expectedBatchSize} of {plan.trainUsable} training documents per step)
        </dd>
        <dt>What is trained</dt>
        <dd data-testid="plan-recipe">{recipeText(plan)}</dd>
        <dt>DP-SGD steps</dt>
        <dd data-testid="plan-steps">{plan.steps.toLocaleString('en-US')}</dd>
        <dt>δ</dt>
        <dd data-testid="plan-delta">
          {plan.delta.toExponential(2)}{' '}
          {plan.deltaRule === 'default' ? `(rule 1/N^1.1, N = ${plan.trainUsable})` : '(set by you)'}
        </dd>
        <dt>Expected ε after training</dt>
        <dd data-testid="plan-epsilon">
          {plan.epsilon.toFixed(3)} (target {plan.targetEpsilon}, {plan.accountant.toUpperCase()} accountant)
        </dd>
        <dt>Noise per step</dt>
        <dd data-testid="plan-noise">
          σ·C/B = {noisePerStep(plan).toPrecision(3)} per coordinate of the averaged gradient (
          {(100 * (plan.sigma / plan.expectedBatchSize)).toPrecision(2)} % of the clip norm C)
        </dd>
        <dt>Control codes</dt>
        <dd data-testid="plan-histogram">
          {plan.histogram
            ? `${plan.controlCodes} label(s) become prompts for the synthetic text. How many documents carry each label is released first, with Gaussian noise σ = ${plan.histogram.sigma}: that release alone costs ε = ${plan.histogram.epsilon.toFixed(3)} (δ share ${plan.histogram.deltaThreshold.toExponential(1)}), which is why the expected ε below starts above 0; DP-SGD gets the rest of the budget.${plan.controlCodes >= 2 ? PER_CODE_TEACHERS : ''}`
            : 'none (the documents carry no labels): generation is unconditional and nothing is released before DP-SGD'}
        </dd>
      </dl>
      <PlanEstimate estimate={plan.estimate} />
      {budgetWarnings(settings, plan).map((g) => (
        <p key={g.id} className="alert alert-warn" data-testid="budget-warning" data-id={g.id}>
          {g.text}
        </p>
      ))}
      {plan.deltaWarning && (
        <p className="alert alert-warn" role="alert" data-testid="delta-warning">
          {plan.deltaWarning}
        </p>
      )}
      {plan.warnings
        .filter((w) => w !== plan.deltaWarning)
        .map((w) => (
          <p key={w} className="alert alert-warn">
            {w}
          </p>
        ))}
      <SeriesChart
        testId="chart-plan"
        title="Expected privacy spent by the DP teacher"
        xLabel="DP-SGD step"
        yLabel="ε spent"
        rawPoints={points.length}
        lines={[
          {
            key: 'plan',
            label: 'expected ε (plan)',
            points,
            color: colorOf('distildp/teacher'),
            dash: DASH.expected,
          },
        ]}
        reference={{ y: plan.targetEpsilon, label: `target ε = ${plan.targetEpsilon}` }}
        yDomain={[0, 'auto']}
      />
    </div>
  );
}

/** The DP teacher's recipe in words: what is trained, at what rate, how much text per document. */
function recipeText(plan: PlanSummary): string {
  const r = plan.recipe;
  const what =
    r.parameters === 'lora' && r.lora
      ? `LoRA adapters (rank ${r.lora.rank}) on ${r.lora.targets.length} layer types`
      : r.parameters === 'biasLayerNorm'
        ? 'biases and LayerNorms only'
        : 'every parameter';
  const source =
    r.batchAndEpochs === 'rule' ? 'batch and epochs chosen from N and ε' : 'batch and epochs set by you';
  return `${what}, learning rate ${formatRate(r.learningRate)}, ${plan.epochs} epochs (${source}); each sampled document contributes its whole text up to ${r.windowsPerDocument} windows of ${r.contextLength} tokens (the privacy unit stays the document)`;
}
