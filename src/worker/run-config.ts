/**
 * A run's settings as the pipeline's config: the library defaults, the settings' profile, then
 * what the user set (resolvePipelineConfig). DistilDP first, then the chosen baselines.
 */
import { type PipelineConfig, resolvePipelineConfig } from '../pipeline/config';
import { BASELINES, PROFILE_CONFIG, type RunSettings, validateSettings } from './run-settings';

export function pipelineConfigFor(s: RunSettings): PipelineConfig {
  const errors = Object.values(validateSettings(s));
  if (errors.length) throw new Error(`invalid run settings: ${errors.join(' ')}`);
  // Left empty, batch and epochs stay the profile's, or the recipe rule's ('auto').
  const dp = {
    expectedBatchSize: s.expectedBatchSize ?? undefined,
    epochs: s.epochs ?? undefined,
    clipNorm: s.clipNorm,
  };
  return resolvePipelineConfig(PROFILE_CONFIG[s.profile], {
    epsilon: s.targetEpsilon,
    delta: s.delta ?? undefined,
    seed: s.seed,
    methods: ['distildp', ...BASELINES.filter((b) => s.baselines.includes(b))],
    teacherDP: dp,
    studentDP: dp,
  });
}
