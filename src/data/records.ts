/**
 * Records (parsed JSONL lines, JSON array items, CSV rows) -> document texts and labels.
 *
 * Text field: `textField` when given (an exact key, else a unique case-insensitive match); otherwise
 * the first of PREFERRED_TEXT_FIELDS present (exact, then case-insensitive), otherwise the field with
 * the longest string values on average. A record that is a plain string is its own text.
 *
 * Labels: the values of `labelFields`, in that order, stringified (numbers and booleans as written,
 * objects as JSON) with tabs/newlines collapsed to spaces because labels are joined by TAB in the
 * training format. A missing label keeps its position as '' (so positions keep their meaning) and is
 * reported.
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

/** Picks the text field (see the module comment). */
export function chooseTextField(
  records: RawRecord[],
  requested?: string,
): { field?: string; note?: string; error?: string } {
  const objects = records.filter((r) => isObject(r.value)).map((r) => r.value as Record<string, unknown>);
  if (objects.length === 0) return {};
  const names = fieldNames(records);
  const list = names.length > 0 ? names.join(', ') : '(none)';
  if (requested !== undefined) {
    if (names.includes(requested)) return { field: requested };
    const matches = caseInsensitive(names, requested);
    if (matches.length === 1)
      return { field: matches[0], note: `text field '${requested}' matched '${matches[0]}'` };
    return { error: `text field '${requested}' not found; fields in this file: ${list}` };
  }
  for (const preferred of PREFERRED_TEXT_FIELDS) if (names.includes(preferred)) return { field: preferred };
  for (const preferred of PREFERRED_TEXT_FIELDS) {
    const matches = caseInsensitive(names, preferred);
    if (matches.length >= 1) return { field: matches[0] };
  }
  let best: string | undefined;
  let bestAverage = -1;
  for (const name of names) {
    let total = 0;
    let strings = 0;
    for (const o of objects) {
      const v = o[name];
      if (typeof v === 'string') {
        total += v.length;
        strings++;
      }
    }
    const average = total / objects.length;
    if (strings > 0 && average > bestAverage) {
      best = name;
      bestAverage = average;
    }
  }
  if (best === undefined)
    return { error: `no text field: no field holds strings; fields in this file: ${list}` };
  return { field: best, note: `text field chosen automatically: '${best}' (longest strings on average)` };
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

/** Field names taken as labels when the user has not chosen any (first match wins). */
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
  if (choice.note) out.notes.push(choice.note);
  out.textField = choice.field;
  const names = new Set(fieldNames(records));
  let labelFields = options.labelFields;
  if (labelFields === undefined) {
    // Not chosen: a conventionally named category field becomes the label (control codes).
    const auto = PREFERRED_LABEL_FIELDS.find((f) => f !== choice.field && names.has(f));
    labelFields = auto ? [auto] : [];
    if (auto)
      out.notes.push(
        `label field chosen automatically: '${auto}' (choose other fields, or none, in the options)`,
      );
  }
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
