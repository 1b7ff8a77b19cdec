/**
 * Files -> documents, the privacy units (see types.ts). A .txt/.md file is one document (or one per
 * paragraph with `splitOnBlankLines`); each .jsonl line, .csv/.tsv row and item of a .json array is one
 * document. Nothing is dropped silently: every file gets a report saying what was taken, what was
 * skipped and why (line numbers included), and rejected files say exactly why.
 */
import { decodeFileBytes, normalizeNewlines } from './decode';
import { commonFolderRoot, folderLabels, pathSegments } from './folder-labels';
import {
  extensionOf,
  FORMAT_BY_EXTENSION,
  type ParsedRecords,
  parseCsvFile,
  parseJsonFile,
  parseJsonLines,
  textDocuments,
} from './formats';
import { hashBytes, hashString } from './hash';
import { proposeFields, type RawRecord, type RecordText, recordsToTexts } from './records';
import type { Tokenizer } from './tokenizer';
import type { Document, FileInput, FileReport, IngestOptions, IngestResult } from './types';

export const DEFAULT_INGEST_OPTIONS: IngestOptions = {
  splitOnBlankLines: false,
  folderLabels: false,
  maxFileBytes: 50_000_000, // 50 MB: large enough for any realistic corpus file, small enough for a tab
};

/** Per-record problems listed in a report before the rest are summarised as a count. */
export const MAX_LISTED_PROBLEMS = 20;

const SUPPORTED = Object.keys(FORMAT_BY_EXTENSION).join(', ');

