/**
 * CSV / TSV (RFC 4180: quoted fields, "" escapes, newlines inside quotes) with per-row error recovery:
 * a malformed row (unterminated quote, junk after a closing quote) is reported with its line number
 * and parsing resumes on the next physical line, so one bad row never costs the rest of the file.
 * Input must have LF newlines (decode.ts normalises them). A quote inside an unquoted field is kept
 * literally, as spreadsheets write it.
 */

export interface CsvRow {
  /** 1-based line on which the row starts. */
  line: number;
  fields: string[];
}

export interface CsvProblem {
  line: number;
  message: string;
}

export interface CsvParseResult {
  rows: CsvRow[];
  problems: CsvProblem[];
}

type RowParse = { ok: true; fields: string[]; end: number; lines: number } | { ok: false; message: string };

/** Parses one row starting at `pos`; `end` is the index after its terminating newline (or text length). */
function parseRow(text: string, pos: number, delimiter: string, startLine: number): RowParse {
  const fields: string[] = [];
  let lines = 1;
  let i = pos;
  for (;;) {
    if (text[i] === '"') {
      const openLine = startLine + lines - 1;
      let value = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) return { ok: false, message: `unterminated quoted field (opened on line ${openLine})` };
        const chunk = text.slice(i, q);
        for (let k = chunk.indexOf('\n'); k >= 0; k = chunk.indexOf('\n', k + 1)) lines++;
        value += chunk;
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      while (text[i] === ' ' || (text[i] === '\t' && delimiter !== '\t')) i++;
      fields.push(value);
      const c = text[i];
      if (c !== delimiter && c !== '\n' && c !== undefined) {
        const closeLine = startLine + lines - 1;
        // A "closing" quote lines later is most often the opening quote of a later row.
        const message =
          closeLine > openLine
            ? `unterminated quoted field (opened on line ${openLine}; the quote on line ${closeLine} does not close it)`
            : `unexpected character '${c}' after a closing quote`;
        return { ok: false, message };
      }
    } else {
      let j = i;
      while (j < text.length && text[j] !== delimiter && text[j] !== '\n') j++;
      fields.push(text.slice(i, j));
      i = j;
    }
    if (text[i] === delimiter) {
      i++;
      continue;
    }
    // Newline or end of text ends the row.
    return { ok: true, fields, end: i < text.length ? i + 1 : i, lines };
  }
}

export function parseDelimited(text: string, delimiter: string): CsvParseResult {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n') {
    throw new Error(`invalid CSV delimiter ${JSON.stringify(delimiter)}`);
  }
  const rows: CsvRow[] = [];
  const problems: CsvProblem[] = [];
  let pos = 0;
  let line = 1;
  while (pos < text.length) {
    const row = parseRow(text, pos, delimiter, line);
    if (row.ok) {
      const blank = row.fields.length === 1 && row.fields[0].trim() === '' && text[pos] !== '"';
      if (!blank) rows.push({ line, fields: row.fields });
      pos = row.end;
      line += row.lines;
    } else {
      problems.push({ line, message: row.message });
      const nl = text.indexOf('\n', pos);
      pos = nl < 0 ? text.length : nl + 1;
      line += 1;
    }
  }
  return { rows, problems };
}

/** The delimiter of a .csv file: ',' unless ';' or TAB is more frequent in the first line. */
export function detectCsvDelimiter(text: string): string {
  const nl = text.indexOf('\n');
  const first = nl < 0 ? text : text.slice(0, nl);
  const count = (c: string) => first.split(c).length - 1;
  let best = ',';
  for (const c of [';', '\t']) if (count(c) > count(best)) best = c;
  return best;
}

/** Header names made usable: trimmed, empty -> `column_N`, repeats -> `name_2`, `name_3`... */
export function normalizeHeader(fields: string[]): { names: string[]; warnings: string[] } {
  const seen = new Map<string, number>();
  const warnings: string[] = [];
  const names = fields.map((raw, i) => {
    let name = raw.trim().replace(/^\ufeff/, '');
    if (name === '') {
      name = `column_${i + 1}`;
      warnings.push(`header column ${i + 1} has no name; called it '${name}'`);
    }
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    if (n > 1) {
      warnings.push(`header name '${name}' repeats; column ${i + 1} called '${name}_${n}'`);
      name = `${name}_${n}`;
    }
    return name;
  });
  return { names, warnings };
}
