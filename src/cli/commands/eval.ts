/**
 * `distildp eval`: perplexity and bits per byte of a model on a corpus, by the paper's protocol
 * (texts joined with "\n\n", tokenized once, windows of T tokens, T - 1 scored each), and as a
 * second, labelled figure by this project's every-token protocol (documents encoded one by one,
 * windows of T + 1 tokens, every token after the first scored).
 */
import { EVALUATION_SEPARATOR, evaluationWindows, paperEvaluationWindows } from '../../data/windows';
import { initBackend } from '../../model/backend';
import { evaluateModel } from '../../pipeline/model-tasks';
import { disposeModel } from '../../pipeline/models';
import { UsageError } from '../args';
import type { Command } from '../command';
import { textFieldOption } from '../data-args';
import { ingestPath } from '../fs-data';
import { loadModelArg } from '../models';
import { progressPrinter } from '../progress';

export const evalCommand: Command = {
  name: 'eval',
  summary:
    "Perplexity and bits/byte of a model on a corpus (the paper's protocol; every-token PPL as a second figure)",
  options: [
    textFieldOption,
    { name: 'model', type: 'string', description: 'Preset name, model file or HF GPT-2 folder' },
    { name: 'data', type: 'string', description: 'Corpus file or folder (every document is evaluated)' },
    { name: 'json', type: 'boolean', description: 'Print one JSON object' },
  ],
  async run(args, io) {
    const o = args.options;
    if (!o.model || !o.data) throw new UsageError('--model and --data are required');
    await initBackend();
    const model = await loadModelArg(String(o.model), io.err);
    const ingest = ingestPath(String(o.data), io.err, 1, { textField: String(o['text-field']) });
    const paperWindows = paperEvaluationWindows(
      ingest.documents.map((d) => d.text),
      model.tokenizer,
      model.config.contextLength,
    );
    const everyTokenWindows = evaluationWindows(
      ingest.documents.map((d) => model.tokenizer.encode(d.text)),
      model.config.contextLength,
      model.tokenizer.encode(EVALUATION_SEPARATOR),
    );
    const show = progressPrinter(io.err, 'windows', paperWindows.length + everyTokenWindows.length);
    const r = await evaluateModel(model, paperWindows, (done) => show(done));
    const all = await evaluateModel(model, everyTokenWindows, (done) => show(paperWindows.length + done));
    disposeModel(model);
    const out = {
      model: model.name,
      documents: ingest.documents.length,
      windows: r.windows,
      tokens: r.tokens,
      test_ppl: r.windowMeanPerplexity,
      bits_per_byte: r.bitsPerByte,
      every_token: {
        windows: all.windows,
        tokens: all.tokens,
        ppl: all.perplexity,
        bits_per_byte: all.bitsPerByte,
      },
    };
    io.out(
      o.json
        ? JSON.stringify(out)
        : `PPL ${out.test_ppl.toFixed(3)} (paper protocol: ${r.windows} windows), ${r.bitsPerByte.toFixed(4)} bits/byte; every-token PPL ${all.perplexity.toFixed(3)} over ${all.tokens} tokens`,
    );
    return 0;
  },
};