function formatBytes(n: number): string {
  const size = n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`;
  return `${size} (${n.toLocaleString('en-US')} bytes)`;
}

function validateOptions(o: IngestOptions): void {
  if (!(o.maxFileBytes > 0)) throw new Error(`maxFileBytes must be a positive number, got ${o.maxFileBytes}`);
  if (o.textField !== undefined && (typeof o.textField !== 'string' || o.textField === '')) {
    throw new Error('textField must be a non-empty string when given');
  }
  if (
    o.labelFields !== undefined &&
    !(Array.isArray(o.labelFields) && o.labelFields.every((f) => typeof f === 'string'))
  ) {
    throw new Error('labelFields must be an array of field names');
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The problems of one file: listed up to MAX_LISTED_PROBLEMS, then counted. */
function listProblems(problems: string[]): string[] {
  if (problems.length <= MAX_LISTED_PROBLEMS) return problems;
  const rest = problems.length - MAX_LISTED_PROBLEMS;
  return [...problems.slice(0, MAX_LISTED_PROBLEMS), `... and ${rest} more problem(s) like these`];
}

interface FileContent {
  texts: RecordText[];
  /** The parsed records of a record file (for the field proposal). */
  records?: RawRecord[];
  skipped: string[];
  notes: string[];
  format: string;
  textField?: string;
  error?: string;
}

function readContent(text: string, format: string, options: IngestOptions): FileContent {
  const labelFields = options.labelFields ?? [];
  if (format === 'text') {
    const texts = textDocuments(text, options.splitOnBlankLines).map((t, i) => ({
      where: `paragraph ${i + 1}`,
      text: t,
      labels: labelFields.map(() => ''),
    }));
    const notes =
      labelFields.length > 0 ? ['label fields do not apply to plain text files (labels left empty)'] : [];
    return { texts, skipped: [], notes, format };
  }
  let parsed: ParsedRecords;
  if (format === 'jsonl') parsed = parseJsonLines(text);
  else if (format === 'json') parsed = parseJsonFile(text);
  else parsed = parseCsvFile(text, format as 'csv' | 'tsv');
  const base = { format: parsed.format ?? format, notes: parsed.notes, skipped: parsed.problems, texts: [] };
  if (parsed.error) return { ...base, error: parsed.error };
  if (parsed.records.length === 0) {
    const error = parsed.problems.length > 0 ? 'no readable records' : 'no records';
    return { ...base, error };
  }
  const conversion = recordsToTexts(parsed.records, options);
  if (conversion.error) return { ...base, records: parsed.records, error: conversion.error };
  return {
    records: parsed.records,
    format: base.format,
    texts: conversion.texts,
    skipped: [...parsed.problems, ...conversion.skipped],
    notes: [...parsed.notes, ...conversion.notes],
    textField: conversion.textField,
  };
}

export function ingestFiles(
  files: FileInput[],
  options: Partial<IngestOptions> = {},
  tokenizer?: Tokenizer,
): IngestResult {
  const opts: IngestOptions = { ...DEFAULT_INGEST_OPTIONS, ...options };
  validateOptions(opts);
  const root =
    opts.folderRoot !== undefined
      ? pathSegments(opts.folderRoot)
      : commonFolderRoot(files.map((f) => f.path));
  const documents: Document[] = [];
  const nextId = contentIds();
  const reports: FileReport[] = [];
  const seenContent = new Map<number, FileInput[]>();
  const seenPaths = new Set<string>();
  const proposalRecords: RawRecord[] = [];

  for (const file of files) {
    const report: FileReport = { path: file.path, status: 'ok', documents: 0, labels: [], warnings: [] };
    reports.push(report);
    const reject = (reason: string) => {
      report.status = 'rejected';
      report.reason = reason;
    };
    const ext = extensionOf(file.path);
    const format = FORMAT_BY_EXTENSION[ext];
    if (!format) {
      reject(`unsupported file type '${ext || '(no extension)'}'; supported: ${SUPPORTED}`);
      continue;
    }
    report.format = format;
    const bytes = file.bytes;
    if (bytes.length > opts.maxFileBytes) {
      reject(
        `file is ${formatBytes(bytes.length)}, over the limit of ${formatBytes(opts.maxFileBytes)} (maxFileBytes)`,
      );
      continue;
    }
    if (bytes.length === 0) {
      reject('empty file (0 bytes)');
      continue;
    }
    const hash = hashBytes(bytes);
    const original = seenContent.get(hash)?.find((f) => bytesEqual(f.bytes, bytes));
    if (original) {
      report.duplicateOf = original.path;
      reject(`duplicate of '${original.path}' (identical content): ingested once`);
      continue;
    }
    seenContent.set(hash, [...(seenContent.get(hash) ?? []), file]);
    if (seenPaths.has(file.path)) {
      reject('the same path appears twice in the input with different content (document ids would clash)');
      continue;
    }
    seenPaths.add(file.path);

    const decoded = decodeFileBytes(bytes);
    if (!decoded.ok) {
      reject(decoded.reason);
      continue;
    }
    report.encoding = decoded.encoding;
    const text = normalizeNewlines(decoded.text);
    if (text.trim() === '') {
      reject('file contains only whitespace');
      continue;
    }
    const content = readContent(text, format, opts);
    if (content.records) proposalRecords.push(...content.records);
    report.format = content.format;
    if (content.textField !== undefined) report.textField = content.textField;
    const skipped = content.skipped.sort((a, b) => lineOf(a) - lineOf(b));
    if (content.error || content.texts.length === 0) {
      const first = skipped.length > 0 ? `; first: ${skipped[0]}` : '';
      reject(content.error ?? `no usable records: all ${skipped.length} skipped${first}`);
      report.warnings = [...decoded.warnings, ...content.notes, ...listProblems(skipped)];
      if (skipped.length > 0) report.skipped = skipped.length;
      continue;
    }
    report.warnings = [...decoded.warnings, ...content.notes];
    if (skipped.length > 0) {
      report.status = 'partial';
      report.skipped = skipped.length;
      report.warnings.push(
        `skipped ${skipped.length} record(s), kept ${content.texts.length}:`,
        ...listProblems(skipped),
      );
    }

    const folder = opts.folderLabels ? folderLabels(file.path, root) : [];
    const labelSet = new Set<string>();
    let tokens = 0;
    content.texts.forEach((t) => {
      const labels = [...folder, ...t.labels];
      for (const l of labels) if (l !== '') labelSet.add(l);
      if (tokenizer) tokens += tokenizer.encode(t.text).length;
      documents.push({ id: nextId(t.text), text: t.text, labels, source: file.path });
    });
    report.documents = content.texts.length;
    report.labels = [...labelSet].sort();
    if (tokenizer) report.tokens = tokens;
  }
  const result: IngestResult = { documents, files: reports };
  if (proposalRecords.length > 0) result.proposal = proposeFields(proposalRecords);
  return result;
}

/**
 * Stable content ids: a hash of the document's text, so an id never depends on where the document
 * sits (inserting a record renumbers nothing, and the split of each document is its own: split.ts).
 * The n-th repeat of the same text gets `~n`; identical texts are interchangeable, so which copy
 * gets which suffix does not matter. Local only: ids are never exported.
 */
export function contentIds(): (text: string) => string {
  const seen = new Map<string, number>();
  return (text) => {
    const base = hashString(text).toString(16).padStart(14, '0');
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}~${n}`;
  };
}

/** Line or item number in a problem message (`line 7: ...`), for sorting; 0 when there is none. */
function lineOf(message: string): number {
  const m = /^(?:line|item) (\d+)/.exec(message);
  return m ? Number(m[1]) : 0;
}
