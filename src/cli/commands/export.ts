/** `distildp export`: a model (preset, model file) as a Hugging Face GPT-2 folder or zip. */
import { initBackend } from '../../model/backend';
import { paramsToArrays } from '../../model/params';
import { modelFolder } from '../../pipeline/export-bundle';
import { disposeModel } from '../../pipeline/models';
import { UsageError } from '../args';
import type { Command } from '../command';
import { loadModelArg } from '../models';
import { writeFiles } from '../write-files';

export const exportCommand: Command = {
  name: 'export',
  summary:
    'Write a model in Hugging Face GPT-2 layout (model.safetensors, config.json, tokenizer files, model card)',
  options: [
    { name: 'model', type: 'string', description: 'Preset name, model file or HF GPT-2 folder' },
    { name: 'out', type: 'string', description: 'Output folder, or a .zip file' },
    { name: 'fp16', type: 'boolean', description: 'Store weights as float16' },
    {
      name: 'description',
      type: 'string',
      description: 'Your description of the training data, published in the model card (README.md)',
    },
  ],
  async run(args, io) {
    const o = args.options;
    if (!o.model || !o.out) throw new UsageError('--model and --out are required');
    await initBackend();
    const model = await loadModelArg(String(o.model), io.err);
    const files = modelFolder(
      { config: model.config, arrays: await paramsToArrays(model.params) },
      model.tokenizer,
      {
        role: 'model',
        dtype: o.fp16 ? 'F16' : 'F32',
        dataDescription: o.description === undefined ? undefined : String(o.description),
      },
    );
    disposeModel(model);
    const out = String(o.out);
    writeFiles(out, files);
    io.out(`wrote ${[...files.keys()].join(', ')} to ${out}`);
    return 0;
  },
};
