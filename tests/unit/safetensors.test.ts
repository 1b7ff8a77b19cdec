import { describe, expect, it } from 'vitest';
import { float16BitsToNumber, float32ToFloat16Bits } from '../../src/io/float16';
import { parseSafetensors, serializeSafetensors, type TensorToWrite } from '../../src/io/safetensors';
import { seededNormal } from './helpers/random';

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** A file from a header text (written as given, no padding) and raw data bytes. */
function build(header: string, data: number[] | Uint8Array = []): Uint8Array {
  const h = ascii(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const f32 = (shape: number[], values: number[]): TensorToWrite => ({
  shape,
  data: Float32Array.from(values),
});

describe('serializeSafetensors', () => {
  it('writes the exact bytes the format specifies', () => {
    const bytes = serializeSafetensors(
      new Map([
        ['a', f32([2], [1, -2])],
        ['b', f32([1, 1], [0.5])],
      ]),
      { format: 'pt' },
    );
    const json =
      '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
      '"b":{"dtype":"F32","shape":[1,1],"data_offsets":[8,12]}}';
    expect(json.length).toBe(141); // padded with 3 spaces to 144, a multiple of 8
    const expected = [
      ...[144, 0, 0, 0, 0, 0, 0, 0], // u64 little-endian header length
      ...ascii(json),
      ...[0x20, 0x20, 0x20],
      ...[0x00, 0x00, 0x80, 0x3f], // 1.0f little-endian
      ...[0x00, 0x00, 0x00, 0xc0], // -2.0f
      ...[0x00, 0x00, 0x00, 0x3f], // 0.5f
    ];
    expect([...bytes]).toEqual(expected);
  });

  it('writes no padding when the header is already a multiple of 8 and no metadata when none is given', () => {
    const bytes = serializeSafetensors(new Map([['xyz', f32([0], [])]]));
    const json = '{"xyz":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}';
    expect(json.length).toBe(56);
    expect([...bytes]).toEqual([56, 0, 0, 0, 0, 0, 0, 0, ...ascii(json)]);
  });

  it('rejects data that does not fill the shape, and the reserved name', () => {
    expect(() => serializeSafetensors(new Map([['w', f32([2, 2], [1, 2, 3])]]))).toThrow(
      'tensor "w": shape [2, 2] needs 4 values, got 3',
    );
    expect(() => serializeSafetensors(new Map([['__metadata__', f32([1], [1])]]))).toThrow('reserved');
  });
});

describe('safetensors round trips', () => {
  it('F32 keeps every bit, names, shapes, order and metadata', () => {
    const normal = seededNormal(7);
    const big = Float32Array.from({ length: 3 * 5 * 7 }, () => normal());
    const special = Float32Array.from([0, -0, Infinity, -Infinity, 1e-45, 3.4028234663852886e38, Number.NaN]);
    const tensors = new Map<string, TensorToWrite>([
      ['z.weight', { shape: [3, 5, 7], data: big }],
      ['a.special', { shape: [7], data: special }],
      ['scalar', { shape: [], data: Float32Array.from([42]) }],
    ]);
    const parsed = parseSafetensors(serializeSafetensors(tensors, { format: 'pt', note: 'héllo' }));
    expect(parsed.metadata).toEqual({ format: 'pt', note: 'héllo' });
    expect([...parsed.tensors.keys()]).toEqual(['z.weight', 'a.special', 'scalar']);
    for (const [name, t] of tensors) {
      const got = parsed.tensors.get(name)!;
      expect(got.dtype).toBe('F32');
      expect(got.shape).toEqual(t.shape);
      expect(new Uint32Array(got.data.buffer)).toEqual(new Uint32Array(t.data.slice().buffer));
    }
  });

  it('F16 keeps exactly representable values and rounds others to the nearest half', () => {
    // Every finite half value (all 63488 of them) survives unchanged, signed zeros included.
    const halves: number[] = [];
    for (let h = 0; h < 65536; h++) if (((h >>> 10) & 0x1f) !== 0x1f) halves.push(float16BitsToNumber(h));
    const exact = Float32Array.from(halves);
    const normal = seededNormal(3);
    const other = Float32Array.from({ length: 2000 }, (_, i) => normal() * 10 ** ((i % 9) - 4));
    const bytes = serializeSafetensors(
      new Map([
        ['exact', { shape: [exact.length], data: exact }],
        ['other', { shape: [other.length], data: other }],
      ]),
      undefined,
      'F16',
    );
    // Two bytes per value after the header.
    const headerLength = new DataView(bytes.buffer).getUint32(0, true);
    expect(headerLength % 8).toBe(0);
    expect(bytes.length - 8 - headerLength).toBe(2 * (exact.length + other.length));
    const parsed = parseSafetensors(bytes);
    const gotExact = parsed.tensors.get('exact')!;
    expect(gotExact.dtype).toBe('F16');
    expect(new Uint32Array(gotExact.data.buffer)).toEqual(new Uint32Array(exact.buffer));

    // Independent check: the nearest half found by search over the sorted positive halves.
    const positives = halves.filter((v) => v > 0).sort((a, b) => a - b);
    const got = parsed.tensors.get('other')!.data;
    for (let i = 0; i < other.length; i++) {
      const x = Math.abs(other[i]);
      let lo = 0;
      let hi = positives.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (positives[mid] <= x) lo = mid;
        else hi = mid;
      }
      const best = Math.abs(positives[lo] - x) <= Math.abs(positives[hi] - x) ? positives[lo] : positives[hi];
      const nearest = x < positives[0] / 2 ? 0 : best;
      expect(Math.abs(got[i])).toBe(nearest);
      expect(Math.sign(got[i]) || 1).toBe(Math.sign(other[i]) || 1);
      if (x >= 2 ** -14) expect(Math.abs(got[i] - other[i])).toBeLessThanOrEqual(2 ** -11 * x);
    }
  });

  it('F16 encoding matches published bit patterns, including ties to even and overflow', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff], // largest half
      [65519.99, 0x7bff],
      [65520, 0x7c00], // rounds up to infinity
      [0.1, 0x2e66],
      [1 / 3, 0x3555],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // tie between 0 and 2^-24: to even (0)
      [1.5 * 2 ** -24, 0x0002], // tie between 1 and 2 (x 2^-24): to even (2)
      [1 + 2 ** -11, 0x3c00], // tie: to even mantissa
      [1 + 3 * 2 ** -11, 0x3c02], // tie: to even mantissa (up)
      [-0, 0x8000],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
    ];
    for (const [value, bits] of cases) expect([value, float32ToFloat16Bits(value)]).toEqual([value, bits]);
    expect(float32ToFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(float32ToFloat16Bits(Number.NaN) & 0x3ff).not.toBe(0);
  });
});

