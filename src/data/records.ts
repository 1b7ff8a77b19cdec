/**
 * Records (parsed JSONL lines, JSON array items, CSV rows) -> document texts and labels.
 *
 * The text field and the label fields are SETTINGS (the user's, public by declaration), never
 * decided from the records: a rule such as "the field with the longest strings" or "a field named
 * label if any record has one" lets one added record flip the whole run (prompt format, an extra
 * histogram phase, a different sigma) outside any DP mechanism. So:
 * - text: the field named `textField` (default `text`), matched exactly; a record that is a plain
 *   string is its own text;
 * - labels: the values of `labelFields` (default none), in that order, stringified (numbers and
 *   booleans as written, objects as JSON) with tabs/newlines collapsed to spaces because labels are
 *   joined by TAB in the training format. A missing label keeps its position as '' and is reported.
 * `proposeFields` guesses both from the records for the user to confirm (local only, never used
 * by itself).
 */
import { normalizeNewlines } from './decode';

export const PREFERRED_TEXT_FIELDS = ['text', 'content', 'body', 'review', 'sentence'];

export interface RawRecord {
  /** Where the record is, for messages: `line 7`, `item 3` (1-based, in a JSON array). */
  where: string;
  value: unknown;
}

export interface RecordText {
  where: string;
  text: string;
  labels: string[];
}

export interface RecordConversion {
  texts: RecordText[];
  /** Records dropped, each with where and why. */
  skipped: string[];
  /** Records kept despite a problem (e.g. a missing label). */
  notes: string[];
  /** The text field used (undefined when all records are strings). */
  textField?: string;
  /** Why no record could be used at all. */
  error?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function has(obj: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(obj, key);
}

function fieldNames(records: RawRecord[]): string[] {
  const names = new Set<string>();
  for (const r of records) if (isObject(r.value)) for (const k of Object.keys(r.value)) names.add(k);
  return [...names];
}

function caseInsensitive(names: string[], wanted: string): string[] {
  const w = wanted.toLowerCase();
  return names.filter((n) => n.toLowerCase() === w);
}

/** The text field when the user has not set one: a fixed public default, not read from the data. */
export const DEFAULT_TEXT_FIELD = 'text';

/** The text field the user set (exact name), or an error listing the fields this file has. */
export function chooseTextField(
  records: RawRecord[],
  requested: string = DEFAULT_TEXT_FIELD,
): { field?: string; error?: string } {
  if (!records.some((r) => isObject(r.value))) return {};
  const names = fieldNames(records);
  if (names.includes(requested)) return { field: requested };
  const list = names.length > 0 ? names.join(', ') : '(none)';
  return { error: `text field '${requested}' not found; fields in this file: ${list} (set the text field)` };
}

/** What the user may pick from, and a guess for them to confirm (local only; see the module comment). */
export interface FieldProposal {
  /** Likely text field: a conventional name (text, content, ...), else the longest strings. */
  textField?: string;
  /** Likely label field: the first conventional category name (label, category, ...), if any. */
  labelFields: string[];
  /** Every field name seen, in first-seen order. */
  fields: string[];
}

/** Guesses the text and label fields of the records, for the user to confirm. */
export function proposeFields(records: RawRecord[]): FieldProposal {
  const objects = records.filter((r) => isObject(r.value)).map((r) => r.value as Record<string, unknown>);
  const names = fieldNames(records);
  let textField: string | undefined;
  for (const preferred of PREFERRED_TEXT_FIELDS) {
    textField ??= names.find((n) => n === preferred) ?? caseInsensitive(names, preferred)[0];
  }
  if (textField === undefined) {
    let bestAverage = -1;
    for (const name of names) {
      const strings = objects.map((o) => o[name]).filter((v): v is string => typeof v === 'string');
      const average = strings.reduce((a, v) => a + v.length, 0) / Math.max(1, objects.length);
      if (strings.length > 0 && average > bestAverage) {
        textField = name;
        bestAverage = average;
      }
    }
  }
  const label = PREFERRED_LABEL_FIELDS.find((f) => f !== textField && names.includes(f));
  return { textField, labelFields: label ? [label] : [], fields: names };
}

/** A label value as text, safe to join by TAB. */
export function labelToString(v: unknown): string {
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.replace(/[\t\n\r]+/g, ' ').trim();
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  return Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}

/** Field names proposed as labels (first match wins); used only as a proposal. */
export const PREFERRED_LABEL_FIELDS = [
  'label',
  'labels',
  'category',
  'class',
  'topic',
  'genre',
  'tag',
  'tags',
];

export function recordsToTexts(
  records: RawRecord[],
  options: { textField?: string; labelFields?: string[] },
): RecordConversion {
  const out: RecordConversion = { texts: [], skipped: [], notes: [] };
  const choice = chooseTextField(records, options.textField);
  if (choice.error) return { ...out, error: choice.error };
  out.textField = choice.field;
  const names = new Set(fieldNames(records));
  const labelFields = options.labelFields ?? [];
  for (const f of labelFields) {
    if (!names.has(f)) out.notes.push(`label field '${f}' not found in this file (labels left empty)`);
  }

  for (const { where, value } of records) {
    let raw: unknown;
    let labels: string[] = [];
    if (typeof value === 'string') {
      raw = value;
      if (labelFields.length > 0) labels = labelFields.map(() => '');
    } else if (isObject(value)) {
      const field = choice.field!;
      if (!has(value, field) || value[field] === null) {
        out.skipped.push(`${where}: text field '${field}' is missing`);
        continue;
      }
      raw = value[field];
      const missing: string[] = [];
      labels = labelFields.map((f) => {
        if (!has(value, f) || value[f] === null) {
          if (names.has(f)) missing.push(f);
          return '';
        }
        return labelToString(value[f]);
      });
      if (missing.length > 0)
        out.notes.push(`${where}: label field(s) ${missing.join(', ')} missing (left empty)`);
    } else {
      out.skipped.push(`${where}: expected an object or a string, got ${describeValue(value)}`);
      continue;
    }
    if (typeof raw === 'number' || typeof raw === 'boolean') raw = String(raw);
    if (typeof raw !== 'string') {
      out.skipped.push(`${where}: text field '${choice.field}' holds ${describeValue(raw)}, not text`);
      continue;
    }
    const text = normalizeNewlines(raw);
    if (text.trim() === '') {
      out.skipped.push(`${where}: text ${choice.field ? `field '${choice.field}' ` : ''}is empty`);
      continue;
    }
    out.texts.push({ where, text, labels });
  }
  return out;
}
