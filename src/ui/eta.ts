/**
 * Time left in a stage from two progress observations (the first seen since the stage started or
 * resumed, and the newest): remaining units at the average rate between them.
 */
export interface ProgressMark {
  /** Milliseconds (worker clock). */
  time: number;
  done: number;
}

/** Seconds left, or null until the rate is known (two marks with progress between them). */
export function etaSeconds(
  first: ProgressMark | undefined,
  last: ProgressMark | undefined,
  total: number,
): number | null {
  if (!first || !last) return null;
  const units = last.done - first.done;
  const seconds = (last.time - first.time) / 1000;
  if (!(units > 0 && seconds > 0)) return null;
  return Math.max(0, total - last.done) * (seconds / units);
}
