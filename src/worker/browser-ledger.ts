/**
 * The privacy ledger of this browser (pipeline/ledger.ts), kept in the origin's private storage at
 * `ledger.json`, outside `runs/` so that deleting or cancelling a run never erases what it spent.
 * LOCAL ONLY: no export reads it. The budget panel shows its composition for the current documents
 * and settings, and a run on documents that earlier runs used starts only after the user confirms.
 */
import { splitDocuments } from '../data/split';
import type { Document } from '../data/types';
import type { PipelineConfig } from '../pipeline/config';
import {
  composeWithLedger,
  emptyLedger,
  fingerprints,
  type Ledger,
  type LedgerComposition,
  type LedgerRelease,
  type LedgerStatus,
  overlappingEntries,
  parseLedger,
  plannedReleases,
  recordRun,
} from '../pipeline/ledger';
import type { RunStorage } from './run-storage';

export const LEDGER_PATH = 'ledger.json';

const utf8 = new TextEncoder();

/** The ledger; created (with its random fingerprint key) on first use, so the key never changes. */
export async function readLedger(storage: RunStorage): Promise<Ledger> {
  const bytes = await storage.bytes.read(LEDGER_PATH);
  if (bytes) return parseLedger(new TextDecoder().decode(bytes));
  const ledger = emptyLedger();
  await writeLedger(storage, ledger);
  return ledger;
}

async function writeLedger(storage: RunStorage, ledger: Ledger): Promise<void> {
  await storage.bytes.write(LEDGER_PATH, utf8.encode(JSON.stringify(ledger)));
}

export interface LedgerCheck {
  composition: LedgerComposition;
  documents: string[];
  releases: LedgerRelease[];
}

/**
 * What earlier runs (other than `runId`, the run being resumed) spent on the training documents of
 * this run, composed with its planned releases.
 */
export async function checkLedger(
  storage: RunStorage,
  documents: Document[],
  config: PipelineConfig,
  runId?: string,
): Promise<LedgerCheck> {
  const ledger = await readLedger(storage);
  const train = splitDocuments(documents, { seed: config.seed, ...config.split }).train;
  const fingerprinted = fingerprints(ledger, train);
  const prior = overlappingEntries(ledger, fingerprinted).filter((e) => e.id !== runId);
  const { releases, delta, accountant } = plannedReleases(config, train.length);
  return {
    composition: composeWithLedger(prior, releases, delta, accountant),
    documents: fingerprinted,
    releases,
  };
}

/** Records (or updates) a run's entry. */
export async function recordInLedger(
  storage: RunStorage,
  entry: { id: string; documents: string[]; releases: LedgerRelease[]; status: LedgerStatus },
): Promise<void> {
  await writeLedger(storage, recordRun(await readLedger(storage), entry));
}

/** Changes the status of a run's entry (its releases stay: a cancelled run counts in full). */
export async function markInLedger(
  storage: RunStorage,
  id: string,
  status: LedgerStatus,
  releases?: LedgerRelease[],
): Promise<void> {
  const ledger = await readLedger(storage);
  const entry = ledger.entries.find((e) => e.id === id);
  if (!entry) return;
  await writeLedger(storage, recordRun(ledger, { ...entry, status, releases: releases ?? entry.releases }));
}
