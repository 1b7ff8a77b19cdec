/**
 * README.md of an exported model folder (a Hugging Face model card): what the model is, the data
 * as its owner described it, the privacy guarantee with the command that reproduces epsilon, and
 * how to load it in Python (the byte-level tokenizer included). Written from public values only:
 * the configuration, the privacy report and the description the user typed for publication.
 */

import type { Tokenizer } from '../data/tokenizer';
import { controlCodePrompt } from '../data/windows';
import { countParameters, type GPTConfig } from '../model/config';
import type { PrivacyReportDocument } from './privacy-report';

export type ExportedRole = 'student' | 'teacher' | 'model';

export interface ModelCardInput {
  role: ExportedRole;
  config: GPTConfig;
  tokenizer: Tokenizer;
  dtype: 'F32' | 'F16';
  /** The privacy report the weights are covered by; absent when none is known (e.g. a base model). */
  report?: PrivacyReportDocument;
  /** What the user wrote about the training data, to publish with the model. */
  dataDescription?: string;
}

const TITLES: Record<ExportedRole, string> = {
  student: 'DistilDP student',
  teacher: 'DistilDP teacher (DP-SGD fine-tuned)',
  model: 'GPT-2 model exported by distildp',
};

const WHAT: Record<ExportedRole, string> = {
  student:
    'A small GPT-2 language model distilled from a differentially private (DP) teacher on text the teacher ' +
    'generated (DistilDP, Flemings & Annavaram 2024). The student never saw the private documents: it is ' +
    'post-processing of the DP teacher and of the DP control-code histogram, so it carries the same guarantee.',
  teacher:
    'A GPT-2 language model fine-tuned on private documents with DP-SGD (Poisson sampling of documents, ' +
    'per-document clipping, Gaussian noise) by DistilDP; it wrote the synthetic corpus the student learned from.',
  model: 'A GPT-2 language model written in Hugging Face layout by `distildp export`.',
};

/** The user's text as a Markdown block quote (kept verbatim; it is their own public statement). */
export function quote(text: string): string {
  return text
    .trim()
    .split(/\r?\n/)
    .map((line) => `> ${line}`.trimEnd())
    .join('\n');
}

export function tokenizerDescription(t: Tokenizer): string {
  return t.kind === 'bytes'
    ? `byte-level: ids 0-255 are the UTF-8 bytes of the text, ${t.eotId} is \`<|endoftext|>\`, ${t.padId} is \`<|pad|>\``
    : `GPT-2 BPE (50,257 ids; \`<|endoftext|>\` is ${t.eotId}, also used for padding)`;
}

function modelSection(c: ModelCardInput): string {
  const { config, tokenizer } = c;
  const padded =
    config.vocabSize > tokenizer.vocabSize
      ? ` (the embedding has ${config.vocabSize} rows; ids from ${tokenizer.vocabSize} on are never produced by the tokenizer)`
      : '';
  return [
    '## Model',
    '',
    '| | |',
    '| --- | --- |',
    '| architecture | `GPT2LMHeadModel` (transformers), tanh GELU, pre-layer-norm |',
    `| parameters | ${countParameters(config).toLocaleString('en-US')} |`,
    `| layers, heads, width | ${config.nLayer}, ${config.nHead}, ${config.nEmbd} |`,
    `| context (n_positions) | ${config.contextLength} tokens: longer inputs must be cut (the tokenizer's model_max_length is ${config.contextLength}) |`,
    `| tokenizer | ${tokenizerDescription(tokenizer)}${padded} |`,
    `| weights | model.safetensors, ${c.dtype === 'F16' ? 'float16' : 'float32'}; tied input/output embeddings: ${config.tieEmbeddings} |`,
  ].join('\n');
}

function dataSection(c: ModelCardInput): string {
  const described = c.dataDescription?.trim()
    ? `As described by the person who trained it (their own statement, published by their choice; it is not covered by the privacy guarantee):\n\n${quote(c.dataDescription)}`
    : 'No description of the training data was given.';
  return ['## Training data', '', described].join('\n');
}

