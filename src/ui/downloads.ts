/**
 * Saves bytes the worker built (a model zip, JSONL, a report) as a download through a blob: URL
 * (the CSP allows blob:, and nothing leaves the device).
 */
export function downloadBytes(bytes: ArrayBuffer, fileName: string, mime: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: mime }));
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
