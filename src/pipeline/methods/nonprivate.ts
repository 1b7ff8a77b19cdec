/** The non-private upper bounds: teacher and student fine-tuned on the private data without DP. */

import { fineTune } from '../model-tasks';
import type { LoadedModel } from '../models';
import { STAGES } from '../stage-registry';
import { evaluationStage, type RunContext } from '../stage-runner';
import { trainingStage } from '../training-stages';

export async function runNonPrivate(
  ctx: RunContext,
  base: { teacher: LoadedModel; student: LoadedModel },
): Promise<void> {
  const c = ctx.config;
  const windows = ctx.corpus.trainDocumentWindows.flat();
  for (const role of ['teacher', 'student'] as const) {
    const trained = await trainingStage(
      ctx,
      STAGES.fineTune[role],
      role,
      { ...base[role], name: `non-private ${role}` },
      ({ model, resume, save, hooks }) =>
        fineTune(
          model,
          windows,
          { ...c.nonPrivate, seed: c.seed },
          {
            ...hooks,
            resume: resume?.state,
            checkpoint: { every: c.checkpointEvery.train, save: (s) => save(s) },
          },
        ),
    );
    await evaluationStage(
      ctx,
      'nonprivate',
      role,
      trained.model,
      { epsilon: null, delta: null },
      trained.seconds,
    );
  }
}
