/**
 * The one export of the project: `distildp export`, `distildp pipeline --out` and the app's
 * downloads all write their files here, so they cannot drift apart.
 * - a model: a Hugging Face GPT-2 folder (config.json, generation_config.json, model.safetensors,
 *   tokenizer files incl. tokenizer.json, README.md model card, privacy-report.json when known);
 *   `GPT2LMHeadModel.from_pretrained(folder)` and `AutoTokenizer.from_pretrained(folder)` load it;
 * - a run: every released file in one tree (README.md with the scale-out guide, privacy-report.json,
 *   synthetic.jsonl, student/, teacher/), what a cluster needs to continue.
 * File names carry the run's random id only: no byte or name here is a function of the documents
 * except through the DP mechanisms (weights, synthetic text, the report's counts).
 */
import { loadTokenizer, type Tokenizer } from '../data/tokenizer';
import { exportHFGPT2 } from '../io/hf-gpt2';
import { zipFiles } from '../io/zip';
import type { ModelArrays } from './checkpoint';
import { type ExportedRole, modelCard } from './model-card';
import { type PrivacyReportDocument, privacyReportDocument } from './privacy-report';
import type { RunOutputs } from './run-outputs';
import { runReadme } from './run-readme';
import { syntheticToJsonl } from './synthetic';

export type WeightDtype = 'F32' | 'F16';

/** What the app downloads: one model, the corpus, the report, or the whole run. */
export type ExportKind = 'student' | 'teacher' | 'synthetic' | 'report' | 'all';

export interface ExportOptions {
  /** The run's random id (never derived from the documents); its first 8 characters name the files. */
  runId: string;
  /** When the export was made (written into the report). */
  created: Date;
  /** Weight precision of model.safetensors (default F32). */
  dtype?: WeightDtype;
  /** The user's own description of the training data, published in the model cards. */
  dataDescription?: string;
}

export interface ExportFile {
  fileName: string;
  mime: string;
  bytes: Uint8Array;
}

export interface ModelFolderOptions {
  role: ExportedRole;
  dtype?: WeightDtype;
  report?: PrivacyReportDocument;
  dataDescription?: string;
}

const utf8 = new TextEncoder();
const jsonBytes = (value: unknown) => utf8.encode(`${JSON.stringify(value, null, 2)}\n`);

/**
 * One model as a Hugging Face GPT-2 folder (file name -> bytes). Token ids come from the tokenizer:
 * bos = eos = `<|endoftext|>`, pad = its pad token; `model_max_length` is the model's n_positions.
 */
export function modelFolder(
  model: ModelArrays,
  tokenizer: Tokenizer,
  options: ModelFolderOptions,
): Map<string, Uint8Array> {
  const dtype = options.dtype ?? 'F32';
  const files = exportHFGPT2(
    model.config,
    model.arrays,
    tokenizer.huggingFaceFiles({ modelMaxLength: model.config.contextLength }),
    { dtype, bosTokenId: tokenizer.eotId, eosTokenId: tokenizer.eotId, padTokenId: tokenizer.padId },
  );
  files.set(
    'README.md',
    utf8.encode(
      modelCard({
        role: options.role,
        config: model.config,
        tokenizer,
        dtype,
        report: options.report,
        dataDescription: options.dataDescription,
      }),
    ),
  );
  if (options.report) files.set('privacy-report.json', jsonBytes(options.report));
  return files;
}

function reportOf(outputs: RunOutputs, options: ExportOptions): PrivacyReportDocument {
  if (!outputs.reports.length) throw new Error('this run has no privacy report yet (it is not finished)');
  return privacyReportDocument(options.runId, outputs.reports, options.created);
}

function requireModel(outputs: RunOutputs, role: 'student' | 'teacher'): ModelArrays {
  const model = outputs[role];
  if (!model) throw new Error(`this run has no finished ${role} (no saved model)`);
  return model;
}

/** Every released file of a run, as one folder tree (the CLI's `--out`, the app's "export all"). */
export async function runExportTree(
  outputs: RunOutputs,
  options: ExportOptions,
): Promise<Map<string, Uint8Array>> {
  const report = reportOf(outputs, options);
  const tokenizer = await loadTokenizer(outputs.tokenizer);
  const tree = new Map<string, Uint8Array>();
  for (const role of ['student', 'teacher'] as const) {
    const model = outputs[role];
    if (!model) continue;
    const folder = modelFolder(model, tokenizer, {
      role,
      dtype: options.dtype,
      report,
      dataDescription: options.dataDescription,
    });
    for (const [name, bytes] of folder) tree.set(`${role}/${name}`, bytes);
  }
  if (outputs.synthetic)
    tree.set('synthetic.jsonl', utf8.encode(syntheticToJsonl(outputs.synthetic.samples)));
  tree.set('privacy-report.json', jsonBytes(report));
  const context = (outputs.student ?? outputs.teacher)?.config.contextLength;
  tree.set(
    'README.md',
    utf8.encode(
      runReadme({
        files: { student: !!outputs.student, teacher: !!outputs.teacher, synthetic: !!outputs.synthetic },
        tokenizer,
        contextLength: context ?? 0,
        report,
        dataDescription: options.dataDescription,
      }),
    ),
  );
  return tree;
}

/** One download of the app, named by the run's random id. */
export async function exportFile(
  outputs: RunOutputs,
  what: ExportKind,
  options: ExportOptions,
): Promise<ExportFile> {
  const label = options.runId.slice(0, 8);
  switch (what) {
    case 'student':
    case 'teacher': {
      const folder = modelFolder(requireModel(outputs, what), await loadTokenizer(outputs.tokenizer), {
        role: what,
        dtype: options.dtype,
        report: reportOf(outputs, options),
        dataDescription: options.dataDescription,
      });
      return { fileName: `distildp-${what}-${label}.zip`, mime: 'application/zip', bytes: zipFiles(folder) };
    }
    case 'synthetic': {
      if (!outputs.synthetic) throw new Error('this run has no finished synthetic corpus');
      return {
        fileName: `distildp-synthetic-${label}.jsonl`,
        mime: 'application/x-ndjson',
        bytes: utf8.encode(syntheticToJsonl(outputs.synthetic.samples)),
      };
    }
    case 'report':
      return {
        fileName: `distildp-privacy-report-${label}.json`,
        mime: 'application/json',
        bytes: jsonBytes(reportOf(outputs, options)),
      };
    case 'all':
      return {
        fileName: `distildp-run-${label}.zip`,
        mime: 'application/zip',
        bytes: zipFiles(await runExportTree(outputs, options)),
      };
    default: {
      const unknown: never = what;
      throw new Error(`unknown export "${String(unknown)}"`);
    }
  }
}
