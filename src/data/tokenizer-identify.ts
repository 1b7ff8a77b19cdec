/**
 * Which of our tokenizers a Hugging Face folder's tokenizer files describe, decided from the files
 * themselves (vocab.json + merges.txt, tokenizer.json, added tokens), never from the vocabulary size
 * alone: a model whose BPE merely has 50,257 ids is not GPT-2 unless every token, id and merge is
 * GPT-2's. Tokens added after the base vocabulary (a pad token at 50257) and embeddings padded beyond
 * it (nanoGPT's 50,304 rows) are accepted: the tokenizer never produces those ids. Anything else is
 * refused with the first difference found.
 */
import { loadTokenizer, type TokenizerKind } from './tokenizer';

export interface IdentifiedTokenizer {
  kind: TokenizerKind;
  warnings: string[];
}

/** A tokenizer's vocabulary (base + added tokens) and merge list, as "a b" lines. */
interface BpeTables {
  vocab: Map<string, number>;
  merges: string[];
  /** Where the tables came from, for messages. */
  source: string;
}

const KIND_NAMES: Record<TokenizerKind, string> = {
  bytes: 'the byte-level tokenizer (258 ids)',
  gpt2: "GPT-2's BPE (50,257 ids)",
};

function parseJson(files: Map<string, string>, name: string): Record<string, unknown> | undefined {
  const text = files.get(name);
  return text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
}

function vocabMap(value: unknown, source: string): Map<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${source}: the vocabulary is not a JSON object`);
  const out = new Map<string, number>();
  for (const [token, id] of Object.entries(value)) {
    if (!(typeof id === 'number' && Number.isInteger(id) && id >= 0))
      throw new Error(`${source}: token ${JSON.stringify(token)} has id ${JSON.stringify(id)}`);
    out.set(token, id);
  }
  return out;
}

function mergeLines(value: unknown, source: string): string[] {
  if (!Array.isArray(value)) throw new Error(`${source}: merges is not a list`);
  // tokenizers < 0.20 writes "a b", newer versions ["a", "b"].
  return value.map((m) => (Array.isArray(m) ? m.join(' ') : String(m)));
}

/** Added tokens from tokenizer.json, tokenizer_config.json and added_tokens.json (content -> id). */
function addedTokens(files: Map<string, string>): Map<string, number> {
  const out = new Map<string, number>();
  const list = parseJson(files, 'tokenizer.json')?.added_tokens;
  if (Array.isArray(list))
    for (const t of list as { id: number; content: string }[]) out.set(t.content, t.id);
  const decoder = parseJson(files, 'tokenizer_config.json')?.added_tokens_decoder;
  if (decoder && typeof decoder === 'object')
    for (const [id, t] of Object.entries(decoder as Record<string, { content: string }>))
      out.set(t.content, Number(id));
  const plain = parseJson(files, 'added_tokens.json');
  if (plain) for (const [content, id] of vocabMap(plain, 'added_tokens.json')) out.set(content, id);
  return out;
}

/** The folder's tables, one per file set; both are compared when both are present. */
function folderTables(files: Map<string, string>, warnings: string[]): BpeTables[] {
  const tables: BpeTables[] = [];
  const added = addedTokens(files);
  const withAdded = (vocab: Map<string, number>) => {
    for (const [content, id] of added) if (!vocab.has(content)) vocab.set(content, id);
    return vocab;
  };
  const json = parseJson(files, 'tokenizer.json');
  if (json) {
    const model = json.model as Record<string, unknown> | undefined;
    if (model?.type !== 'BPE')
      throw new Error(
        `tokenizer.json holds a ${JSON.stringify(model?.type ?? 'missing')} model; only byte-level BPE tokenizers (GPT-2's, or the byte-level one) are supported`,
      );
    if (json.normalizer !== null && json.normalizer !== undefined)
      throw new Error(
        `tokenizer.json normalizes text (${JSON.stringify((json.normalizer as { type?: unknown }).type)}); this app's tokenizers do not, so the ids would differ`,
      );
    const pre = json.pre_tokenizer as {
      type?: string;
      add_prefix_space?: boolean;
      pretokenizers?: unknown[];
    };
    const steps = pre?.type === 'Sequence' ? (pre.pretokenizers as (typeof pre)[]) : [pre];
    const byteLevel = steps.find((s) => s?.type === 'ByteLevel');
    if (!byteLevel)
      throw new Error(
        `tokenizer.json's pre-tokenizer is ${JSON.stringify(pre?.type ?? null)}, not ByteLevel: not a GPT-2 style byte-level BPE`,
      );
    if (byteLevel.add_prefix_space)
      warnings.push('tokenizer.json adds a prefix space; here text is encoded without one (as GPT-2 does)');
    tables.push({
      vocab: withAdded(vocabMap(model.vocab, 'tokenizer.json')),
      merges: mergeLines(model.merges ?? [], 'tokenizer.json'),
      source: 'tokenizer.json',
    });
  }
  const vocab = parseJson(files, 'vocab.json');
  if (vocab) {
    const merges = files.get('merges.txt');
    if (merges === undefined)
      throw new Error('vocab.json without merges.txt: the BPE tokenizer is incomplete');
    // GPT2Tokenizer reads merges.txt as `split("\n")[1:-1]`: a "#version" header, then one merge per line.
    const lines = merges.split('\n').filter((l) => l !== '' && !l.startsWith('#version'));
    tables.push({
      vocab: withAdded(vocabMap(vocab, 'vocab.json')),
      merges: lines,
      source: 'vocab.json + merges.txt',
    });
  }
  return tables;
}

