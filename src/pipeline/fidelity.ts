/**
 * How much the synthetic corpus looks like the private data, measured locally (these numbers read
 * held-out private text, like the test perplexity: they are local results, never released):
 * - distribution distance: Jensen-Shannon divergence (bits, in [0, 1]) between the byte 3-gram
 *   distributions of the synthetic text and of held-out text; beside it the same distance for an
 *   equally large sample of real training text (the floor that sampling noise alone gives);
 * - control-code fidelity: how often a synthetic sample is classified as its own control code by
 *   a multinomial naive Bayes classifier on byte n-grams, trained on the training split's
 *   labelled text (its accuracy on the held-out split is reported too, so a weak classifier shows).
 * Plain TypeScript, no TF.js.
 */

import type { SyntheticFidelity } from './results';

const encoder = new TextEncoder();

/** Counts of byte n-grams (as strings of n bytes' char codes) over all texts. */
export function byteNgramCounts(texts: string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) addNgrams(counts, encoder.encode(text), n, n);
  return counts;
}

function addNgrams(counts: Map<string, number>, bytes: Uint8Array, minN: number, maxN: number): void {
  for (let len = minN; len <= maxN; len++) {
    for (let i = 0; i + len <= bytes.length; i++) {
      const key = String.fromCharCode(...bytes.subarray(i, i + len));
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
}

/** Jensen-Shannon divergence in bits between two count distributions (0 = equal, 1 = disjoint). */
export function jensenShannon(p: Map<string, number>, q: Map<string, number>): number {
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const tp = total(p);
  const tq = total(q);
  if (tp === 0 || tq === 0) throw new Error('Jensen-Shannon divergence of an empty distribution');
  let js = 0;
  const term = (x: number, m: number) => (x > 0 ? x * Math.log2(x / m) : 0);
  for (const key of new Set([...p.keys(), ...q.keys()])) {
    const a = (p.get(key) ?? 0) / tp;
    const b = (q.get(key) ?? 0) / tq;
    const m = (a + b) / 2;
    js += 0.5 * term(a, m) + 0.5 * term(b, m);
  }
  return Math.min(1, Math.max(0, js)); // round-off can leave it a hair outside [0, 1]
}

/** Texts from the front of `texts` until they hold about `bytes` bytes (at least one text). */
export function takeBytes(texts: string[], bytes: number): string[] {
  const out: string[] = [];
  let n = 0;
  for (const t of texts) {
    if (out.length > 0 && n >= bytes) break;
    out.push(t);
    n += encoder.encode(t).length;
  }
  return out;
}

export interface DistributionFidelity {
  /** JS divergence (bits) of byte 3-grams: synthetic vs held-out text. */
  syntheticJs: number;
  /** The same for real training text of the synthetic corpus's size (the sampling-noise floor). */
  realJs: number;
}

export function distributionFidelity(
  synthetic: string[],
  heldOut: string[],
  realTraining: string[],
  n = 3,
): DistributionFidelity {
  const held = byteNgramCounts(heldOut, n);
  const syntheticBytes = synthetic.reduce((a, t) => a + encoder.encode(t).length, 0);
  return {
    syntheticJs: jensenShannon(byteNgramCounts(synthetic, n), held),
    realJs: jensenShannon(byteNgramCounts(takeBytes(realTraining, syntheticBytes), n), held),
  };
}

/** Multinomial naive Bayes over byte 1..maxN-grams with add-one smoothing and uniform priors. */
export class ByteNgramClassifier {
  private readonly logProb = new Map<string, Map<string, number>>();
  private readonly unseen = new Map<string, number>();

  constructor(
    examples: { label: string; text: string }[],
    private readonly maxN = 3,
  ) {
    const byClass = new Map<string, Map<string, number>>();
    for (const e of examples) {
      let counts = byClass.get(e.label);
      if (!counts) {
        counts = new Map();
        byClass.set(e.label, counts);
      }
      addNgrams(counts, encoder.encode(e.text), 1, maxN);
    }
    if (byClass.size < 2) throw new Error('a control-code classifier needs at least two labels');
    const vocabulary = new Set<string>();
    for (const counts of byClass.values()) for (const k of counts.keys()) vocabulary.add(k);
    for (const [label, counts] of byClass) {
      const total = [...counts.values()].reduce((a, b) => a + b, 0) + vocabulary.size;
      const lp = new Map<string, number>();
      for (const [k, c] of counts) lp.set(k, Math.log((c + 1) / total));
      this.logProb.set(label, lp);
      this.unseen.set(label, Math.log(1 / total));
    }
  }

  get labels(): string[] {
    return [...this.logProb.keys()];
  }

  /** The most likely label of a text. */
  classify(text: string): string {
    const counts = new Map<string, number>();
    addNgrams(counts, encoder.encode(text), 1, this.maxN);
    let best = '';
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const [label, lp] of this.logProb) {
      const floor = this.unseen.get(label)!;
      let score = 0;
      for (const [k, c] of counts) score += c * (lp.get(k) ?? floor);
      if (score > bestScore) {
        bestScore = score;
        best = label;
      }
    }
    return best;
  }

  /** Share of examples classified as their own label. */
  accuracy(examples: { label: string; text: string }[]): number {
    if (examples.length === 0) return Number.NaN;
    return examples.filter((e) => this.classify(e.text) === e.label).length / examples.length;
  }
}

/** The classifier's label of a control code (a tuple of labels). */
export function codeKey(labels: string[]): string {
  return labels.join('\t');
}

export interface ControlCodeFidelity {
  /** Share of synthetic samples classified as their own control code. */
  fidelity: number;
  /** The classifier's accuracy on held-out real text (how far its verdicts can be trusted). */
  classifierAccuracy: number;
  samples: number;
}

/** Control-code fidelity of labelled synthetic samples, with a classifier trained on real labelled text. */
export function controlCodeFidelity(
  synthetic: { labels: string[]; text: string }[],
  train: { labels: string[]; text: string }[],
  heldOut: { labels: string[]; text: string }[],
): ControlCodeFidelity | null {
  const toExample = (d: { labels: string[]; text: string }) => ({ label: codeKey(d.labels), text: d.text });
  const examples = train.map(toExample);
  if (new Set(examples.map((e) => e.label)).size < 2 || synthetic.length === 0) return null;
  const classifier = new ByteNgramClassifier(examples);
  return {
    fidelity: classifier.accuracy(synthetic.map(toExample)),
    classifierAccuracy: classifier.accuracy(heldOut.map(toExample)),
    samples: synthetic.length,
  };
}

/** The fidelity of a synthetic corpus against the test split (and the training split's labelled text). */
export function syntheticFidelity(
  samples: { labels: string[]; text: string }[],
  corpus: {
    train: { labels: string[]; text: string }[];
    test: { labels: string[]; text: string }[];
    useControlCodes: boolean;
  },
): SyntheticFidelity {
  const texts = (xs: { text: string }[]) => xs.map((x) => x.text);
  const d = distributionFidelity(texts(samples), texts(corpus.test), texts(corpus.train));
  const codes = corpus.useControlCodes ? controlCodeFidelity(samples, corpus.train, corpus.test) : null;
  return {
    js_divergence: d.syntheticJs,
    js_divergence_real: d.realJs,
    ...(codes
      ? { control_code_fidelity: codes.fidelity, classifier_accuracy: codes.classifierAccuracy }
      : {}),
  };
}
