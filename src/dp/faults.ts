/**
 * TEST-ONLY fault injection into the DP-SGD step, so that tests and benchmarks can prove the
 * empirical privacy audit (src/audit) catches real implementation bugs. A fault object can only be
 * made by `createTestFaults`, which carries a module-private symbol brand: the app, the worker
 * protocol (structured clone drops symbol keys) and the CLI (options are parsed into plain values)
 * cannot produce one, and trainWithDP refuses any unbranded object. No user input reaches this file.
 */

const BRAND: unique symbol = Symbol('distildp.test-only-dp-faults');

export interface DPFaultSwitches {
  /** Multiplies the noise standard deviation sigma C (e.g. 0.5: half the noise). */
  noiseScale?: number;
  /** Every clip factor is 1: per-example gradients are summed unclipped. */
  disableClipping?: boolean;
  /**
   * The classic gradient-accumulation bug: each micro-batch's clipped sum is divided by its realised
   * size and gets the logical step's noise N(0, (sigma C / qN)^2), and the k micro-batch means are
   * averaged. The signal is then divided by the realised batch size and the noise by sqrt(k).
   * (Implemented by its distribution: sums scaled by qN / B, noise std divided by sqrt(k).)
   */
  realisedBatchPerMicroBatchNoise?: boolean;
  /** This parameter's (or norm piece's) squared norm is left out of every per-example norm. */
  excludeFromNorm?: string;
}

export interface DPFaults extends Readonly<DPFaultSwitches> {
  readonly [BRAND]: true;
}

/** TESTS AND BENCHMARKS ONLY: a fault object trainWithDP accepts. */
export function createTestFaults(switches: DPFaultSwitches): DPFaults {
  if (
    switches.noiseScale !== undefined &&
    !(switches.noiseScale >= 0 && Number.isFinite(switches.noiseScale))
  )
    throw new Error(`noiseScale must be finite and >= 0, got ${switches.noiseScale}`);
  return Object.freeze({ ...switches, [BRAND]: true as const });
}

/** The faults object if it was made by createTestFaults; throws on anything else. */
export function checkTestFaults(faults: unknown): DPFaults | undefined {
  if (faults === undefined) return undefined;
  if (typeof faults !== 'object' || faults === null || (faults as Partial<DPFaults>)[BRAND] !== true)
    throw new Error(
      'DP fault injection is for tests only: this faults object was not made by createTestFaults',
    );
  return faults as DPFaults;
}
