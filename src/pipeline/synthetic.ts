/**
 * DistilDP step 2: the DP teacher writes a synthetic corpus, prompted by control codes. This is
 * post-processing of a DP model (no privacy cost) except for how many samples each code gets,
 * which comes from histogram.ts (a DP-released histogram or a uniform prior, never the exact one).
 * Over-generates (default 2x), drops empty and duplicate samples, then down-samples each code to
 * its target count, as the paper does. Codes are used in canonical order and the corpus is shuffled
 * by a public seed, so nothing about it depends on the order of the private documents.
 */
import type { Tokenizer } from '../data/tokenizer';
import { controlCodePrompt } from '../data/windows';
import type { GPTConfig } from '../model/config';
import { generate } from '../model/generate';
import { DEFAULT_GENERATION, type GenerationConfig } from '../model/generation-config';
import type { Params } from '../model/params';
import { seededUniform, shuffledIndices } from '../random/seeded';
import { meanTokenLogProbs } from '../train/sequence-scores';
import { allocateSamples, type CodeCount, codeKey, compareCodes } from './histogram';

export interface SyntheticConfig {
  /** Samples in the final corpus. */
  samples: number;
  /** Generated per kept sample before de-duplication and down-sampling (paper: ~2). */
  overGenerate: number;
  /**
   * Generated per kept sample instead of `overGenerate` where codeSelection 'distinct' applies (per-code
   * teachers, two or more codes): the pool it chooses from. On one set of demo teachers at w = 1
   * (scripts/code-selection-check.ts, README): fidelity 72.7% -> 73.1% when it chooses 1,000 of 1,200
   * samples, 72.6% -> 73.7% of 2,000.
   */
  distinctOverGenerate: number;
  generation: Partial<GenerationConfig>;
  /**
   * Tokens of text a sample may grow to by continuing window by window (generateLong); 0 = one
   * window of the context length (the paper's samples). Default 0.
   */
  continueTo: number;
  /**
   * With one teacher per control code (generateSyntheticCorpus's `codeTeachers`): the guidance
   * weight w of each code's teacher against the run's teacher (their average), l_c + w (l_c - l_avg),
   * which strengthens what sets a code's text apart, at the price of text further from the real
   * kind. Measured on the demo with random selection (`distildp pipeline --demo --ci`, one run each;
   * README "Results"): control-code fidelity 59% / 76% / 77% / 88% at w = 0 / 1 / 2 / 3 (one joint
   * teacher: 51%), the synthetic-only student's test PPL 4.71 / 4.73 / 4.77 / 4.87 (joint 4.70),
   * DistilDP's 4.65 / 4.66 / 4.66 / 4.68 (joint 4.65). With 'distinct' selection, on one set of DP
   * teachers (scripts/code-selection-check.ts): 73.7% / 82.0% at w = 1 / 1.5, synthetic-only 4.715 /
   * 4.729, DistilDP 4.655 / 4.651 (the old default, w = 1 choosing at random from 1.2x: 72.7%, 4.721,
   * 4.650). Default 1.5: near the fidelity target (80%; at or above it in 13 of 16 demo runs, DP
   * noise moving it by several points) with DistilDP unchanged and a 3-gram distance to held-out text
   * near the old default's (0.104 vs 0.104-0.106); the synthetic-only student pays a little. w = 2
   * adds about 4 points of fidelity but costs DistilDP about 0.2% (two sets of DP teachers, README
   * "Choosing harder, or guiding harder"), so it is not the default. Unused without per-code teachers.
   */
  codeGuidance: number;
  /**
   * The plausibility floor of that guidance (GenerationConfig.guidancePlausibility): tokens whose
   * probability under the code's own teacher is below this fraction of the most likely token's are
   * never written. 0 = off.
   */
  codeGuidancePlausibility: number;
  /**
   * With one teacher per control code: how each code's samples are chosen from the over-generated
   * ones. 'random' (the paper's down-sampling), or 'distinct': the samples the other codes' teachers
   * find least likely, relative to the public base model (per token: the largest mean log-probability
   * under another code's teacher, with that code's prompt, minus the base model's), so a code's text
   * is the text least like the other codes'. Costs one forward pass per code (and one of the base
   * model) over every generated sample. Unused without per-code teachers.
   */
  codeSelection: 'random' | 'distinct';
  seed: number;
}

