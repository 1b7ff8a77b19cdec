/**
 * The run manifest: one small JSON file per run in the browser's private storage that says what the
 * run is (data, settings, models), how far it got (stage, epsilon spent, last checkpoint) and how it
 * ended. After a reload or a crashed tab the app lists manifests and offers to resume.
 *
 * The run id is random (pipeline/run-id.ts): it names exported files, so it must not depend on the
 * documents. To find an interrupted run's checkpoints when the same run is started again, the
 * manifest also keeps a content key, a SHA-256 over the documents, the settings and the base
 * models. The content key is a local lookup key only: it stays in this browser's private storage
 * and never appears in an export, a file name or a report.
 */
import type { TokenizerKind } from '../data/tokenizer';
import type { Document } from '../data/types';
import type { DataChoices } from '../pipeline/config';
import type { ModelRole, RunFailure } from './protocol';
import type { RunSettings } from './run-settings';

export const MANIFEST_VERSION = 1;

/** A base model as the run remembers it: a preset reloads by name; anything else is stored with the run. */
export type ModelRef =
  | { kind: 'preset'; name: string }
  | { kind: 'stored'; name: string; sha256: string; tokenizer: TokenizerKind };

export type ManifestStatus = 'running' | 'paused' | 'failed' | 'completed' | 'cancelled';

export interface RunManifest {
  version: typeof MANIFEST_VERSION;
  /** Random (pipeline/run-id.ts); names the run's exports. */
  runId: string;
  /** Local lookup key for resuming (contentKeyFor); never exported. Absent in older manifests. */
  contentKey?: string;
  createdAt: number;
  updatedAt: number;
  /** 'running' in storage with no live run means the tab closed or crashed mid-run. */
  status: ManifestStatus;
  settings: RunSettings;
  /** How the documents were read and whether labels are control codes (absent in older manifests). */
  data?: DataChoices;
  models: Record<ModelRole, ModelRef>;
  documents: number;
  stage: { method: string; stage: string } | null;
  /** Highest epsilon spent so far, per DP training (`${method}/${role}`); never decreases. */
  epsilonSpent: Record<string, number>;
  /** The newest checkpoint written: its stage key (pipeline/stage-registry.ts) and time. */
  checkpoint: { stage: string; at: number } | null;
  backend: string | null;
  failure: RunFailure | null;
}

/** JSON with object keys sorted at every level, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, (v as Record<string, unknown>)[k]]),
      );
    }
    return v;
  });
}

function toHex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  return toHex(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
}

/** SHA-256 over a folder's files in name order (name, length and bytes of each). */
export async function filesSha256(files: { path: string; bytes: Uint8Array }[]): Promise<string> {
  const parts: string[] = [];
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    parts.push(`${f.path}\u0000${f.bytes.length}\u0000${await sha256Hex(f.bytes)}`);
  }
  return sha256Hex(parts.join('\n'));
}

/**
 * The content key: SHA-256 of the canonical JSON of {documents (id, text, labels, in order),
 * settings, models}. A local lookup key (the same run started again finds its checkpoints);
 * never exported, never a file name.
 */
export async function contentKeyFor(
  documents: readonly Pick<Document, 'id' | 'text' | 'labels'>[],
  settings: RunSettings,
  models: Record<ModelRole, ModelRef>,
  data?: DataChoices,
): Promise<string> {
  const docs = documents.map((d) => [d.id, d.text, d.labels]);
  return sha256Hex(canonicalJson({ documents: docs, settings, models, data }));
}

export function newManifest(input: {
  runId: string;
  contentKey?: string;
  settings: RunSettings;
  data?: DataChoices;
  models: Record<ModelRole, ModelRef>;
  documents: number;
  backend: string | null;
  now: number;
}): RunManifest {
  return {
    version: MANIFEST_VERSION,
    runId: input.runId,
    contentKey: input.contentKey,
    createdAt: input.now,
    updatedAt: input.now,
    status: 'running',
    settings: input.settings,
    data: input.data,
    models: input.models,
    documents: input.documents,
    stage: null,
    epsilonSpent: {},
    checkpoint: null,
    backend: input.backend,
    failure: null,
  };
}

/** Merges epsilon readings into the manifest's, keeping the larger value per series (no decrease). */
export function mergeEpsilon(
  spent: Readonly<Record<string, number>>,
  readings: Readonly<Record<string, number>>,
): Record<string, number> {
  const out = { ...spent };
  for (const [series, eps] of Object.entries(readings)) {
    if (!Number.isFinite(eps)) continue;
    out[series] = Math.max(out[series] ?? 0, eps);
  }
  return out;
}

/** Runs that can continue: interrupted (status still 'running'), paused, or stopped by a failure. */
export function isResumable(m: Pick<RunManifest, 'status'>): boolean {
  return m.status === 'running' || m.status === 'paused' || m.status === 'failed';
}

/** The largest epsilon spent by any DP training of the run (0 before the first DP step). */
export function maxEpsilon(m: Pick<RunManifest, 'epsilonSpent'>): number {
  return Math.max(0, ...Object.values(m.epsilonSpent));
}

const STATUSES: readonly ManifestStatus[] = ['running', 'paused', 'failed', 'completed', 'cancelled'];

/** Reads a manifest file, with a precise error for anything that is not one of ours. */
export function parseManifest(text: string): RunManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`run manifest: not JSON (${(e as Error).message})`);
  }
  const m = raw as Partial<RunManifest>;
  if (!m || typeof m !== 'object') throw new Error('run manifest: not an object');
  if (m.version !== MANIFEST_VERSION)
    throw new Error(`run manifest: version ${String(m.version)}, expected ${MANIFEST_VERSION}`);
  if (typeof m.runId !== 'string' || !/^[0-9a-f]+$/.test(m.runId))
    throw new Error('run manifest: runId must be a hex string');
  if (!STATUSES.includes(m.status as ManifestStatus))
    throw new Error(`run manifest: unknown status ${JSON.stringify(m.status)}`);
  if (!m.settings || typeof m.settings !== 'object') throw new Error('run manifest: no settings');
  if (!m.models?.teacher || !m.models?.student) throw new Error('run manifest: no models');
  if (typeof m.epsilonSpent !== 'object' || m.epsilonSpent === null)
    throw new Error('run manifest: no epsilonSpent');
  // Manifests written before stages were called stages name the checkpoint's stage `step`.
  const legacy = m.checkpoint as { step?: string; stage?: string; at: number } | null | undefined;
  if (legacy && legacy.stage === undefined && typeof legacy.step === 'string')
    return { ...(m as RunManifest), checkpoint: { stage: legacy.step, at: legacy.at } };
  return m as RunManifest;
}
