/**
 * A run's files in the origin-private byte storage (byte-storage.ts), and the pipeline's checkpoints
 * kept there (RunCheckpoints). Layout under `runs/<runId>/`:
 *   manifest.json        what the run is and how far it got (run-manifest.ts)
 *   documents.json       the ingested documents (private: restored on resume, never sent anywhere)
 *   models/<role>.safetensors   base models that are not presets (imported folders)
 *   steps/<key>.safetensors     the stages' done/partial checkpoints (serializeCheckpoint)
 *   metrics/<seq>.json   chart points, appended in chunks at each checkpoint
 *   results.json, reports.json, plans.json   result rows, privacy reports, expected epsilon curves
 */

import { parseManifest, type RunManifest } from '../contract/run-manifest';
import type { Document } from '../data/types';
import {
  type Checkpoint,
  type Checkpoints,
  parseCheckpoint,
  serializeCheckpoint,
} from '../pipeline/checkpoint';
import type { ByteStorage } from './byte-storage';

export const RUNS_FOLDER = 'runs';

/**
 * File name of a stage's checkpoint: the stage key (e.g. `shared/teacher-dp`) percent-encoded,
 * with `.` encoded as well so no key can become `.`/`..` or collide with the extension.
 */
export function checkpointFileName(stageKey: string): string {
  if (stageKey === '') throw new Error('stage key is empty');
  return `${encodeURIComponent(stageKey).replaceAll('.', '%2E')}.safetensors`;
}

/** The stage key of a file written by checkpointFileName, or null for any other file. */
export function stageKeyOfFileName(name: string): string | null {
  if (!name.endsWith('.safetensors')) return null;
  const encoded = name.slice(0, -'.safetensors'.length);
  if (encoded === '' || encoded.includes('.')) return null;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return null;
  }
}

/** Zero-padded so that name order is write order. */
export function metricsChunkName(seq: number): string {
  if (!Number.isInteger(seq) || seq < 0) throw new Error(`metrics chunk number must be >= 0, got ${seq}`);
  return `${String(seq).padStart(6, '0')}.json`;
}

export function runFolder(runId: string): string {
  if (!/^[0-9a-f]{8,64}$/.test(runId)) throw new Error(`invalid run id "${runId}"`);
  return `${RUNS_FOLDER}/${runId}`;
}

export const runPaths = {
  manifest: (runId: string) => `${runFolder(runId)}/manifest.json`,
  documents: (runId: string) => `${runFolder(runId)}/documents.json`,
  model: (runId: string, role: string) => `${runFolder(runId)}/models/${role}.safetensors`,
  // The folder is still called `steps/` (the old word for a stage), so saved runs keep loading.
  checkpoint: (runId: string, stageKey: string) =>
    `${runFolder(runId)}/steps/${checkpointFileName(stageKey)}`,
  checkpointsFolder: (runId: string) => `${runFolder(runId)}/steps`,
  metricsFolder: (runId: string) => `${runFolder(runId)}/metrics`,
  metricsChunk: (runId: string, seq: number) => `${runFolder(runId)}/metrics/${metricsChunkName(seq)}`,
  json: (runId: string, name: 'results' | 'reports' | 'plans' | 'base') => `${runFolder(runId)}/${name}.json`,
};

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Typed access to the runs in the byte storage. */
export class RunStorage {
  constructor(readonly bytes: ByteStorage) {}

  /**
   * A file's bytes, or null when it is missing or empty. No file of a run is ever empty; an empty
   * one is a write a reload interrupted under an earlier version (which wrote OPFS files in place).
   */
  private async readFile(path: string): Promise<Uint8Array | null> {
    const b = await this.bytes.read(path);
    return b && b.length > 0 ? b : null;
  }

  async readJson<T>(path: string): Promise<T | null> {
    const b = await this.readFile(path);
    return b ? (JSON.parse(fromUtf8.decode(b)) as T) : null;
  }

  writeJson(path: string, value: unknown): Promise<void> {
    return this.bytes.write(path, utf8.encode(JSON.stringify(value)));
  }

  writeManifest(m: RunManifest): Promise<void> {
    return this.writeJson(runPaths.manifest(m.runId), m);
  }

  async readManifest(runId: string): Promise<RunManifest | null> {
    const b = await this.readFile(runPaths.manifest(runId));
    return b ? parseManifest(fromUtf8.decode(b)) : null;
  }

  /** Every readable manifest, newest first; unreadable ones are reported, not fatal. */
  async listManifests(): Promise<{ manifests: RunManifest[]; problems: string[] }> {
    const manifests: RunManifest[] = [];
    const problems: string[] = [];
    for (const runId of await this.bytes.list(RUNS_FOLDER)) {
      try {
        const m = await this.readManifest(runId);
        if (m) manifests.push(m);
      } catch (e) {
        problems.push(`run ${runId}: ${(e as Error).message}`);
      }
    }
    manifests.sort((a, b) => b.updatedAt - a.updatedAt);
    return { manifests, problems };
  }

  writeDocuments(runId: string, docs: Document[]): Promise<void> {
    return this.writeJson(runPaths.documents(runId), docs);
  }

  async readDocuments(runId: string): Promise<Document[]> {
    const docs = await this.readJson<Document[]>(runPaths.documents(runId));
    if (!docs) throw new Error(`run ${runId}: its documents are missing from storage`);
    return docs;
  }

