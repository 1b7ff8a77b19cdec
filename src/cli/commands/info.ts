import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../model/backend';
import { countParameters } from '../../model/config';
import { MODEL_PRESETS } from '../../model/presets';
import type { Command } from '../command';

export const infoCommand: Command = {
  name: 'info',
  summary: 'Print the TF.js backend, library versions and the model presets',
  options: [{ name: 'json', type: 'boolean', description: 'Print one JSON object' }],
  async run(args, io) {
    const backend = await initBackend();
    const presets = Object.entries(MODEL_PRESETS).map(([name, p]) => ({
      name,
      description: p.description,
      parameters: countParameters(p.config),
      config: p.config,
    }));
    const info = {
      backend: backend.backend,
      skipped_backends: backend.skipped,
      versions: { node: process.versions.node, tfjs: tf.version.tfjs },
      presets,
    };
    if (args.options.json) {
      io.out(JSON.stringify(info));
      return 0;
    }
    io.out(`backend: ${info.backend}`);
    io.out(`node ${info.versions.node}, tfjs ${info.versions.tfjs}`);
    io.out('model presets:');
    for (const p of presets) {
      const c = p.config;
      io.out(
        `  ${p.name.padEnd(12)} ${String(p.parameters).padStart(9)} params  L${c.nLayer} H${c.nHead} d${c.nEmbd} ctx${c.contextLength} vocab${c.vocabSize}  ${p.description}`,
      );
    }
    return 0;
  },
};
