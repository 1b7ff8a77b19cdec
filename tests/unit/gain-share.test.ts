/**
 * The share of non-private fine-tuning's gain a private model reaches (README's "recovery"), as the
 * CLI's JSON and text output give it, against values computed by hand from README's licenses run.
 */
import { describe, expect, it } from 'vitest';
import { formatGainShares } from '../../src/cli/commands/pipeline-options';
import { nonPrivateGainShares, shareOfNonPrivateGain } from '../../src/contract/gain-share';
import type { ResultRow } from '../../src/pipeline/results';

const row = (
  method: ResultRow['method'],
  model: ResultRow['model'],
  ppl: number,
  private_ = true,
): ResultRow => ({
  method,
  model,
  epsilon: private_ ? 2 : null,
  delta: private_ ? 3e-4 : null,
  test_ppl: ppl,
  window_mean_ppl: ppl,
  bits_per_byte: 1,
  wall_s: 1,
});

describe('share of the non-private gain', () => {
  it('is (base - ppl) / (base - non-private), null when non-private gained nothing', () => {
    // licenses, today's rule: base teacher 7.194, non-private 2.634, DP teacher 4.900.
    expect(shareOfNonPrivateGain(4.9, 7.194, 2.634)).toBeCloseTo((7.194 - 4.9) / (7.194 - 2.634), 12);
    expect(shareOfNonPrivateGain(4.9, 7.194, 2.634)).toBeCloseTo(0.50307, 5);
    expect(shareOfNonPrivateGain(7.5, 7.194, 2.634)).toBeLessThan(0); // worse than the base model
    expect(shareOfNonPrivateGain(4, 5, 5)).toBeNull();
    expect(shareOfNonPrivateGain(4, 5, 6)).toBeNull();
  });

  it('gives every private row of a model with a non-private row, and the CLI line names them', () => {
    const results = [
      row('distildp', 'student', 5.267),
      row('dpsgd', 'student', 5.64),
      row('nonprivate', 'student', 3.118, false),
      row('distildp', 'teacher', 4.9),
      row('nonprivate', 'teacher', 2.634, false),
      row('synthetic', 'student', 7.0),
    ];
    const shares = nonPrivateGainShares(results, { teacher: 7.194, student: 7.587 });
    expect(Object.keys(shares.student ?? {})).toEqual(['distildp', 'dpsgd', 'synthetic']);
    expect(shares.student?.distildp).toBeCloseTo((7.587 - 5.267) / (7.587 - 3.118), 12);
    expect(shares.teacher?.distildp).toBeCloseTo(0.50307, 5);
    expect(formatGainShares(shares)).toBe(
      "share of the non-private model's gain over its base: teacher distildp 50.3%; student distildp 51.9%, dpsgd 43.6%, synthetic 13.1%",
    );
    // Without non-private rows there is nothing to share: the JSON holds {} and the text no line.
    const privateOnly = nonPrivateGainShares(
      results.filter((r) => r.method !== 'nonprivate'),
      {
        teacher: 7.194,
        student: 7.587,
      },
    );
    expect(privateOnly).toEqual({});
    expect(formatGainShares(privateOnly)).toBeNull();
  });
});
