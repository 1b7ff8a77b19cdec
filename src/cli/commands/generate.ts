/** `distildp generate`: sample text from a model (e.g. a DP teacher) with control-code prompts. */
import { writeFileSync } from 'node:fs';
import { initBackend } from '../../model/backend';
import { DEFAULT_GENERATION } from '../../model/generation-config';
import { disposeModel } from '../../pipeline/models';
import { generateSyntheticCorpus, syntheticToJsonl } from '../../pipeline/synthetic';
import { UsageError } from '../args';
import type { Command } from '../command';
import { loadModelArg } from '../models';
import { progressPrinter } from '../progress';

export const generateCommand: Command = {
  name: 'generate',
  summary:
    'Generate text with a KV cache (top-k, top-p, temperature, no-repeat n-grams), optionally per control code',
  options: [
    {
      name: 'model',
      type: 'string',
      description: 'Preset name, model file or HF GPT-2 folder',
      default: 'teacher',
    },
    {
      name: 'labels',
      type: 'string',
      description: 'Control codes: labels joined by "|" per code, codes by ","; e.g. "novel,speech"',
    },
    {
      name: 'count',
      type: 'number',
      description: 'Samples in total (split evenly over the codes)',
      default: 10,
    },
    {
      name: 'max-length',
      type: 'number',
      description: 'Tokens per sample including the prompt',
      default: DEFAULT_GENERATION.maxLength,
    },
    { name: 'top-k', type: 'number', description: 'Top-k (0: off)', default: DEFAULT_GENERATION.topK },
    { name: 'top-p', type: 'number', description: 'Top-p (1: off)', default: DEFAULT_GENERATION.topP },
    {
      name: 'temperature',
      type: 'number',
      description: 'Temperature (0: greedy)',
      default: DEFAULT_GENERATION.temperature,
    },
    {
      name: 'no-repeat-ngram',
      type: 'number',
      // No default here: generateSyntheticCorpus picks it from the tokenizer (noRepeatNgramFor).
      description: 'Ban repeated n-grams of this size (0: off; default 2 for GPT-2 BPE, off for bytes)',
    },
    { name: 'seed', type: 'number', description: 'Sampling seed', default: 1 },
    { name: 'out', type: 'string', description: 'Write the samples as JSONL here instead of printing them' },
    { name: 'json', type: 'boolean', description: 'Print one JSON object' },
  ],
  async run(args, io) {
    const o = args.options;
    if (!(Number(o.count) >= 1)) throw new UsageError('--count must be >= 1');
    await initBackend();
    const model = await loadModelArg(String(o.model), io.err);
    const codes = o.labels
      ? String(o.labels)
          .split(',')
          .map((c) => ({ labels: c.split('|'), weight: 1 }))
      : null;
    const show = progressPrinter(io.err, 'samples', Math.ceil(Number(o.count)));
    const result = await generateSyntheticCorpus(
      model,
      codes,
      {
        samples: Number(o.count),
        overGenerate: 1,
        seed: Number(o.seed),
        generation: {
          maxLength: Number(o['max-length']),
          topK: Number(o['top-k']),
          topP: Number(o['top-p']),
          temperature: Number(o.temperature),
          ...(o['no-repeat-ngram'] === undefined ? {} : { noRepeatNgramSize: Number(o['no-repeat-ngram']) }),
        },
      },
      { onProgress: (done) => show(done) },
    );
    disposeModel(model);
    if (o.out) {
      writeFileSync(String(o.out), syntheticToJsonl(result.samples));
      io.err(`wrote ${result.samples.length} samples to ${o.out}`);
    }
    if (o.json)
      io.out(
        JSON.stringify({
          model: model.name,
          samples: result.samples,
          duplicates: result.duplicates,
          empty: result.empty,
        }),
      );
    else if (!o.out)
      for (const s of result.samples)
        io.out(`${s.labels.length ? `[${s.labels.join(' | ')}] ` : ''}${s.text}\n`);
    return 0;
  },
};
