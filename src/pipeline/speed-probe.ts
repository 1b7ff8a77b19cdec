/**
 * This device's speed on the run's models, measured in a second or two before a run (the
 * estimate.ts inputs): a forward pass over a batch of full windows of each model, and a few
 * generation steps of the teacher. Each is run once to warm up (kernel compilation, buffer
 * allocation) and timed the second time. Random token ids: speed does not depend on the text.
 */
import { generate } from '../model/generate';
import type { SpeedProfile } from './estimate';
import { evaluateModel } from './model-tasks';
import type { LoadedModel } from './models';

const PROBE_WINDOWS = 16;
const PROBE_STEPS = 4;

function randomWindows(m: LoadedModel, count: number): number[][] {
  const length = m.config.contextLength + 1;
  // A fixed pattern (not Math.random: nothing here needs randomness, only varied ids).
  return Array.from({ length: count }, (_, w) =>
    Array.from({ length }, (_, i) => (w * 7919 + i * 104_729) % Math.min(m.config.vocabSize, 256)),
  );
}

async function secondsOf(run: () => Promise<unknown>): Promise<number> {
  await run();
  const t0 = performance.now();
  await run();
  return (performance.now() - t0) / 1000;
}

export async function probeSpeed(
  teacher: LoadedModel,
  student: LoadedModel,
  generateBatch: number,
): Promise<SpeedProfile> {
  const forward = async (m: LoadedModel) => {
    const windows = randomWindows(m, PROBE_WINDOWS);
    const tokens = windows.reduce((a, w) => a + w.length - 1, 0);
    return (await secondsOf(() => evaluateModel(m, windows))) / tokens;
  };
  const prompts = Array.from({ length: generateBatch }, () => [teacher.tokenizer.eotId]);
  const generateSeconds = await secondsOf(() =>
    generate(teacher.params, teacher.config, prompts, {
      maxLength: 1 + PROBE_STEPS,
      eotId: teacher.tokenizer.eotId,
      padId: teacher.tokenizer.padId,
      // Every row generates every step (as most rows of a real batch do).
      bannedIds: [teacher.tokenizer.eotId],
      noRepeatNgramSize: 0,
    }),
  );
  return {
    forwardPerToken: { teacher: await forward(teacher), student: await forward(student) },
    generateStep: generateSeconds / PROBE_STEPS,
    generateBatch,
  };
}
