/**
 * The safetensors header: `{name: {dtype, shape, data_offsets}, __metadata__?}` as UTF-8 JSON,
 * checked strictly (known dtypes, shapes and offsets that agree, tensors covering the data section
 * exactly, no duplicate keys) with a message naming the tensor at fault. safetensors.ts reads and
 * writes the whole file.
 */

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

export function fail(message: string): never {
  throw new Error(`safetensors: ${message}`);
}

export interface HeaderEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}
export function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

export function parseHeader(headerBytes: Uint8Array): {
  entries: HeaderEntry[];
  metadata: Record<string, string>;
} {
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
export function validateLayout(entries: HeaderEntry[], dataLength: number): void {
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
