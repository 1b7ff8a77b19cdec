/**
 * Turns what the user dropped or picked into files with paths relative to what they chose, so a
 * dropped folder `reviews/` yields `reviews/positive/a.txt` and folder names can become labels.
 * Works with the File and Directory Entries API (webkitGetAsEntry), the only way to read a dropped
 * folder, and falls back to plain files where no entry exists (e.g. a DataTransfer built in script).
 */
import type { FileInput } from '../contract/protocol';

/** A file chosen by the user, not yet read. */
export interface SelectedFile {
  path: string;
  file: File;
}

/** Strips the leading slash of an entry's fullPath (`/reviews/a.txt` -> `reviews/a.txt`). */
function relativePath(fullPath: string, fallbackName: string): string {
  const trimmed = fullPath.replace(/^\/+/, '');
  return trimmed === '' ? fallbackName : trimmed;
}

function fileOfEntry(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** readEntries returns the children in batches (100 at a time in Chromium) until an empty batch. */
async function childrenOf(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

/** Every file below an entry (the entry itself when it is a file), depth first, in name order. */
export async function filesOfEntry(entry: FileSystemEntry): Promise<SelectedFile[]> {
  if (entry.isFile) {
    const file = await fileOfEntry(entry as FileSystemFileEntry);
    return [{ path: relativePath(entry.fullPath, file.name), file }];
  }
  if (!entry.isDirectory) return [];
  const children = await childrenOf(entry as FileSystemDirectoryEntry);
  children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: SelectedFile[] = [];
  for (const child of children) out.push(...(await filesOfEntry(child)));
  return out;
}

/**
 * Files and folders of a drop. The items must be taken synchronously inside the drop handler
 * (the DataTransfer is emptied when the handler returns), hence the split: `takeDropped` runs in
 * the handler, `collectDropped` may run later.
 */
export type DroppedItem = { kind: 'entry'; entry: FileSystemEntry } | { kind: 'file'; file: File };

export function takeDropped(dataTransfer: DataTransfer): DroppedItem[] {
  const items: DroppedItem[] = [];
  if (dataTransfer.items && dataTransfer.items.length > 0) {
    for (const item of Array.from(dataTransfer.items)) {
      if (item.kind !== 'file') continue;
      const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
      if (entry) items.push({ kind: 'entry', entry });
      else {
        const file = item.getAsFile();
        if (file) items.push({ kind: 'file', file });
      }
    }
    return items;
  }
  for (const file of Array.from(dataTransfer.files)) items.push({ kind: 'file', file });
  return items;
}

export async function collectDropped(items: DroppedItem[]): Promise<SelectedFile[]> {
  const out: SelectedFile[] = [];
  for (const item of items) {
    if (item.kind === 'file') out.push({ path: item.file.name, file: item.file });
    else out.push(...(await filesOfEntry(item.entry)));
  }
  return out;
}

/** Files from an `<input type=file>`; a folder picker (webkitdirectory) sets webkitRelativePath. */
export function filesFromInput(list: FileList | readonly File[]): SelectedFile[] {
  return Array.from(list, (file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/** Adds new files to a selection; a file at the same path replaces the older one, order kept. */
export function mergeSelections(
  current: readonly SelectedFile[],
  added: readonly SelectedFile[],
): SelectedFile[] {
  const byPath = new Map<string, SelectedFile>();
  for (const f of current) byPath.set(f.path, f);
  for (const f of added) byPath.set(f.path, f);
  return [...byPath.values()];
}

/** Reads every selected file into bytes (each in its own ArrayBuffer, so it can be transferred). */
export async function readSelectedFiles(files: readonly SelectedFile[]): Promise<FileInput[]> {
  return Promise.all(
    files.map(async (f) => ({ path: f.path, bytes: new Uint8Array(await f.file.arrayBuffer()) })),
  );
}
