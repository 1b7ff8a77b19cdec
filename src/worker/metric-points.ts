/**
 * Chart points from the training loops' step reports: loss, epsilon, tokens per second (from the
 * time between consecutive steps of the same training), clipped fraction, learning rate.
 * Non-finite values (the loss of a DP step that sampled no document) are left out.
 */

import type { MetricPoint, ModelRole } from '../contract/protocol';
import { seriesName } from '../contract/series';
import type { MethodName, StageName } from '../pipeline/results';
import type { DPStepReport } from '../train/dp-train';
import type { TrainStepReport } from '../train/train-loop';

function finiteValues(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => Number.isFinite(v)));
}

/**
 * One maker per run of the pipeline (a launch or a resume): a loop's reports count time from its own
 * start, so the first report of a series seen by this maker is timed from 0.
 */
export class MetricPointMaker {
  /** Elapsed ms at the previous step of each series. */
  private lastElapsed = new Map<string, number>();

  private tokensPerSecond(series: string, tokens: number, elapsedMs: number): number {
    const prev = this.lastElapsed.get(series) ?? 0;
    this.lastElapsed.set(series, elapsedMs);
    const seconds = (elapsedMs - prev) / 1000;
    return seconds > 0 ? tokens / seconds : Number.NaN;
  }

  dp(method: MethodName, role: ModelRole, r: DPStepReport): MetricPoint {
    const series = seriesName(method, role);
    return {
      series,
      stage: role === 'teacher' ? 'teacher-dp' : 'student-dp',
      step: r.step,
      values: finiteValues({
        loss: r.loss,
        epsilon: r.epsilon,
        tokensPerSecond: this.tokensPerSecond(series, r.tokens, r.elapsedMs),
        clippedFraction: r.clippedFraction,
        learningRate: r.learningRate,
        // Documents skipped this step for a non-finite gradient: local only (stored with the run's
        // charts in this browser, never exported).
        nonFiniteDocuments: r.nonFiniteDocuments,
      }),
    };
  }

  /** Validation perplexity (a sparse metric: every few steps of a training). */
  validation(
    method: MethodName,
    role: ModelRole,
    e: { stage: StageName; step: number; perplexity: number },
  ): MetricPoint {
    return {
      series: seriesName(method, role),
      stage: e.stage,
      step: e.step,
      values: finiteValues({ validationPpl: e.perplexity }),
    };
  }

  train(method: MethodName, role: ModelRole, r: TrainStepReport): MetricPoint {
    const series = seriesName(method, role);
    return {
      series,
      stage: method === 'nonprivate' ? 'fine-tune' : 'distill',
      step: r.step,
      values: finiteValues({
        loss: r.loss,
        tokensPerSecond: this.tokensPerSecond(series, r.tokens, r.elapsedMs),
        learningRate: r.learningRate,
      }),
    };
  }
}
