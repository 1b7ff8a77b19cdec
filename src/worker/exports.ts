/**
 * The app's downloads of a finished run: the run's outputs (loaded by the pipeline from the run's
 * checkpoints, so downloads work after a reload too) handed to the project's one export function
 * (pipeline/export-bundle.ts), which the CLI uses as well.
 */

import type { ExportRequest } from '../contract/protocol';
import { type ExportFile, exportFile } from '../pipeline/export-bundle';
import type { PrivacyReport } from '../pipeline/results';
import { loadRunOutputs } from '../pipeline/run-outputs';
import { RunCheckpoints, type RunStorage, runPaths } from './run-storage';
import { tokenizerOfRef } from './session-models';

export type { ExportFile } from '../pipeline/export-bundle';

export async function buildExport(
  storage: RunStorage,
  runId: string,
  request: ExportRequest,
): Promise<ExportFile> {
  const manifest = await storage.readManifest(runId);
  if (!manifest) throw new Error(`no saved run ${runId} in this browser's storage`);
  const reports = (await storage.readJson<PrivacyReport[]>(runPaths.json(runId, 'reports'))) ?? [];
  const outputs = await loadRunOutputs(
    new RunCheckpoints(storage, runId),
    tokenizerOfRef(manifest.models.teacher),
    reports,
  );
  return exportFile(outputs, request.what, {
    runId,
    created: new Date(),
    dtype: request.dtype,
    dataDescription: request.dataDescription,
  });
}
