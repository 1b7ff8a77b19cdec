/**
 * The whole app as a user drives it, on the tiny models (`?models=tiny`) and the wasm backend
 * (SwiftShader WebGPU is far too slow to train here): drop files (one rejected with its reason),
 * see the split and the privacy plan, press one button, watch the stepper and the charts fill,
 * read samples and results, download the student, the teacher, the synthetic text and the
 * privacy report, and check each file independently (safetensors header against HF GPT-2 naming,
 * config.json, epsilon recomputed from the report's phases). No request may leave 127.0.0.1.
 */
import { unzipSync } from 'fflate';
import { computeEpsilon } from '../../src/dp/accounting/index';
import { cleanSampleText } from '../../src/ui/samples';
import { download, dropFiles, expect, labelledJsonl, screenshot, test, waitForApp } from './helpers';

/** Tiny preset: GPT-2 layout, byte vocabulary. */
const TINY = { vocab: 258, context: 64, layers: 2, heads: 2, width: 32 };

/** HF GPT-2 state-dict names and shapes of a tied GPT2LMHeadModel, written out by hand. */
function expectedTensors(c: typeof TINY): Map<string, number[]> {
  const d = c.width;
  const out = new Map<string, number[]>([
    ['transformer.wte.weight', [c.vocab, d]],
    ['transformer.wpe.weight', [c.context, d]],
  ]);
  for (let i = 0; i < c.layers; i++) {
    const p = `transformer.h.${i}.`;
    out.set(`${p}ln_1.weight`, [d]);
    out.set(`${p}ln_1.bias`, [d]);
    out.set(`${p}attn.c_attn.weight`, [d, 3 * d]);
    out.set(`${p}attn.c_attn.bias`, [3 * d]);
    out.set(`${p}attn.c_proj.weight`, [d, d]);
    out.set(`${p}attn.c_proj.bias`, [d]);
    out.set(`${p}ln_2.weight`, [d]);
    out.set(`${p}ln_2.bias`, [d]);
    out.set(`${p}mlp.c_fc.weight`, [d, 4 * d]);
    out.set(`${p}mlp.c_fc.bias`, [4 * d]);
    out.set(`${p}mlp.c_proj.weight`, [4 * d, d]);
    out.set(`${p}mlp.c_proj.bias`, [d]);
  }
  out.set('transformer.ln_f.weight', [d]);
  out.set('transformer.ln_f.bias', [d]);
  return out;
}

/** Reads a safetensors header by the format's definition: u64 LE length, then JSON. */
function safetensorsHeader(bytes: Uint8Array) {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>
  >;
  return { header, dataBytes: bytes.length - 8 - length };
}

