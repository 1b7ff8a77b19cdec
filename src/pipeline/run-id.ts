/**
 * Run ids: 64 random bits from `crypto.getRandomValues`, as 16 hex digits. A run id names exported
 * files and appears in privacy reports, so it must not be a function of the private documents (a
 * content hash there would let anyone who can guess the dataset confirm it from a file name). Two
 * runs on the same data get unrelated ids. Shared by the browser worker and the CLI.
 */

/** Hex digits of a run id (64 bits: collisions between one user's runs are not a concern). */
export const RUN_ID_LENGTH = 16;

export function newRunId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(RUN_ID_LENGTH / 2));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
