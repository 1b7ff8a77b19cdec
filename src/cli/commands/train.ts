/**
 * `distildp train`: DP-SGD fine-tuning of one model on a private corpus (documents are the privacy
 * unit), printing the privacy parameters, the final epsilon and the validation perplexity.
 */
import { writeFileSync } from 'node:fs';
import { serializeModelFile } from '../../io/model-file';
import { initBackend } from '../../model/backend';
import { paramsToArrays } from '../../model/params';
import { prepareCorpus } from '../../pipeline/corpus';
import { dpFineTune, evaluateModel } from '../../pipeline/model-tasks';
import { disposeModel } from '../../pipeline/models';
import { AUTO_RECIPE, resolveRecipe } from '../../pipeline/recipe';
import { newRunId } from '../../pipeline/run-id';
import { allPhases, DEFAULT_DP_TRAINING, planPrivacy } from '../../train/dp-plan';
import { UsageError } from '../args';
import type { Command } from '../command';
import { dataChoicesFromOptions, dataOptions, ingestWithChoices } from '../data-args';
import { threadsOption } from '../gradient-workers';
import { LedgerSession, ledgerOptions } from '../ledger-file';
import { loadModelArg } from '../models';
import { progressPrinter } from '../progress';
import { PARAMETER_OPTIONS, parameterSelectionArgs } from './parameter-args';

