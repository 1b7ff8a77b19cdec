/** CLI model arguments: a preset name, a model file (.safetensors) or a Hugging Face GPT-2 folder. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODEL_PRESETS } from '../model/presets';
import { type LoadedModel, loadModel, type ModelSpec } from '../pipeline/models';

/** The repository's public/ folder (shipped base models, demo corpus). */
export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

export async function readPublicAsset(path: string): Promise<Uint8Array | null> {
  const full = join(PUBLIC_DIR, path);
  return existsSync(full) ? new Uint8Array(readFileSync(full)) : null;
}

function readFolder(dir: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else files.set(relative(dir, full), new Uint8Array(readFileSync(full)));
    }
  };
  walk(dir);
  return files;
}

export function modelSpecFromArg(arg: string): ModelSpec {
  if (MODEL_PRESETS[arg]) return { kind: 'preset', name: arg };
  const st = statSync(arg, { throwIfNoEntry: false });
  if (!st) {
    throw new Error(
      `"${arg}" is neither a model preset (${Object.keys(MODEL_PRESETS).join(', ')}) nor an existing path`,
    );
  }
  if (st.isDirectory()) return { kind: 'hf-folder', name: basename(arg), files: readFolder(arg) };
  if (arg.endsWith('.safetensors'))
    return { kind: 'model-file', name: basename(arg), bytes: new Uint8Array(readFileSync(arg)) };
  throw new Error(`${arg}: expected a Hugging Face GPT-2 folder or a distildp .safetensors model file`);
}

export async function loadModelArg(arg: string, warn: (s: string) => void): Promise<LoadedModel> {
  const m = await loadModel(modelSpecFromArg(arg), readPublicAsset);
  for (const w of m.warnings) warn(`${m.name}: ${w}`);
  return m;
}
