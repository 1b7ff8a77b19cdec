import { stageKeyLabel } from '../labels';
import { speedFactor, stageEstimateLeft } from '../run-eta';
import type { RunState } from '../run-slice';
import { StageProgress } from './StageProgress';

/** DistilDP's steps, in order; each is a set of pipeline stages. */
const STEPS = [
  { label: 'Base models', keys: ['shared/evaluate'], main: 'shared/evaluate' },
  { label: 'DP teacher', keys: ['shared/histogram', 'distildp/teacher-dp'], main: 'distildp/teacher-dp' },
  { label: 'Synthetic text', keys: ['shared/generate'], main: 'shared/generate' },
  { label: 'Student', keys: ['distildp/distill'], main: 'distildp/distill' },
  { label: 'Evaluation', keys: ['distildp/evaluate'], main: 'distildp/evaluate' },
] as const;

type StepStatus = 'pending' | 'active' | 'done';

function stepStatus(run: RunState, keys: readonly string[]): StepStatus {
  const stages = keys.map((k) => run.stages[k]).filter(Boolean);
  if (stages.some((s) => s.status === 'active')) return 'active';
  const main = run.stages[keys.at(-1)!];
  if (main && main.status !== 'active') return 'done';
  return 'pending';
}

const STATUS_TEXT: Record<StepStatus, string> = { pending: 'to do', active: 'running', done: 'done' };

/** Seconds left by the run's estimate for a stage key (null without an estimate). */
function estimateFor(run: RunState, factor: number): (key: string) => number | null {
  return (key) => {
    const e = run.estimate?.stages.find((s) => s.key === key);
    return e ? stageEstimateLeft(e, run.stages[key], factor) : null;
  };
}

export function Stepper({ run }: { run: RunState }) {
  const completed = run.status === 'completed';
  const estimate = estimateFor(run, run.estimate ? speedFactor(run.estimate.stages, run.stages) : 1);
  return (
    <ol className="stepper" data-testid="stepper" aria-label="DistilDP pipeline">
      {STEPS.map((step, i) => {
        const status = completed ? 'done' : stepStatus(run, step.keys);
        return (
          <li
            key={step.label}
            className={`step step-${status}`}
            data-testid="step"
            data-status={status}
            aria-current={status === 'active' ? 'step' : undefined}
          >
            <span className="step-index" aria-hidden="true">
              {status === 'done' ? '✓' : i + 1}
            </span>
            <span className="step-body">
              <span className="step-label">
                {step.label} <span className="step-status">({STATUS_TEXT[status]})</span>
              </span>
              {run.stages[step.main]?.detail === 'resuming' && (
                <span className="hint" data-testid="step-resumed">
                  resumed from its checkpoint
                </span>
              )}
              <StageProgress
                label={step.label}
                stage={run.stages[step.main]}
                estimateLeft={estimate(step.main)}
              />
            </span>
          </li>
        );
      })}
    </ol>
  );
}

/** Stages of the baselines (anything outside the four steps), as plain progress rows. */
export function BaselineStages({ run }: { run: RunState }) {
  const inSteps = new Set<string>(STEPS.flatMap((s) => s.keys));
  const keys = run.stageOrder.filter((k) => !inSteps.has(k));
  if (keys.length === 0) return null;
  const estimate = estimateFor(run, run.estimate ? speedFactor(run.estimate.stages, run.stages) : 1);
  return (
    <div className="baseline-stages">
      <h3>Baselines</h3>
      <ul>
        {keys.map((k) => (
          <li key={k}>
            <span className="baseline-name">{stageKeyLabel(k)}</span>
            <StageProgress label={stageKeyLabel(k)} stage={run.stages[k]} estimateLeft={estimate(k)} />
          </li>
        ))}
      </ul>
    </div>
  );
}
