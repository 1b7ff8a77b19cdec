/**
 * The weights of a Hugging Face model folder: one model.safetensors, or a sharded checkpoint
 * (model.safetensors.index.json + the shard files its weight_map names), merged into one tensor map
 * exactly as transformers' `load_sharded_checkpoint` reads it: every tensor the index lists must be
 * in the shard the index names, no tensor may be in two shards. PyTorch pickles are never read.
 */
import { parseSafetensors, type SafetensorsTensor } from './safetensors';

export const CONVERT_HINT =
  'Convert it with Python: GPT2LMHeadModel.from_pretrained("in_dir").save_pretrained("out_dir", ' +
  'safe_serialization=True)';

export const SHARD_INDEX = 'model.safetensors.index.json';

export interface FolderWeights {
  tensors: Map<string, SafetensorsTensor>;
  /** The weight files read, for messages and the "ignored files" list. */
  files: string[];
}

function parseFile(bytes: Uint8Array, name: string, skip: (tensor: string) => boolean) {
  try {
    return parseSafetensors(bytes, { skip }).tensors;
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message.replace(/^safetensors: /, '')}`);
  }
}

function readIndex(bytes: Uint8Array): Map<string, string> {
  let index: { weight_map?: unknown };
  try {
    index = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new Error(`${SHARD_INDEX} is not valid JSON: ${(err as Error).message}`);
  }
  const map = index.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map))
    throw new Error(`${SHARD_INDEX} has no "weight_map" object (tensor name -> shard file)`);
  const out = new Map<string, string>();
  for (const [tensor, file] of Object.entries(map)) {
    if (
      typeof file !== 'string' ||
      !file.endsWith('.safetensors') ||
      /(^|[\\/])\.\.([\\/]|$)|^[\\/]/.test(file)
    )
      throw new Error(
        `${SHARD_INDEX}: "${tensor}" points at ${JSON.stringify(file)}, not a .safetensors file of the folder`,
      );
    out.set(tensor, file);
  }
  if (out.size === 0) throw new Error(`${SHARD_INDEX}: the weight_map is empty`);
  return out;
}

function mergeShards(local: Map<string, Uint8Array>, skip: (tensor: string) => boolean): FolderWeights {
  const weightMap = readIndex(local.get(SHARD_INDEX)!);
  const shardNames = [...new Set(weightMap.values())];
  const absent = shardNames.filter((name) => !local.has(name));
  if (absent.length)
    throw new Error(`${SHARD_INDEX} names shard file(s) missing from the folder: ${absent.join(', ')}`);
  const tensors = new Map<string, SafetensorsTensor>();
  const problems: string[] = [];
  for (const shard of shardNames) {
    for (const [name, t] of parseFile(local.get(shard)!, shard, skip)) {
      if (tensors.has(name)) problems.push(`"${name}" is stored in more than one shard (again in ${shard})`);
      else if (weightMap.get(name) !== undefined && weightMap.get(name) !== shard)
        problems.push(`"${name}" is in ${shard} but the index says ${weightMap.get(name)}`);
      tensors.set(name, t);
    }
  }
  const missing = [...weightMap].filter(([name]) => !tensors.has(name) && !skip(name));
  for (const [name, shard] of missing)
    problems.push(`"${name}" is listed in ${SHARD_INDEX} but not in ${shard}`);
  if (problems.length) throw new Error(`sharded checkpoint: ${problems.join('; ')}`);
  return { tensors, files: [SHARD_INDEX, ...shardNames] };
}

/** Reads the folder's weights (files relative to the folder holding config.json). */
export function readFolderWeights(
  local: Map<string, Uint8Array>,
  warnings: string[],
  skip: (tensor: string) => boolean,
): FolderWeights {
  const single = local.get('model.safetensors');
  if (single) {
    if (local.has(SHARD_INDEX)) warnings.push('ignored a sharded checkpoint beside model.safetensors');
    return { tensors: parseFile(single, 'model.safetensors', skip), files: ['model.safetensors'] };
  }
  if (local.has(SHARD_INDEX)) return mergeShards(local, skip);
  const names = [...local.keys()];
  const shards = names.filter((n) => /^model-\d+-of-\d+\.safetensors$/.test(n));
  if (shards.length)
    throw new Error(
      `found ${shards.join(', ')} but no ${SHARD_INDEX} that says which tensor is in which shard`,
    );
  const other = names.filter((n) => /^(pytorch_model.*\.bin|tf_model\.h5|flax_model\.msgpack)$/.test(n));
  if (other.length) {
    throw new Error(
      `found ${other.join(', ')} but no model.safetensors: only the safetensors format is read ` +
        `(PyTorch .bin files are pickles, which can run code). ${CONVERT_HINT}`,
    );
  }
  throw new Error(
    'no model.safetensors (or model.safetensors.index.json with its shards) found beside config.json',
  );
}
