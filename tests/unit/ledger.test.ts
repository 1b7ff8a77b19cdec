/**
 * The privacy ledger (privacy issue, item 9): every run's DP releases on a set of documents are
 * recorded locally, and a new run on overlapping documents sees what was already spent, composed
 * by the accountant with its own phases. The composed epsilon is checked against computeEpsilon of
 * the concatenated phases, computed here independently of the ledger's bookkeeping.
 */
import { describe, expect, it } from 'vitest';
import type { Document } from '../../src/data/types';
import { computeEpsilon } from '../../src/dp/accounting/index';
import {
  composeWithLedger,
  emptyLedger,
  fingerprints,
  type LedgerRelease,
  overlappingEntries,
  parseLedger,
  recordRun,
  releasesOfReports,
} from '../../src/pipeline/ledger';
import type { PrivacyReport } from '../../src/pipeline/results';

const docs = (ids: string[]): Document[] => ids.map((id) => ({ id, text: id, labels: [], source: 's' }));
const teacher: LedgerRelease = {
  method: 'distildp',
  phases: [
    { q: 1, sigma: 10, steps: 1 },
    { q: 0.2, sigma: 1.2, steps: 25 },
  ],
  thresholdDelta: 1e-7,
};
const dpsgd: LedgerRelease = {
  method: 'dpsgd',
  phases: [{ q: 0.2, sigma: 1.1, steps: 25 }],
  thresholdDelta: 0,
};

describe('privacy ledger', () => {
  it('composes the earlier runs on overlapping documents with the new run', () => {
    let ledger = emptyLedger();
    const a = docs(['d1', 'd2', 'd3']);
    ledger = recordRun(ledger, {
      id: 'r1',
      documents: fingerprints(ledger, a),
      releases: [teacher],
      status: 'spent',
    });
    // A run on other documents does not count for these.
    ledger = recordRun(ledger, {
      id: 'r2',
      documents: fingerprints(ledger, docs(['x1', 'x2'])),
      releases: [dpsgd],
      status: 'spent',
    });
    const next = docs(['d3', 'd4']); // shares d3 with r1
    const prior = overlappingEntries(ledger, fingerprints(ledger, next));
    expect(prior.map((e) => e.id)).toEqual(['r1']);
    const delta = 1e-5;
    const c = composeWithLedger(prior, [dpsgd], delta, 'prv');
    expect(c.priorRuns).toBe(1);
    expect(c.priorEpsilon).toBeCloseTo(computeEpsilon(teacher.phases, delta), 10);
    expect(c.runEpsilon).toBeCloseTo(computeEpsilon(dpsgd.phases, delta), 10);
    expect(c.totalEpsilon).toBeCloseTo(computeEpsilon([...teacher.phases, ...dpsgd.phases], delta), 10);
    expect(c.totalEpsilon).toBeGreaterThan(Math.max(c.priorEpsilon, c.runEpsilon));
    expect(c.totalDelta).toBeCloseTo(delta + 1e-7, 15);
    expect(composeWithLedger([], [dpsgd], delta, 'prv').priorEpsilon).toBe(0);
  });

  it('fingerprints are keyed by a random local key, not the bare content ids', () => {
    const a = emptyLedger();
    const b = emptyLedger();
    expect(a.key).not.toBe(b.key);
    const d = docs(['0123456789abcd']);
    expect(fingerprints(a, d)).not.toEqual(fingerprints(b, d));
    expect(fingerprints(a, d)[0]).not.toContain('0123456789abcd');
  });

  it('a method sharing a DP training with another is counted once (synthetic-only shares the teacher)', () => {
    const report = (method: PrivacyReport['method'], phases: LedgerRelease['phases']) =>
      ({ method, phases, threshold_delta: 0 }) as unknown as PrivacyReport;
    const releases = releasesOfReports([
      report('distildp', teacher.phases),
      report('synthetic', teacher.phases),
      report('dpsgd', dpsgd.phases),
    ]);
    expect(releases.map((r) => r.method)).toEqual(['distildp', 'dpsgd']);
  });

  it('round-trips through JSON and rejects what it did not write', () => {
    const ledger = recordRun(emptyLedger(), {
      id: 'r1',
      documents: ['a'],
      releases: [teacher],
      status: 'planned',
    });
    expect(parseLedger(JSON.stringify(ledger))).toEqual(ledger);
    expect(() => parseLedger('{"format":"other"}')).toThrow(/not a DistilDP privacy ledger/);
  });
});
