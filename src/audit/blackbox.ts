/**
 * Black-box audit of what a method releases: secret-string canary documents (secrets.ts) join the
 * audit's own training split with probability 1/2 each, the method trains exactly as in a run (the
 * same pipeline functions and profile), and each released model scores every canary by the
 * log-likelihood gain over the base model it started from. Membership guesses from the gains give
 * the one-run lower bound (bound.ts); the rank of each secret among K candidate secrets in the same
 * context gives the secret-sharer exposure. Several released models (DistilDP: the DP teacher and
 * the student) are each tested at level (1 - confidence) / models, and the largest bound is reported.
 */
import type { Document } from '../data/types';
import { recordTokens } from '../pipeline/corpus';
import type { LoadedModel } from '../pipeline/models';
import type { NoiseSeed } from '../random/noise';
import { epsilonLowerBound, type LowerBound } from './bound';
import { EXPOSURE_CANDIDATES, exposureBits } from './exposure';
import type { ClaimFamily } from './fdp';
import { sequenceLogLikelihoods } from './likelihood';
import {
  canaryDocumentText,
  canaryPrefix,
  canarySentence,
  designSecretCanaries,
  type SecretCanaries,
} from './secrets';

export interface BlackboxConfig {
  /** Canary documents m (default 128). */
  canaries: number;
  /** Candidate secrets for the exposure rank, scored in every canary's context (default 127: up to 7 bits). */
  candidates: number;
  /**
   * Copies of the canary sentence in an inserted canary document (default 16: ~7 windows, so a
   * non-private half epoch meets each inserted canary a few times; DP-SGD samples one window).
   */
  repeats: number;
  /** Default 0.95. */
  confidence: number;
}

export const DEFAULT_BLACKBOX: BlackboxConfig = {
  canaries: 128,
  candidates: EXPOSURE_CANDIDATES,
  repeats: 16,
  confidence: 0.95,
};

export interface BlackboxCanaries {
  design: SecretCanaries;
  /** The included canaries as documents, for the audit's training split. */
  documents: Document[];
  labels: string[];
}

export function blackboxCanaries(
  config: Pick<BlackboxConfig, 'canaries' | 'candidates' | 'repeats'>,
  seed: NoiseSeed,
  labels: string[],
): BlackboxCanaries {
  if (!(Number.isInteger(config.repeats) && config.repeats >= 1))
    throw new Error(`canary repeats must be an integer >= 1, got ${config.repeats}`);
  const design = designSecretCanaries(config.canaries, config.candidates, seed);
  const documents = design.secrets.flatMap((secret, i) =>
    design.included[i]
      ? [
          {
            id: `audit-canary#${i}`,
            text: canaryDocumentText(design.names[i], secret, config.repeats),
            labels,
            source: 'audit canary',
          },
        ]
      : [],
  );
  return { design, documents, labels };
}

/** Per-canary log-likelihood gains (released minus base model), nats. */
export interface CanaryGains {
  /** The whole canary sentence (context and secret): the membership score. */
  sentence: Float64Array;
  /** The secret given its own context. */
  secret: Float64Array;
  /** Candidate j's secret in canary i's context, at i * K + j. */
  candidates: Float64Array;
}

/**
 * A canary sentence's record tokens (as training sees a one-sentence canary) and the index of the
 * first token of its secret: where they part from the tokens of its context alone.
 */
export function canaryRecord(
  tokenize: (text: string) => number[],
  name: string,
  secret: string,
): { tokens: number[]; secretFrom: number } {
  const tokens = tokenize(canarySentence(name, secret));
  const context = tokenize(canaryPrefix(name));
  let from = 0;
  while (from < context.length - 1 && context[from] === tokens[from]) from++; // context's own end-of-text excluded
  return { tokens, secretFrom: from };
}

/** Log-likelihood gains of every canary and candidate under `model` over `base`. */
export async function canaryGains(
  canaries: BlackboxCanaries,
  model: LoadedModel,
  base: LoadedModel,
  useControlCodes: boolean,
): Promise<CanaryGains> {
  const { names, secrets, candidates } = canaries.design;
  const tokenize = (text: string) => {
    const tokens = recordTokens(
      { id: '', text, labels: canaries.labels, source: '' },
      model.tokenizer,
      useControlCodes,
    );
    if (tokens.length > model.config.contextLength + 1)
      throw new Error(
        `a canary of ${tokens.length} tokens does not fit the context of ${model.config.contextLength}`,
      );
    return tokens;
  };
  const records = secrets.map((s, i) => canaryRecord(tokenize, names[i], s));
  const candidateRecords = names.flatMap((name) => candidates.map((c) => canaryRecord(tokenize, name, c)));
  const all = [...records, ...candidateRecords];
  const sequences = all.map((r) => r.tokens);
  const from = all.map((r) => r.secretFrom);
  const m = secrets.length;
  const gain = async (fromIndex?: number[], count = sequences.length) => {
    const seqs = sequences.slice(0, count);
    const f = fromIndex?.slice(0, count);
    const trained = await sequenceLogLikelihoods(
      model.params,
      model.config,
      seqs,
      model.tokenizer.padId,
      32,
      f,
    );
    const before = await sequenceLogLikelihoods(base.params, base.config, seqs, base.tokenizer.padId, 32, f);
    return trained.map((x, i) => x - before[i]);
  };
  const secretGains = await gain(from);
  return {
    sentence: await gain(undefined, m),
    secret: secretGains.slice(0, m),
    candidates: secretGains.slice(m),
  };
}

export interface ReleasedModelAudit {
  model: string;
  bound: LowerBound;
  /** Mean exposure (bits) of the inserted secrets, and of the secrets left out (the baseline). */
  exposureIncluded: number;
  exposureExcluded: number;
  /** Mean log-likelihood gain (nats) of inserted and left-out canary sentences. */
  gainIncluded: number;
  gainExcluded: number;
}

function mean(xs: ArrayLike<number>, keep: (i: number) => boolean): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < xs.length; i++)
    if (keep(i)) {
      sum += xs[i];
      n++;
    }
  return n ? sum / n : Number.NaN;
}

/** Each secret's exposure among the candidates in its own context. */
export function canaryExposures(gains: CanaryGains): Float64Array {
  const m = gains.secret.length;
  const k = gains.candidates.length / m;
  return Float64Array.from({ length: m }, (_, i) =>
    exposureBits(gains.secret[i], gains.candidates.subarray(i * k, (i + 1) * k)),
  );
}

/** Scores the canaries under each released model against its base model. */
export async function auditReleasedModels(
  canaries: BlackboxCanaries,
  released: { model: LoadedModel; base: LoadedModel }[],
  useControlCodes: boolean,
  options: { delta: number; confidence: number; family?: ClaimFamily },
): Promise<ReleasedModelAudit[]> {
  const out: ReleasedModelAudit[] = [];
  const confidence = 1 - (1 - options.confidence) / Math.max(1, released.length);
  const inc = canaries.design.included;
  for (const { model, base } of released) {
    const gains = await canaryGains(canaries, model, base, useControlCodes);
    const exposures = canaryExposures(gains);
    out.push({
      model: model.name,
      bound: epsilonLowerBound(gains.sentence, inc, {
        delta: options.delta,
        confidence,
        family: options.family,
      }),
      exposureIncluded: mean(exposures, (i) => inc[i]),
      exposureExcluded: mean(exposures, (i) => !inc[i]),
      gainIncluded: mean(gains.sentence, (i) => inc[i]),
      gainExcluded: mean(gains.sentence, (i) => !inc[i]),
    });
  }
  return out;
}