const referenceTables = new Map<TokenizerKind, Promise<BpeTables>>();

/** Our own tokenizer's tables, from the files we export for it (tested against the tokenizer itself). */
function reference(kind: TokenizerKind): Promise<BpeTables> {
  let tables = referenceTables.get(kind);
  if (!tables) {
    tables = loadTokenizer(kind).then((t) => {
      const files = t.huggingFaceFiles({ modelMaxLength: 1 });
      // In id order, so that the first difference reported is the lowest id.
      const vocab = [...vocabMap(JSON.parse(files['vocab.json']), kind)].sort((a, b) => a[1] - b[1]);
      return {
        vocab: new Map(vocab),
        merges: files['merges.txt'].split('\n').slice(1, -1),
        source: kind,
      };
    });
    referenceTables.set(kind, tables);
  }
  return tables;
}

/**
 * The first way `folder` differs from `ours` (tokens beyond our vocabulary are allowed), or null.
 * Merges must create the same tokens in the same order; a merge may split its token differently
 * (ours are reconstructed from GPT-2's ranks), which `splitDifferently` counts.
 */
function firstDifference(
  folder: BpeTables,
  ours: BpeTables,
  counts: { splitDifferently: number },
): string | null {
  for (const [token, id] of ours.vocab) {
    const theirs = folder.vocab.get(token);
    if (theirs !== id)
      return theirs === undefined
        ? `token ${JSON.stringify(token)} (id ${id} here) is missing`
        : `token ${JSON.stringify(token)} has id ${theirs} there and ${id} here`;
  }
  for (const [token, id] of folder.vocab)
    if (!ours.vocab.has(token) && id < ours.vocab.size)
      return `token ${JSON.stringify(token)} has id ${id}, an id that is ${JSON.stringify(idToken(ours, id))} here`;
  if (folder.merges.length !== ours.merges.length)
    return `${folder.merges.length} merges there, ${ours.merges.length} here`;
  for (let i = 0; i < ours.merges.length; i++) {
    if (folder.merges[i] === ours.merges[i]) continue;
    const parts = folder.merges[i].split(' ');
    if (
      parts.length !== 2 ||
      parts.join('') !== ours.merges[i].replace(' ', '') ||
      !ours.vocab.has(parts[0]) ||
      !ours.vocab.has(parts[1])
    )
      return `merge ${i + 1} is ${JSON.stringify(folder.merges[i])} there and ${JSON.stringify(ours.merges[i])} here`;
    counts.splitDifferently++;
  }
  return null;
}

