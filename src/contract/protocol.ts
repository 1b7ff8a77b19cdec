/**
 * Messages between the UI thread and the one module worker that owns every tensor. Both
 * directions are discriminated unions on `type`, so a `switch` over them is checked for
 * exhaustiveness. Only types and plain constants here: the UI imports this module and must never
 * pull TF.js (library types are imported with `import type`, which loads nothing).
 *
 * The private text goes one way only: files in, summaries out. The worker keeps the documents
 * (in memory and in the origin's private storage for resume); nothing sent back contains them,
 * except synthetic samples, which are post-processing of a DP model.
 *
 * The messages live in commands.ts (UI -> worker), setup-events.ts and run-events.ts (worker -> UI);
 * this module is the one place both sides import them from, with the library types they carry.
 */
import type { FileInput, FileReport, IngestOptions } from '../data/types';
import type { BackendInfo, BackendName } from '../model/backend';
import type { ExportKind, WeightDtype } from '../pipeline/export-bundle';
import type { MethodName, PrivacyReport, ResultRow, StageName, StageOwner } from '../pipeline/results';

export * from './commands';
export * from './run-events';
export * from './setup-events';
export type {
  BackendInfo,
  BackendName,
  ExportKind,
  FileInput,
  FileReport,
  IngestOptions,
  MethodName,
  PrivacyReport,
  ResultRow,
  StageName,
  StageOwner,
  WeightDtype,
};
