/** What a kernel check reports (the Node tests and the browser check page read the same). */

export interface CheckResult {
  name: string;
  pass: boolean;
  tolerance: number;
  /** Named error measures; the pass criterion is stated in `detail`. */
  errors: Record<string, number>;
  detail: string;
}

export interface KernelCheck {
  name: string;
  run: () => Promise<CheckResult>;
}

/** A result that passes when every named error is finite and within its limit. */
export function check(
  name: string,
  errors: Record<string, number>,
  limits: Record<string, number>,
  detail: string,
): CheckResult {
  const pass = Object.entries(limits).every(
    ([k, limit]) => Number.isFinite(errors[k]) && Math.abs(errors[k]) <= limit,
  );
  return { name, pass, tolerance: Math.max(...Object.values(limits)), errors, detail };
}
