/**
 * What a finished run releases, in the form every export takes (`export-bundle.ts`): the DistilDP
 * student and the DP teacher as plain arrays, the synthetic corpus and the privacy reports. The CLI
 * gets it from the live `PipelineResult`; the app, after a reload too, from the run's store. Both
 * come from here, so no caller needs to know under which step a model was saved.
 */
import type { TokenizerKind } from '../data/tokenizer';
import { paramsToArrays } from '../model/params';
import type { LoadedModel } from './models';
import type { PipelineResult, PrivacyReport } from './run';
import type { ModelArrays, PipelineStore } from './store';
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

/** The steps of runPipeline (run.ts) whose finished records hold the released outputs. */
const OUTPUT_STEPS = {
  student: 'distildp/distill',
  teacher: 'shared/teacher-dp',
  synthetic: 'shared/generate',
} as const;

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

/** The same outputs from a run's store (steps that did not finish are left out). */
export async function loadRunOutputs(
  store: PipelineStore,
  tokenizer: TokenizerKind,
  reports: PrivacyReport[],
): Promise<RunOutputs> {
  const finished = async (step: string) => {
    const record = await store.load(step);
    return record?.status === 'done' ? record : undefined;
  };
  const [student, teacher, synthetic] = await Promise.all([
    finished(OUTPUT_STEPS.student),
    finished(OUTPUT_STEPS.teacher),
    finished(OUTPUT_STEPS.synthetic),
  ]);
  return {
    tokenizer,
    student: student?.models?.model,
    teacher: teacher?.models?.model,
    synthetic: synthetic?.value as SyntheticCorpus | undefined,
    reports,
  };
}
