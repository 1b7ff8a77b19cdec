/**
 * CSV text (RFC 4180) for the downloads of chart data and the results table: fields with a comma,
 * quote, CR or LF are quoted with "" escapes; numbers are written in full precision; null and
 * undefined are empty fields. Lines end with CRLF, as the RFC says (spreadsheets expect it).
 */
export type CsvCell = string | number | null | undefined;

function field(v: CsvCell): string {
  if (v === null || v === undefined) return '';
  const s =
    typeof v === 'number' ? (Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan') : v;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  for (const [i, r] of rows.entries())
    if (r.length !== header.length)
      throw new Error(`csv: row ${i + 1} has ${r.length} fields, the header ${header.length}`);
  return [header, ...rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}
