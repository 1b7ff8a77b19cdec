/**
 * The CLI's privacy ledger file (pipeline/ledger.ts): `--ledger FILE`, by default
 * `distildp-ledger.json` beside the `--out` folder (never inside it: the folder is for sharing), or
 * in the current folder without `--out`. A run on documents that earlier runs in the ledger used
 * stops (exit 2) with the composed spend until the user adds `--confirm-spend`.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Document } from '../data/types';
import type { AccountantName } from '../dp/accounting/index';
import {
  composeWithLedger,
  describeComposition,
  emptyLedger,
  fingerprints,
  type Ledger,
  type LedgerComposition,
  type LedgerRelease,
  overlappingEntries,
  parseLedger,
  recordRun,
} from '../pipeline/ledger';
import { type OptionSpec, type ParsedArgs, UsageError } from './args';

export const LEDGER_FILE = 'distildp-ledger.json';

export const ledgerOptions: OptionSpec[] = [
  {
    name: 'ledger',
    type: 'string',
    description: `Privacy ledger (local only; default ${LEDGER_FILE} beside --out, else in the current folder)`,
  },
  {
    name: 'confirm-spend',
    type: 'boolean',
    description: 'Spend more budget on documents that earlier runs in the ledger already used',
  },
];

export function ledgerPath(o: ParsedArgs['options']): string {
  if (o.ledger !== undefined) return String(o.ledger);
  if (o.out !== undefined) return join(dirname(resolve(String(o.out))), LEDGER_FILE);
  return LEDGER_FILE;
}

function readLedger(path: string): Ledger {
  if (!existsSync(path)) return emptyLedger();
  try {
    return parseLedger(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`--ledger ${path}: ${(e as Error).message}`);
  }
}

function writeLedger(path: string, ledger: Ledger): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(ledger, null, 1)}\n`);
  renameSync(tmp, path); // a reader sees the old or the new ledger, never half of one
}

/** One run's entry in the ledger file: checked and recorded before it spends, updated after. */
export class LedgerSession {
  private constructor(
    private readonly path: string,
    private ledger: Ledger,
    private readonly id: string,
    private readonly documents: string[],
    readonly composition: LedgerComposition,
  ) {}

  /**
   * Reads the ledger, composes the earlier runs on overlapping documents with this run's planned
   * releases, refuses without --confirm-spend when there are any, and records the run as planned.
   */
  static open(
    o: ParsedArgs['options'],
    run: {
      id: string;
      trainDocuments: Document[];
      releases: LedgerRelease[];
      delta: number;
      accountant: AccountantName;
    },
    err: (s: string) => void,
  ): LedgerSession {
    const path = ledgerPath(o);
    const ledger = readLedger(path);
    const documents = fingerprints(ledger, run.trainDocuments);
    const prior = overlappingEntries(ledger, documents);
    const composition = composeWithLedger(prior, run.releases, run.delta, run.accountant);
    const statement = `privacy ledger ${path}: ${describeComposition(composition)}`;
    if (prior.length > 0 && !o['confirm-spend'])
      throw new UsageError(`${statement}. Add --confirm-spend to spend more on these documents.`);
    err(statement);
    const session = new LedgerSession(path, ledger, run.id, documents, composition);
    session.save(run.releases, 'planned');
    return session;
  }

  /** Records the run's releases (the planned ones, or a finished run's actual ones). */
  save(releases: LedgerRelease[], status: 'planned' | 'spent'): void {
    this.ledger = recordRun(this.ledger, { id: this.id, documents: this.documents, releases, status });
    writeLedger(this.path, this.ledger);
  }
}
