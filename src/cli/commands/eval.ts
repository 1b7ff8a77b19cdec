/** `distildp eval`: perplexity and bits per byte of a model on a corpus (the paper's protocol). */
import { evaluationWindows } from '../../data/windows';
import { initBackend } from '../../model/backend';
import { disposeModel, evaluateModel } from '../../pipeline/stages';
import { UsageError } from '../args';
import type { Command } from '../command';
import { ingestPath } from '../fs-data';
import { loadModelArg } from '../models';
import { progressPrinter } from '../progress';

export const evalCommand: Command = {
  name: 'eval',
  summary:
    'Perplexity and bits/byte of a model on a corpus (texts joined by blank lines, non-overlapping windows)',
  options: [
    { name: 'model', type: 'string', description: 'Preset name, model file or HF GPT-2 folder' },
    { name: 'data', type: 'string', description: 'Corpus file or folder (every document is evaluated)' },
    { name: 'json', type: 'boolean', description: 'Print one JSON object' },
  ],
  async run(args, io) {
    const o = args.options;
    if (!o.model || !o.data) throw new UsageError('--model and --data are required');
    await initBackend();
    const model = await loadModelArg(String(o.model), io.err);
    const ingest = ingestPath(String(o.data), io.err);
    const windows = evaluationWindows(
      ingest.documents.map((d) => model.tokenizer.encode(d.text)),
      model.config.contextLength,
      model.tokenizer.encode('\n\n'),
    );
    const show = progressPrinter(io.err, 'windows', windows.length);
    const r = await evaluateModel(model, windows, (done) => show(done));
    disposeModel(model);
    const out = {
      model: model.name,
      documents: ingest.documents.length,
      windows: r.windows,
      tokens: r.tokens,
      test_ppl: r.perplexity,
      window_mean_ppl: r.windowMeanPerplexity,
      bits_per_byte: r.bitsPerByte,
    };
    io.out(
      o.json
        ? JSON.stringify(out)
        : `PPL ${r.perplexity.toFixed(3)} (window mean ${r.windowMeanPerplexity.toFixed(3)}), ${r.bitsPerByte.toFixed(4)} bits/byte over ${r.tokens} tokens`,
    );
    return 0;
  },
};
