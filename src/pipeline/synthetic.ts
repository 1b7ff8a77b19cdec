/**
 * DistilDP step 2: the DP teacher writes a synthetic corpus, prompted by control codes. This is
 * post-processing of a DP model (no privacy cost) except for how many samples each code gets,
 * which comes from histogram.ts (a DP-released histogram or a uniform prior, never the exact one).
 * Over-generates (default 2x), drops empty and duplicate samples, then down-samples each code to
 * its target count, as the paper does.
 */
import type { Tokenizer } from '../data/tokenizer';
import { controlCodePrompt } from '../data/windows';
import type { GPTConfig } from '../model/config';
import { type GenerationConfig, generate } from '../model/generate';
import type { Params } from '../model/params';
import { seededUniform, shuffledIndices } from '../train/seeded';
import { allocateSamples, type CodeCount } from './histogram';

export interface SyntheticConfig {
  /** Samples in the final corpus. */
  samples: number;
  /** Generated per kept sample before de-duplication and down-sampling (paper: ~2). */
  overGenerate: number;
  generation: Partial<GenerationConfig>;
  seed: number;
}

export const DEFAULT_SYNTHETIC: SyntheticConfig = {
  samples: 1000,
  overGenerate: 2,
  generation: { maxLength: 128, topK: 50, topP: 0.9, temperature: 1, noRepeatNgramSize: 2, batchSize: 32 },
  seed: 1,
};

export interface SyntheticSample {
  labels: string[];
  text: string;
}

export interface SyntheticCorpus {
  samples: SyntheticSample[];
  generated: number;
  empty: number;
  duplicates: number;
}

/** The token prompt of a control code: end-of-text as a start marker, then `labels TAB.. \n\n`. */
export function promptTokens(tokenizer: Tokenizer, labels: string[] | null): number[] {
  return labels ? [tokenizer.eotId, ...tokenizer.encode(controlCodePrompt(labels))] : [tokenizer.eotId];
}

export interface SyntheticEvents {
  onSample?: (sample: SyntheticSample) => void;
  onProgress?: (done: number, total: number) => void;
  shouldStop?: () => boolean;
}

export async function generateSyntheticCorpus(
  teacher: { params: Params; config: GPTConfig; tokenizer: Tokenizer },
  codes: CodeCount[] | null,
  config: Partial<SyntheticConfig>,
  events: SyntheticEvents = {},
): Promise<SyntheticCorpus> {
  const c = {
    ...DEFAULT_SYNTHETIC,
    ...config,
    generation: { ...DEFAULT_SYNTHETIC.generation, ...config.generation },
  };
  if (!(c.samples >= 1)) throw new Error(`synthetic samples must be >= 1, got ${c.samples}`);
  // Without control codes (or with none released) there is one unconditional "code".
  const targets = codes && codes.length ? codes : null;
  const perCode = targets ? allocateSamples(targets, c.samples) : [c.samples];
  const prompts: number[][] = [];
  const promptCode: number[] = [];
  perCode.forEach((n, code) => {
    const p = promptTokens(teacher.tokenizer, targets ? targets[code].labels : null);
    for (let i = 0; i < Math.ceil(n * c.overGenerate); i++) {
      prompts.push(p);
      promptCode.push(code);
    }
  });
  const seen = perCode.map(() => new Set<string>());
  const kept: SyntheticSample[][] = perCode.map(() => []);
  let empty = 0;
  let duplicates = 0;
  await generate(
    teacher.params,
    teacher.config,
    prompts,
    { ...c.generation, seed: c.seed, eotId: teacher.tokenizer.eotId, padId: teacher.tokenizer.padId },
    events.onProgress,
    events.shouldStop,
    {
      onSample: (tokens, index) => {
        const code = promptCode[index];
        const text = teacher.tokenizer.decode(tokens).trim();
        if (!text) {
          empty++;
          return;
        }
        if (seen[code].has(text)) {
          duplicates++;
          return;
        }
        seen[code].add(text);
        const sample = { labels: targets ? targets[code].labels : [], text };
        kept[code].push(sample);
        events.onSample?.(sample);
      },
    },
  );
  const uniform = seededUniform(c.seed + 1);
  const samples = kept.flatMap((list, code) =>
    shuffledIndices(list.length, uniform)
      .slice(0, perCode[code])
      .map((i) => list[i]),
  );
  return { samples, generated: prompts.length, empty, duplicates };
}

/** The synthetic corpus as JSONL (one `{"text", "labels"}` object per line). */
export function syntheticToJsonl(samples: SyntheticSample[]): string {
  return (
    samples.map((s) => JSON.stringify({ text: s.text, labels: s.labels })).join('\n') +
    (samples.length ? '\n' : '')
  );
}
