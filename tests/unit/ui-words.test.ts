import { describe, expect, it } from 'vitest';
import type { ResultRow } from '../../src/contract/protocol';
import { parseDelimited } from '../../src/data/csv';
import { pairResults } from '../../src/ui/compare-slice';
import { answerConfirm, confirmAction, confirmStore } from '../../src/ui/confirm';
import { stageKeyLabel, stageLabel, stepKeyLabel } from '../../src/ui/labels';
import { formatVsBase, gainSharesText, resultsCsv, resultTable } from '../../src/ui/results-table';
import { cleanSampleText, interleaveByCode, REPLACEMENT_MARK } from '../../src/ui/samples';

describe('labels: no internal key reaches the user', () => {
  it('names the stages of the stepper, the baselines and the checkpoints', () => {
    expect(stageLabel('distildp', 'teacher-dp')).toBe('DP teacher (DP-SGD)');
    expect(stageKeyLabel('dpsgd/student-dp')).toBe('DP-SGD student');
    expect(stageKeyLabel('dpkd/evaluate')).toBe('Evaluation (DPKD)');
    expect(stepKeyLabel('shared/teacher-dp')).toBe('DP teacher (DP-SGD)');
    expect(stepKeyLabel('distildp/evaluate-student')).toBe('Evaluation of the DistilDP student');
    expect(stepKeyLabel('nonprivate/fine-tune-teacher')).toBe('Non-private teacher');
  });

  it('turns an unknown key into words rather than showing it', () => {
    expect(stageLabel('dpsgd', 'new-stage')).toBe('DP-SGD: new stage');
    expect(stepKeyLabel('odd_key')).toBe('odd key');
    for (const label of [stageLabel('distildp', 'x-y'), stepKeyLabel('shared/a-b')])
      expect(label).not.toMatch(/[/-]/);
  });
});

describe('samples shown cleanly', () => {
  it('replaces U+FFFD and control bytes with a visible mark and counts them; keeps TAB and LF', () => {
    const c = cleanSampleText('ab\uFFFD\uFFFDc\u0001d\te\nf\u0085');
    expect(c.replaced).toBe(4);
    expect(c.parts.map((p) => p.text).join('')).toBe(
      `ab${REPLACEMENT_MARK.repeat(2)}c${REPLACEMENT_MARK}d\te\nf${REPLACEMENT_MARK}`,
    );
    expect(c.parts.filter((p) => p.replaced).map((p) => p.text.length)).toEqual([2, 1, 1]);
    expect(cleanSampleText('plain é 字').replaced).toBe(0);
  });

  it('"All codes" interleaves the newest samples of every code', () => {
    const s = (code: string, i: number) => ({ labels: [code], text: `${code}${i}` });
    // Generation runs code by code: all of a, then all of b.
    const samples = [s('a', 1), s('a', 2), s('a', 3), s('b', 1), s('b', 2)];
    expect(interleaveByCode(samples, 4).map((x) => x.text)).toEqual(['a3', 'b2', 'a2', 'b1']);
    expect(interleaveByCode(samples, 10)).toHaveLength(5);
  });
});

const row = (
  method: ResultRow['method'],
  model: ResultRow['model'],
  ppl: number,
  eps: number | null = 2,
): ResultRow => ({
  method,
  model,
  epsilon: eps,
  delta: eps === null ? null : 1e-5,
  test_ppl: ppl,
  window_mean_ppl: ppl,
  bits_per_byte: ppl / 4,
  wall_s: 12,
});

describe('results table', () => {
  it('puts each base model first and gives every trained row its change vs that base', () => {
    const rows = resultTable(
      [row('distildp', 'student', 4.5), row('distildp', 'teacher', 4), row('nonprivate', 'student', 4, null)],
      [
        { model: 'student', test_ppl: 5, bits_per_byte: 1.25 },
        { model: 'teacher', test_ppl: 4, bits_per_byte: 1 },
      ],
    );
    expect(rows.map((r) => r.key)).toEqual([
      'base/student',
      'distildp/student',
      'nonprivate/student',
      'base/teacher',
      'distildp/teacher',
    ]);
    expect(rows[1].vsBase).toBeCloseTo(-0.1, 12);
    expect(rows[2].methodLabel).toBe('Non-private (upper bound)');
    expect(formatVsBase(-0.1)).toBe('−10.0 %');
    expect(formatVsBase(0.004)).toBe('+0.4 %');
    expect(formatVsBase(null)).toBe('–');
    const csv = parseDelimited(resultsCsv(rows).replaceAll('\r\n', '\n'), ',').rows.map((r) => r.fields);
    expect(csv[0]).toEqual([
      'method',
      'model',
      'epsilon',
      'delta',
      'test_ppl',
      'bits_per_byte',
      'ppl_vs_base',
      'share_of_nonprivate_gain',
      'wall_s',
    ]);
    expect(csv[1]).toEqual(['base', 'student', '', '', '5', '1.25', '', '', '']);
    expect(csv[3].slice(0, 3)).toEqual(['nonprivate', 'student', 'inf']);
    expect(Number(csv[2][6])).toBeCloseTo(-0.1, 12);
    // DistilDP's student went 5 -> 4.5 of non-private's 5 -> 4: half the gain. The non-private row
    // itself and the teacher (no non-private teacher row) have none.
    expect(Number(csv[2][7])).toBeCloseTo(0.5, 12);
    expect(rows.map((r) => r.gainShare)).toEqual([null, 0.5, null, null, null]);
    expect(gainSharesText(rows)).toBe('DistilDP (student) 50 %');
  });

  it('writes a private model worse than its base with a minus sign', () => {
    const rows = resultTable(
      [row('dpsgd', 'student', 5.2), row('nonprivate', 'student', 4, null)],
      [{ model: 'student', test_ppl: 5, bits_per_byte: 1.25 }],
    );
    expect(rows[1].gainShare).toBeCloseTo(-0.2, 12);
    expect(gainSharesText(rows)).toBe('DP-SGD (student) −20 %');
  });

  it('has no gain shares where non-private fine-tuning did not beat the base model', () => {
    const rows = resultTable(
      [row('dpsgd', 'student', 4.9), row('nonprivate', 'student', 5.1, null)],
      [{ model: 'student', test_ppl: 5, bits_per_byte: 1.25 }],
    );
    expect(rows.map((r) => r.gainShare)).toEqual([null, null, null]);
    expect(gainSharesText(rows)).toBeNull();
  });

  it('without base results has no vs-base numbers', () => {
    expect(resultTable([row('dpsgd', 'student', 3)], [])[0].vsBase).toBeNull();
  });
});

describe('confirmAction', () => {
  it('resolves with the answer; a second question declines the first', async () => {
    const first = confirmAction({ title: 'a', message: 'm', confirmLabel: 'yes' });
    const second = confirmAction({ title: 'b', message: 'm', confirmLabel: 'yes' });
    expect(await first).toBe(false);
    expect(confirmStore.getState().request?.title).toBe('b');
    answerConfirm(true);
    expect(await second).toBe(true);
    expect(confirmStore.getState().request).toBeNull();
  });
});

describe('compare: results paired by method and model', () => {
  it('pairs rows of either run, keeping what only one has', () => {
    const pairs = pairResults(
      [row('distildp', 'student', 4)],
      [row('distildp', 'student', 5), row('dpsgd', 'student', 6)],
    );
    expect(pairs.map((p) => [p.key, p.shown?.test_ppl, p.other?.test_ppl])).toEqual([
      ['distildp/student', 4, 5],
      ['dpsgd/student', undefined, 6],
    ]);
  });
});
