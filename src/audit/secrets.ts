/**
 * The black-box audit's canary documents (Carlini et al. 2019, "The Secret Sharer"): each canary
 * has its own made-up name as context and a random secret, "the account code of Bavomi Kelutar is
 * 7-3-9-1-0-4." A model can only tell an inserted secret from a left-out one if it ties the secret
 * to its own context: with one shared template ("my account code is ...") the most it learns from
 * the inserted canaries is their digit frequencies, which raise inserted and left-out secrets alike.
 * An inserted canary document holds its sentence `repeats` times (still one document, the privacy
 * unit). m canaries, each inserted with probability 1/2, and K candidate secrets for the exposure
 * rank, all drawn from the audit seed (crypto-seeded unless a test passes one).
 */
import { type NoiseSeed, philoxUniform53 } from '../random/noise';
import { auditStream } from './canaries';

/** Digits of a secret: 10^6 possible secrets. */
export const SECRET_DIGITS = 6;

const STREAM = { inclusion: 11, secrets: 12, candidates: 13, names: 14 } as const;

const CONSONANTS = 'bdfgklmnprstvz';
const VOWELS = 'aeiou';
/** Two words of three consonant-vowel syllables: 70^6 ~ 2^37 names. */
const NAME_WORDS = 2;
const NAME_SYLLABLES = 3;

/** The canary's context: everything before its secret. */
export function canaryPrefix(name: string): string {
  return `the account code of ${name} is`;
}

/** One canary sentence; the secret starts with a space, so a BPE tokenizer splits it off its context. */
export function canarySentence(name: string, secret: string): string {
  return `${canaryPrefix(name)} ${secret}.`;
}

/** An inserted canary document: its sentence `repeats` times. */
export function canaryDocumentText(name: string, secret: string, repeats: number): string {
  return Array.from({ length: repeats }, () => canarySentence(name, secret)).join(' ');
}

/** `count` secrets "d-d-d-d-d-d" from a Philox stream of the seed. */
function secrets(seed: NoiseSeed, purpose: number, count: number): string[] {
  const u = philoxUniform53(auditStream(seed, purpose), count * SECRET_DIGITS);
  return Array.from({ length: count }, (_, i) =>
    Array.from({ length: SECRET_DIGITS }, (_, j) => Math.floor(u[i * SECRET_DIGITS + j] * 10)).join('-'),
  );
}

/** `count` distinct pronounceable names "Bavomi Kelutar" from a Philox stream of the seed. */
function names(seed: NoiseSeed, count: number): string[] {
  const perName = NAME_WORDS * NAME_SYLLABLES * 2;
  const out = new Set<string>();
  for (let offset = 0; out.size < count; offset += perName) {
    const u = philoxUniform53(auditStream(seed, STREAM.names), perName, offset);
    const pick = (k: number, letters: string) => letters[Math.floor(u[k] * letters.length)];
    const words = Array.from({ length: NAME_WORDS }, (_, w) => {
      let word = '';
      for (let s = 0; s < NAME_SYLLABLES; s++) {
        const k = (w * NAME_SYLLABLES + s) * 2;
        word += pick(k, CONSONANTS) + pick(k + 1, VOWELS);
      }
      return word[0].toUpperCase() + word.slice(1);
    });
    out.add(words.join(' '));
  }
  return [...out];
}

export interface SecretCanaries {
  /** Each canary's own made-up name (its context). */
  names: string[];
  secrets: string[];
  included: boolean[];
  /** Candidate secrets for the exposure rank (never inserted), each scored in every canary's context. */
  candidates: string[];
}

export function designSecretCanaries(m: number, candidates: number, seed: NoiseSeed): SecretCanaries {
  if (!Number.isInteger(m) || m < 2) throw new Error(`an audit needs at least 2 canaries, got ${m}`);
  if (!Number.isInteger(candidates) || candidates < 1)
    throw new Error(`candidates must be an integer >= 1, got ${candidates}`);
  return {
    names: names(seed, m),
    secrets: secrets(seed, STREAM.secrets, m),
    included: Array.from(philoxUniform53(auditStream(seed, STREAM.inclusion), m), (u) => u < 0.5),
    candidates: secrets(seed, STREAM.candidates, candidates),
  };
}