describe('parseSafetensors', () => {
  it('reads a hand-built BF16 tensor', () => {
    // bfloat16 is the top 16 bits of a float32: 1.0 = 0x3F80, -2.5 = 0xC020, 3.140625 = 0x4049.
    const data = [0x80, 0x3f, 0x20, 0xc0, 0x49, 0x40, 0x00, 0x00, 0x80, 0xff, 0x00, 0x80];
    const file = build('{"t":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,12]}}', data);
    const t = parseSafetensors(file).tensors.get('t')!;
    expect(t.dtype).toBe('BF16');
    expect(t.shape).toEqual([2, 3]);
    expect([...t.data]).toEqual([1, -2.5, 3.140625, 0, -Infinity, -0]);
  });

  it('reads F64 and F16 tensors at unaligned offsets, with trailing header spaces', () => {
    const data = new Uint8Array(2 + 16);
    const view = new DataView(data.buffer);
    view.setUint16(0, 0x3555, true); // 1/3 as a half = 0.333251953125
    view.setFloat64(2, Math.PI, true);
    view.setFloat64(10, -1e-3, true);
    const header =
      '{"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},' +
      '"d":{"dtype":"F64","shape":[2],"data_offsets":[2,18]}}   ';
    const parsed = parseSafetensors(build(header, data));
    expect([...parsed.tensors.get('h')!.data]).toEqual([0.333251953125]);
    expect([...parsed.tensors.get('d')!.data]).toEqual([Math.fround(Math.PI), Math.fround(-1e-3)]);
  });

  it('accepts tensors listed out of offset order and a subarray of a larger buffer', () => {
    const file = build(
      '{"second":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"first":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
      [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40],
    );
    const padded = new Uint8Array(file.length + 3);
    padded.set(file, 3);
    const parsed = parseSafetensors(padded.subarray(3));
    expect([...parsed.tensors.get('first')!.data]).toEqual([1]);
    expect([...parsed.tensors.get('second')!.data]).toEqual([2]);
  });

  const t4 = (name: string, begin: number, end: number, shape = '[1]', dtype = 'F32') =>
    `"${name}":{"dtype":"${dtype}","shape":${shape},"data_offsets":[${begin},${end}]}`;

  it.each([
    ['a file shorter than the prefix', new Uint8Array(5), 'file is 5 bytes, shorter than the 8-byte'],
    [
      'a header length beyond the file',
      (() => {
        const f = build('{}');
        new DataView(f.buffer).setUint32(0, 1000, true);
        return f;
      })(),
      'header length 1000 exceeds the file (2 bytes after the 8-byte prefix)',
    ],
    ['invalid JSON', build('{"a": '), 'header is not valid JSON'],
    ['a header that is not an object', build('[1,2]'), 'header must be a JSON object'],
    [
      'offsets past the data',
      build(`{${t4('w', 0, 8, '[2]')}}`, [0, 0, 0, 0]),
      'tensor "w": data_offsets [0, 8] go past the end of the data section (4 bytes)',
    ],
    [
      'overlapping tensors',
      build(`{${t4('a', 0, 8, '[2]')},${t4('b', 4, 12, '[2]')}}`, new Uint8Array(12)),
      'tensors "a" [0, 8] and "b" [4, 12] overlap',
    ],
    [
      'a gap between tensors',
      build(`{${t4('a', 0, 4)},${t4('b', 8, 12)}}`, new Uint8Array(12)),
      'data bytes [4, 8) belong to no tensor (gap before "b")',
    ],
    [
      'trailing bytes not covered',
      build(`{${t4('a', 0, 4)}}`, new Uint8Array(6)),
      'data section has 6 bytes but the tensors cover only the first 4',
    ],
    [
      'a shape that does not match the byte size',
      build(`{${t4('w', 0, 12, '[2,2]')}}`, new Uint8Array(12)),
      'tensor "w": shape [2, 2] of F32 needs 16 bytes but data_offsets [0, 12] span 12',
    ],
    [
      'duplicate names',
      build(`{${t4('w', 0, 4)},${t4('w', 4, 8)}}`, new Uint8Array(8)),
      'duplicate tensor name "w"',
    ],
    [
      'an unknown dtype',
      build(`{${t4('q', 0, 4, '[1]', 'Q4')}}`, new Uint8Array(4)),
      'tensor "q": unknown dtype "Q4"',
    ],
    [
      'an integer tensor',
      build(`{${t4('ids', 0, 8, '[1]', 'I64')}}`, new Uint8Array(8)),
      'tensor "ids" has dtype I64; only F32, F16, BF16 and F64 tensors can be loaded',
    ],
    ['non-string metadata', build('{"__metadata__":{"step":3}}'), '__metadata__["step"] must be a string'],
    [
      'negative offsets',
      build(`{${t4('w', -4, 0, '[1]')}}`),
      'data_offsets must be [begin, end] byte offsets',
    ],
  ])('rejects %s', (_case, bytes, message) => {
    expect(() => parseSafetensors(bytes)).toThrow(message);
  });

  it('skips (but still validates) tensors the caller does not want, whatever their dtype', () => {
    const file = build(
      `{${t4('mask', 0, 4, '[2,2]', 'BOOL')},${t4('w', 4, 8)}}`,
      [1, 0, 1, 1, 0, 0, 0x80, 0x3f],
    );
    const parsed = parseSafetensors(file, { skip: (name) => name === 'mask' });
    expect(parsed.skipped).toEqual(['mask']);
    expect([...parsed.tensors.keys()]).toEqual(['w']);
    expect(() => parseSafetensors(file)).toThrow('tensor "mask" has dtype BOOL');
    const broken = build(`{${t4('mask', 0, 3, '[2,2]', 'BOOL')}}`, [1, 0, 1]);
    expect(() => parseSafetensors(broken, { skip: () => true })).toThrow('needs 4 bytes');
  });
});
