/**
 * Before a run starts: does the browser's storage quota hold its checkpoints (estimated from the
 * models, the methods and the texts), and is the storage persistent?
 */
import { formatBytes } from '../contract/format';
import type { LogLevel } from '../contract/protocol';
import type { RunSettings } from '../contract/run-settings';
import type { Document } from '../data/types';
import { DEFAULT_GENERATION } from '../model/generation-config';
import type { DataChoices } from '../pipeline/config';
import { pipelineConfigFor } from './run-config';
import { estimateRunStorageBytes } from './run-storage';
import type { SessionModel } from './session-models';

const utf8 = new TextEncoder();

type Log = (level: LogLevel, message: string) => void;

/** Throws when the run's checkpoints would not fit in the free quota; logs the estimate otherwise. */
export async function checkStorageQuota(
  log: Log,
  settings: RunSettings,
  data: DataChoices,
  documents: Document[],
  teacher: SessionModel,
  student: SessionModel,
): Promise<void> {
  const config = pipelineConfigFor(settings, data);
  // The larger pool of the two (whether 'distinct' selection applies depends on the released codes).
  const samples = Math.ceil(
    config.synthetic.samples * Math.max(config.synthetic.overGenerate, config.synthetic.distinctOverGenerate),
  );
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

/** Persistence (navigator.storage.persist) exists only on the page: the UI requests it at start. */
export function warnIfStorageNotPersistent(log: Log): void {
  if (typeof navigator.storage?.persisted === 'function') {
    void navigator.storage.persisted().then((p) => {
      if (!p)
        log(
          'warn',
          'browser storage is not persistent: the browser may evict checkpoints under storage pressure',
        );
    });
  }
}