export const trainCommand: Command = {
  name: 'train',
  summary:
    'DP-SGD fine-tuning of a model on a private corpus; prints sigma, q, delta, epsilon and validation PPL',
  options: [
    {
      name: 'data',
      type: 'string',
      description: 'Private corpus: a file (.jsonl/.csv/.txt/...) or a folder',
    },
    ...dataOptions,
    {
      name: 'preset',
      type: 'string',
      description: 'Model to fine-tune: preset name, model file or HF GPT-2 folder',
      default: 'student',
    },
    {
      name: 'epsilon',
      type: 'number',
      description: 'Target epsilon',
      default: DEFAULT_DP_TRAINING.targetEpsilon,
    },
    { name: 'delta', type: 'number', description: 'Delta (default 1/N^1.1, N = training documents)' },
    // The recipe: every option left out takes the rule of src/pipeline/recipe.ts (from N and epsilon).
    {
      name: 'epochs',
      type: 'number',
      description: 'Expected passes over the documents (default: the recipe rule)',
    },
    {
      name: 'batch',
      type: 'number',
      description: 'Expected batch size in documents, q = batch / N (default: the rule)',
    },
    { name: 'lr', type: 'number', description: 'Peak learning rate (default: the recipe rule)' },
    { name: 'lr-decay', type: 'string', description: 'constant (default) or cosine (to 0 at the last step)' },
    {
      name: 'windows-per-doc',
      type: 'number',
      description: 'Compute cap: the most windows a sampled document contributes (default: the rule)',
    },
    ...PARAMETER_OPTIONS,
    {
      name: 'micro-batch',
      type: 'number',
      description: 'Documents per physical micro-batch',
      default: DEFAULT_DP_TRAINING.microBatchSize,
    },
    {
      name: 'clip',
      type: 'number',
      description: 'Per-document clip norm C',
      default: DEFAULT_DP_TRAINING.clipNorm,
    },
    {
      name: 'accountant',
      type: 'string',
      description: 'prv or rdp',
      default: DEFAULT_DP_TRAINING.accountant,
    },
    {
      name: 'seed',
      type: 'number',
      description: 'Seed of the train/validation/test split (not of DP noise)',
      default: 1,
    },
    { name: 'out', type: 'string', description: 'Write the fine-tuned model file (.safetensors)' },
    ...ledgerOptions,
    threadsOption,
    { name: 'json', type: 'boolean', description: 'Print one JSON object' },
  ],
  async run(args, io) {
    const o = args.options;
    if (!o.data) throw new UsageError('--data PATH is required');
    const accountant = String(o.accountant);
    if (accountant !== 'prv' && accountant !== 'rdp') throw new UsageError('--accountant is prv or rdp');
    const backend = await initBackend();
    const choices = dataChoicesFromOptions(o);
    const ingest = ingestWithChoices(String(o.data), choices, o, io.err, 3);
    const model = await loadModelArg(String(o.preset), io.err);
    const corpus = prepareCorpus(ingest.documents, model.tokenizer, {
      contextLength: model.config.contextLength,
      seed: Number(o.seed),
      useControlCodes: choices.useControlCodes,
    });
    if (o['lr-decay'] !== undefined && o['lr-decay'] !== 'constant' && o['lr-decay'] !== 'cosine')
      throw new UsageError(`--lr-decay is constant or cosine; got "${o['lr-decay']}"`);
    const given = (v: unknown) => (v === undefined ? ('auto' as const) : Number(v));
    const { targetEpsilon: _e, ...defaults } = DEFAULT_DP_TRAINING;
    const selection = parameterSelectionArgs(o);
    const resolved = resolveRecipe(
      {
        ...defaults,
        ...AUTO_RECIPE,
        expectedBatchSize: given(o.batch),
        epochs: given(o.epochs),
        windowsPerDocument: given(o['windows-per-doc']),
        schedule: {
          ...AUTO_RECIPE.schedule,
          peak: given(o.lr),
          ...(o['lr-decay'] === 'cosine' ? { decay: 'cosine' as const, floor: 0 } : {}),
        },
        parameters: selection.parameters ?? 'auto',
        lora: selection.lora ?? defaults.lora,
        microBatchSize: Number(o['micro-batch']),
        clipNorm: Number(o.clip),
        accountant: accountant as 'prv' | 'rdp',
      },
      corpus.train.length,
      Number(o.epsilon),
    );
    const training = {
      ...resolved,
      targetEpsilon: Number(o.epsilon),
      delta: o.delta === undefined ? undefined : Number(o.delta),
    };
    const plan = planPrivacy(corpus.train.length, training);
    for (const w of plan.warnings) io.err(`warning: ${w}`);
    io.err(
      `${model.name} on ${backend.backend}: N=${plan.numDocuments} documents, q=${plan.q.toPrecision(4)}, sigma=${plan.sigma.toPrecision(4)}, ${plan.steps} steps, delta=${plan.delta.toExponential(3)}`,
    );
    // The privacy ledger: earlier runs on these training documents, composed with this training.
    const release = { method: 'dpsgd' as const, phases: allPhases(plan), thresholdDelta: 0 };
    const ledger = LedgerSession.open(
      o,
      {
        id: newRunId(),
        trainDocuments: corpus.train,
        releases: [release],
        delta: plan.delta,
        accountant: plan.accountant,
      },
      io.err,
    );
    const show = progressPrinter(io.err, 'step', plan.steps);
    const started = performance.now();
    const result = await dpFineTune({
      model,
      documentWindows: corpus.trainDocumentWindows,
      plan,
      training,
      onStep: (r) =>
        show(
          r.step,
          `loss ${Number.isNaN(r.loss) ? '-' : r.loss.toFixed(3)} clipped ${(100 * r.clippedFraction).toFixed(0)}% epsilon ${r.epsilon.toFixed(3)}${r.nonFiniteDocuments ? ` (${r.nonFiniteDocuments} document(s) skipped: non-finite gradient)` : ''}`,
        ),
    });
    const trainSeconds = (performance.now() - started) / 1000;
    if (result.state.step >= plan.steps) ledger.save([release], 'spent');
    const validation = corpus.validationWindows.length
      ? await evaluateModel(model, corpus.validationWindows)
      : null;
    if (o.out) {
      writeFileSync(
        String(o.out),
        serializeModelFile({
          config: model.config,
          tokenizer: model.tokenizer.kind,
          arrays: await paramsToArrays(model.params),
          metadata: { 'distildp.privacy': JSON.stringify({ ...plan, epsilon: result.epsilon }) },
        }),
      );
      io.err(`wrote ${o.out}`);
    }
    disposeModel(model);
    const summary = {
      model: model.name,
      backend: backend.backend,
      documents: plan.numDocuments,
      steps: plan.steps,
      sigma: plan.sigma,
      q: plan.q,
      delta: plan.delta,
      clip_norm: plan.clipNorm,
      accountant: plan.accountant,
      sampling: plan.sampling,
      unit: plan.unit,
      epsilon: result.epsilon,
      parameters: plan.parameters,
      lora: plan.lora,
      windows_per_document: plan.windowsPerDocument,
      train_seconds: trainSeconds,
      validation_ppl: validation?.perplexity ?? null,
      validation_bits_per_byte: validation?.bitsPerByte ?? null,
      reproduce: `distildp epsilon --q ${plan.q} --sigma ${plan.sigma} --steps ${plan.steps} --delta ${plan.delta} --accountant ${plan.accountant} --json`,
    };
    if (o.json) io.out(JSON.stringify(summary));
    else
      io.out(
        `epsilon ${summary.epsilon.toFixed(3)} (delta ${summary.delta.toExponential(2)}), validation PPL ${validation ? validation.perplexity.toFixed(2) : '-'}`,
      );
    return 0;
  },
};
