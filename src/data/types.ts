/**
 * Data model of ingestion. A **document is the privacy unit**: DP-SGD bounds the influence of one
 * whole document, however many training windows it spans.
 */
import type { FieldProposal } from './records';

/** A file handed to ingestion: its path relative to what the user dropped (folders included). */
export interface FileInput {
  /** e.g. `reviews/positive/a.txt`; folder names may become labels. */
  path: string;
  bytes: Uint8Array;
}

export interface Document {
  /** Stable content id: a hash of the text (`~n` for the n-th repeat of a text); never positional. */
  id: string;
  text: string;
  /** Control codes / category labels (from chosen fields or folder names); may be empty. */
  labels: string[];
  /** Path of the file it came from. */
  source: string;
}

export interface IngestOptions {
  /** Split .txt/.md files into one document per blank-line-separated paragraph (default false). */
  splitOnBlankLines: boolean;
  /**
   * Field holding the text in .jsonl/.csv/.json records, matched exactly (default `text`). A setting,
   * never chosen from the data (records.ts); the app proposes one for the user to confirm.
   */
  textField?: string;
  /** Fields used as labels, in order (default none). A setting, never chosen from the data. */
  labelFields?: string[];
  /** Use the names of the folders a file sits in (below the dropped root) as labels (default false). */
  folderLabels: boolean;
  /**
   * Path prefix below which folder names become labels (e.g. `data`); when undefined, the folders
   * that every input file shares (see src/data/folder-labels.ts for the rule).
   */
  folderRoot?: string;
  /** Files larger than this are rejected with a reason (default 50 MB). */
  maxFileBytes: number;
}

export type FileStatus = 'ok' | 'partial' | 'rejected';

/** What happened to one file: shown per file in the UI and printed by the CLI. */
export interface FileReport {
  path: string;
  status: FileStatus;
  /** Documents taken from this file. */
  documents: number;
  /** Tokens in those documents, when a tokenizer was given. */
  tokens?: number;
  /** Distinct labels found in this file. */
  labels: string[];
  /** Why the file was rejected (status 'rejected'). */
  reason?: string;
  /** Problems that did not reject the file, e.g. `line 7: invalid JSON (kept 41 other lines)`. */
  warnings: string[];
  /** Detected format and encoding, e.g. `jsonl`, `utf-16le`. */
  format?: string;
  encoding?: string;
  /** Field the text was taken from (.jsonl/.json/.csv/.tsv with object records). */
  textField?: string;
  /** Records that could not be used (malformed, empty text...); each is listed in `warnings`, up to a cap. */
  skipped?: number;
  /** For a duplicate file: the path of the identical file that was ingested (or reported) first. */
  duplicateOf?: string;
}

export interface IngestResult {
  documents: Document[];
  files: FileReport[];
  /**
   * A guess at the text and label fields of the record files, for the user to confirm (local only;
   * ingestion never applies it by itself). Absent without record files.
   */
  proposal?: FieldProposal;
}