  async readStage(runId: string, stageKey: string): Promise<Checkpoint | undefined> {
    const b = await this.readFile(runPaths.checkpoint(runId, stageKey));
    return b ? parseCheckpoint(b) : undefined;
  }

  /** Keys of the stages that have a checkpoint. */
  async listStages(runId: string): Promise<string[]> {
    const names = await this.bytes.list(runPaths.checkpointsFolder(runId));
    return names.map(stageKeyOfFileName).filter((k): k is string => k !== null);
  }

  async appendMetrics<T>(runId: string, points: T[]): Promise<void> {
    if (points.length === 0) return;
    const existing = await this.bytes.list(runPaths.metricsFolder(runId));
    await this.writeJson(runPaths.metricsChunk(runId, existing.length), points);
  }

  async readMetrics<T>(runId: string): Promise<T[]> {
    const out: T[] = [];
    for (const name of await this.bytes.list(runPaths.metricsFolder(runId))) {
      out.push(...((await this.readJson<T[]>(`${runPaths.metricsFolder(runId)}/${name}`)) ?? []));
    }
    return out;
  }

  removeRun(runId: string): Promise<void> {
    return this.bytes.remove(runFolder(runId));
  }
}

/** Throws when a checkpoint holds a NaN/Inf weight: it must never replace a good one. */
export function assertFiniteCheckpoint(stageKey: string, checkpoint: Checkpoint): void {
  for (const [model, m] of Object.entries(checkpoint.models ?? {})) {
    for (const [name, data] of m.arrays) {
      for (let i = 0; i < data.length; i++) {
        if (!Number.isFinite(data[i]))
          throw new Error(
            `${stageKey}: parameter ${name} of ${model} holds a non-finite value (${data[i]}): training diverged; the checkpoint was not written`,
          );
      }
    }
  }
}

/**
 * The pipeline's checkpoints in a run's folder. `freeze` stops all writes (after a lost GPU device
 * nothing read back from it can be trusted), so the last good checkpoint stays intact.
 */
export class RunCheckpoints implements Checkpoints {
  private frozenReason: string | null = null;

  constructor(
    private readonly runs: RunStorage,
    private readonly runId: string,
    private readonly onSaved?: (stageKey: string, checkpoint: Checkpoint) => Promise<void>,
  ) {}

  get frozen(): string | null {
    return this.frozenReason;
  }

  freeze(reason: string): void {
    this.frozenReason ??= reason;
  }

  load(stageKey: string): Promise<Checkpoint | undefined> {
    return this.runs.readStage(this.runId, stageKey);
  }

  async save(stageKey: string, checkpoint: Checkpoint): Promise<void> {
    if (this.frozenReason) throw new Error(`checkpoint of ${stageKey} not written: ${this.frozenReason}`);
    assertFiniteCheckpoint(stageKey, checkpoint);
    await this.runs.bytes.write(runPaths.checkpoint(this.runId, stageKey), serializeCheckpoint(checkpoint));
    await this.onSaved?.(stageKey, checkpoint);
  }
}

/** What a run's storage needs, to compare with navigator.storage.estimate() before starting. */
export interface StorageNeedInput {
  teacherParameters: number;
  studentParameters: number;
  /** Widths for the distillation projection (student d -> teacher d). */
  teacherWidth: number;
  studentWidth: number;
  methods: string[];
  /** UTF-8 bytes of all document texts. */
  documentBytes: number;
  syntheticSamples: number;
  /** Longest synthetic sample in bytes (max generated tokens x bytes per token). */
  syntheticSampleBytes: number;
  /** Parameters of base models stored with the run (imported folders; presets reload by name). */
  storedBaseParameters: number;
}

/**
 * Bytes of the checkpoints a run keeps at once, in float32: a partial training checkpoint holds
 * the weights and AdamW's two moments (3P); finished stages keep the weights (P). Every training
 * stage is counted at its partial size (its larger state), plus one more copy of the largest one
 * (a replaced file exists twice until the write completes), the documents and synthetic text as
 * JSON (x1.25 for escaping and field names), and 1 MiB for manifests, metrics and results.
 */
export function estimateRunStorageBytes(i: StorageNeedInput): number {
  const F = 4;
  const partial = (p: number) => 3 * p * F;
  const records: number[] = [];
  const has = (m: string) => i.methods.includes(m);
  if (has('distildp') || has('synthetic') || has('opd')) {
    records.push(partial(i.teacherParameters)); // DistilDP's DP teacher
    const distill = partial(i.studentParameters) + (i.studentWidth * i.teacherWidth + i.teacherWidth) * F;
    if (has('distildp')) records.push(distill);
    if (has('synthetic')) records.push(distill);
    if (has('opd')) records.push(distill);
  }
  if (has('dpsgd')) records.push(partial(i.studentParameters));
  if (has('dpkd')) records.push(partial(i.teacherParameters), partial(i.studentParameters));
  if (has('nonprivate')) records.push(partial(i.teacherParameters), partial(i.studentParameters));
  const text = 1.25 * (i.documentBytes + i.syntheticSamples * i.syntheticSampleBytes * 2);
  const total =
    records.reduce((a, b) => a + b, 0) +
    Math.max(0, ...records) +
    i.storedBaseParameters * F +
    text +
    1024 * 1024;
  return Math.ceil(total);
}
