/**
 * The text of anything thrown: an Error's message, else its string form (a thrown string, a
 * rejected value). Used wherever an error is shown or passed on as text (UI, worker, CLI, helpers).
 */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
