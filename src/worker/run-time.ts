/**
 * The run-time estimate in the worker: this device's speed on the loaded models (measured once per
 * model pair, a second or two) applied to a planned run's work (src/pipeline/estimate.ts).
 */

import type { RunSettings } from '../contract/run-settings';
import type { Tokenizer } from '../data/tokenizer';
import type { Document, IngestOptions } from '../data/types';
import { countParameters } from '../model/config';
import type { RunEstimate, SpeedProfile } from '../pipeline/estimate';
import { estimateForCorpus } from '../pipeline/estimate-run';
import type { LoadedModel } from '../pipeline/models';
import { probeSpeed } from '../pipeline/speed-probe';
import { type PlannedRun, planRun } from './plan';

const speeds = new WeakMap<LoadedModel, WeakMap<LoadedModel, Promise<SpeedProfile>>>();

/** The measured speed of this pair of models on the current backend (cached while they are loaded). */
export function deviceSpeed(
  teacher: LoadedModel,
  student: LoadedModel,
  generateBatch: number,
): Promise<SpeedProfile> {
  let byStudent = speeds.get(teacher);
  if (!byStudent) {
    byStudent = new WeakMap();
    speeds.set(teacher, byStudent);
  }
  let speed = byStudent.get(student);
  if (!speed) {
    speed = probeSpeed(teacher, student, generateBatch);
    byStudent.set(student, speed);
    // A failed probe is not cached (the next plan tries again).
    speed.catch(() => byStudent.delete(student));
  }
  return speed;
}

export async function estimatePlannedRun(
  run: Pick<PlannedRun, 'corpus' | 'config' | 'planned'>,
  models: { teacher: LoadedModel; student: LoadedModel; tokenizer: Tokenizer },
): Promise<RunEstimate> {
  const batch = run.config.synthetic.generation.batchSize ?? 32;
  const speed = await deviceSpeed(models.teacher, models.student, batch);
  return estimateForCorpus({
    config: run.config,
    corpus: run.corpus,
    planned: run.planned,
    tokenizer: models.tokenizer,
    contextLength: Math.min(models.teacher.config.contextLength, models.student.config.contextLength),
    teacherParameters: countParameters(models.teacher.config),
    speed,
  });
}

/** The estimate of a run about to start on these documents and models with these settings. */
export function estimateRunOf(
  inputs: { documents: Document[]; teacher: LoadedModel; student: LoadedModel },
  settings: RunSettings,
  /** How the documents were read (the run's data choices). */
  ingestOptions?: Partial<IngestOptions>,
): Promise<RunEstimate> {
  const planned = planRun({
    documents: inputs.documents,
    tokenizer: inputs.teacher.tokenizer,
    contextLength: Math.min(inputs.teacher.config.contextLength, inputs.student.config.contextLength),
    settings,
    ingestOptions,
  });
  return estimatePlannedRun(planned, { ...inputs, tokenizer: inputs.teacher.tokenizer });
}
