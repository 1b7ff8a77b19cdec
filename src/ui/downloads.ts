/**
 * Saves bytes the worker built (a model zip, JSONL, a report) or the page made (a chart, a CSV) as
 * a download through a blob: URL (the CSP allows blob:, and nothing leaves the device).
 */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started reading the blob by now; revoking later frees its memory.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function downloadBytes(bytes: ArrayBuffer, fileName: string, mime: string): void {
  downloadBlob(new Blob([bytes], { type: mime }), fileName);
}

export function downloadText(text: string, fileName: string, mime: string): void {
  downloadBlob(new Blob([text], { type: `${mime};charset=utf-8` }), fileName);
}

/** A file name part from a title: lower case, words joined by '-' ("Training loss" -> "training-loss"). */
export function fileSlug(title: string): string {
  return (
    title
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'chart'
  );
}
