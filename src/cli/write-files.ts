/** Writes an export (relative path -> bytes) as a folder tree, or as one zip when the target ends in .zip. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { zipFiles } from '../io/zip';

export function writeFiles(out: string, files: Map<string, Uint8Array>): void {
  if (out.endsWith('.zip')) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, zipFiles(files));
    return;
  }
  for (const [name, bytes] of files) {
    const path = join(out, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
}
