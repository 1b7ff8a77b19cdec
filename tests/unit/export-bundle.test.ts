/**
 * The one export function: the CLI (from the live pipeline result) and the app (from the run's
 * stored records, after a reload too) produce the same files; the run folder holds what a cluster
 * needs with a README on continuing; model cards state the guarantee and the user's description;
 * `distildp export` writes max length = n_positions.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIO } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import type { Document } from '../../src/data/types';
import { unzipFiles } from '../../src/io/zip';
import { MemoryCheckpoints, parseCheckpoint, serializeCheckpoint } from '../../src/pipeline/checkpoint';
import { exportFile, runExportTree } from '../../src/pipeline/export-bundle';
import { disposeModel, loadModel } from '../../src/pipeline/models';
import { NEIGHBOURING_RELATION } from '../../src/pipeline/privacy-report';
import { type PipelineResult, runPipeline } from '../../src/pipeline/run';
import { loadRunOutputs, outputsOfResult } from '../../src/pipeline/run-outputs';
import { useWasm } from './helpers/backend';

const dec = new TextDecoder();
const text = (files: Map<string, Uint8Array>, name: string) => dec.decode(files.get(name)!);

function documents(n: number): Document[] {
  const topics = {
    garden: 'the roses and the tulips grow in the old garden by the wall. ',
    ships: 'the ships sail from the harbour at dawn with their cargo of tea. ',
  };
  return Array.from({ length: n }, (_, i) => {
    const label = i % 2 ? 'garden' : 'ships';
    return { id: `d${i}`, text: topics[label].repeat(1 + (i % 3)).trim(), labels: [label], source: 'test' };
  });
}

const OPTIONS = { runId: '9f86d081884c7d65', created: new Date('2024-01-02T03:04:05Z') };
const DESCRIPTION = 'Notes from our garden club, 2020-2024.\nEnglish; about 60 short notes.';

let result: PipelineResult;
let checkpoints: MemoryCheckpoints;
beforeAll(async () => {
  await useWasm();
  const noAssets = async () => null;
  const teacher = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets);
  const student = await loadModel({ kind: 'preset', name: 'tiny' }, noAssets);
  checkpoints = new MemoryCheckpoints();
  result = await runPipeline({
    documents: documents(40),
    teacher,
    student,
    checkpoints,
    config: {
      methods: ['distildp'],
      teacherDP: { expectedBatchSize: 8, epochs: 1, microBatchSize: 4 },
      synthetic: { samples: 6, overGenerate: 1, generation: { maxLength: 24, batchSize: 8 } },
      distill: { epochs: 1, batchSize: 8 },
      histogram: { mode: 'dp', sigma: 2 },
      validation: { points: 0, maxWindows: 1 },
    },
  });
  disposeModel(teacher);
  disposeModel(student);
}, 120_000);

afterAll(() => {
  if (result?.distildp) {
    disposeModel(result.distildp.student);
    disposeModel(result.distildp.teacher);
  }
});

describe('run export', () => {
  it('gives the same files from the live result (CLI) and from the stored checkpoints (app)', async () => {
    // The app reads checkpoints back from bytes in the browser's storage.
    const stored = new MemoryCheckpoints();
    for (const [key, c] of checkpoints.records)
      stored.records.set(key, parseCheckpoint(serializeCheckpoint(c)));
    const live = await runExportTree(await outputsOfResult(result, 'bytes'), OPTIONS);
    const fromStore = await runExportTree(await loadRunOutputs(stored, 'bytes', result.reports), OPTIONS);
    expect([...fromStore.keys()].sort()).toEqual([...live.keys()].sort());
    for (const [name, bytes] of live)
      expect(Buffer.from(fromStore.get(name)!).equals(Buffer.from(bytes)), name).toBe(true);
  });

  it('holds what a cluster needs, with a README on continuing with and without new privacy cost', async () => {
    const tree = await runExportTree(await outputsOfResult(result, 'bytes'), {
      ...OPTIONS,
      dataDescription: DESCRIPTION,
    });
    const model = [
      'README.md',
      'config.json',
      'generation_config.json',
      'merges.txt',
      'model.safetensors',
      'privacy-report.json',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'vocab.json',
    ];
    expect([...tree.keys()].sort()).toEqual(
      [
        'README.md',
        'privacy-report.json',
        'synthetic.jsonl',
        ...model.map((f) => `student/${f}`),
        ...model.map((f) => `teacher/${f}`),
      ].sort(),
    );
    const report = JSON.parse(text(tree, 'privacy-report.json'));
    expect(report).toMatchObject({
      format: 'distildp-privacy-report',
      run_id: OPTIONS.runId,
      method: 'distildp',
      unit: 'document',
      neighbouring_relation: NEIGHBOURING_RELATION,
    });
    expect(JSON.parse(text(tree, 'student/privacy-report.json'))).toEqual(report);
    expect(text(tree, 'synthetic.jsonl').trim().split('\n')).toHaveLength(result.synthetic!.samples.length);
    const readme = text(tree, 'README.md');
    for (const needle of [
      `ε = ${report.epsilon.toPrecision(4)}`,
      report.reproduce,
      'no further privacy cost',
      'accelerate launch',
      'Trainer(',
      'load_dataset("json", data_files="synthetic.jsonl")',
      'spends new privacy budget',
      'OpacusDPTrainer',
      'poisson_sampling=True',
      '> Notes from our garden club, 2020-2024.\n> English; about 60 short notes.',
    ])
      expect(readme, needle).toContain(needle);
  });

  it("names downloads by the run's random id and zips the same tree for 'all'", async () => {
    const outputs = await outputsOfResult(result, 'bytes');
    const names = await Promise.all(
      (['student', 'teacher', 'synthetic', 'report', 'all'] as const).map(
        async (what) => (await exportFile(outputs, what, OPTIONS)).fileName,
      ),
    );
    expect(names).toEqual([
      'distildp-student-9f86d081.zip',
      'distildp-teacher-9f86d081.zip',
      'distildp-synthetic-9f86d081.jsonl',
      'distildp-privacy-report-9f86d081.json',
      'distildp-run-9f86d081.zip',
    ]);
    const all = unzipFiles((await exportFile(outputs, 'all', OPTIONS)).bytes);
    const tree = await runExportTree(outputs, OPTIONS);
    expect([...all.keys()].sort()).toEqual([...tree.keys()].sort());
    const student = unzipFiles((await exportFile(outputs, 'student', { ...OPTIONS, dtype: 'F16' })).bytes);
    expect(JSON.parse(text(student, 'config.json')).torch_dtype).toBe('float16');
    await expect(exportFile({ ...outputs, student: undefined }, 'student', OPTIONS)).rejects.toThrow(
      'this run has no finished student',
    );
  });

  it('writes model cards with the guarantee, the description as written, and how to load the byte tokenizer', async () => {
    const tree = await runExportTree(await outputsOfResult(result, 'bytes'), {
      ...OPTIONS,
      dataDescription: DESCRIPTION,
    });
    const report = JSON.parse(text(tree, 'privacy-report.json'));
    const card = text(tree, 'student/README.md');
    for (const needle of [
      'library_name: transformers',
      '# DistilDP student',
      'post-processing',
      `**ε = ${report.epsilon.toPrecision(4)}**`,
      `**δ = ${report.delta.toExponential(2)}**`,
      'privacy unit: one document',
      `neighbouring datasets: ${NEIGHBOURING_RELATION}`,
      'accountant: PRV',
      `npx ${report.reproduce}`,
      '> Notes from our garden club, 2020-2024.\n> English; about 60 short notes.',
      'AutoTokenizer.from_pretrained(folder)',
      'GPT2LMHeadModel.from_pretrained(folder)',
      '| context (n_positions) | 64 tokens',
      'ids 0-255 are the UTF-8 bytes',
      'list("Once upon a time".encode("utf-8"))',
      'split_special_tokens',
    ])
      expect(card, needle).toContain(needle);
    expect(text(tree, 'teacher/README.md')).toContain('# DistilDP teacher (DP-SGD fine-tuned)');
    const undescribed = await runExportTree(await outputsOfResult(result, 'bytes'), OPTIONS);
    expect(text(undescribed, 'student/README.md')).toContain(
      'No description of the training data was given.',
    );
  });
});

describe('distildp export', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'distildp-export-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes tokenizer_config model_max_length = n_positions, pad ids and a model card', async () => {
    const io: CommandIO = { out: () => {}, err: () => {} };
    const out = join(dir, 'tiny.zip');
    const code = await main(
      ['export', '--model', 'tiny', '--out', out, '--fp16', '--description', 'random weights'],
      io,
    );
    expect(code).toBe(0);
    const files = unzipFiles(new Uint8Array(readFileSync(out)));
    const config = JSON.parse(text(files, 'config.json'));
    expect(config).toMatchObject({
      n_positions: 64,
      pad_token_id: 257,
      eos_token_id: 256,
      torch_dtype: 'float16',
    });
    expect(JSON.parse(text(files, 'generation_config.json')).pad_token_id).toBe(257);
    expect(JSON.parse(text(files, 'tokenizer_config.json')).model_max_length).toBe(64);
    const card = text(files, 'README.md');
    expect(card).toContain('> random weights');
    expect(card).toContain('This export carries no privacy report');

    const folder = join(dir, 'tiny');
    expect(await main(['export', '--model', 'tiny', '--out', folder], io)).toBe(0);
    expect(JSON.parse(readFileSync(join(folder, 'tokenizer_config.json'), 'utf8')).model_max_length).toBe(64);
  });
});
