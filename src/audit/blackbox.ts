/**
 * Black-box audit of what a method releases: secret-string canary documents (secrets.ts) join the
 * audit's own training split with probability 1/2 each, the method trains exactly as in a run (the
 * same pipeline functions and profile), and each canary is scored by its log-likelihood gain under
 * each released model over the base model it started from. Membership guesses from the gains give
 * the one-run lower bound (bound.ts); the rank of each inserted secret among K random candidates
 * gives the secret-sharer exposure. Several released models (DistilDP: the DP teacher and the
 * student) are each tested at level (1 - confidence) / models, and the largest bound is reported.
 */
import type { Document } from '../data/types';
import { documentWindows } from '../data/windows';
import { recordTokens } from '../pipeline/corpus';
import type { LoadedModel } from '../pipeline/models';
import type { NoiseSeed } from '../random/noise';
import { epsilonLowerBound, type LowerBound } from './bound';
import type { ClaimFamily } from './fdp';
import { sequenceLogLikelihoods } from './likelihood';
import { canaryText, designSecretCanaries, exposureBits, type SecretCanaries } from './secrets';

export interface BlackboxConfig {
  /** Canary documents m (default 128). */
  canaries: number;
  /** Candidate secrets for the exposure rank (default 1023: exposure up to 10 bits). */
  candidates: number;
  /** Default 0.95. */
  confidence: number;
}

export const DEFAULT_BLACKBOX: BlackboxConfig = { canaries: 128, candidates: 1023, confidence: 0.95 };

export interface BlackboxCanaries {
  design: SecretCanaries;
  /** The included canaries as documents, for the audit's training split. */
  documents: Document[];
  labels: string[];
}

export function blackboxCanaries(
  config: BlackboxConfig,
  seed: NoiseSeed,
  labels: string[],
): BlackboxCanaries {
  const design = designSecretCanaries(config.canaries, config.candidates, seed);
  const documents = design.secrets.flatMap((secret, i) =>
    design.included[i]
      ? [{ id: `audit-canary#${i}`, text: canaryText(secret), labels, source: 'audit canary' }]
      : [],
  );
  return { design, documents, labels };
}

export interface ReleasedModelAudit {
  model: string;
  bound: LowerBound;
  /** Mean exposure (bits) of the inserted secrets, and of the secrets left out (the baseline). */
  exposureIncluded: number;
  exposureExcluded: number;
  /** Mean log-likelihood gain (nats) of inserted and left-out canaries. */
  gainIncluded: number;
  gainExcluded: number;
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
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
  for (const { model, base } of released) {
    const tokens = (secret: string) =>
      documentWindows(
        recordTokens(
          { id: '', text: canaryText(secret), labels: canaries.labels, source: '' },
          model.tokenizer,
          useControlCodes,
        ),
        model.config.contextLength,
      )[0];
    const secrets = [...canaries.design.secrets, ...canaries.design.candidates];
    const sequences = secrets.map(tokens);
    const gain = async () => {
      const trained = await sequenceLogLikelihoods(
        model.params,
        model.config,
        sequences,
        model.tokenizer.padId,
      );
      const before = await sequenceLogLikelihoods(base.params, base.config, sequences, base.tokenizer.padId);
      return trained.map((x, i) => x - before[i]);
    };
    const gains = await gain();
    const m = canaries.design.secrets.length;
    const scores = gains.subarray(0, m);
    const candidateScores = gains.subarray(m);
    const inc = canaries.design.included;
    const exposures = Array.from(scores, (s) => exposureBits(s, candidateScores));
    out.push({
      model: model.name,
      bound: epsilonLowerBound(scores, inc, { delta: options.delta, confidence, family: options.family }),
      exposureIncluded: mean(exposures.filter((_, i) => inc[i])),
      exposureExcluded: mean(exposures.filter((_, i) => !inc[i])),
      gainIncluded: mean(Array.from(scores).filter((_, i) => inc[i])),
      gainExcluded: mean(Array.from(scores).filter((_, i) => !inc[i])),
    });
  }
  return out;
}