export const DEFAULT_SYNTHETIC: SyntheticConfig = {
  samples: 1000,
  overGenerate: 2,
  distinctOverGenerate: 2,
  // Nothing set: generate()'s defaults (DEFAULT_GENERATION) are the paper's sampling, except the
  // no-repeat n-gram size, which depends on the tokenizer (noRepeatNgramFor).
  generation: {},
  continueTo: 0,
  codeGuidance: 1.5,
  codeGuidancePlausibility: 0,
  codeSelection: 'distinct',
  seed: 1,
};

/**
 * Whether codeSelection 'distinct' is used: it compares each sample with the OTHER codes' own DP
 * teachers, so it needs `codeTeachers` (per-code teachers trained this run) to be two or more;
 * otherwise each code's samples are chosen at random. One rule for generation, the run-time estimate
 * and the run's log.
 */
export function distinctSelectionApplies(
  selection: SyntheticConfig['codeSelection'],
  codeTeachers: number,
): boolean {
  return selection === 'distinct' && codeTeachers >= 2;
}

/**
 * The paper bans repeated 2-grams of GPT-2 BPE tokens (about two words). For the byte-level
 * tokenizer a 2-gram is two characters: banning repeats of "th" or "e " after their first use
 * turns the text into garbage, so the ban is off there.
 */
export function noRepeatNgramFor(tokenizer: Tokenizer): number {
  return tokenizer.kind === 'gpt2' ? 2 : 0;
}

export interface SyntheticSample {
  labels: string[];
  text: string;
  /**
   * True when the teacher ended the sample with end-of-text; false when it was cut at maxLength.
   * Only complete samples get an end-of-text token in the student's training windows. Absent in
   * corpora saved before this field existed (treated as complete).
   */
  complete?: boolean;
  /**
   * codeSelection 'distinct': how much more likely the other codes' teachers find the text than the
   * base model does (mean log-probability per token); the lowest are kept. Absent otherwise.
   */
  otherCodeScore?: number;
}

export interface SyntheticCorpus {
  samples: SyntheticSample[];
  generated: number;
  empty: number;
  duplicates: number;
}

/**
 * Embedding rows no token id of the tokenizer names (nanoGPT's vocabulary padded to 50,304, a pad
 * token added at 50,257): never sampled, since the tokenizer could not decode them.
 */
export function idsBeyondTokenizer(tokenizer: Tokenizer, vocabSize: number): number[] {
  return Array.from(
    { length: Math.max(0, vocabSize - tokenizer.vocabSize) },
    (_, i) => tokenizer.vocabSize + i,
  );
}

/** The token prompt of a control code: end-of-text as a start marker, then `labels TAB.. \n\n`. */
export function promptTokens(tokenizer: Tokenizer, labels: string[] | null): number[] {
  return labels ? [tokenizer.eotId, ...tokenizer.encode(controlCodePrompt(labels))] : [tokenizer.eotId];
}

export interface SyntheticEvents {
  onSample?: (sample: SyntheticSample) => void;
  onProgress?: (done: number, total: number) => void;
  shouldStop?: () => boolean;
  /** Called after every chunk of prompts with the progress so far (for checkpoints). */
  checkpoint?: (progress: SyntheticProgress) => Promise<void>;
}

/** Resumable progress: prompts are generated in fixed chunks, each with its own derived seed. */
export interface SyntheticProgress {
  chunksDone: number;
  /** Kept samples so far, per control code (index into the allocation). */
  kept: SyntheticSample[][];
  empty: number;
  duplicates: number;
}

/**
 * Continuations of prompts: one window (generate's maxLength), then, while `continueTo` > 0, the
 * sequences cut at the window length continue window by window, each new window prompted with the
 * last half-context of text so far (as the teacher saw the later windows of long documents in
 * training: text starting mid-document at position 0), until end-of-text or `continueTo` tokens.
 */
