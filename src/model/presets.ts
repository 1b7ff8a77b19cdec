/**
 * Named model configurations. The `teacher` and `student` presets are the shapes of the small
 * base models the project pretrains on public-domain text (`distildp pretrain`) and ships in
 * public/models; `tiny` is for tests and smoke runs.
 */
import { type GPTConfig, makeConfig } from './config';

export interface ModelPreset {
  description: string;
  config: GPTConfig;
  /** The tokenizer its vocabulary belongs to (data/tokenizer.ts' TokenizerKind). */
  tokenizer: 'bytes' | 'gpt2';
  /** Shipped pretrained weights (relative to the app root / the repo's public/ folder), if any. */
  weights?: string;
}

export const MODEL_PRESETS: Record<string, ModelPreset> = {
  tiny: {
    description: 'random init, for tests and smoke runs',
    tokenizer: 'bytes',
    config: makeConfig({ vocabSize: 258, contextLength: 64, nLayer: 2, nHead: 2, nEmbd: 32 }),
  },
  student: {
    description: 'small byte-level student, pretrained on public-domain text',
    tokenizer: 'bytes',
    config: makeConfig({ vocabSize: 258, contextLength: 128, nLayer: 2, nHead: 3, nEmbd: 96 }),
    weights: 'models/student.safetensors',
  },
  teacher: {
    description: 'byte-level teacher, pretrained on public-domain text',
    tokenizer: 'bytes',
    config: makeConfig({ vocabSize: 258, contextLength: 128, nLayer: 4, nHead: 4, nEmbd: 128 }),
    weights: 'models/teacher.safetensors',
  },
};
