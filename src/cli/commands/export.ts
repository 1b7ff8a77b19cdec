/** `distildp export`: a model (preset, model file) as a Hugging Face GPT-2 folder or zip. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportParamsToHF } from '../../io/params-io';
import { zipFiles } from '../../io/zip';
import { initBackend } from '../../model/backend';
import { disposeModel } from '../../pipeline/models';
import { UsageError } from '../args';
import type { Command } from '../command';
import { loadModelArg } from '../models';

export const exportCommand: Command = {
  name: 'export',
  summary: 'Write a model in Hugging Face GPT-2 layout (model.safetensors, config.json, tokenizer files)',
  options: [
    { name: 'model', type: 'string', description: 'Preset name, model file or HF GPT-2 folder' },
    { name: 'out', type: 'string', description: 'Output folder, or a .zip file' },
    { name: 'fp16', type: 'boolean', description: 'Store weights as float16' },
  ],
  async run(args, io) {
    const o = args.options;
    if (!o.model || !o.out) throw new UsageError('--model and --out are required');
    await initBackend();
    const model = await loadModelArg(String(o.model), io.err);
    const files = await exportParamsToHF(model.config, model.params, model.tokenizer.huggingFaceFiles(), {
      dtype: o.fp16 ? 'F16' : 'F32',
    });
    disposeModel(model);
    const out = String(o.out);
    if (out.endsWith('.zip')) writeFileSync(out, zipFiles(files));
    else {
      mkdirSync(out, { recursive: true });
      for (const [name, bytes] of files) writeFileSync(join(out, name), bytes);
    }
    io.out(`wrote ${[...files.keys()].join(', ')} to ${out}`);
    return 0;
  },
};