async function generateLong(
  teacher: { params: Params; config: GPTConfig },
  prompts: number[][],
  continueTo: number,
  genConfig: (round: number, maxLength?: number) => Parameters<typeof generate>[3],
  hooks: { shouldStop?: () => boolean; onTokens?: (n: number) => void; guidanceParams?: Params } = {},
): Promise<{ tokens: number[]; finish: 'eot' | 'length' }[] | null> {
  const outs: { tokens: number[]; finish: 'eot' | 'length' }[] = prompts.map(() => ({
    tokens: [],
    finish: 'length',
  }));
  let finished = 0;
  await generate(teacher.params, teacher.config, prompts, genConfig(0), undefined, hooks.shouldStop, {
    onTokens: hooks.onTokens,
    guidanceParams: hooks.guidanceParams,
    onSample: (tokens, index, finish) => {
      outs[index] = { tokens, finish };
      finished++;
    },
  });
  // Stopped before every sample finished: the caller drops the whole chunk.
  if (finished < prompts.length) return null;
  const context = teacher.config.contextLength;
  const overlap = Math.floor(context / 2);
  for (let round = 1; continueTo > 0; round++) {
    const active = outs.flatMap((o, i) => (o.finish === 'length' && o.tokens.length < continueTo ? [i] : []));
    if (active.length === 0) break;
    const tails = active.map((i) => [...prompts[i], ...outs[i].tokens].slice(-overlap));
    const before = active.map((i) => outs[i].tokens.length);
    let continued = 0;
    await generate(
      teacher.params,
      teacher.config,
      tails,
      genConfig(round, context),
      undefined,
      hooks.shouldStop,
      {
        onTokens: hooks.onTokens,
        onSample: (tokens, j, finish) => {
          const o = outs[active[j]];
          o.tokens.push(...tokens);
          o.finish = finish;
          continued++;
        },
      },
    );
    if (continued < active.length) return null;
    if (active.every((i, k) => outs[i].tokens.length === before[k] && outs[i].finish === 'length')) break;
    for (const i of active) {
      const o = outs[i];
      if (o.tokens.length >= continueTo) {
        o.tokens.length = continueTo;
        o.finish = 'length';
      }
    }
  }
  return outs;
}

/** Prompts per resumable chunk. */
export const SYNTHETIC_CHUNK = 64;

/** One teacher per control code (code-teachers.ts), and the public model 'distinct' selection compares with. */
export interface CodeWriters {
  /** By codeKey of a code's labels; every code needs one. */
  teachers: Map<string, { params: Params }>;
  /** The public base model the teachers were fine-tuned from (codeSelection 'distinct'). */
  reference?: { params: Params };
}

/** Scoring batch of codeSelection 'distinct' (forward passes, no gradients). */
const SCORE_BATCH = 32;

/** A generated sample and the index (in canonical code order) of the code it was written for. */
interface ScoredItem {
  code: number;
  sample: SyntheticSample;
}

/**
 * codeSelection 'distinct': sets each item's `otherCodeScore`, the largest mean token log-probability
 * of its text under another code's teacher (prompted with that code) minus the public base model's
 * (prompted with no code). Lower = less like the other codes' text.
 */
async function scoreAgainstOtherCodes(
  items: ScoredItem[],
  teacher: { config: GPTConfig; tokenizer: Tokenizer },
  reference: { params: Params },
  writers: { params: Params }[],
  codeLabels: string[][],
): Promise<void> {
  // Each text is encoded once, then scored by the base model and by each other code's teacher.
  const encoded = items.map(({ sample }) => teacher.tokenizer.encode(sample.text));
  const score = async (params: Params, labels: string[] | null, indices: number[]) => {
    const prompt = promptTokens(teacher.tokenizer, labels);
    const seqs = indices.map((i) => ({ tokens: [...prompt, ...encoded[i]], from: prompt.length }));
    return meanTokenLogProbs(params, teacher.config, seqs, {
      batchSize: SCORE_BATCH,
      padId: teacher.tokenizer.padId,
    });
  };
  const base = await score(
    reference.params,
    null,
    items.map((_, i) => i),
  );
  const best = items.map(() => Number.NEGATIVE_INFINITY);
  for (const [k, writer] of writers.entries()) {
    const others = items.flatMap((item, i) => (item.code === k ? [] : [i]));
    if (others.length === 0) continue;
    const lp = await score(writer.params, codeLabels[k], others);
    others.forEach((i, j) => {
      best[i] = Math.max(best[i], lp[j]);
    });
  }
  items.forEach(({ sample }, i) => {
    sample.otherCodeScore = best[i] - base[i];
  });
}

/**
 * The synthetic corpus. With `codeTeachers`, each code's prompts are written by its own teacher,
 * guided (codeGuidance) against `teacher`, the average of them all, and chosen per codeSelection;
 * without it `teacher` writes everything, unguided, and each code's samples are chosen at random.
 */
