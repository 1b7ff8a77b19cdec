/**
 * README.md at the top of a run's export folder (the CLI's `--out`, the app's "export all" zip): what
 * each file is, the guarantee in one paragraph, and how to continue on a cluster with the standard
 * tools: Hugging Face Trainer / accelerate on the synthetic corpus (post-processing: no further
 * privacy cost) or Opacus / dp-transformers on the private documents (a new DP training that spends
 * new budget, composed with this run's).
 */
import type { Tokenizer } from '../data/tokenizer';
import { quote } from './model-card';
import type { PrivacyReportDocument } from './privacy-report';

export interface RunReadmeInput {
  files: { student: boolean; teacher: boolean; synthetic: boolean };
  tokenizer: Tokenizer;
  contextLength: number;
  report: PrivacyReportDocument;
  dataDescription?: string;
}

function contents(i: RunReadmeInput): string {
  const rows = [
    '| file | what |',
    '| --- | --- |',
    '| `privacy-report.json` | ε, δ, σ, q, steps, accountant, privacy unit, neighbouring relation, versions; `distildp epsilon` reproduces ε from it |',
  ];
  if (i.files.student)
    rows.push(
      '| `student/` | the DistilDP student, Hugging Face GPT-2 layout (model card in its README.md) |',
    );
  if (i.files.teacher)
    rows.push('| `teacher/` | the DP teacher (DP-SGD fine-tuned), Hugging Face GPT-2 layout |');
  if (i.files.synthetic)
    rows.push(
      '| `synthetic.jsonl` | the synthetic corpus the DP teacher wrote, one `{"text", "labels"}` per line |',
    );
  return ['## What is here', '', ...rows].join('\n');
}

function trainerSection(i: RunReadmeInput): string {
  const base = i.files.student ? 'student' : 'teacher';
  return [
    '## Continue on a cluster with the synthetic corpus (no further privacy cost)',
    '',
    'Everything trained only on `synthetic.jsonl` (and on public data) is post-processing of the DP release: ' +
      'it spends no privacy budget, however long it trains and on however many GPUs. Any GPT-2 sharing the ' +
      `tokenizer works as a starting point; here the ${base}:`,
    '',
    '```python',
    '# train_synthetic.py: `python train_synthetic.py` or, on several GPUs, `accelerate launch train_synthetic.py`',
    'from datasets import load_dataset',
    'from transformers import (AutoTokenizer, DataCollatorForLanguageModeling, GPT2LMHeadModel,',
    '                          Trainer, TrainingArguments)',
    '',
    `tokenizer = AutoTokenizer.from_pretrained("${base}")`,
    `model = GPT2LMHeadModel.from_pretrained("${base}")`,
    '',
    'def record(text, labels):  # the format the DP teacher was prompted with',
    '    codes = "\\t".join(labels) + "\\n\\n" if labels else ""',
    '    return tokenizer.eos_token + codes + text + tokenizer.eos_token',
    '',
    'data = load_dataset("json", data_files="synthetic.jsonl")["train"]',
    'data = data.map(',
    '    lambda b: tokenizer([record(t, l) for t, l in zip(b["text"], b["labels"])],',
    `                        truncation=True, max_length=${i.contextLength}),`,
    '    batched=True, remove_columns=data.column_names)',
    'trainer = Trainer(',
    '    model=model,',
    '    args=TrainingArguments("synthetic-run", per_device_train_batch_size=32, num_train_epochs=3,',
    '                           learning_rate=3e-4, save_strategy="epoch"),',
    '    train_dataset=data,',
    '    data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False))',
    'trainer.train()',
    'trainer.save_model("synthetic-run/final")',
    '```',
  ].join('\n');
}

function privateSection(i: RunReadmeInput): string {
  const r = i.report;
  return [
    '## Continue on the private documents (spends new privacy budget)',
    '',
    "Training on the private documents again is a new DP mechanism: its ε adds to this run's " +
      `(ε = ${r.epsilon.toPrecision(4)}, δ = ${r.delta.toExponential(2)}) on the same data. Compose both with one ` +
      "accountant (e.g. `distildp epsilon --phases` with this report's phases followed by the new ones, or " +
      "Opacus' PRV accountant) and choose the new target so that the total stays within your budget. Keep " +
      'one document per row, so that the privacy unit stays one document. This run sampled documents with ' +
      'Poisson sampling; Opacus does the same with `PrivacyEngine.make_private(..., poisson_sampling=True)`, ' +
      'while dp-transformers draws shuffled fixed-size batches and accounts them as Poisson sampling. With ' +
      '[dp-transformers](https://github.com/microsoft/dp-transformers) (Opacus underneath):',
    '',
    '```python',
    'import datasets, dp_transformers, transformers',
    '',
    'train_args, privacy_args = transformers.HfArgumentParser(',
    '    (dp_transformers.TrainingArguments, dp_transformers.PrivacyArguments)).parse_args_into_dataclasses()',
    '# e.g. --output_dir dp-run --target_epsilon 1 --per_sample_max_grad_norm 1.0 --remove_unused_columns False',
    'tokenizer = transformers.AutoTokenizer.from_pretrained("teacher")',
    'model = transformers.GPT2LMHeadModel.from_pretrained("teacher").to(train_args.device).train()',
    'docs = datasets.load_dataset("json", data_files="private.jsonl")["train"]  # one document per row',
    'docs = docs.map(lambda b: tokenizer(b["text"], padding="max_length", truncation=True,',
    `                                    max_length=${i.contextLength}),`,
    '                batched=True, remove_columns=docs.column_names)',
    'dp_transformers.register_grad_sampler_gpt2()',
    'trainer = dp_transformers.dp_utils.OpacusDPTrainer(',
    '    args=train_args, model=model, train_dataset=docs, privacy_args=privacy_args,',
    '    data_collator=dp_transformers.DataCollatorForPrivateCausalLanguageModeling(tokenizer))',
    'trainer.train()',
    'print("epsilon of this training alone:", trainer.get_accountant_epsilon())',
    '```',
  ].join('\n');
}

export function runReadme(i: RunReadmeInput): string {
  const r = i.report;
  const described = i.dataDescription?.trim()
    ? `\n\nThe data, as described by the person who trained these models (their own public statement):\n\n${quote(i.dataDescription)}`
    : '';
  return `${[
    '# DistilDP run export',
    `Everything here is covered by (ε = ${r.epsilon.toPrecision(4)}, δ = ${r.delta.toExponential(2)})-differential ` +
      `privacy; privacy unit: one ${r.unit}; neighbouring datasets: ${r.neighbouring_relation}. ` +
      `Reproduce ε with \`npx ${r.reproduce.replace(/^npx /, '')}\`.${described}`,
    contents(i),
    i.files.synthetic ? trainerSection(i) : '',
    privateSection(i),
  ]
    .filter(Boolean)
    .join('\n\n')}\n`;
}
