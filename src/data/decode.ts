/**
 * File bytes -> text: byte-order marks (UTF-8, UTF-16 LE/BE), binary detection, newline normalisation.
 * Without a BOM the file must be UTF-8; a few invalid sequences are replaced with U+FFFD (and
 * reported), many mean the file is binary or in a legacy encoding, and it is rejected with the reason.
 */

export type DecodeResult =
  | { ok: true; text: string; encoding: string; warnings: string[] }
  | { ok: false; reason: string };

/** Files where more than this share of bytes are invalid UTF-8 are rejected rather than repaired. */
export const MAX_INVALID_UTF8_RATIO = 0.01;
/** Files where more than this share of characters are control characters are taken for binary. */
export const MAX_CONTROL_CHAR_RATIO = 0.05;

const UTF16_HINT = 'if this is UTF-16 text without a byte-order mark, re-save it as UTF-8';

function percent(x: number): string {
  return `${(100 * x).toFixed(x < 0.01 ? 2 : 1)}%`;
}

/** CRLF and lone CR -> LF. */
export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** Control characters other than tab, LF, VT, FF, CR and ESC (used by ANSI colour codes). */
function countControlChars(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (
      (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0b && c !== 0x0c && c !== 0x0d && c !== 0x1b) ||
      c === 0x7f
    )
      n++;
  }
  return n;
}

/** Offsets of invalid UTF-8 sequences (WHATWG: one per maximal invalid subpart); stops after `limit`. */
export function invalidUtf8Offsets(bytes: Uint8Array, limit = Infinity): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < bytes.length && out.length < limit) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f; // no surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else {
      out.push(i);
      i++;
      continue;
    }
    let j = 1;
    for (; j <= need; j++) {
      const c = bytes[i + j];
      const min = j === 1 ? lo : 0x80;
      const max = j === 1 ? hi : 0xbf;
      if (c === undefined || c < min || c > max) break;
    }
    if (j > need) i += need + 1;
    else {
      out.push(i);
      i += j; // skip the maximal subpart, as TextDecoder does
    }
  }
  return out;
}

function decodeUtf16(bytes: Uint8Array, encoding: 'utf-16le' | 'utf-16be'): DecodeResult {
  const warnings: string[] = [];
  const odd = bytes.length % 2;
  if (odd) warnings.push('odd number of bytes for UTF-16: the last byte was dropped');
  // ignoreBOM: false = the decoder consumes the byte-order mark.
  const text = new TextDecoder(encoding, { fatal: false, ignoreBOM: false }).decode(
    bytes.subarray(0, bytes.length - odd),
  );
  const nul = text.indexOf('\u0000');
  if (nul >= 0)
    return { ok: false, reason: `binary file: contains NUL characters (first at character ${nul})` };
  const unpaired = (text.match(/\ufffd/g) ?? []).length;
  if (unpaired > 0) warnings.push(`${unpaired} invalid UTF-16 code unit(s) replaced with U+FFFD`);
  return { ok: true, text, encoding, warnings };
}

export function decodeFileBytes(bytes: Uint8Array): DecodeResult {
  const [b0, b1, b2, b3] = bytes;
  if (
    (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) ||
    (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff)
  ) {
    return { ok: false, reason: 'UTF-32 text is not supported: re-save the file as UTF-8' };
  }
  if (b0 === 0xff && b1 === 0xfe) return decodeUtf16(bytes, 'utf-16le');
  if (b0 === 0xfe && b1 === 0xff) return decodeUtf16(bytes, 'utf-16be');

  const hasBom = b0 === 0xef && b1 === 0xbb && b2 === 0xbf;
  const body = hasBom ? bytes.subarray(3) : bytes;
  const nul = body.indexOf(0);
  if (nul >= 0) {
    return {
      ok: false,
      reason: `binary file: contains NUL bytes (first at byte ${nul + (hasBom ? 3 : 0)}); ${UTF16_HINT}`,
    };
  }
  const maxInvalid = Math.floor(MAX_INVALID_UTF8_RATIO * body.length);
  const invalid = invalidUtf8Offsets(body, maxInvalid + 1);
  if (invalid.length > maxInvalid && invalid.length > 0) {
    const all = invalidUtf8Offsets(body);
    return {
      ok: false,
      reason:
        `not UTF-8 text: ${all.length} invalid UTF-8 sequences (${percent(all.length / body.length)} of bytes, ` +
        `limit ${percent(MAX_INVALID_UTF8_RATIO)}); binary file, or a legacy encoding such as Latin-1/Windows-1252: ` +
        're-save it as UTF-8',
    };
  }
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(body);
  const controls = countControlChars(text);
  if (controls > MAX_CONTROL_CHAR_RATIO * text.length) {
    return {
      ok: false,
      reason: `binary file: ${percent(controls / text.length)} of characters are control characters`,
    };
  }
  const warnings: string[] = [];
  if (invalid.length > 0) {
    const offsets = invalid
      .slice(0, 5)
      .map((o) => o + (hasBom ? 3 : 0))
      .join(', ');
    warnings.push(
      `${invalid.length} invalid UTF-8 sequence(s) replaced with U+FFFD (at byte offset ${offsets}${invalid.length > 5 ? ', ...' : ''})`,
    );
  }
  return { ok: true, text, encoding: hasBom ? 'utf-8 (BOM)' : 'utf-8', warnings };
}