export async function generateSyntheticCorpus(
  teacher: { params: Params; config: GPTConfig; tokenizer: Tokenizer },
  codes: CodeCount[] | null,
  config: Partial<SyntheticConfig>,
  events: SyntheticEvents = {},
  resume?: SyntheticProgress,
  codeTeachers?: CodeWriters,
): Promise<SyntheticCorpus & { completed: boolean }> {
  const c = {
    ...DEFAULT_SYNTHETIC,
    ...config,
    generation: { ...DEFAULT_SYNTHETIC.generation, ...config.generation },
  };
  if (!(c.samples >= 1)) throw new Error(`synthetic samples must be >= 1, got ${c.samples}`);
  // Without control codes (or with none released) there is one unconditional "code". Codes are
  // taken in canonical order, so prompts, chunk seeds and the corpus never depend on their order.
  const targets = codes?.length ? [...codes].sort((a, b) => compareCodes(a.labels, b.labels)) : null;
  const perCode = targets ? allocateSamples(targets, c.samples) : [c.samples];
  const writers =
    codeTeachers && targets
      ? targets.map((t) => {
          const own = codeTeachers.teachers.get(codeKey(t.labels));
          if (!own) throw new Error(`no teacher for control code ${t.labels.join(' / ')}`);
          return own;
        })
      : undefined;
  if (c.codeSelection !== 'random' && c.codeSelection !== 'distinct')
    throw new Error(`synthetic codeSelection must be 'random' or 'distinct', got ${c.codeSelection}`);
  const reference = codeTeachers?.reference;
  const scoreOthers =
    writers && reference && distinctSelectionApplies(c.codeSelection, writers.length)
      ? (items: ScoredItem[]) =>
          scoreAgainstOtherCodes(
            items,
            teacher,
            reference,
            writers,
            targets!.map((t) => t.labels),
          )
      : null;
  if (!(Number.isFinite(c.codeGuidance) && c.codeGuidance >= 0))
    throw new Error(`synthetic codeGuidance must be a finite number >= 0, got ${c.codeGuidance}`);
  const overGenerate = scoreOthers ? c.distinctOverGenerate : c.overGenerate;
  if (!(Number.isFinite(overGenerate) && overGenerate >= 1))
    throw new Error(`synthetic over-generation must be a number >= 1, got ${overGenerate}`);
  const prompts: number[][] = [];
  const promptCode: number[] = [];
  perCode.forEach((n, code) => {
    const p = promptTokens(teacher.tokenizer, targets ? targets[code].labels : null);
    for (let i = 0; i < Math.ceil(n * overGenerate); i++) {
      prompts.push(p);
      promptCode.push(code);
    }
  });
  const progress: SyntheticProgress = resume
    ? { ...resume, kept: resume.kept.map((k) => k.map((sample) => ({ ...sample }))) }
    : { chunksDone: 0, kept: perCode.map(() => []), empty: 0, duplicates: 0 };
  if (progress.kept.length !== perCode.length)
    throw new Error('synthetic resume state does not match the control codes');
  const seen = progress.kept.map((list) => new Set(list.map((s) => s.text)));
  const chunks = Math.ceil(prompts.length / SYNTHETIC_CHUNK);
  let completed = true;
  for (let chunk = progress.chunksDone; chunk < chunks; chunk++) {
    if (events.shouldStop?.()) {
      completed = false;
      break;
    }
    const start = chunk * SYNTHETIC_CHUNK;
    const slice = prompts.slice(start, start + SYNTHETIC_CHUNK);
    // Progress in prompts, fractional: every generated token is 1/perSample of its prompt (a sample
    // that ends early is credited in full), so the ETA moves within a chunk of long samples.
    const window = Math.max(
      1,
      Math.min(c.generation.maxLength ?? DEFAULT_GENERATION.maxLength, teacher.config.contextLength) -
        slice[0].length,
    );
    const perSample = Math.max(window, c.continueTo);
    let credit = 0;
    const genConfig = (round: number, maxLength?: number, guidancePrompt?: number[]) => ({
      noRepeatNgramSize: noRepeatNgramFor(teacher.tokenizer),
      ...c.generation,
      ...(maxLength === undefined ? {} : { maxLength }),
      bannedIds: [
        ...(c.generation?.bannedIds ?? []),
        ...idsBeyondTokenizer(teacher.tokenizer, teacher.config.vocabSize),
      ],
      // A seed per chunk and round: a resumed run generates exactly what an uninterrupted one would.
      seed: c.seed * 1_000_003 + chunk + round * 7_919_113,
      eotId: teacher.tokenizer.eotId,
      padId: teacher.tokenizer.padId,
      // A per-code teacher is guided against the average with the same prompt; only the first
      // window has the code in its context, so continuation windows sample plainly.
      ...(guidancePrompt && round === 0
        ? { guidance: c.codeGuidance, guidancePrompt, guidancePlausibility: c.codeGuidancePlausibility }
        : { guidance: 0, guidancePrompt: [] }),
    });
    const hooks = {
      shouldStop: events.shouldStop,
      onTokens: (n: number) => {
        credit += n;
        events.onProgress?.(start + Math.min(credit / perSample, slice.length), prompts.length);
      },
    };
    // With per-code teachers each run of one code in the chunk (prompts are grouped by code) is
    // written by its own, guided against `teacher`; otherwise `teacher` writes the whole chunk.
    let outs: Awaited<ReturnType<typeof generateLong>> = [];
    for (let from = 0; outs && from < slice.length; ) {
      let to = writers ? from + 1 : slice.length;
      while (to < slice.length && promptCode[start + to] === promptCode[start + from]) to++;
      const writer = writers?.[promptCode[start + from]];
      const part = await generateLong(
        writer ? { params: writer.params, config: teacher.config } : teacher,
        slice.slice(from, to),
        c.continueTo,
        (round, maxLength) => genConfig(round, maxLength, writer ? slice[from] : undefined),
        writer ? { ...hooks, guidanceParams: teacher.params } : hooks,
      );
      outs = part ? outs.concat(part) : null;
      from = to;
    }
    if (!outs) {
      // Stopped inside the chunk: nothing of it was kept; a resume redoes the chunk from its seed.
      completed = false;
      break;
    }
    const keptNow: { code: number; sample: SyntheticSample }[] = [];
    outs.forEach(({ tokens, finish }, index) => {
      events.onProgress?.(start + index + 1, prompts.length);
      const code = promptCode[start + index];
      const text = teacher.tokenizer.decode(tokens).trim();
      if (!text) {
        progress.empty++;
        return;
      }
      if (seen[code].has(text)) {
        progress.duplicates++;
        return;
      }
      seen[code].add(text);
      const sample = { labels: targets ? targets[code].labels : [], text, complete: finish === 'eot' };
      progress.kept[code].push(sample);
      keptNow.push({ code, sample });
      events.onSample?.(sample);
    });
    // Scored with their chunk, so the checkpoint below holds the scores.
    await scoreOthers?.(keptNow);
    progress.chunksDone = chunk + 1;
    // A copy: the next chunk goes on changing `progress`.
    await events.checkpoint?.({ ...progress, kept: progress.kept.map((k) => [...k]) });
  }
  if (scoreOthers && completed) {
    // Samples of a run saved before scores were kept with its chunks.
    const unscored = progress.kept.flatMap((list, code) =>
      list.filter((s) => s.otherCodeScore === undefined).map((sample) => ({ code, sample })),
    );
    if (unscored.length) await scoreOthers(unscored);
  }
  const uniform = seededUniform(c.seed + 1);
  const rank = (s: SyntheticSample) =>
    s.otherCodeScore === undefined || Number.isNaN(s.otherCodeScore)
      ? Number.POSITIVE_INFINITY
      : s.otherCodeScore;
  const chosen = progress.kept.flatMap((list, code) => {
    const order = shuffledIndices(list.length, uniform);
    // A stable sort: equal scores keep the public seed's random order.
    if (scoreOthers) order.sort((a, b) => rank(list[a]) - rank(list[b]));
    return order.slice(0, perCode[code]).map((i) => list[i]);
  });
  // One shuffle by the public seed interleaves the codes: the order of the released corpus is a
  // function of DP outputs and public seeds only.
  const samples = shuffledIndices(chosen.length, seededUniform(c.seed + 2)).map((i) => chosen[i]);
  return {
    samples,
    generated: prompts.length,
    empty: progress.empty,
    duplicates: progress.duplicates,
    completed,
  };
}

/** The synthetic corpus as JSONL (one `{"text", "labels"}` object per line). */
export function syntheticToJsonl(samples: SyntheticSample[]): string {
  return (
    samples.map((s) => JSON.stringify({ text: s.text, labels: s.labels })).join('\n') +
    (samples.length ? '\n' : '')
  );
}
