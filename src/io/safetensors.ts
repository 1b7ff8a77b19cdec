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
import { elementCount, fail, isNonNegativeInt, parseHeader, validateLayout } from './safetensors-header';

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
