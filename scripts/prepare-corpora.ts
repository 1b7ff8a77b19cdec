/**
 * Builds, from the public-domain corpora in ../shared/corpora (Jane Austen's novels and the State of
 * the Union addresses), the two data sets the project ships or uses:
 *  1. the pretraining corpus of the shipped base models (written to --pretrain-out, not committed):
 *     Austen's first five novels and the first 200 addresses (1790 to the late 1970s), in
 *     ~600-character documents;
 *  2. the demo "private" corpus committed in public/demo/demo-corpus.jsonl: text the base models
 *     never saw, labelled for control codes: paragraphs of Persuasion ("novel") and chunks of the
 *     19 most recent addresses, mid-2000s to 2018 ("speech").
 * Run: npx tsx scripts/prepare-corpora.ts --shared ../shared/corpora --pretrain-out runs/pretrain.jsonl
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { scriptArg } from './script-args';

const shared = scriptArg('shared', '../shared/corpora');
const pretrainOut = scriptArg('pretrain-out', 'runs/pretrain.jsonl');
const demoOut = scriptArg('demo-out', 'public/demo/demo-corpus.jsonl');
const demoPerLabel = Number(scriptArg('demo-per-label', '400'));

function readLines(file: string): string[] {
  return gunzipSync(readFileSync(`${shared}/${file}`))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as string);
}

/** Splits long text into chunks of about `size` characters at sentence ends. */
function chunk(text: string, size: number): string[] {
  const sentences = text.match(/[^.!?]+[.!?]+["')\]]*\s*|[^.!?]+$/g) ?? [text];
  const out: string[] = [];
  let cur = '';
  for (const s of sentences) {
    if (cur && cur.length + s.length > size) {
      out.push(cur.trim());
      cur = '';
    }
    cur += s;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

const austen = readLines('austen.jsonl.gz');
const sotu = readLines('sotu.jsonl.gz');
// Northanger Abbey ends with an editor's "A NOTE ON THE TEXT" (a modern edition's note: left out of
// both sets); Persuasion starts at its title paragraph after it.
const noteStart = austen.indexOf('A NOTE ON THE TEXT');
const persuasionStart = austen.findIndex((p, i) => i > noteStart && p === 'Persuasion');
if (noteStart < 0 || persuasionStart < 0) throw new Error('Persuasion markers not found');
const pretrainNovels = austen.slice(0, noteStart);
const persuasion = austen.slice(persuasionStart + 1).filter((p) => p.length >= 80);
// Addresses are in date order, 1790-2018: the first 200 (to the late 1970s) are pretraining text, the 19
// most recent (the mid-2000s to 2018) are demo text, and the ones between are used by neither.
const pretrainSpeeches = sotu.slice(0, 200);
const demoSpeeches = sotu.slice(sotu.length - 19);

const pretrain: string[] = [];
let buf = '';
for (const p of pretrainNovels) {
  buf = buf ? `${buf}\n\n${p}` : p;
  if (buf.length >= 600) {
    pretrain.push(buf);
    buf = '';
  }
}
if (buf) pretrain.push(buf);
for (const s of pretrainSpeeches) pretrain.push(...chunk(s, 600));
mkdirSync(dirname(pretrainOut), { recursive: true });
writeFileSync(pretrainOut, `${pretrain.map((t) => JSON.stringify({ text: t })).join('\n')}\n`);

/** Every k-th item, so the demo sample spreads over the whole source. */
function spread<T>(xs: T[], n: number): T[] {
  if (xs.length <= n) return xs;
  return Array.from({ length: n }, (_, i) => xs[Math.floor((i * xs.length) / n)]);
}
const demo = [
  ...spread(persuasion, demoPerLabel).map((text) => ({ text, label: 'novel' })),
  ...spread(
    demoSpeeches.flatMap((s) => chunk(s, 400)),
    demoPerLabel,
  ).map((text) => ({ text, label: 'speech' })),
];
mkdirSync(dirname(demoOut), { recursive: true });
writeFileSync(demoOut, `${demo.map((d) => JSON.stringify(d)).join('\n')}\n`);
const chars = (xs: string[]) => xs.reduce((a, t) => a + t.length, 0);
console.log(
  `pretraining corpus: ${pretrain.length} documents, ${chars(pretrain)} characters -> ${pretrainOut}`,
);
console.log(
  `demo corpus: ${demo.length} documents, ${chars(demo.map((d) => d.text))} characters -> ${demoOut}`,
);
