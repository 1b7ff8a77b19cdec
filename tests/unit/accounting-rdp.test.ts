import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeEpsilon } from '../../src/dp/accounting/index';
import {
  RDP_ORDERS,
  rdpEpsilon,
  rdpOfPhases,
  rdpSubsampledGaussian,
  rdpToEpsilon,
} from '../../src/dp/accounting/rdp';

/** Epsilons computed by Opacus and Google dp_accounting (fixtures/accounting-reference.json). */
const ref = JSON.parse(
  readFileSync(new URL('./fixtures/accounting-reference.json', import.meta.url), 'utf8'),
) as {
  rdp_orders_opacus: number[];
  cases: {
    id: string;
    sample_rate_q: number;
    noise_multiplier_sigma: number;
    steps: number;
    delta: number;
    eps_rdp_opacus: number;
    rdp_opacus_opt_alpha: number;
    eps_rdp_opacus_classic_conversion: number;
  }[];
  rdp_per_order_single_step: { q: number; sigma: number; rdp_by_alpha: Record<string, number> }[];
};

describe('RDP accountant vs Opacus', () => {
  it("uses Opacus' orders [1 + x/10, x = 1..99] + [12..63]", () => {
    expect(RDP_ORDERS).toEqual(ref.rdp_orders_opacus);
  });

  for (const c of ref.cases) {
    it(`${c.id}: epsilon within 0.1% of Opacus, at Opacus' optimal order`, () => {
      const phases = [{ q: c.sample_rate_q, sigma: c.noise_multiplier_sigma, steps: c.steps }];
      const { epsilon, order } = rdpEpsilon(phases, c.delta);
      expect(Math.abs(epsilon / c.eps_rdp_opacus - 1)).toBeLessThan(1e-3);
      expect(order).toBe(c.rdp_opacus_opt_alpha);
      expect(computeEpsilon(phases, c.delta, 'rdp')).toBe(epsilon);
    });
  }

  it("matches Opacus' per-order RDP of one step (integer and fractional orders) to 1e-10", () => {
    for (const s of ref.rdp_per_order_single_step) {
      for (const [alpha, value] of Object.entries(s.rdp_by_alpha)) {
        const mine = rdpSubsampledGaussian(s.q, s.sigma, Number(alpha));
        expect(Math.abs(mine / value - 1), `alpha ${alpha}`).toBeLessThan(1e-10);
      }
    }
  });

  it('full batch is the Gaussian mechanism: rdp(alpha) = alpha / (2 sigma^2)', () => {
    for (const alpha of [1.5, 2, 7.3, 32])
      expect(rdpSubsampledGaussian(1, 1.7, alpha)).toBeCloseTo(alpha / (2 * 1.7 ** 2), 14);
  });

  it('the fractional-order series agrees with the integer expansion at neighbouring orders', () => {
    // RDP is continuous in alpha: orders 3 -/+ 1e-7 (series) bracket order 3 (binomial expansion).
    for (const [q, sigma] of [
      [0.01, 1],
      [0.1, 2],
      [0.3, 0.9],
    ]) {
      const at = rdpSubsampledGaussian(q, sigma, 3);
      const below = rdpSubsampledGaussian(q, sigma, 3 - 1e-7);
      const above = rdpSubsampledGaussian(q, sigma, 3 + 1e-7);
      expect(Math.abs(below / at - 1)).toBeLessThan(1e-5);
      expect(Math.abs(above / at - 1)).toBeLessThan(1e-5);
    }
  });

  it('composition adds RDP: two phases equal one phase with the summed steps', () => {
    const a = rdpOfPhases([
      { q: 0.02, sigma: 1.1, steps: 300 },
      { q: 0.02, sigma: 1.1, steps: 700 },
    ]);
    const b = rdpOfPhases([{ q: 0.02, sigma: 1.1, steps: 1000 }]);
    a.forEach((v, i) => {
      expect(Math.abs(v / b[i] - 1)).toBeLessThan(1e-12);
    });
  });

  it('uses the improved conversion (Balle et al. 2020), tighter than the classic one', () => {
    // Independent re-statement of the formula on a hand-made RDP curve.
    const orders = [2, 4, 8];
    const rdp = [0.5, 1.2, 3.0];
    const delta = 1e-5;
    const want = Math.min(
      ...orders.map((a, i) => rdp[i] + Math.log((a - 1) / a) - (Math.log(delta) + Math.log(a)) / (a - 1)),
    );
    expect(rdpToEpsilon(rdp, delta, orders).epsilon).toBeCloseTo(want, 14);
    for (const c of ref.cases) {
      const phases = [{ q: c.sample_rate_q, sigma: c.noise_multiplier_sigma, steps: c.steps }];
      expect(rdpEpsilon(phases, c.delta).epsilon).toBeLessThan(c.eps_rdp_opacus_classic_conversion);
    }
  });
});
