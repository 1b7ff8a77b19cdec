/**
 * The safetensors format (Hugging Face), read and written in pure TypeScript:
 *
 *   [8 bytes: N, little-endian u64] [N bytes: UTF-8 JSON header] [data section]
 *
 * The header maps each tensor name to `{dtype, shape, data_offsets: [begin, end]}` (offsets in
 * bytes, relative to the start of the data section) plus an optional `__metadata__` object of
 * string -> string. Data is little-endian and row-major. A valid file's tensors cover the data
 * section exactly: no gaps, no overlaps, nothing after the last tensor (the reference
 * implementation rejects anything else, and so do we, with a message saying which tensor).
 *
 * Floating-point tensors (F32, F16, BF16, F64) are decoded to Float32Array; other dtypes are
 * rejected by name unless the caller asks to skip that tensor (e.g. GPT-2's boolean mask buffers).
 */
import { decodeBFloat16, decodeFloat16, encodeFloat16 } from './float16';

/** Bytes per element of every dtype the format defines (used to validate offsets). */
const DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  F8_E8M0: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
};

export type FloatDtype = 'F32' | 'F16' | 'BF16' | 'F64';
const FLOAT_DTYPES: readonly string[] = ['F32', 'F16', 'BF16', 'F64'];

export interface SafetensorsTensor {
  /** The dtype stored in the file; `data` is always float32. */
  dtype: FloatDtype;
  shape: number[];
  data: Float32Array;
}

export interface ParsedSafetensors {
  /** Decoded tensors, in header order. */
  tensors: Map<string, SafetensorsTensor>;
  /** The `__metadata__` object (empty when absent). */
  metadata: Record<string, string>;
  /** Names of tensors the caller chose to skip (validated, not decoded). */
  skipped: string[];
}

export interface ParseOptions {
  /** Tensors to validate but not decode (any dtype allowed), e.g. non-parameter buffers. */
  skip?: (name: string) => boolean;
}

/** A tensor to write: `data.length` must equal the product of `shape`. */
export interface TensorToWrite {
  shape: number[];
  data: Float32Array;
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(message: string): never {
  throw new Error(`safetensors: ${message}`);
}

interface HeaderEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

export function parseSafetensors(bytes: Uint8Array, options: ParseOptions = {}): ParsedSafetensors {
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header-length prefix`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) {
    fail(
      `header length ${headerLength} exceeds the file (${bytes.length - 8} bytes after the 8-byte prefix)`,
    );
  }
  const n = Number(headerLength);
  const { entries, metadata } = parseHeader(bytes.subarray(8, 8 + n));
  const dataStart = 8 + n;
  validateLayout(entries, bytes.length - dataStart);

  const tensors = new Map<string, SafetensorsTensor>();
  const skipped: string[] = [];
  for (const e of entries) {
    if (options.skip?.(e.name)) {
      skipped.push(e.name);
      continue;
    }
    if (!FLOAT_DTYPES.includes(e.dtype)) {
      fail(`tensor "${e.name}" has dtype ${e.dtype}; only F32, F16, BF16 and F64 tensors can be loaded`);
    }
    const count = elementCount(e.shape);
    tensors.set(e.name, {
      dtype: e.dtype as FloatDtype,
      shape: e.shape,
      data: decode(bytes, view, e.dtype as FloatDtype, dataStart + e.begin, count),
    });
  }
  return { tensors, metadata, skipped };
}

function decode(bytes: Uint8Array, view: DataView, dtype: FloatDtype, offset: number, count: number) {
  switch (dtype) {
    case 'F32': {
      if (HOST_IS_LITTLE_ENDIAN) {
        // Copy (also fixes alignment: offsets in the file need not be multiples of 4).
        const start = bytes.byteOffset + offset;
        return new Float32Array(bytes.buffer.slice(start, start + 4 * count));
      }
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, true);
      return out;
    }
    case 'F16':
      return decodeFloat16(view, offset, count);
    case 'BF16':
      return decodeBFloat16(view, offset, count);
    case 'F64': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, true);
      return out;
    }
  }
}

function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function parseHeader(headerBytes: Uint8Array): { entries: HeaderEntry[]; metadata: Record<string, string> } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    fail(`header is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    fail('header must be a JSON object mapping tensor names to {dtype, shape, data_offsets}');
  }
  // JSON.parse keeps the last of duplicate keys silently; a duplicate name makes the file ambiguous.
  const seen = new Set<string>();
  for (const key of topLevelKeys(text)) {
    if (seen.has(key)) fail(`duplicate tensor name "${key}" in the header`);
    seen.add(key);
  }

  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof info !== 'object' || info === null || Array.isArray(info)) {
        fail('__metadata__ must be an object of string values');
      }
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__["${k}"] must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v;
      }
      continue;
    }
    entries.push(parseEntry(name, info));
  }
  return { entries, metadata };
}

