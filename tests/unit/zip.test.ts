import { describe, expect, it } from 'vitest';
import { STORE_ABOVE_BYTES, unzipFiles, zipFiles } from '../../src/io/zip';
import { seededRandom } from './helpers/random';

interface CentralEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
}

/**
 * Reads the central directory as PKWARE's APPNOTE.TXT lays it out: the end-of-central-directory
 * record (signature 0x06054b50) gives the entry count and offset; each entry (0x02014b50) has
 * the method at +10, sizes at +20/+24, name length at +28, extra/comment lengths at +30/+32,
 * and the name at +46.
 */
function centralDirectory(zip: Uint8Array): CentralEntry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = zip.length - 22;
  while (eocd >= 0 && view.getUint32(eocd, true) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('no end-of-central-directory record');
  const count = view.getUint16(eocd + 10, true);
  let pos = view.getUint32(eocd + 16, true);
  const entries: CentralEntry[] = [];
  for (let i = 0; i < count; i++) {
    expect(view.getUint32(pos, true)).toBe(0x02014b50);
    const nameLength = view.getUint16(pos + 28, true);
    entries.push({
      method: view.getUint16(pos + 10, true),
      compressedSize: view.getUint32(pos + 20, true),
      size: view.getUint32(pos + 24, true),
      name: new TextDecoder().decode(zip.subarray(pos + 46, pos + 46 + nameLength)),
    });
    pos += 46 + nameLength + view.getUint16(pos + 30, true) + view.getUint16(pos + 32, true);
  }
  return entries;
}

function randomBytes(n: number, seed: number): Uint8Array {
  const rand = seededRandom(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
}

describe('zip', () => {
  const text = '{"n_embd": 8}\n'.repeat(50);
  const weights = randomBytes(STORE_ABOVE_BYTES + 1000, 1);
  const small = randomBytes(300, 2);
  const files = new Map<string, Uint8Array | string>([
    ['config.json', text],
    ['model.safetensors', weights],
    ['sub/dir/small.bin', small],
    ['unicode-é.txt', 'héllo wörld'],
  ]);

  it('round-trips text and binary files', () => {
    const back = unzipFiles(zipFiles(files));
    expect([...back.keys()].sort()).toEqual([...files.keys()].sort());
    expect(new TextDecoder().decode(back.get('config.json'))).toBe(text);
    expect(new TextDecoder().decode(back.get('unicode-é.txt'))).toBe('héllo wörld');
    expect(back.get('model.safetensors')).toEqual(weights);
    expect(back.get('sub/dir/small.bin')).toEqual(small);
  });

  it('lists the expected names in the central directory, deflating text and storing large binaries', () => {
    const zip = zipFiles(files, { mtime: new Date(2024, 0, 2, 3, 4, 6) });
    const entries = centralDirectory(zip);
    expect(entries.map((e) => e.name)).toEqual([
      'config.json',
      'model.safetensors',
      'sub/dir/small.bin',
      'unicode-é.txt',
    ]);
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('config.json')).toMatchObject({ method: 8, size: text.length });
    expect(byName.get('config.json')!.compressedSize).toBeLessThan(text.length / 5);
    expect(byName.get('model.safetensors')).toMatchObject({
      method: 0,
      size: weights.length,
      compressedSize: weights.length,
    });
    expect(byName.get('sub/dir/small.bin')).toMatchObject({ method: 8, size: 300 });
    // Same inputs and mtime give the same archive (reproducible downloads).
    expect(zipFiles(files, { mtime: new Date(2024, 0, 2, 3, 4, 6) })).toEqual(zip);
  });

  it('rejects bad paths, corrupt archives and archives that expand too far', () => {
    expect(() => zipFiles(new Map([['../evil.txt', 'x']]))).toThrow(
      'zip: "../evil.txt" is not a relative file path',
    );
    expect(() => zipFiles(new Map([['/abs.txt', 'x']]))).toThrow('not a relative file path');
    expect(() => unzipFiles(randomBytes(100, 3))).toThrow('zip: could not read the archive');
    const zip = zipFiles(files);
    expect(() => unzipFiles(zip, { maxTotalBytes: 1000 })).toThrow('expand to more than 1000 bytes');
  });
});
