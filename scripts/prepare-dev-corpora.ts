/**
 * Builds the development "private" sets used to choose the DP recipe and to measure the results
 * table per corpus (README.md, "Results on the development corpora"), from the public corpora in
 * ../shared/corpora that the shipped base models never saw (brown, fortunes, licenses).
 *
 * The pipeline splits documents 80 / 10 / 10 (train / validation / test), so a set of 2,000
 * documents gives N = 1,600 training documents; 375 gives 300 and 12,500 gives 10,000.
 *
 * How documents are made:
 * - fortunes: one fortune cookie per document, as in the source (mean ~170 characters); the first
 *   `size` of a seeded shuffle (seed 1), so the 300-, 1,600- and 10,000-document sets are nested.
 * - brown, licenses: the sources are few and long (500 Brown samples of ~12,000 characters; 706
 *   licence texts of ~6,600 on average), so each source is cut into pieces of about
 *   `--piece-chars` (default 1,500) characters at line (Brown) or paragraph (licences) boundaries;
 *   pieces never cross sources. `size` pieces are then taken evenly spread over all pieces in
 *   source order (every k-th piece), so every source contributes and neighbouring pieces of one
 *   source are mostly not both chosen. Pieces of one source can land in train and in test: the
 *   split is over documents (pieces), as a user's private folder of related texts would be.
 * - brown carries a label, `fiction` (Brown categories K-R: general fiction, mystery, science
 *   fiction, adventure, romance, humour; samples ck01-cr09, the last 126 in file order) or
 *   `nonfiction` (categories A-J, the first 374), so one development corpus besides the demo
 *   exercises control codes.
 *
 * Run: npx tsx scripts/prepare-dev-corpora.ts --shared ../shared/corpora --out runs/dev
 * Writes <out>/<corpus>-<size>.jsonl for the sizes given by --sizes (default 375,2000).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { scriptArg } from './script-args';

const shared = scriptArg('shared', '../shared/corpora');
const out = scriptArg('out', 'runs/dev');
const sizes = scriptArg('sizes', '375,2000').split(',').map(Number);
const pieceChars = Number(scriptArg('piece-chars', '1500'));

function readLines(file: string): string[] {
  return gunzipSync(readFileSync(`${shared}/${file}`))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as string);
}

/** Cuts text at `separator` boundaries into pieces of about `size` characters (a unit longer than
 * `size` stays whole). */
export function cutIntoPieces(text: string, separator: string, size: number): string[] {
  const pieces: string[] = [];
  let cur = '';
  for (const unit of text.split(separator)) {
    if (!unit.trim()) continue;
    if (cur && cur.length + separator.length + unit.length > size) {
      pieces.push(cur);
      cur = '';
    }
    cur = cur ? cur + separator + unit : unit;
  }
  if (cur.trim()) pieces.push(cur);
  return pieces;
}

/** Every k-th item, so a sample spreads over the whole list. */
function spread<T>(xs: T[], n: number): T[] {
  if (xs.length < n) throw new Error(`only ${xs.length} items, ${n} asked for`);
  return Array.from({ length: n }, (_, i) => xs[Math.floor((i * xs.length) / n)]);
}

/** Seeded Fisher-Yates (mulberry32): the same order on every machine. */
function shuffled<T>(xs: T[], seed: number): T[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

type Record = { text: string; label?: string };

const BROWN_NONFICTION_SAMPLES = 374; // categories A-J (ca01..cj80), in file order

const brownPieces: Record[] = readLines('brown.jsonl.gz').flatMap((doc, i) =>
  cutIntoPieces(doc, '\n', pieceChars).map((text) => ({
    text,
    label: i < BROWN_NONFICTION_SAMPLES ? 'nonfiction' : 'fiction',
  })),
);
const licensePieces: Record[] = readLines('licenses.jsonl.gz').flatMap((doc) =>
  cutIntoPieces(doc.replace(/\r\n/g, '\n'), '\n\n', pieceChars).map((text) => ({ text })),
);
const fortunes: Record[] = shuffled(readLines('fortunes.jsonl.gz'), 1).map((text) => ({ text }));

mkdirSync(out, { recursive: true });
const chars = (rs: Record[]) => rs.reduce((a, r) => a + r.text.length, 0);
for (const [name, all, pick] of [
  ['brown', brownPieces, spread],
  ['licenses', licensePieces, spread],
  ['fortunes', fortunes, (xs: Record[], n: number) => xs.slice(0, n)],
] as const) {
  for (const size of sizes) {
    if (all.length < size) {
      console.log(`${name}: only ${all.length} documents, no ${size}-document set`);
      continue;
    }
    const set = pick(all, size);
    const file = `${out}/${name}-${size}.jsonl`;
    writeFileSync(file, `${set.map((r) => JSON.stringify(r)).join('\n')}\n`);
    console.log(
      `${file}: ${set.length} documents (of ${all.length}), mean ${Math.round(chars(set) / set.length)} characters`,
    );
  }
}