function parseEntry(name: string, info: unknown): HeaderEntry {
  if (typeof info !== 'object' || info === null || Array.isArray(info)) {
    fail(`tensor "${name}": expected {dtype, shape, data_offsets}, got ${JSON.stringify(info)}`);
  }
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
    fail(`tensor "${name}": unknown dtype ${JSON.stringify(dtype)}`);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInt)) {
    fail(`tensor "${name}": shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInt)) {
    fail(`tensor "${name}": data_offsets must be [begin, end] byte offsets, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as number[];
  if (end < begin) fail(`tensor "${name}": data_offsets [${begin}, ${end}] end before they begin`);
  const needed = elementCount(shape) * DTYPE_BYTES[dtype];
  if (needed !== end - begin) {
    fail(
      `tensor "${name}": shape [${shape.join(', ')}] of ${dtype} needs ${needed} bytes ` +
        `but data_offsets [${begin}, ${end}] span ${end - begin}`,
    );
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Tensors must tile the data section: in offset order, each begins where the previous ended. */
function validateLayout(entries: HeaderEntry[], dataLength: number): void {
  for (const e of entries) {
    if (e.end > dataLength) {
      fail(
        `tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] go past the end of the data section ` +
          `(${dataLength} bytes)`,
      );
    }
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: HeaderEntry | undefined;
  for (const e of sorted) {
    if (e.begin < covered) {
      fail(
        `tensors "${previous!.name}" [${previous!.begin}, ${previous!.end}] and "${e.name}" ` +
          `[${e.begin}, ${e.end}] overlap`,
      );
    }
    if (e.begin > covered) {
      fail(`data bytes [${covered}, ${e.begin}) belong to no tensor (gap before "${e.name}")`);
    }
    covered = e.end;
    previous = e;
  }
  if (covered !== dataLength) {
    fail(`data section has ${dataLength} bytes but the tensors cover only the first ${covered}`);
  }
}

/** Keys of the top-level object of a valid JSON text, duplicates included, in order. */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let end = i + 1;
      while (end < json.length && json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(json.slice(i, end + 1)) as string);
      expectKey = false;
      i = end;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = depth === 1;
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}

/**
 * Writes tensors (in insertion order, contiguous) as one safetensors file. The header is
 * compact JSON padded with spaces to a multiple of 8 bytes, as the reference implementation
 * does, so the data section starts 8-byte aligned. F16 rounds to nearest, ties to even.
 */
export function serializeSafetensors(
  tensors: Map<string, TensorToWrite>,
  metadata?: Record<string, string>,
  dtype: 'F32' | 'F16' = 'F32',
): Uint8Array {
  const bytesPerValue = dtype === 'F32' ? 4 : 2;
  const header: Record<string, unknown> = {};
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') fail(`metadata "${k}" must be a string, got ${typeof v}`);
    }
    header.__metadata__ = { ...metadata };
  }
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') fail('"__metadata__" is reserved and cannot name a tensor');
    if (!t.shape.every((v) => isNonNegativeInt(v)))
      fail(`tensor "${name}": invalid shape [${t.shape.join(', ')}]`);
    if (elementCount(t.shape) !== t.data.length) {
      fail(
        `tensor "${name}": shape [${t.shape.join(', ')}] needs ${elementCount(t.shape)} values, got ${t.data.length}`,
      );
    }
    const size = t.data.length * bytesPerValue;
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + size] };
    offset += size;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);

  let pos = 8 + headerLength;
  for (const t of tensors.values()) {
    if (dtype === 'F16') encodeFloat16(t.data, view, pos);
    else if (HOST_IS_LITTLE_ENDIAN)
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    else for (let i = 0; i < t.data.length; i++) view.setFloat32(pos + 4 * i, t.data[i], true);
    pos += t.data.length * bytesPerValue;
  }
  return out;
}
