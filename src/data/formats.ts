/**
 * Decoded file text (LF newlines) -> records, per format. Parse problems are returned with line
 * numbers, never thrown; what could be read is kept.
 */

import { errorMessage } from '../util/error-message';
import { detectCsvDelimiter, normalizeHeader, parseDelimited } from './csv';
import type { RawRecord } from './records';

export type FileFormat = 'text' | 'jsonl' | 'json' | 'csv' | 'tsv';

/** Supported extensions (lower case, with the dot) and their formats. */
export const FORMAT_BY_EXTENSION: Record<string, FileFormat> = {
  '.txt': 'text',
  '.text': 'text',
  '.md': 'text',
  '.markdown': 'text',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.csv': 'csv',
  '.tsv': 'tsv',
};

export function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

export interface ParsedRecords {
  records: RawRecord[];
  /** Records that could not be parsed (`line 7: invalid JSON (...)`). */
  problems: string[];
  /** Facts worth showing that lost nothing (e.g. the CSV delimiter). */
  notes: string[];
  /** Set when the file as a whole cannot be read. */
  error?: string;
  /** Refined format, e.g. `csv (;)`. */
  format?: string;
}

/** Plain text: the whole file, or one piece per blank-line-separated paragraph. */
export function textDocuments(text: string, splitOnBlankLines: boolean): string[] {
  const pieces = splitOnBlankLines ? text.split(/\n(?:[ \t]*\n)+/) : [text];
  // Surrounding blank lines and trailing whitespace carry no content; leading indentation may.
  return pieces.map((p) => p.replace(/^(?:[ \t]*\n)+/, '').trimEnd()).filter((p) => p.trim() !== '');
}

/** JSON.parse error message with the line of the reported position, when the engine gives one. */
function jsonError(e: unknown, text: string): string {
  const message = errorMessage(e).replace(/\n/g, '\\n');
  const m = /position (\d+)/.exec(message);
  if (!m || /\bline \d+/.test(message)) return message;
  const line = text.slice(0, Number(m[1])).split('\n').length;
  return `${message} (line ${line})`;
}

export function parseJsonLines(text: string): ParsedRecords {
  const out: ParsedRecords = { records: [], problems: [], notes: [] };
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.records.push({ where: `line ${i + 1}`, value: JSON.parse(line) });
    } catch (e) {
      const message = errorMessage(e);
      out.problems.push(`line ${i + 1}: invalid JSON (${message})`);
    }
  });
  return out;
}

export function parseJsonFile(text: string): ParsedRecords {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // A common mistake: JSON Lines saved as .json. Read it as such if the first line is a record.
    const firstLine = text.split('\n').find((l) => l.trim() !== '') ?? '';
    let firstIsRecord = false;
    try {
      const first = JSON.parse(firstLine);
      firstIsRecord = typeof first === 'object' && first !== null && firstLine.trim() !== text.trim();
    } catch {
      firstIsRecord = false;
    }
    if (firstIsRecord) {
      const lines = parseJsonLines(text);
      lines.notes.push('not a single JSON value; read as JSON Lines (one record per line)');
      return { ...lines, format: 'jsonl' };
    }
    return { records: [], problems: [], notes: [], error: `invalid JSON: ${jsonError(e, text)}` };
  }
  if (!Array.isArray(value)) {
    const what =
      typeof value === 'object' && value !== null
        ? `an object (keys: ${Object.keys(value).slice(0, 10).join(', ') || 'none'})`
        : `a ${typeof value}`;
    return {
      records: [],
      problems: [],
      notes: [],
      error: `expected a JSON array of records or strings at the top level, got ${what}; for one record per line use .jsonl`,
    };
  }
  return { records: value.map((v, i) => ({ where: `item ${i + 1}`, value: v })), problems: [], notes: [] };
}

export function parseCsvFile(text: string, format: 'csv' | 'tsv'): ParsedRecords {
  const delimiter = format === 'tsv' ? '\t' : detectCsvDelimiter(text);
  const out: ParsedRecords = { records: [], problems: [], notes: [], format };
  if (format === 'csv' && delimiter !== ',') {
    out.format = `csv (${delimiter === '\t' ? 'tab' : delimiter}-separated)`;
  }
  const { rows, problems } = parseDelimited(text, delimiter);
  if (rows.length === 0 || (problems.length > 0 && problems[0].line < rows[0].line)) {
    const why = problems[0] ? `line ${problems[0].line}: ${problems[0].message}` : 'no rows';
    return { ...out, error: `cannot read the CSV header (${why})` };
  }
  const header = normalizeHeader(rows[0].fields);
  out.notes.push(...header.warnings);
  for (const p of problems) out.problems.push(`line ${p.line}: ${p.message}`);
  const width = header.names.length;
  for (const row of rows.slice(1)) {
    if (row.fields.length !== width) {
      out.problems.push(`line ${row.line}: ${row.fields.length} fields, expected ${width} as in the header`);
      continue;
    }
    const record: Record<string, string> = {};
    header.names.forEach((name, i) => {
      record[name] = row.fields[i];
    });
    out.records.push({ where: `line ${row.line}`, value: record });
  }
  return out;
}
