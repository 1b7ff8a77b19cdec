/** Conventions for delta, the probability with which the epsilon guarantee may fail. */
import { AccountingInputError } from './types';

function validateDocuments(numDocuments: number, min: number): void {
  if (typeof numDocuments !== 'number' || !Number.isInteger(numDocuments) || numDocuments < min)
    throw new AccountingInputError(`number of documents must be an integer >= ${min}, got ${numDocuments}`);
}

/**
 * Default delta = 1 / n^1.1 for n documents (the privacy units), as private-transformers uses:
 * smaller than 1/n, which would allow the release of one whole document (dp-transformers' 1/n).
 */
export function defaultDelta(numDocuments: number): number {
  // n = 1 would give delta = 1, no guarantee at all.
  validateDocuments(numDocuments, 2);
  return 1 / numDocuments ** 1.1;
}

/** A warning when delta >= 1/n: a mechanism that publishes one random document whole meets such a delta. */
export function deltaWarning(delta: number, numDocuments: number): string | null {
  validateDocuments(numDocuments, 1);
  if (delta >= 1 / numDocuments) {
    const suggestion =
      numDocuments >= 2 ? ` (default 1/n^1.1 = ${defaultDelta(numDocuments).toExponential(3)})` : '';
    return (
      `delta = ${delta} is not below 1/n = ${1 / numDocuments} for n = ${numDocuments} documents: ` +
      `a mechanism that publishes one random document verbatim satisfies it; use delta < 1/n${suggestion}`
    );
  }
  return null;
}
