/**
 * Learning-rate schedules as one pure function of the step: an optional linear warmup followed by either a
 * constant rate or a cosine decay to a floor. `step` counts optimizer updates already done (0 = the first
 * update), so the warmup's first update uses peak / W rather than 0 (Hugging Face's linear warmup gives
 * the first update a rate of exactly 0, which wastes a step and, under DP, its privacy budget).
 */

export interface LearningRateSchedule {
  /** The rate after warmup (and the cosine's start). Default 1e-4, the reference DP fine-tuning rate. */
  peak: number;
  /** W: updates 0..W-1 ramp linearly, update s uses peak * (s + 1) / W. Default 0 (no warmup). */
  warmupSteps?: number;
  /** 'constant' (default) keeps the peak; 'cosine' decays from the peak at step W to `floor` at `totalSteps`. */
  decay?: 'constant' | 'cosine';
  /** Total updates of the run; required for 'cosine'. After it the rate stays at the floor. */
  totalSteps?: number;
  /** The cosine's final rate, an absolute value in [0, peak]. Default 0. */
  floor?: number;
}

export const DEFAULT_SCHEDULE: LearningRateSchedule = { peak: 1e-4, warmupSteps: 0, decay: 'constant' };

/** Throws a specific error for an invalid schedule; returns it with defaults filled in. */
export function validateSchedule(s: LearningRateSchedule): Required<LearningRateSchedule> {
  const warmupSteps = s.warmupSteps ?? 0;
  const decay = s.decay ?? 'constant';
  const floor = s.floor ?? 0;
  const totalSteps = s.totalSteps ?? 0;
  if (!(Number.isFinite(s.peak) && s.peak >= 0))
    throw new Error(`schedule peak must be finite and >= 0, got ${s.peak}`);
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0)
    throw new Error(`schedule warmupSteps must be an integer >= 0, got ${warmupSteps}`);
  if (decay !== 'constant' && decay !== 'cosine')
    throw new Error(`schedule decay must be 'constant' or 'cosine', got ${String(decay)}`);
  if (decay === 'cosine') {
    if (!Number.isInteger(totalSteps) || totalSteps <= warmupSteps)
      throw new Error(
        `cosine schedule needs an integer totalSteps > warmupSteps (${warmupSteps}), got ${totalSteps}`,
      );
    if (!(floor >= 0 && floor <= s.peak))
      throw new Error(`schedule floor must be in [0, peak=${s.peak}], got ${floor}`);
  }
  return { peak: s.peak, warmupSteps, decay, totalSteps, floor };
}

/** The learning rate of update number `step` (0-based). */
export function learningRateAt(step: number, schedule: LearningRateSchedule): number {
  if (!Number.isInteger(step) || step < 0) throw new Error(`step must be an integer >= 0, got ${step}`);
  const s = validateSchedule(schedule);
  if (step < s.warmupSteps) return (s.peak * (step + 1)) / s.warmupSteps;
  if (s.decay === 'constant') return s.peak;
  const progress = Math.min(1, (step - s.warmupSteps) / (s.totalSteps - s.warmupSteps));
  return s.floor + (s.peak - s.floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
