/**
 * The downloads of a finished run, built from its stored records (so they work after a reload):
 * - student / teacher: a zip in Hugging Face GPT-2 layout (config.json, generation_config.json,
 *   model.safetensors with {"format": "pt"} metadata, tokenizer files), loadable by
 *   `GPT2LMHeadModel.from_pretrained(folder)`;
 * - synthetic: the synthetic corpus as JSONL;
 * - report: the privacy report (JSON) from which `distildp epsilon` reproduces the epsilon.
 */
import { version as tfjsVersions } from '@tensorflow/tfjs';
import { version as appVersion } from '../../package.json';
import { loadTokenizer } from '../data/tokenizer';
import { exportHFGPT2 } from '../io/hf-gpt2';
import { zipFiles } from '../io/zip';
import type { Checkpoint } from '../pipeline/checkpoint';
import type { PrivacyReport } from '../pipeline/results';
import { checkpointOf, EXPORTED_MODEL_STAGES, STAGES } from '../pipeline/stage-registry';
import { syntheticToJsonl } from '../pipeline/synthetic';
import type { ExportKind } from './protocol';
import { type RunStorage, runPaths } from './run-storage';
import { tokenizerKindOf } from './session-models';

export interface ExportFile {
  fileName: string;
  mime: string;
  bytes: Uint8Array;
}

const GUARANTEE =
  '(epsilon, delta)-differential privacy with respect to adding or removing one document (the privacy unit) ' +
  'of the training split, for everything released: the DP teacher, the synthetic corpus and the student ' +
  '(post-processing), and the control-code histogram (accounted as a phase).';

/** The privacy report file: DistilDP's report flattened (sigma, q, steps of DP-SGD), baselines beside it. */
export function privacyReportDocument(runId: string, reports: PrivacyReport[], created: Date) {
  const main = reports.find((r) => r.method === 'distildp') ?? reports[0];
  if (!main) throw new Error('this run has no privacy report');
  const dpsgd = main.phases.at(-1)!;
  return {
    format: 'distildp-privacy-report',
    format_version: 1,
    created: created.toISOString(),
    run_id: runId,
    ...main,
    sigma: dpsgd.sigma,
    q: dpsgd.q,
    steps: dpsgd.steps,
    guarantee: GUARANTEE,
    versions: { distildp: appVersion, tfjs: tfjsVersions.tfjs },
    baselines: reports.filter((r) => r !== main),
  };
}

async function modelZip(record: Checkpoint | undefined, what: string, runId: string): Promise<ExportFile> {
  const stored = record?.status === 'done' ? record.models?.model : undefined;
  if (!stored) throw new Error(`the ${what} of run ${runId} is not finished (no saved model)`);
  const tokenizer = await loadTokenizer(tokenizerKindOf(stored.config));
  const files = exportHFGPT2(
    stored.config,
    stored.arrays,
    tokenizer.huggingFaceFiles({ modelMaxLength: stored.config.contextLength }),
  );
  return {
    fileName: `distildp-${what}-${runId.slice(0, 8)}.zip`,
    mime: 'application/zip',
    bytes: zipFiles(files),
  };
}

export async function buildExport(storage: RunStorage, runId: string, what: ExportKind): Promise<ExportFile> {
  switch (what) {
    case 'student':
    case 'teacher':
      return modelZip(await storage.readStage(runId, EXPORTED_MODEL_STAGES[what].key), what, runId);
    case 'synthetic': {
      const generated = checkpointOf(STAGES.generate, await storage.readStage(runId, STAGES.generate.key));
      if (generated?.status !== 'done') throw new Error(`run ${runId} has no finished synthetic corpus`);
      const corpus = generated.value;
      return {
        fileName: `distildp-synthetic-${runId.slice(0, 8)}.jsonl`,
        mime: 'application/x-ndjson',
        bytes: new TextEncoder().encode(syntheticToJsonl(corpus.samples)),
      };
    }
    case 'report': {
      const reports = await storage.readJson<PrivacyReport[]>(runPaths.json(runId, 'reports'));
      if (!reports?.length) throw new Error(`run ${runId} has no privacy report yet (it is not finished)`);
      const doc = privacyReportDocument(runId, reports, new Date());
      return {
        fileName: `distildp-privacy-report-${runId.slice(0, 8)}.json`,
        mime: 'application/json',
        bytes: new TextEncoder().encode(`${JSON.stringify(doc, null, 2)}\n`),
      };
    }
    default: {
      const unknown: never = what;
      throw new Error(`unknown export "${String(unknown)}"`);
    }
  }
}
