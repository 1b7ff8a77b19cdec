/**
 * Models panel: a tiny random Hugging Face GPT-2 folder made by the test (exportHFGPT2) is imported
 * by the folder picker and shown with its size and memory estimate; a corrupted copy (config.json
 * says 3 layers, the weights have 2; or a different context length) is rejected with the importer's
 * precise message; a config for a model far too big for the device is refused with the reason,
 * before any weight is read; and the preset can be chosen again.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportHFGPT2 } from '../../src/io/hf-gpt2';
import { makeConfig } from '../../src/model/config';
import { expect, screenshot, test, waitForApp } from './helpers';

let dir: string;
test.beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'distildp-models-'));
});
test.afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const D = 16;
const LAYERS = 2;
const CONTEXT = 32;
const VOCAB = 258;

/** Parameter names and shapes of a tied GPT-2 (HF names without `transformer.`), by hand. */
function randomArrays(seed: number): Map<string, Float32Array> {
  const shapes: [string, number][] = [
    ['wte.weight', VOCAB * D],
    ['wpe.weight', CONTEXT * D],
  ];
  for (let i = 0; i < LAYERS; i++) {
    const sizes: [string, number][] = [
      ['ln_1.weight', D],
      ['ln_1.bias', D],
      ['attn.c_attn.weight', D * 3 * D],
      ['attn.c_attn.bias', 3 * D],
      ['attn.c_proj.weight', D * D],
      ['attn.c_proj.bias', D],
      ['ln_2.weight', D],
      ['ln_2.bias', D],
      ['mlp.c_fc.weight', D * 4 * D],
      ['mlp.c_fc.bias', 4 * D],
      ['mlp.c_proj.weight', 4 * D * D],
      ['mlp.c_proj.bias', D],
    ];
    for (const [n, size] of sizes) shapes.push([`h.${i}.${n}`, size]);
  }
  shapes.push(['ln_f.weight', D], ['ln_f.bias', D]);
  let s = seed;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 0.1;
  };
  return new Map(shapes.map(([name, size]) => [name, Float32Array.from({ length: size }, next)]));
}

/** Hand count of the same model's parameters. */
const PARAMETERS = VOCAB * D + CONTEXT * D + LAYERS * (12 * D * D + 13 * D) + 2 * D;

function writeFolder(
  name: string,
  files: Map<string, Uint8Array>,
  patchConfig?: (c: Record<string, unknown>) => void,
) {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  for (const [file, bytes] of files) {
    if (file === 'config.json' && patchConfig) {
      const config = JSON.parse(new TextDecoder().decode(bytes));
      patchConfig(config);
      writeFileSync(join(folder, file), JSON.stringify(config));
    } else writeFileSync(join(folder, file), bytes);
  }
  return folder;
}

test('imports a Hugging Face GPT-2 folder, rejects corrupted ones precisely, refuses one too big', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const config = makeConfig({ vocabSize: VOCAB, contextLength: CONTEXT, nLayer: LAYERS, nHead: 2, nEmbd: D });
  const files = exportHFGPT2(config, randomArrays(7));
  const good = writeFolder('tiny-gpt2', files);
  const threeLayers = writeFolder('three-layers', files, (c) => {
    c.n_layer = 3;
  });
  const longer = writeFolder('longer-context', files, (c) => {
    c.n_positions = 64;
  });
  const huge = join(dir, 'huge-gpt2');
  mkdirSync(huge);
  writeFileSync(
    join(huge, 'config.json'),
    JSON.stringify({
      model_type: 'gpt2',
      vocab_size: 50257,
      n_positions: 2048,
      n_embd: 6144,
      n_layer: 48,
      n_head: 48,
    }),
  );

  await page.goto('/?backend=wasm&models=tiny');
  await waitForApp(page);
  const input = page.getByTestId('teacher-folder-input');
  const card = page.getByTestId('teacher-model');

  await input.setInputFiles(good);
  await expect(card).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('teacher-model-name')).toHaveText('tiny-gpt2');
  await expect(page.getByTestId('teacher-model-parameters')).toHaveText(PARAMETERS.toLocaleString('en-US'));
  await expect(page.getByTestId('teacher-model-memory')).toContainText('to train with DP');
  await expect(page.getByLabel('Teacher model')).toHaveValue('__imported__');
  await screenshot(page.locator('#models'), 'models-imported');

  await input.setInputFiles(threeLayers);
  await expect(card).toHaveAttribute('data-status', 'error');
  const error = page.getByTestId('teacher-model-error');
  await expect(error).toContainText('This model cannot be used.');
  await expect(error).toContainText('model.safetensors does not match config.json');
  await expect(error).toContainText('missing 12 parameter(s): h.2.ln_1.weight, h.2.ln_1.bias');

  await input.setInputFiles(longer);
  await expect(error).toContainText('wpe.weight: expected [64,16] got [32,16]');

  await input.setInputFiles(huge);
  await expect(error).toContainText('This model will not fit this device.');
  await expect(error).toContainText('Refused: DP training of the teacher');
  await expect(error).toContainText(
    /needs about [\d.]+ (GB|TB).*(this device reports \d+ GiB|the WASM backend can address)/,
  );

  // Back to a preset; the student was never touched.
  await page.getByLabel('Teacher model').selectOption('tiny');
  await expect(card).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('teacher-model-name')).toHaveText('tiny (random init)');
  await expect(page.getByTestId('student-model')).toHaveAttribute('data-status', 'ready');
});
