import { describe, expect, it } from 'vitest';
import { epsilonLowerBound } from '../../src/audit/bound';
import { dpsgdFamily, gaussianFamily } from '../../src/audit/tradeoff';
import { gaussianEpsilon } from '../../src/dp/accounting/mechanism';
import { seededNormal, seededRandom } from './helpers/random';

/**
 * Soundness by simulation: audit the ideal mechanism whose true epsilon is known, many times. A
 * valid 95% lower bound exceeds the true epsilon in at most 5% of runs (here: far fewer, since
 * the analyses are conservative and Bonferroni-corrected); it must also be informative.
 */
function simulate(
  runs: number,
  m: number,
  draw: (included: boolean, normal: () => number, u: () => number) => number,
) {
  const u = seededRandom(2024);
  const normal = seededNormal(99);
  return Array.from({ length: runs }, () => {
    const included = Array.from({ length: m }, () => u() < 0.5);
    return { included, scores: included.map((b) => draw(b, normal, u)) };
  });
}

describe('soundness of the one-run bound on the ideal Gaussian mechanism', () => {
  it('mu = 1.5, m = 2000, delta 1e-5: the bound is <= the true epsilon in >= 95% of 100 runs, and not vacuous', () => {
    const mu = 1.5;
    const delta = 1e-5;
    const trueEps = gaussianEpsilon(mu, delta);
    const family = gaussianFamily(delta);
    const bounds = simulate(100, 2000, (b, n) => (b ? mu : 0) + n()).map(
      (r) => epsilonLowerBound(r.scores, r.included, { delta, family }).epsilon,
    );
    const above = bounds.filter((b) => b > trueEps).length;
    expect(above).toBeLessThanOrEqual(5);
    const mean = bounds.reduce((a, b) => a + b, 0) / bounds.length;
    expect(mean).toBeGreaterThan(0.3 * trueEps);
    expect(mean).toBeLessThan(trueEps);
  });

  it('the DP-SGD claim family on simulated full-batch DP-SGD (q = 1, 4 steps, sigma 1.2)', () => {
    const [sigma, steps, delta] = [1.2, 4, 1e-3];
    const family = dpsgdFamily({ q: 1, steps, delta });
    const trueEps = family.epsilon(1 / sigma);
    const bounds = simulate(60, 2000, (b, n) => {
      let s = 0;
      for (let t = 0; t < steps; t++) s += (b ? 1 : 0) + sigma * n();
      return s;
    }).map((r) => epsilonLowerBound(r.scores, r.included, { delta, family }).epsilon);
    expect(bounds.filter((b) => b > trueEps).length).toBeLessThanOrEqual(3);
    expect(Math.max(...bounds)).toBeGreaterThan(0.3 * trueEps);
  });

  it('a mechanism twice as leaky as claimed is caught (the test can fail)', () => {
    // Scores of mu = 2 audited against the claim mu = 0.5: the bound exceeds the claimed epsilon.
    const delta = 1e-5;
    const claimed = gaussianEpsilon(0.5, delta);
    const [run] = simulate(1, 2000, (b, n) => (b ? 2 : 0) + n());
    expect(
      epsilonLowerBound(run.scores, run.included, { delta, family: gaussianFamily(delta) }).epsilon,
    ).toBeGreaterThan(claimed);
  });
});