/** The files of a model folder as `save_pretrained` + our model card and privacy report write them. */
const MODEL_FILES = [
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

function checkModelZip(bytes: Uint8Array) {
  const files = unzipSync(bytes);
  expect(Object.keys(files).sort()).toEqual(MODEL_FILES);
  // Truncation in Python must cut at the position table, and padding must have an id.
  const tokenizerConfig = JSON.parse(new TextDecoder().decode(files['tokenizer_config.json']));
  expect(tokenizerConfig.model_max_length).toBe(TINY.context);
  const config = JSON.parse(new TextDecoder().decode(files['config.json']));
  expect(config).toMatchObject({
    model_type: 'gpt2',
    architectures: ['GPT2LMHeadModel'],
    vocab_size: TINY.vocab,
    n_positions: TINY.context,
    n_embd: TINY.width,
    n_layer: TINY.layers,
    n_head: TINY.heads,
    pad_token_id: 257,
  });
  const { header, dataBytes } = safetensorsHeader(files['model.safetensors']);
  expect(header.__metadata__).toEqual({ format: 'pt' });
  const expected = expectedTensors(TINY);
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  expect(names.sort()).toEqual([...expected.keys()].sort());
  let total = 0;
  for (const [name, shape] of expected) {
    const t = header[name] as { dtype: string; shape: number[]; data_offsets: [number, number] };
    expect(t.dtype, name).toBe('F32');
    expect(t.shape, name).toEqual(shape);
    expect(t.data_offsets[1] - t.data_offsets[0], name).toBe(4 * shape.reduce((a, b) => a * b, 1));
    total += t.data_offsets[1] - t.data_offsets[0];
  }
  expect(dataBytes).toBe(total);
  // The weights are trained numbers, not a zero or NaN placeholder.
  const wte = header['transformer.wte.weight'] as { data_offsets: [number, number] };
  const start = files['model.safetensors'].length - dataBytes + wte.data_offsets[0];
  const values = new Float32Array(files['model.safetensors'].slice(start, start + 4 * 64).buffer);
  expect(values.every(Number.isFinite)).toBe(true);
  expect(values.some((v) => v !== 0)).toBe(true);
}

test('a full DistilDP run from dropped files to a downloaded student', async ({ page }) => {
  test.setTimeout(480_000);
  await page.goto('/?backend=wasm&models=tiny');
  await waitForApp(page);

  // Data: two files used, one rejected with its reason.
  await dropFiles(page.getByTestId('dropzone'), {
    'private.jsonl': labelledJsonl(56),
    'notes.txt': 'A plain note about the harbour and the garden.',
    'scan.pdf': '%PDF-1.4 not text',
  });
  const row = (path: string) => page.locator(`[data-testid="file-row"][data-path="${path}"]`);
  await expect(row('private.jsonl')).toHaveAttribute('data-status', 'ok');
  await expect(row('scan.pdf')).toHaveAttribute('data-status', 'rejected');
  await expect(row('scan.pdf').getByTestId('file-notes')).toContainText('unsupported file type');
  // Labels are the user's choice, never read from the data: none until the proposal is confirmed.
  await expect(page.getByTestId('total-labels')).toHaveText('');
  await expect(page.getByTestId('field-proposal')).toContainText("labels 'label'");
  await page.getByTestId('use-proposal').click();
  await expect(page.getByTestId('total-labels')).toHaveText('garden, ships');
  await page.getByTestId('use-control-codes').check();
  // 57 documents, each assigned by a keyed hash of its content: 3 validation, 4 test, 50 train.
  await expect(page.getByTestId('split-train')).toHaveText('50');
  await expect(page.getByTestId('split-validation')).toHaveText('3');
  await expect(page.getByTestId('split-test')).toHaveText('4');
  await screenshot(page.locator('#data'), 'data');

  // The plan, before training: q = 4 / 50 and steps = ceil(2 / q) = 25 (tiny profile: batch 4, 2 epochs).
  await expect(page.getByTestId('plan-steps')).toHaveText('25');
  await expect(page.getByTestId('plan-delta')).toContainText('rule 1/N^1.1, N = 50');
  await expect(page.getByTestId('plan-delta')).toContainText((50 ** -1.1).toExponential(2));
  // The neighbouring relation and what the guarantee covers are stated; no earlier run spent anything.
  await expect(page.getByTestId('neighbouring-relation')).toContainText('adding or removing one document');
  await expect(page.getByTestId('neighbouring-relation')).toContainText('treated as public');
  await expect(page.getByTestId('guarantee-scope')).toContainText('covers the training split');
  await expect(page.getByTestId('ledger')).toContainText(
    'no earlier run in this browser used these documents',
  );
  const planned = Number((await page.getByTestId('plan-epsilon').textContent())?.split(' ')[0]);
  expect(planned).toBeLessThanOrEqual(2);
  expect(planned).toBeGreaterThan(1.9);
  await expect(page.getByTestId('chart-plan')).toHaveAttribute('data-points', /^[1-9]\d*$/);
  await expect(page.getByTestId('guarantee')).toContainText('one document');
  // Guidance: what the histogram costs, and the warnings this tiny setup deserves.
  await expect(page.getByTestId('plan-histogram')).toContainText(/that release alone costs ε = 0\.\d{3}/);
  await expect(page.getByTestId('plan-histogram')).toContainText('DistilDP trains one DP teacher per label');
  await expect(page.getByTestId('epsilon-guide')).toContainText('ε = 8');
  const warnings = page.getByTestId('budget-warning');
  await expect(warnings).toHaveCount(3);
  expect(await warnings.evaluateAll((w) => w.map((e) => e.getAttribute('data-id')))).toEqual([
    'few-documents',
    'delta-weak',
    'noise-swamps',
  ]);
  await page.getByTestId('epsilon-input').fill('12');
  await expect(page.locator('[data-testid="budget-warning"][data-id="epsilon-weak"]')).toBeVisible();
  await page.getByTestId('epsilon-input').fill('2');
  await expect(warnings).toHaveCount(3);
  await expect(page.getByTestId('plan-epsilon')).toContainText('target 2,');
  await screenshot(page.locator('#models'), 'models');
  await screenshot(page.locator('#budget'), 'budget');

  // The whole run's estimated time, before it starts (measured speed x the run's work).
  await expect(page.getByTestId('plan-estimate')).toHaveAttribute('data-seconds', /^\d+$/);
  await expect(page.getByTestId('plan-estimate')).toContainText('Estimated run time on this device: about');

  // The non-private rows too (no privacy cost), so the results can say how much of their gain the private
  // models reached.
  await page.getByLabel('Non-private teacher and student').check();
  await page.getByTestId('start-run').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'running');
  // While it runs: the whole run's time left, and the progress in the tab title.
  await expect(page.getByTestId('run-eta')).toContainText(/Whole run: about \d+ s left/);
  await expect(page).toHaveTitle(/^\d+% · .+ · DistilDP$/);
  // Charts receive points while it trains.
  await expect(page.getByTestId('chart-loss')).toHaveAttribute('data-points', /^([5-9]|\d{2,})$/, {
    timeout: 120_000,
  });
  await expect(page.getByTestId('chart-epsilon')).toHaveAttribute('data-points', /^[1-9]\d*$/);
  await expect(page.getByTestId('chart-throughput')).toHaveAttribute('data-points', /^[1-9]\d*$/);
  await expect(page.getByTestId('chart-validation')).toHaveAttribute('data-points', /^[1-9]\d*$/, {
    timeout: 120_000,
  });
  await screenshot(page.locator('#run'), 'run');

  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed', {
    timeout: 400_000,
  });
  // Base models, DP teacher, synthetic text, student, evaluation.
  await expect(page.getByTestId('step')).toHaveCount(5);
  await expect(page).toHaveTitle('✓ Finished · DistilDP');
  for (const step of await page.getByTestId('step').all())
    await expect(step).toHaveAttribute('data-status', 'done');
  // Both codes are released (25 documents each against a threshold of about 9 at sigma 2), so DistilDP
  // trains one DP teacher per code, 25 steps each, charted one after the other: 50 points on the epsilon
  // chart; the student's steps are on the loss chart.
  await expect(
    page.locator('[data-testid="epsilon-table"][data-series="distildp/teacher"] [data-testid="epsilon-row"]'),
  ).toHaveCount(50);
  await expect(page.getByTestId('sample').first()).toBeVisible();
  await page.getByTestId('samples-generated').check();
  const samples = Number((await page.getByTestId('sample-count').textContent())?.split(' ')[0]);
  await page.getByTestId('samples-corpus').check();
  expect(samples).toBeGreaterThan(0);
  const results = page.getByTestId('result-row');
  // The base models (evaluated before training) head each model's rows; trained rows say how far
  // they moved from them.
  await expect(results).toHaveCount(6);
  await expect(page.locator('[data-testid="result-row"][data-method="base"]')).toHaveCount(2);
  await expect(page.locator('[data-testid="result-row"][data-method="nonprivate"]')).toHaveCount(2);
  await expect(
    page.locator('[data-method="distildp"][data-model="student"] [data-testid="result-vs-base"]'),
  ).toHaveText(/^[+−±]\d+\.\d %$/);
  await expect(
    page.locator('[data-testid="result-row"][data-method="distildp"][data-model="student"]'),
  ).toBeVisible();
  const studentEps = Number(
    await page
      .locator('[data-method="distildp"][data-model="student"] [data-testid="result-epsilon"]')
      .textContent(),
  );
  expect(studentEps).toBeLessThanOrEqual(2);
  // What the numbers mean, that these are the tiny test models, and the table as CSV.
  await expect(page.getByTestId('tiny-models-note')).toContainText('tiny test models');
  await expect(page.getByTestId('results-notes')).toContainText('base model');
  await expect(page.getByTestId('results-notes')).toContainText('Time is the wall-clock time');
  const table = (await download(page, page.getByTestId('results-csv'))).bytes.toString('utf8');
  const tableRows = table.trim().split('\r\n');
  expect(tableRows[0]).toBe(
    'method,model,epsilon,delta,test_ppl,bits_per_byte,ppl_vs_base,share_of_nonprivate_gain,wall_s',
  );
  // Each private model's share of the non-private model's gain over its base (trained from random weights,
  // the tiny non-private models beat their bases), in the panel and in the CSV.
  await expect(page.getByTestId('results-gain-shares')).toContainText(
    /DistilDP \((student|teacher)\) [−-]?\d+ %/,
  );
  expect(tableRows).toHaveLength(1 + (await results.count()));
  expect(tableRows[1]).toMatch(/^base,student,,,/);
  expect(tableRows[2]).toMatch(/^distildp,student,1\.9\d+,[^,]*,[^,]*,[^,]*,[^,]*,-?\d/);
  await screenshot(page.locator('#charts'), 'charts');
  await screenshot(page.locator('#samples'), 'samples');
  await screenshot(page.locator('#results'), 'results');

  // Try your model: the run's DP-trained student continues a prompt, token by token, in the worker.
  await page.getByTestId('try-model').selectOption('run-student');
  await page.getByTestId('try-prompt').fill('The ships');
  await page.getByTestId('try-length').fill('20');
  await page.getByTestId('try-temperature').fill('0');
  await page.getByTestId('try-generate').click();
  const output = page.getByTestId('try-output');
  await expect(output).toHaveAttribute('data-status', 'idle', { timeout: 30_000 });
  await expect(output).toHaveAttribute('data-tokens', /^([1-9]|1\d|20)$/);
  await expect(output).toContainText('The ships');
  await expect(page.getByTestId('try-status')).toContainText(/token\(s\)/);
  // Greedy decoding is deterministic: the same text again.
  const first = await output.locator('.sample-text').textContent();
  await page.getByTestId('try-generate').click();
  await expect(output).toHaveAttribute('data-status', 'idle');
  await expect(output.locator('.sample-text')).toHaveText(first!);
  await screenshot(page.locator('#try'), 'try-model');

  // Downloads.
  const student = await download(page, page.getByTestId('export-student'));
  expect(student.name).toMatch(/^distildp-student-[0-9a-f]{8}\.zip$/);
  checkModelZip(new Uint8Array(student.bytes));
  const teacher = await download(page, page.getByTestId('export-teacher'));
  checkModelZip(new Uint8Array(teacher.bytes));

  const synthetic = await download(page, page.getByTestId('export-synthetic'));
  const lines = synthetic.bytes.toString('utf8').trim().split('\n');
  // The corpus keeps at most the 12 samples of the tiny profile, down-sampled from those generated.
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.length).toBeLessThanOrEqual(Math.min(12, samples));
  // The panel shows the corpus the student used by default: exactly the download's samples, with
  // unreadable bytes (the tiny random model writes many) marked.
  await expect(page.getByTestId('sample-count')).toHaveAttribute('data-source', 'corpus');
  await expect(page.getByTestId('sample-count')).toContainText(`${lines.length} sample(s)`);
  await expect(page.getByTestId('export-synthetic-detail')).toContainText(`${lines.length} samples`);
  const shown = new Set(
    (await page.locator('[data-testid="sample"] .sample-text').allTextContents()).map((t) => t.trim()),
  );
  const displayed = (text: string) =>
    cleanSampleText(text)
      .parts.map((p) => p.text)
      .join('')
      .trim();
  for (const line of lines) {
    const s = JSON.parse(line) as { text: string; labels: string[] };
    expect(s.text.length).toBeGreaterThan(0);
    expect(shown.has(displayed(s.text)), `exported sample was shown: ${s.text}`).toBe(true);
    expect(displayed(s.text).includes('\uFFFD')).toBe(false);
    expect(['garden', 'ships']).toEqual(expect.arrayContaining(s.labels));
  }

  const report = JSON.parse((await download(page, page.getByTestId('export-report'))).bytes.toString('utf8'));
  expect(report).toMatchObject({
    method: 'distildp',
    accountant: 'prv',
    sampling: 'poisson',
    unit: 'document',
    steps: 25,
    num_documents: 50,
    code_teachers: { count: 2, composition: 'parallel' },
    secure_randomness: true,
    public_choices: {
      text_field: 'text',
      label_fields: ['label'],
      folder_labels: false,
      use_labels_as_control_codes: true,
      histogram_mode: 'dp',
    },
    versions: { tfjs: '4.22.0' },
  });
  expect(report.epsilon).toBeLessThanOrEqual(2);
  expect(report.epsilon).toBeCloseTo(studentEps, 3);
  expect(report.delta).toBeCloseTo(50 ** -1.1, 12);
  expect(report.q).toBeCloseTo(4 / 50, 12);
  expect(report.neighbouring_relation).toMatch(/add or remove one document.*N = num_documents.*public/);
  expect(report.run_id).toMatch(/^[0-9a-f]{16}$/);
  expect(report.sigma).toBeGreaterThan(0);
  expect(report.phases).toHaveLength(2); // the DP control-code histogram, then DP-SGD
  expect(report.reproduce).toContain('distildp epsilon --phases');
  // Independent recomputation from the report's own phases (what `distildp epsilon` does).
  expect(computeEpsilon(report.phases, report.accounting_delta, 'prv')).toBeCloseTo(report.epsilon, 9);

  // Nothing lost: after a reload the finished run is offered, with its results and downloads.
  await page.reload();
  await waitForApp(page);
  await page.getByTestId('open-saved').click();
  await expect(page.getByTestId('result-row')).toHaveCount(6);
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed');
  await expect(page.getByTestId('chart-epsilon')).toHaveAttribute('data-points', '50');
  const again = await download(page, page.getByTestId('export-student'));
  checkModelZip(new Uint8Array(again.bytes));
  // The same weights as before the reload (zips differ only in entry times).
  const weights = (zip: Buffer) => Buffer.from(unzipSync(new Uint8Array(zip))['model.safetensors']);
  expect(weights(again.bytes).equals(weights(student.bytes))).toBe(true);

  // Everything at once, with the user's description in the model cards and float16 weights.
  const description = 'Notes about our garden and the harbour, written by club members.';
  await page.getByTestId('export-description').fill(description);
  await page.getByTestId('export-fp16').check();
  await screenshot(page.locator('#export'), 'export');
  const all = await download(page, page.getByTestId('export-all'));
  expect(all.name).toMatch(/^distildp-run-[0-9a-f]{8}\.zip$/);
  const tree = unzipSync(new Uint8Array(all.bytes));
  expect(Object.keys(tree).sort()).toEqual(
    [
      'README.md',
      'privacy-report.json',
      'synthetic.jsonl',
      ...MODEL_FILES.map((f) => `student/${f}`),
      ...MODEL_FILES.map((f) => `teacher/${f}`),
    ].sort(),
  );
  const read = (name: string) => new TextDecoder().decode(tree[name]);
  expect(JSON.parse(read('student/config.json')).torch_dtype).toBe('float16');
  expect(safetensorsHeader(tree['student/model.safetensors']).header['transformer.wte.weight']).toMatchObject(
    {
      dtype: 'F16',
    },
  );
  expect(read('student/README.md')).toContain(`> ${description}`);
  expect(read('student/README.md')).toContain(`ε = ${report.epsilon.toPrecision(4)}`);
  expect(JSON.parse(read('privacy-report.json')).epsilon).toBe(report.epsilon);
  expect(read('README.md')).toContain('no further privacy cost');
  expect(read('synthetic.jsonl')).toBe(synthetic.bytes.toString('utf8'));
});
