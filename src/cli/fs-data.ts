/**
 * Node-side file access for the CLI: a path (a file or a folder, read recursively) becomes the
 * FileInput list that ingestion takes, exactly as the browser's drop zone produces it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ingestFiles } from '../data/ingest';
import type { FileInput, IngestOptions, IngestResult } from '../data/types';

/** Reads a file or every file below a folder; paths are relative to the folder's parent. */
export function readInputFiles(path: string): FileInput[] {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new Error(`no such file or folder: ${path}`);
  if (st.isFile()) return [readOne(path, basename(path))];
  const root = join(path, '..');
  const out: FileInput[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.')) continue;
      const full = join(dir, name);
      const s = statSync(full);
      if (s.isDirectory()) walk(full);
      else if (s.isFile()) out.push(readOne(full, relative(root, full)));
    }
  };
  walk(path);
  if (out.length === 0) throw new Error(`folder ${path} contains no files`);
  return out;
}

/** A `.gz` file is decompressed and keeps its inner name (e.g. corpus.jsonl.gz -> corpus.jsonl). */
function readOne(full: string, rel: string): FileInput {
  const bytes = new Uint8Array(readFileSync(full));
  if (rel.endsWith('.gz')) return { path: rel.slice(0, -3), bytes: new Uint8Array(gunzipSync(bytes)) };
  return { path: rel, bytes };
}

/**
 * Ingests a file or folder and reports every rejected or partial file on stderr (never silently);
 * fails when fewer than `minDocuments` documents remain.
 */
export function ingestPath(
  path: string,
  err: (s: string) => void,
  minDocuments = 1,
  options: Partial<IngestOptions> = {},
): IngestResult {
  const result = ingestFiles(readInputFiles(path), options);
  for (const f of result.files) {
    if (f.status === 'rejected') err(`${f.path}: rejected: ${f.reason}`);
    else if (f.status === 'partial') err(`${f.path}: partly read: ${f.warnings.slice(0, 3).join('; ')}`);
  }
  if (result.documents.length < minDocuments) {
    throw new Error(`${path}: need at least ${minDocuments} document(s), found ${result.documents.length}`);
  }
  return result;
}