function privacySection(c: ModelCardInput): string {
  const r = c.report;
  if (!r) {
    return [
      '## Privacy',
      '',
      'This export carries no privacy report: nothing is claimed about differential privacy. If the weights ' +
        "came from a DistilDP run, that run's privacy-report.json states the guarantee.",
    ].join('\n');
  }
  const coverage =
    c.role === 'student'
      ? 'The student is post-processing of the DP teacher and the DP histogram: training it cost no further privacy.'
      : r.code_teachers
        ? `The teacher is the weighted average of ${r.code_teachers.count} DP teachers, one per control code, each trained with DP-SGD on its own code's documents only; the parts are disjoint, so together they are covered by the guarantee above (parallel composition), and so is everything derived from them.`
        : 'The teacher was trained on the private documents with DP-SGD; the guarantee covers it and everything derived from it.';
  return [
    '## Privacy',
    '',
    `(ε, δ)-differential privacy with **ε = ${r.epsilon.toPrecision(4)}**, **δ = ${r.delta.toExponential(2)}**.`,
    '',
    `- privacy unit: one ${r.unit}; neighbouring datasets: ${r.neighbouring_relation}`,
    `- accountant: ${r.accountant.toUpperCase()}, ${r.phases.length} composed phase(s); DP-SGD with ${r.sampling} sampling (q = ${r.q.toPrecision(4)}), noise multiplier σ = ${r.sigma.toPrecision(4)}, ${r.steps} steps, clip norm ${r.clip_norm}`,
    `- training documents: ${r.num_documents}; cryptographically seeded noise and sampling: ${r.secure_randomness}`,
    `- ${coverage}`,
    '',
    'Reproduce ε from the recorded phases (the full report is privacy-report.json in this folder):',
    '',
    '```sh',
    `npx ${r.reproduce.replace(/^npx /, '')}`,
    '```',
  ].join('\n');
}

function pythonSection(c: ModelCardInput): string {
  const t = c.tokenizer;
  const prompt = JSON.stringify(controlCodePrompt(['LABEL']));
  const lines = [
    '## Use it in Python',
    '',
    '```python',
    'import torch',
    'from transformers import AutoTokenizer, GPT2LMHeadModel',
    '',
    'folder = "."  # this folder, unzipped',
    'tokenizer = AutoTokenizer.from_pretrained(folder)  # reads tokenizer.json',
    'model = GPT2LMHeadModel.from_pretrained(folder).eval()',
    '',
    '# Generation starts after <|endoftext|>; with control codes (see synthetic.jsonl\'s "labels"),',
    `# add the labels joined by a tab and a blank line, e.g. ${prompt}.`,
    'ids = [tokenizer.eos_token_id] + tokenizer.encode("Once upon a time")',
    'out = model.generate(torch.tensor([ids]), max_new_tokens=60, do_sample=True, top_p=0.95,',
    `                     pad_token_id=${t.padId})`,
    'print(tokenizer.decode(out[0], skip_special_tokens=True))',
    '```',
    '',
    `Inputs longer than ${c.config.contextLength} tokens must be truncated: \`tokenizer(text, truncation=True)\` does it.`,
    'A literal "<|endoftext|>" in text is ordinary text here (tokenizer_config.json sets `split_special_tokens`); ' +
      'with the `tokenizers` library alone, set `tokenizer.encode_special_tokens = True` for the same ids.',
  ];
  if (t.kind === 'bytes') {
    lines.push(
      '',
      'The byte-level tokenizer needs no library at all:',
      '',
      '```python',
      'ids = list("Once upon a time".encode("utf-8"))          # encode',
      'text = bytes(i for i in ids if i < 256).decode("utf-8", "replace")  # decode, dropping specials',
      '```',
    );
  }
  return lines.join('\n');
}

/** The model card text (README.md). */
export function modelCard(c: ModelCardInput): string {
  const front = [
    '---',
    'library_name: transformers',
    'pipeline_tag: text-generation',
    'tags:',
    '  - gpt2',
    ...(c.report ? ['  - differential-privacy', '  - distildp'] : []),
    '---',
  ].join('\n');
  return `${[
    front,
    `# ${TITLES[c.role]}`,
    WHAT[c.role],
    modelSection(c),
    dataSection(c),
    privacySection(c),
    pythonSection(c),
  ].join('\n\n')}\n`;
}
