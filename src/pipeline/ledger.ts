/**
 * The privacy ledger: what earlier runs on the same documents already spent. Each run's epsilon
 * starts at 0, so without it cancelling and running again on the same data would silently spend
 * the budget a second time. The ledger records, per run, keyed fingerprints of its training
 * documents and every DP release it made (the accountant's phases); a new run on documents that
 * overlap earlier runs composes their phases with its own (the accountant's composition: a document
 * in several runs is in every one of their phases), and the app and the CLI ask for confirmation
 * before spending more.
 *
 * LOCAL ONLY: the ledger lives in this browser's private storage or in a file beside the CLI's
 * output folder, never in an export. Its fingerprints are keyed by a random key of the ledger, so
 * they are not the documents' content hashes.
 *
 * Conservative by design: a run is recorded with its whole plan when it starts ('planned') and
 * counts in full even when cancelled or interrupted (its partial outputs may have been seen);
 * 'spent' marks a run that finished.
 */
import { hashString } from '../data/hash';
import type { Document } from '../data/types';
import { type AccountantName, computeEpsilon, type Phase } from '../dp/accounting/index';
import { allPhases } from '../train/dp-plan';
import type { PipelineConfig } from './config';
import { planPipelinePrivacy } from './plan';
import type { MethodName, PrivacyReport } from './results';

export const LEDGER_FORMAT = 'distildp-privacy-ledger';

/** One DP training's phases (a method's whole accounting) and the delta its code-set release spent. */
export interface LedgerRelease {
  method: MethodName;
  phases: Phase[];
  thresholdDelta: number;
}

export type LedgerStatus = 'planned' | 'spent' | 'cancelled';

export interface LedgerEntry {
  /** A local id (the run id in the app; random in the CLI). */
  id: string;
  created: string;
  /** Keyed fingerprints of the run's training documents, sorted. */
  documents: string[];
  releases: LedgerRelease[];
  status: LedgerStatus;
}

export interface Ledger {
  format: typeof LEDGER_FORMAT;
  version: 1;
  note: string;
  /** Random key of this ledger's fingerprints. */
  key: string;
  entries: LedgerEntry[];
}

const NOTE =
  'LOCAL ONLY: the privacy budget spent on your documents by earlier runs. Never share this file: its fingerprints identify documents to anyone holding them.';

function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function emptyLedger(): Ledger {
  return { format: LEDGER_FORMAT, version: 1, note: NOTE, key: randomKey(), entries: [] };
}

export function parseLedger(text: string): Ledger {
  const raw = JSON.parse(text) as Partial<Ledger>;
  if (raw?.format !== LEDGER_FORMAT || raw.version !== 1 || !Array.isArray(raw.entries) || !raw.key)
    throw new Error('not a DistilDP privacy ledger (format distildp-privacy-ledger, version 1)');
  return raw as Ledger;
}

/** Keyed fingerprints of documents (by their content ids), sorted. */
export function fingerprints(ledger: Pick<Ledger, 'key'>, documents: Pick<Document, 'id'>[]): string[] {
  return documents.map((d) => hashString(`${ledger.key}\u0000${d.id}`).toString(16).padStart(14, '0')).sort();
}

/** Entries that trained on at least one of the given documents. */
export function overlappingEntries(ledger: Ledger, documents: string[]): LedgerEntry[] {
  const mine = new Set(documents);
  return ledger.entries.filter((e) => e.documents.some((d) => mine.has(d)));
}

/** The ledger with `entry` added, or replacing the entry of the same id. */
export function recordRun(
  ledger: Ledger,
  entry: Omit<LedgerEntry, 'created'> & { created?: string },
): Ledger {
  const previous = ledger.entries.find((e) => e.id === entry.id);
  const full: LedgerEntry = {
    ...entry,
    created: entry.created ?? previous?.created ?? new Date().toISOString(),
  };
  return { ...ledger, entries: [...ledger.entries.filter((e) => e.id !== entry.id), full] };
}

