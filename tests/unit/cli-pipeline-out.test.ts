/**
 * What `distildp pipeline --out` and `--json` release (privacy issue, items 1 and 5): the shareable
 * folder holds only DP artefacts (privacy reports with a random run id, the synthetic corpus, the
 * student); numbers computed on private documents outside any mechanism (test perplexities,
 * non-private rows) go to `local-only/`; and nothing prints the exact number of distinct training
 * control codes (a code held by one document changes it), only the DP-released `codes_released`.
 * One tiny pipeline run (tiny models, one DP step, a few synthetic samples).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeEpsilon } from '../../src/dp/accounting/index';
import { useWasm } from './helpers/backend';
import { runCli } from './helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'distildp-out-'));
beforeAll(useWasm);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 40 labelled records; one more label ('rare') held by a single document. */
function corpus(): string {
  const lines = Array.from({ length: 40 }, (_, i) =>
    JSON.stringify({
      text: `${i % 2 ? 'The roses grow by the old wall' : 'The ships leave the harbour at dawn'}; note ${i}.`,
      label: i === 7 ? 'rare' : i % 2 ? 'garden' : 'ships',
    }),
  );
  return `${lines.join('\n')}\n`;
}

const run = runCli;

const TINY_PIPELINE = [
  '--teacher-init',
  'tiny',
  '--student-init',
  'tiny',
  '--batch',
  '64',
  '--teacher-epochs',
  '1',
  '--synthetic-samples',
  '6',
  '--distill-epochs',
  '1',
  '--methods',
  'distildp,nonprivate',
];

describe('distildp pipeline: data choices are explicit (privacy issue item 2)', () => {
  it('exits 2 when the data has a label-like field and neither --label-field nor --no-labels is given', async () => {
    const data = join(dir, 'labelled.jsonl');
    writeFileSync(data, corpus());
    const r = await run(['pipeline', '--private', data, ...TINY_PIPELINE, '--json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--label-field label/);
    expect(r.err).toMatch(/--no-labels/);
    expect(r.out).toBe('');
  });
});

describe('distildp pipeline --histogram uniform (privacy issue item 6)', () => {
  it('exits 2 without a user-declared list of codes', async () => {
    const data = join(dir, 'uniform.jsonl');
    writeFileSync(data, corpus());
    const r = await run([
      'pipeline',
      '--private',
      data,
      '--label-field',
      'label',
      '--histogram',
      'uniform',
      ...TINY_PIPELINE,
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--histogram uniform needs the list of codes.*--codes/);
  });
});

describe('distildp pipeline --out / --json', () => {
  it('keeps non-DP numbers in local-only/, names the run randomly, prints codes_released only', async () => {
    const data = join(dir, 'private.jsonl');
    writeFileSync(data, corpus());
    const out = join(dir, 'out');
    const r = await run([
      'pipeline',
      '--private',
      data,
      '--label-field',
      'label',
      ...TINY_PIPELINE,
      '--out',
      out,
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);

    // The shareable folder: DP artefacts only.
    const top = readdirSync(out).sort();
    expect(top).toEqual([
      'README.md',
      'local-only',
      'privacy-report.json',
      'student',
      'synthetic.jsonl',
      'teacher',
    ]);
    const summary = JSON.parse(r.out.trim());
    const report = JSON.parse(readFileSync(join(out, 'privacy-report.json'), 'utf8'));
    expect(report.run_id).toMatch(/^[0-9a-f]{16}$/);
    expect(report.run_id).toBe(summary.run_id);
    expect(JSON.stringify(report)).not.toMatch(/test_ppl|"control_codes"/);
    // Every report states the neighbouring relation and the public choices (items 7 and 2).
    for (const rep of [report, ...report.baselines]) {
      expect(rep.neighbouring_relation).toMatch(/add or remove one document/);
      expect(rep.neighbouring_relation).toMatch(/N .* public/);
      expect(rep.num_documents).toBe(summary.corpus.train);
      expect(rep.public_choices).toEqual({
        text_field: 'text',
        label_fields: ['label'],
        folder_labels: false,
        use_labels_as_control_codes: true,
        histogram_mode: 'dp',
      });
    }
    // Test perplexities and the non-private rows are local only.
    const local = JSON.parse(readFileSync(join(out, 'local-only', 'results.json'), 'utf8'));
    expect(local.results.some((row: { method: string }) => row.method === 'nonprivate')).toBe(true);
    expect(local.base_test_ppl.student).toBeGreaterThan(1);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    // Each private model's share of the non-private gain, local like the perplexities it comes from:
    // (base - ppl) / (base - non-private) per model, where non-private beat the base.
    const expected: Record<string, Record<string, number>> = {};
    for (const model of ['teacher', 'student']) {
      const rows = local.results.filter((row: { model: string }) => row.model === model);
      const np = rows.find((row: { method: string }) => row.method === 'nonprivate');
      const b = local.base_test_ppl[model];
      if (!np || np.test_ppl >= b) continue;
      for (const row of rows.filter((x: { epsilon: number | null }) => x.epsilon !== null))
        expected[model] = { ...expected[model], [row.method]: (b - row.test_ppl) / (b - np.test_ppl) };
    }
    expect(expected.teacher?.distildp).toEqual(expect.any(Number)); // the tiny non-private teacher beats its base
    expect(local.share_of_nonprivate_gain).toEqual(expected);
    expect(summary.share_of_nonprivate_gain).toEqual(expected);
    expect(JSON.stringify(report)).not.toMatch(/share_of_nonprivate_gain/);

    // --json: the released number of codes, not the exact number of distinct training codes.
    expect(summary.corpus.control_codes).toBeUndefined();
    expect(typeof summary.corpus.codes_released).toBe('number');
    expect(summary.corpus.codes_released).toBe(summary.privacy[0].histogram.codes_released);
    expect(r.err).not.toMatch(/control codes \d/);
  });
});

describe('distildp pipeline --ledger (privacy issue item 9)', () => {
  it('a second run on the same documents asks for confirmation, then records the composed spend', async () => {
    const data = join(dir, 'ledger.jsonl');
    writeFileSync(data, corpus());
    const ledger = join(dir, 'ledger.json');
    const argv = [
      'pipeline',
      '--private',
      data,
      '--label-field',
      'label',
      ...TINY_PIPELINE,
      '--ledger',
      ledger,
    ];
    const first = await run([...argv, '--json']);
    expect(first.code, first.err).toBe(0);
    const second = await run([...argv, '--json']);
    expect(second.code).toBe(2);
    expect(second.err).toMatch(/1 earlier run\(s\) on these documents spent epsilon [0-9.]+/);
    expect(second.err).toMatch(/--confirm-spend/);
    expect(second.out).toBe('');
    const confirmed = await run([...argv, '--confirm-spend', '--json']);
    expect(confirmed.code, confirmed.err).toBe(0);
    const book = JSON.parse(readFileSync(ledger, 'utf8'));
    expect(book.entries).toHaveLength(2);
    expect(book.entries.every((e: { status: string }) => e.status === 'spent')).toBe(true);
    // The total the CLI states is the accountant's composition of both runs' phases.
    const phases = book.entries.flatMap((e: { releases: { phases: unknown[] }[] }) =>
      e.releases.flatMap((r) => r.phases),
    );
    const delta = JSON.parse(confirmed.out.trim()).privacy[0].accounting_delta;
    const total = Number(/together epsilon ([0-9.]+)/.exec(confirmed.err)?.[1]);
    expect(total).toBeCloseTo(computeEpsilon(phases, delta), 3);
  });
});
