/**
 * `distildp pretrain`: the reproducible recipe of the shipped public base models. Ordinary
 * (non-private) next-token training from random init on PUBLIC text, with checkpoints so a long
 * run can stop and resume; writes a self-describing model file (config, tokenizer, recipe, losses).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { splitDocuments } from '../../data/split';
import { tokenizerFor } from '../../data/tokenizer';
import { evaluationWindows, trainingTokens } from '../../data/windows';
import { serializeModelFile } from '../../io/model-file';
import { initBackend } from '../../model/backend';
import { disposeParams, initParams, paramsFromArrays, paramsToArrays } from '../../model/params';
import { MODEL_PRESETS } from '../../model/presets';
import { parseCheckpoint, serializeCheckpoint } from '../../pipeline/checkpoint';
import { checkpointOf, PRETRAIN_CHECKPOINT } from '../../pipeline/stage-registry';
import { evaluatePerplexity } from '../../train/evaluate';
import { type TrainState, trainLoop } from '../../train/train-loop';
import { UsageError } from '../args';
import type { Command } from '../command';
import { textFieldOption } from '../data-args';
import { ingestPath } from '../fs-data';
import { progressPrinter } from '../progress';

export const pretrainCommand: Command = {
  name: 'pretrain',
  summary: 'Pretrain a base model on public text (the recipe of the shipped base models)',
  options: [
    textFieldOption,
    {
      name: 'data',
      type: 'string',
      description: 'Public training text: a file (.jsonl/.txt/...) or a folder',
    },
    {
      name: 'preset',
      type: 'string',
      description: 'Architecture preset (see `distildp info`)',
      default: 'teacher',
    },
    { name: 'steps', type: 'number', description: 'Optimizer steps', default: 2000 },
    { name: 'batch', type: 'number', description: 'Windows per step', default: 16 },
    { name: 'lr', type: 'number', description: 'Peak learning rate (cosine decay to 10%)', default: 2e-3 },
    { name: 'warmup', type: 'number', description: 'Warmup steps', default: 100 },
    { name: 'seed', type: 'number', description: 'Seed of init, split and window order', default: 1 },
    { name: 'out', type: 'string', description: 'Output model file (.safetensors)' },
    {
      name: 'checkpoint',
      type: 'string',
      description: 'Checkpoint file: written every --checkpoint-every steps, resumed from if present',
    },
    { name: 'checkpoint-every', type: 'number', description: 'Steps between checkpoints', default: 250 },
    {
      name: 'max-steps-this-run',
      type: 'number',
      description: 'Stop after this many steps in this invocation (resume later)',
    },
    { name: 'json', type: 'boolean', description: 'Print one JSON object' },
  ],
  async run(args, io) {
    const o = args.options;
    if (!o.data || !o.out) throw new UsageError('--data and --out are required');
    const presetName = String(o.preset);
    const preset = MODEL_PRESETS[presetName];
    if (!preset)
      throw new UsageError(
        `unknown preset "${presetName}" (known: ${Object.keys(MODEL_PRESETS).join(', ')})`,
      );
    const config = preset.config;
    const backend = await initBackend();
    const tokenizer = tokenizerFor('bytes');
    const ingest = ingestPath(String(o.data), io.err, 1, { textField: String(o['text-field']) });
    const split = splitDocuments(ingest.documents, {
      seed: Number(o.seed),
      validationFraction: 0.01,
      testFraction: 0,
    });
    const pack = (docs: typeof ingest.documents) =>
      evaluationWindows(
        docs.map((d) => trainingTokens(d, tokenizer, false)),
        config.contextLength,
        [],
        { dropRemainder: true },
      );
    const trainWindows = pack(split.train);
    const valWindows = pack(split.validation);
    io.err(
      `${presetName}: ${trainWindows.length} training windows, ${valWindows.length} validation windows, backend ${backend.backend}`,
    );

    const steps = Number(o.steps);
    let resume: TrainState | undefined;
    let params = initParams(config, Number(o.seed));
    const ckptPath = o.checkpoint ? String(o.checkpoint) : undefined;
    if (ckptPath && existsSync(ckptPath)) {
      const ck = checkpointOf(PRETRAIN_CHECKPOINT, parseCheckpoint(new Uint8Array(readFileSync(ckptPath))))!;
      disposeParams(params);
      params = paramsFromArrays(config, ck.models!.model.arrays);
      resume = { step: ck.value.step, optimizer: ck.optimizer! };
      io.err(`resuming from ${ckptPath} at step ${resume.step}`);
    }
    const save = async (state: TrainState) => {
      if (!ckptPath) return;
      mkdirSync(dirname(ckptPath), { recursive: true });
      const bytes = serializeCheckpoint({
        status: 'partial',
        value: { step: state.step },
        models: { model: { config, arrays: await paramsToArrays(params) } },
        optimizer: state.optimizer,
      });
      writeFileSync(`${ckptPath}.tmp`, bytes);
      // Atomic replace: a crash mid-write never leaves a truncated checkpoint.
      renameSync(`${ckptPath}.tmp`, ckptPath);
    };
    const startStep = resume?.step ?? 0;
    const stopAt =
      o['max-steps-this-run'] !== undefined ? startStep + Number(o['max-steps-this-run']) : steps;
    const show = progressPrinter(io.err, 'step', steps);
    let lastLoss = Number.NaN;
    let emaLoss = Number.NaN;
    let done = startStep;
    const result = await trainLoop({
      params,
      config,
      windows: trainWindows,
      padId: tokenizer.padId,
      training: {
        steps,
        batchSize: Number(o.batch),
        schedule: {
          peak: Number(o.lr),
          warmupSteps: Number(o.warmup),
          decay: 'cosine',
          floor: 0.1 * Number(o.lr),
          totalSteps: steps,
        },
        weightDecay: 0.01,
        seed: Number(o.seed),
      },
      resume,
      shouldStop: () => done >= stopAt,
      checkpoint: ckptPath ? { every: Number(o['checkpoint-every']), save } : undefined,
      onStep: async (r) => {
        done = r.step;
        lastLoss = r.loss;
        emaLoss = Number.isNaN(emaLoss) ? r.loss : 0.98 * emaLoss + 0.02 * r.loss;
        show(r.step, `loss ${emaLoss.toFixed(3)} lr ${r.learningRate.toExponential(2)}`);
      },
    });
    await save(result.state);
    const evaluation = await evaluatePerplexity(params, config, valWindows, {
      batchSize: 16,
      padId: tokenizer.padId,
      tokenByteLength: (id) => tokenizer.tokenBytes(id).length,
    });
    const summary = {
      preset: presetName,
      config,
      steps_done: result.state.step,
      steps,
      completed: result.completed,
      train_loss_last: lastLoss,
      train_loss_smoothed: emaLoss,
      validation: evaluation,
      data: String(o.data),
      documents: ingest.documents.length,
      train_windows: trainWindows.length,
      batch: Number(o.batch),
      lr: Number(o.lr),
      seed: Number(o.seed),
      backend: backend.backend,
      tfjs: tf.version.tfjs,
    };
    if (result.completed) {
      mkdirSync(dirname(String(o.out)) || '.', { recursive: true });
      const file = serializeModelFile({
        config,
        tokenizer: 'bytes',
        arrays: await paramsToArrays(params),
        metadata: { 'distildp.recipe': JSON.stringify(summary) },
      });
      writeFileSync(String(o.out), file);
      io.err(`wrote ${o.out} (${(file.length / 2 ** 20).toFixed(2)} MiB)`);
    } else
      io.err(
        `stopped at step ${result.state.step} of ${steps}; run again with the same --checkpoint to resume`,
      );
    io.out(
      args.options.json
        ? JSON.stringify(summary)
        : `validation: loss ${evaluation.lossPerToken.toFixed(3)} nats/token, PPL ${evaluation.perplexity.toFixed(2)}, ${evaluation.bitsPerByte.toFixed(3)} bits/byte`,
    );
    disposeParams(params);
    return 0;
  },
};