export interface LedgerComposition {
  priorRuns: number;
  /** Epsilon of the earlier runs' releases, composed (0 without any). */
  priorEpsilon: number;
  /** Epsilon of this run's releases alone. */
  runEpsilon: number;
  /** Epsilon of everything, composed: what these documents have spent after this run. */
  totalEpsilon: number;
  /** The delta of that statement: the accounting delta plus every code-set release's delta. */
  totalDelta: number;
  delta: number;
}

const phasesOf = (releases: LedgerRelease[]) => releases.flatMap((r) => r.phases);
const epsilonOf = (phases: Phase[], delta: number, accountant: AccountantName) =>
  phases.length ? computeEpsilon(phases, delta, accountant) : 0;

/** Composes the earlier entries' releases with this run's, at this run's accounting delta. */
export function composeWithLedger(
  prior: LedgerEntry[],
  releases: LedgerRelease[],
  delta: number,
  accountant: AccountantName,
): LedgerComposition {
  const before = prior.flatMap((e) => e.releases);
  const thresholds = [...before, ...releases].reduce((a, r) => a + r.thresholdDelta, 0);
  return {
    priorRuns: prior.length,
    priorEpsilon: epsilonOf(phasesOf(before), delta, accountant),
    runEpsilon: epsilonOf(phasesOf(releases), delta, accountant),
    totalEpsilon: epsilonOf([...phasesOf(before), ...phasesOf(releases)], delta, accountant),
    totalDelta: delta + thresholds,
    delta,
  };
}

/**
 * The DP releases a run will make, from its plan (before it starts): DistilDP's teacher with the
 * histogram phase (shared by synthetic-only), the DP-SGD student, DPKD's teacher and student.
 */
export function plannedReleases(
  c: PipelineConfig,
  trainDocuments: number,
): { releases: LedgerRelease[]; delta: number; accountant: AccountantName } {
  const plan = planPipelinePrivacy(c, { trainDocuments, useControlCodes: c.data.useControlCodes });
  const releases: LedgerRelease[] = [];
  let accountant: AccountantName = 'prv';
  if (c.methods.includes('distildp') || c.methods.includes('synthetic')) {
    const teacher = plan.distildpTeacher();
    accountant = teacher.accountant;
    releases.push({
      method: c.methods.includes('distildp') ? 'distildp' : 'synthetic',
      phases: allPhases(teacher),
      thresholdDelta: plan.histogram?.deltaThreshold ?? 0,
    });
  }
  if (c.methods.includes('dpsgd'))
    releases.push({ method: 'dpsgd', phases: allPhases(plan.dpsgdStudent()), thresholdDelta: 0 });
  if (c.methods.includes('dpkd'))
    releases.push({ method: 'dpkd', phases: allPhases(plan.dpkd().student), thresholdDelta: 0 });
  // The accounting delta: the run's delta less what its code-set release spends (as DistilDP's
  // teacher is calibrated); composeWithLedger adds every release's threshold delta back.
  const thresholds = releases.reduce((a, r) => a + r.thresholdDelta, 0);
  return { releases, delta: plan.delta - thresholds, accountant };
}

/** The releases of a finished run, from its privacy reports (synthetic-only shares DistilDP's). */
export function releasesOfReports(reports: PrivacyReport[]): LedgerRelease[] {
  const hasDistilDP = reports.some((r) => r.method === 'distildp');
  return reports
    .filter((r) => !(r.method === 'synthetic' && hasDistilDP))
    .map((r) => ({ method: r.method, phases: r.phases, thresholdDelta: r.threshold_delta }));
}

/** The ledger statement in words (CLI stderr, app log). */
export function describeComposition(c: LedgerComposition): string {
  const f = (x: number) => x.toFixed(3);
  return c.priorRuns === 0
    ? `no earlier run on these documents; this run: epsilon ${f(c.runEpsilon)}`
    : `${c.priorRuns} earlier run(s) on these documents spent epsilon ${f(c.priorEpsilon)}; this run: epsilon ${f(c.runEpsilon)}; together epsilon ${f(c.totalEpsilon)} at delta ${c.totalDelta.toExponential(2)} (composed by the accountant)`;
}
