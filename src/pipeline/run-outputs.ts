/**
 * What a finished run releases, in the form every export takes (`export-bundle.ts`): the DistilDP
 * student and the DP teacher as plain arrays, the synthetic corpus and the privacy reports. The CLI
 * gets it from the live `PipelineResult`; the app, after a reload too, from the run's checkpoints
 * (through the stage registry). Both come from here, so no caller reads models by stage.
 */
import type { TokenizerKind } from '../data/tokenizer';
import { paramsToArrays } from '../model/params';
import type { Checkpoints, ModelArrays } from './checkpoint';
import type { LoadedModel } from './models';
import type { PrivacyReport } from './results';
import type { PipelineResult } from './run';
import { checkpointOf, EXPORTED_MODEL_STAGES, STAGES } from './stage-registry';
import type { SyntheticCorpus } from './synthetic';

export interface RunOutputs {
  /** The tokenizer the run's models share. */
  tokenizer: TokenizerKind;
  /** The DistilDP student (absent when distildp was not among the methods or has not finished). */
  student?: ModelArrays;
  /** The DP teacher (DP-SGD fine-tuned; shared by distildp and synthetic-only). */
  teacher?: ModelArrays;
  synthetic?: SyntheticCorpus;
  reports: PrivacyReport[];
}

/** A finished run's outputs, from the live result (the models' weights are read back once). */
export async function outputsOfResult(result: PipelineResult, tokenizer: TokenizerKind): Promise<RunOutputs> {
  const arrays = async (m: LoadedModel): Promise<ModelArrays> => ({
    config: m.config,
    arrays: await paramsToArrays(m.params),
  });
  const models = result.distildp;
  return {
    tokenizer,
    student: models ? await arrays(models.student) : undefined,
    teacher: models ? await arrays(models.teacher) : undefined,
    synthetic: result.synthetic,
    reports: result.reports,
  };
}

/** The same outputs from a run's checkpoints (stages that did not finish are left out). */
export async function loadRunOutputs(
  checkpoints: Checkpoints,
  tokenizer: TokenizerKind,
  reports: PrivacyReport[],
): Promise<RunOutputs> {
  const model = async (role: 'student' | 'teacher') => {
    const checkpoint = await checkpoints.load(EXPORTED_MODEL_STAGES[role].key);
    return checkpoint?.status === 'done' ? checkpoint.models?.model : undefined;
  };
  const generated = checkpointOf(STAGES.generate, await checkpoints.load(STAGES.generate.key));
  return {
    tokenizer,
    student: await model('student'),
    teacher: await model('teacher'),
    synthetic: generated?.status === 'done' ? generated.value : undefined,
    reports,
  };
}