function idToken(t: BpeTables, id: number): string | undefined {
  for (const [token, i] of t.vocab) if (i === id) return token;
  return undefined;
}

/** Without vocabulary files only the size is left: accept the two sizes that are unambiguous enough, saying so. */
function bySizeAlone(vocabSize: number): IdentifiedTokenizer {
  if (vocabSize === 258)
    return {
      kind: 'bytes',
      warnings: ['no tokenizer files: assumed the byte-level tokenizer from vocab_size 258'],
    };
  if (vocabSize >= 50257 && vocabSize <= 50304)
    return {
      kind: 'gpt2',
      warnings: [
        `no tokenizer files: assumed GPT-2's BPE from vocab_size ${vocabSize}; add vocab.json + merges.txt or tokenizer.json to have it checked`,
      ],
    };
  throw new Error(
    `no tokenizer files (vocab.json + merges.txt or tokenizer.json) and vocab_size ${vocabSize} is neither 258 (byte-level) nor 50257-50304 (GPT-2 BPE): add the tokenizer files`,
  );
}

/**
 * Identifies the folder's tokenizer from its files (name -> text). Throws with the first difference
 * when the files describe a tokenizer this app does not have, or ids the model cannot hold.
 */
export async function identifyTokenizer(
  files: Map<string, string>,
  vocabSize: number,
): Promise<IdentifiedTokenizer> {
  const warnings: string[] = [];
  let tables: BpeTables[];
  try {
    tables = folderTables(files, warnings);
  } catch (err) {
    throw new Error(`tokenizer: ${(err as Error).message}`);
  }
  if (tables.length === 0) return bySizeAlone(vocabSize);
  // No merges: only the byte-level tokenizer can match; with merges only GPT-2's BPE can.
  const kind: TokenizerKind = tables.every((t) => t.merges.length === 0) ? 'bytes' : 'gpt2';
  const ours = await reference(kind);
  const counts = { splitDifferently: 0 };
  for (const t of tables) {
    const difference = firstDifference(t, ours, counts);
    if (difference)
      throw new Error(
        `tokenizer: the folder's ${t.source} is not ${KIND_NAMES[kind]}: ${difference}. ` +
          "This app tokenizes only with GPT-2's BPE or its byte-level tokenizer, so a model with another tokenizer cannot be trained here.",
      );
  }
  const extra = [...tables[0].vocab].filter(([token]) => !ours.vocab.has(token)).sort((a, b) => a[1] - b[1]);
  const tooLarge = extra.filter(([, id]) => id >= vocabSize);
  if (ours.vocab.size > vocabSize || tooLarge.length)
    throw new Error(
      `tokenizer: ids up to ${Math.max(ours.vocab.size - 1, ...tooLarge.map(([, id]) => id))} but the model's vocab_size is ${vocabSize}`,
    );
  if (extra.length) {
    const shown = extra.slice(0, 5).map(([token, id]) => `${JSON.stringify(token)} (${id})`);
    warnings.push(
      `added token(s) ${shown.join(', ')}${extra.length > 5 ? ', ...' : ''} are kept in the model but never produced from text here`,
    );
  }
  if (counts.splitDifferently)
    warnings.push(
      `${counts.splitDifferently} merge(s) split their token differently from this app's GPT-2 merges (same tokens, same order)`,
    );
  const known = Math.max(ours.vocab.size, ...extra.map(([, id]) => id + 1));
  if (vocabSize > known)
    warnings.push(
      `the embedding has ${vocabSize} rows for ${known} token ids (padded): ids from ${ours.vocab.size} on are never generated`,
    );
  return { kind, warnings };
}
