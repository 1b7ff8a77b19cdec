/**
 * A run's settings as the pipeline's config: the library defaults, the settings' profile, then
 * what the user set (resolvePipelineConfig), the Advanced settings last. DistilDP first, then the chosen baselines; the data
 * choices from the ingest options the documents were read with and the control-code setting.
 */

import { overridesLayer } from '../contract/overrides';
import { BASELINES, PROFILE_CONFIG, type RunSettings, validateSettings } from '../contract/run-settings';
import type { IngestOptions } from '../data/types';
import {
  type DataChoices,
  DEFAULT_DATA_CHOICES,
  type PipelineConfig,
  resolvePipelineConfig,
} from '../pipeline/config';

/**
 * The data choices of a run: how its documents were read (the ingest options the worker used) and
 * whether their labels become control codes. Settings only, never read from the documents.
 */
export function dataChoicesOf(ingest: Partial<IngestOptions>, useControlCodes = false): DataChoices {
  return {
    textField: ingest.textField ?? DEFAULT_DATA_CHOICES.textField,
    labelFields: [...(ingest.labelFields ?? [])],
    folderLabels: ingest.folderLabels ?? false,
    useControlCodes,
  };
}

export function pipelineConfigFor(s: RunSettings, ingest: Partial<IngestOptions> = {}): PipelineConfig {
  const errors = Object.values(validateSettings(s));
  if (errors.length) throw new Error(`invalid run settings: ${errors.join(' ')}`);
  // Left empty, batch and epochs stay the profile's, or the recipe rule's ('auto').
  const dp = {
    expectedBatchSize: s.expectedBatchSize ?? undefined,
    epochs: s.epochs ?? undefined,
    clipNorm: s.clipNorm,
  };
  return resolvePipelineConfig(
    PROFILE_CONFIG[s.profile],
    {
      epsilon: s.targetEpsilon,
      delta: s.delta ?? undefined,
      seed: s.seed,
      methods: ['distildp', ...BASELINES.filter((b) => s.baselines.includes(b))],
      teacherDP: dp,
      studentDP: dp,
      data: dataChoicesOf(ingest, s.useControlCodes ?? false),
    },
    overridesLayer(s.advanced ?? {}),
  );
}
