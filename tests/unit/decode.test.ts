import { describe, expect, it } from 'vitest';
import { decodeFileBytes, invalidUtf8Offsets, normalizeNewlines } from '../../src/data/decode';
import { seededRandom } from './helpers/random';

const utf8 = (s: string) => new TextEncoder().encode(s);

function utf16(s: string, littleEndian: boolean, bom = true): Uint8Array {
  const out: number[] = bom ? (littleEndian ? [0xff, 0xfe] : [0xfe, 0xff]) : [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out.push(...(littleEndian ? [c & 0xff, c >> 8] : [c >> 8, c & 0xff]));
  }
  return Uint8Array.from(out);
}

describe('decodeFileBytes', () => {
  it('decodes UTF-8 and strips a UTF-8 byte-order mark', () => {
    expect(decodeFileBytes(utf8('héllo'))).toEqual({
      ok: true,
      text: 'héllo',
      encoding: 'utf-8',
      warnings: [],
    });
    const withBom = Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8('héllo')]);
    expect(decodeFileBytes(withBom)).toMatchObject({ ok: true, text: 'héllo', encoding: 'utf-8 (BOM)' });
  });

  it('decodes UTF-16 LE and BE with a BOM (surrogate pairs included)', () => {
    const text = 'Grüße 日本 😀\r\nline';
    expect(decodeFileBytes(utf16(text, true))).toMatchObject({ ok: true, text, encoding: 'utf-16le' });
    expect(decodeFileBytes(utf16(text, false))).toMatchObject({ ok: true, text, encoding: 'utf-16be' });
  });

  it('rejects NUL bytes as binary, hinting at BOM-less UTF-16', () => {
    const r = decodeFileBytes(utf16('hello', true, false));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/binary file: contains NUL bytes \(first at byte 1\).*UTF-16/);
  });

  it('rejects mostly-invalid UTF-8 with the ratio, and repairs a few invalid bytes with a warning', () => {
    const rand = seededRandom(1);
    const noise = Uint8Array.from({ length: 2000 }, () => 0x80 + Math.floor(rand() * 0x7f));
    const r = decodeFileBytes(noise);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.reason).toMatch(
        /not UTF-8 text: \d+ invalid UTF-8 sequences \(\d+\.\d% of bytes, limit 1\.0%\)/,
      );

    const mostlyFine = Uint8Array.from([...utf8('a'.repeat(500)), 0xff, ...utf8('b'.repeat(500))]);
    const ok = decodeFileBytes(mostlyFine);
    expect(ok).toMatchObject({ ok: true, text: `${'a'.repeat(500)}\ufffd${'b'.repeat(500)}` });
    if (ok.ok)
      expect(ok.warnings).toEqual(['1 invalid UTF-8 sequence(s) replaced with U+FFFD (at byte offset 500)']);
  });

  it('rejects text full of control characters as binary', () => {
    const bytes = Uint8Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? 0x01 : 0x61));
    const r = decodeFileBytes(bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/binary file: .*control characters/);
  });

  it('rejects UTF-32', () => {
    const r = decodeFileBytes(Uint8Array.from([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0]));
    expect(r).toEqual({ ok: false, reason: 'UTF-32 text is not supported: re-save the file as UTF-8' });
  });

  it('normalises CRLF and lone CR to LF', () => {
    expect(normalizeNewlines('a\r\nb\rc\n\r\n')).toBe('a\nb\nc\n\n');
  });
});

describe('invalidUtf8Offsets', () => {
  it('counts exactly the U+FFFD replacements TextDecoder makes (random bytes)', () => {
    const rand = seededRandom(9);
    const decoder = new TextDecoder('utf-8', { fatal: false });
    for (let trial = 0; trial < 200; trial++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rand() * 60) }, () => {
        const r = rand();
        return r < 0.4 ? 0x20 + Math.floor(rand() * 0x5f) : Math.floor(rand() * 256);
      });
      // Literal U+FFFD in the input would also decode to U+FFFD; count it out.
      const literal = (
        Buffer.from(bytes)
          .toString('latin1')
          .match(/\xef\xbf\xbd/g) ?? []
      ).length;
      const replaced = (decoder.decode(bytes).match(/\ufffd/g) ?? []).length - literal;
      expect(invalidUtf8Offsets(bytes).length, `${[...bytes]}`).toBe(replaced);
    }
  });

  it('finds the offsets of overlong, surrogate and truncated sequences', () => {
    // C0 80 overlong (2 bad bytes), ED A0 80 surrogate (ED, A0, 80), F0 9F 98 truncated before 'a'.
    const bytes = Uint8Array.from([
      0x61, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98, 0x61, 0xe2, 0x82, 0xac,
    ]);
    expect(invalidUtf8Offsets(bytes)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
