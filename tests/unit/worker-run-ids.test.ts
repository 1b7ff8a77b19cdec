/**
 * Nothing exported may be a function of the document text outside a DP mechanism (privacy issue,
 * item 1); a second run on the same documents needs the user's confirmation (item 9, the ledger). The run id used to be a SHA-256 of the documents: it named every exported file and sat
 * in the privacy report, so anyone who could guess the dataset confirmed it from a file name.
 *
 * Two runs of the worker's RunController (memory storage, tiny models, the tiny profile) on
 * identical documents: their ids are random and unrelated, and no exported file name or byte
 * (zip entries included) contains the corpus hash in any form the old id took.
 */
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ExportKind, WorkerEvent } from '../../src/contract/protocol';
import { canonicalJson, sha256Hex } from '../../src/contract/run-manifest';
import { TINY_RUN_SETTINGS } from '../../src/contract/run-settings';
import type { Document } from '../../src/data/types';
import { countParameters } from '../../src/model/config';
import { disposeModel, loadModel } from '../../src/pipeline/models';
import { RunController } from '../../src/worker/run-controller';
import type { SessionModel } from '../../src/worker/session-models';
import { useWasm } from './helpers/backend';

beforeAll(async () => {
  await useWasm();
  vi.stubGlobal('navigator', {}); // Node 20 has no navigator; the controller reads navigator.storage
});
afterAll(() => vi.unstubAllGlobals());

const documents: Document[] = Array.from({ length: 40 }, (_, i) => ({
  id: `d${i}`,
  text: `${i % 2 ? 'The roses grow by the old wall' : 'The ships leave the harbour at dawn'}, entry ${i}.`,
  labels: [i % 2 ? 'garden' : 'ships'],
  source: 'private.jsonl',
}));

async function tinySession(role: 'teacher' | 'student'): Promise<SessionModel> {
  const model = await loadModel({ kind: 'preset', name: 'tiny' }, async () => null);
  return {
    model,
    ref: { kind: 'preset', name: 'tiny' },
    info: {
      role,
      name: model.name,
      origin: model.origin,
      config: model.config,
      parameters: countParameters(model.config),
      tokenizer: model.tokenizer.kind,
      memory: { trainingBytes: 0, inferenceBytes: 0, batch: 1, seqLen: 1, largestBufferBytes: 0 },
      limits: { backend: 'wasm' },
      warnings: [],
    },
  };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

describe('run ids and exports', () => {
  it('two runs on identical data export unrelated random ids; no export contains the corpus hash', async () => {
    const teacher = await tinySession('teacher');
    const student = await tinySession('student');
    const events: WorkerEvent[] = [];
    const controller = new RunController({
      post: (e) => events.push(e),
      log: () => undefined,
      backend: () => 'wasm',
      documents: () => documents,
      ingestOptions: () => ({ labelFields: ['label'] }),
      models: () => ({ teacher, student }),
    });
    await controller.openStorage(true);
    const settings = { ...TINY_RUN_SETTINGS, epochs: 1, useControlCodes: true };
    const finished = () =>
      new Promise<string>((resolve, reject) => {
        const check = setInterval(() => {
          const last = events.filter((e) => e.type === 'runStatus').at(-1);
          if (last?.type !== 'runStatus' || controller.running) return;
          clearInterval(check);
          if (last.status === 'completed') resolve(last.runId);
          else reject(new Error(`run ended ${last.status}: ${JSON.stringify(last.failure)}`));
        }, 20);
      });

    const files: { name: string; bytes: Uint8Array }[] = [];
    const ids: string[] = [];
    const reportDocs: Record<string, unknown>[] = [];
    for (let run = 0; run < 2; run++) {
      if (run > 0) {
        // The privacy ledger (item 9): the same documents again need the user's confirmation, and
        // the budget panel's summary composes the earlier run with this one.
        const ledger = await controller.ledgerSummary(documents, settings, { labelFields: ['label'] });
        expect(ledger.priorRuns).toBe(1);
        expect(ledger.totalEpsilon).toBeGreaterThan(ledger.priorEpsilon);
        await expect(controller.start(settings)).rejects.toThrow(
          /1 earlier run\(s\) on these documents spent epsilon [0-9.]+.*Confirm/,
        );
      }
      await controller.start(settings, { confirmSpend: run > 0 });
      const runId = await finished();
      ids.push(runId);
      for (const what of ['student', 'teacher', 'synthetic', 'report', 'all'] as ExportKind[]) {
        const f = await controller.exportFile(runId, { what });
        if (what === 'report') reportDocs.push(JSON.parse(new TextDecoder().decode(f.bytes)));
        files.push({ name: f.fileName, bytes: f.bytes });
        if (f.fileName.endsWith('.zip'))
          for (const [name, bytes] of Object.entries(unzipSync(f.bytes))) files.push({ name, bytes });
      }
    }
    expect(ids[0]).not.toBe(ids[1]);
    // The exported report states the neighbouring relation and the public data choices (item 7).
    for (const doc of reportDocs) {
      expect(doc.neighbouring_relation).toMatch(/add or remove one document/);
      expect(doc.public_choices).toEqual({
        text_field: 'text',
        label_fields: ['label'],
        folder_labels: false,
        use_labels_as_control_codes: true,
        histogram_mode: 'dp',
      });
    }
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);

    // The corpus hash in every form the old run id had (SHA-256 over documents, settings and
    // models; its 16- and 8-digit prefixes), and a plain SHA-256 of the texts.
    const models = { teacher: teacher.ref, student: student.ref };
    const contentHash = await sha256Hex(
      canonicalJson({ documents: documents.map((d) => [d.id, d.text, d.labels]), settings, models }),
    );
    const textHash = await sha256Hex(documents.map((d) => d.text).join('\n'));
    const needles = [contentHash, contentHash.slice(0, 16), contentHash.slice(0, 8), textHash.slice(0, 8)];
    const decoder = new TextDecoder();
    for (const f of files) {
      const text = decoder.decode(f.bytes);
      for (const needle of needles) {
        expect(f.name.includes(needle), `${f.name} names ${needle}`).toBe(false);
        expect(text.includes(needle) || hex(f.bytes).includes(needle), `${f.name} holds ${needle}`).toBe(
          false,
        );
      }
    }
    disposeModel(teacher.model);
    disposeModel(student.model);
  });
});
