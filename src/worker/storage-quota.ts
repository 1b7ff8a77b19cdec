/**
 * Before a run starts: does this browser's storage quota hold its checkpoints? The need is
 * estimated from the models and the settings (estimateRunStorageBytes); too little free space
 * refuses the run with what to do about it.
 */
import type { Document } from '../data/types';
import { DEFAULT_GENERATION } from '../model/generate';
import { formatBytes } from './format';
import type { LogLevel } from './protocol';
import { pipelineConfigFor } from './run-config';
import type { RunSettings } from './run-settings';
import { estimateRunStorageBytes } from './run-storage';
import type { SessionModel } from './session-models';

const utf8 = new TextEncoder();

export async function checkRunQuota(
  log: (level: LogLevel, message: string) => void,
  settings: RunSettings,
  documents: Document[],
  teacher: SessionModel,
  student: SessionModel,
): Promise<void> {
  const config = pipelineConfigFor(settings);
  const samples = Math.ceil(config.synthetic.samples * config.synthetic.overGenerate);
  const maxTokens = config.synthetic.generation.maxLength ?? DEFAULT_GENERATION.maxLength;
  const need = estimateRunStorageBytes({
    teacherParameters: teacher.info.parameters,
    studentParameters: student.info.parameters,
    teacherWidth: teacher.info.config.nEmbd,
    studentWidth: student.info.config.nEmbd,
    methods: config.methods,
    documentBytes: documents.reduce((a, d) => a + utf8.encode(d.text).length, 0),
    syntheticSamples: samples,
    syntheticSampleBytes: maxTokens * (teacher.info.tokenizer === 'bytes' ? 1 : 4),
    storedBaseParameters:
      (teacher.ref.kind === 'stored' ? teacher.info.parameters : 0) +
      (student.ref.kind === 'stored' ? student.info.parameters : 0),
  });
  const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
  if (estimate?.quota === undefined) {
    log('warn', `cannot check the storage quota; this run needs about ${formatBytes(need)}`);
    return;
  }
  const free = estimate.quota - (estimate.usage ?? 0);
  if (need > free) {
    throw new Error(
      `not enough browser storage for this run's checkpoints: it needs about ${formatBytes(need)}, ${formatBytes(free)} is free (quota ${formatBytes(estimate.quota)}). Delete old runs or other sites' data, or use smaller models.`,
    );
  }
  log('info', `storage: this run needs about ${formatBytes(need)} of ${formatBytes(free)} free`);
}
