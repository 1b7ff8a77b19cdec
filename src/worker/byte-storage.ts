/**
 * Files of bytes under `/`-separated paths in the browser's origin-private storage: the Origin
 * Private File System (OPFS) where it exists, IndexedDB otherwise, memory as the last resort (then
 * nothing survives a reload, and the UI says so). Only this origin can read either, and
 * nothing here ever leaves the device.
 */

export type ByteStorageKind = 'opfs' | 'indexeddb' | 'memory';

export interface ByteStorage {
  readonly kind: ByteStorageKind;
  /** The file's bytes, or null when it does not exist. */
  read(path: string): Promise<Uint8Array | null>;
  /** Creates or replaces a file (atomically: a reader sees the old or the new bytes, never a mix). */
  write(path: string, bytes: Uint8Array): Promise<void>;
  /** Names directly below a folder path (files and folders), sorted; [] when it does not exist. */
  list(folder: string): Promise<string[]>;
  /** Deletes a file or a whole folder; a missing path is not an error. */
  remove(path: string): Promise<void>;
}

export function pathSegments(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  for (const p of parts) {
    if (p === '.' || p === '..') throw new Error(`storage path "${path}": "." and ".." are not allowed`);
  }
  if (parts.length === 0) throw new Error('storage path is empty');
  return parts;
}

/** In memory (tests, and browsers without OPFS or IndexedDB). */
export class MemoryByteStorage implements ByteStorage {
  readonly kind = 'memory';
  readonly files = new Map<string, Uint8Array>();
  async read(path: string): Promise<Uint8Array | null> {
    const bytes = this.files.get(pathSegments(path).join('/'));
    return bytes ? bytes.slice() : null;
  }
  async write(path: string, bytes: Uint8Array): Promise<void> {
    this.files.set(pathSegments(path).join('/'), bytes.slice());
  }
  async list(folder: string): Promise<string[]> {
    const prefix = `${pathSegments(folder).join('/')}/`;
    const names = new Set<string>();
    for (const key of this.files.keys()) {
      if (key.startsWith(prefix)) names.add(key.slice(prefix.length).split('/')[0]);
    }
    return [...names].sort();
  }
  async remove(path: string): Promise<void> {
    const key = pathSegments(path).join('/');
    for (const k of [...this.files.keys()]) if (k === key || k.startsWith(`${key}/`)) this.files.delete(k);
  }
}

// ---- OPFS ----

/** The parts of the File System API used here (the DOM lib lacks the async iterators). */
interface DirectoryHandle {
  getDirectoryHandle(name: string, o?: { create?: boolean }): Promise<DirectoryHandle>;
  getFileHandle(name: string, o?: { create?: boolean }): Promise<FileHandle>;
  removeEntry(name: string, o?: { recursive?: boolean }): Promise<void>;
  keys(): AsyncIterable<string>;
}
interface FileHandle {
  getFile(): Promise<File>;
  /** Renames within the folder, replacing a file of that name (Chromium; where missing, OPFS is not used). */
  move?: (name: string) => Promise<void>;
  createWritable?: () => Promise<{ write(data: Uint8Array): Promise<void>; close(): Promise<void> }>;
  createSyncAccessHandle?: () => Promise<{
    write(data: Uint8Array, o?: { at: number }): number;
    truncate(size: number): void;
    flush(): void;
    close(): void;
  }>;
}

/** Suffix of a write's scratch file (renamed over the target when complete). */
const PARTIAL = '.partial';
/** Chromium's swap file of an open createWritable(), visible in listings until close(). */
const SWAP = '.crswap';
const isScratchName = (name: string) => name.endsWith(PARTIAL) || name.endsWith(SWAP);

function randomSuffix(): string {
  const b = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

const isNotFound = (e: unknown) =>
  e instanceof DOMException && (e.name === 'NotFoundError' || e.name === 'TypeMismatchError');

export class OpfsByteStorage implements ByteStorage {
  readonly kind = 'opfs';
  constructor(private readonly root: DirectoryHandle) {}

  private async folder(parts: string[], create: boolean): Promise<DirectoryHandle | null> {
    let dir = this.root;
    for (const p of parts) {
      try {
        dir = await dir.getDirectoryHandle(p, { create });
      } catch (e) {
        if (isNotFound(e)) return null;
        throw e;
      }
    }
    return dir;
  }

  async read(path: string): Promise<Uint8Array | null> {
    const parts = pathSegments(path);
    const dir = await this.folder(parts.slice(0, -1), false);
    if (!dir) return null;
    try {
      const file = await (await dir.getFileHandle(parts.at(-1)!)).getFile();
      return new Uint8Array(await file.arrayBuffer());
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async write(path: string, bytes: Uint8Array): Promise<void> {
    const parts = pathSegments(path);
    const name = parts.at(-1)!;
    if (isScratchName(name))
      throw new Error(`storage path "${path}": names ending in ${PARTIAL} or ${SWAP} are reserved`);
    const dir = (await this.folder(parts.slice(0, -1), true))!;
    // Never write the target in place: getFileHandle({create: true}) makes an empty file at once,
    // and a reload or crash before the write's close() leaves it there, empty (measured in
    // Chromium 150: the swap file goes, the 0-byte target stays), so a new metrics chunk or
    // checkpoint would be read back as garbage. The bytes go to a scratch file first, which is then
    // renamed over the target: the target holds the old bytes or the new ones, never a mix or none.
    const scratchName = `${name}.${randomSuffix()}${PARTIAL}`;
    const scratch = await dir.getFileHandle(scratchName, { create: true });
    try {
      if (scratch.createWritable) {
        const w = await scratch.createWritable();
        await w.write(bytes);
        await w.close();
      } else if (scratch.createSyncAccessHandle) {
        // Safari: no createWritable in OPFS.
        const access = await scratch.createSyncAccessHandle();
        try {
          access.truncate(0);
          access.write(bytes, { at: 0 });
          access.flush();
        } finally {
          access.close();
        }
      } else throw new Error('OPFS: this browser cannot write files');
      if (!scratch.move) throw new Error('OPFS: this browser cannot rename files (FileSystemHandle.move)');
      await scratch.move(name);
    } catch (e) {
      await dir.removeEntry(scratchName).catch(() => undefined);
      throw e;
    }
  }

  async list(folder: string): Promise<string[]> {
    const dir = await this.folder(pathSegments(folder), false);
    if (!dir) return [];
    const names: string[] = [];
    // Scratch files of writes that never finished (and Chromium's swap files of open writes) are
    // not files of the store.
    for await (const name of dir.keys()) if (!isScratchName(name)) names.push(name);
    return names.sort();
  }

  async remove(path: string): Promise<void> {
    const parts = pathSegments(path);
    const dir = await this.folder(parts.slice(0, -1), false);
    if (!dir) return;
    try {
      await dir.removeEntry(parts.at(-1)!, { recursive: true });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

// ---- IndexedDB ----

const IDB_NAME = 'distildp-storage';
const IDB_STORE = 'files';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

/** One IndexedDB object store, key = full path, value = bytes. A put is atomic per key. */
export class IdbByteStorage implements ByteStorage {
  readonly kind = 'indexeddb';
  constructor(private readonly db: IDBDatabase) {}

  static async open(factory: IDBFactory): Promise<IdbByteStorage> {
    const open = factory.open(IDB_NAME, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(IDB_STORE);
    return new IdbByteStorage(await request(open));
  }

  private objectStore(mode: IDBTransactionMode): IDBObjectStore {
    return this.db.transaction(IDB_STORE, mode).objectStore(IDB_STORE);
  }

  async read(path: string): Promise<Uint8Array | null> {
    const value = await request(this.objectStore('readonly').get(pathSegments(path).join('/')));
    return value instanceof Uint8Array ? value : null;
  }

  async write(path: string, bytes: Uint8Array): Promise<void> {
    const objects = this.objectStore('readwrite');
    await request(objects.put(bytes, pathSegments(path).join('/')));
    await new Promise<void>((resolve, reject) => {
      objects.transaction.oncomplete = () => resolve();
      objects.transaction.onerror = () => reject(objects.transaction.error);
      objects.transaction.onabort = () =>
        reject(objects.transaction.error ?? new Error('IndexedDB write aborted'));
    });
  }

  async list(folder: string): Promise<string[]> {
    const prefix = `${pathSegments(folder).join('/')}/`;
    const keys = await request(
      this.objectStore('readonly').getAllKeys(IDBKeyRange.bound(prefix, `${prefix}\uffff`)),
    );
    return [...new Set(keys.map((k) => String(k).slice(prefix.length).split('/')[0]))].sort();
  }

  async remove(path: string): Promise<void> {
    const key = pathSegments(path).join('/');
    const objects = this.objectStore('readwrite');
    await request(objects.delete(key));
    await request(objects.delete(IDBKeyRange.bound(`${key}/`, `${key}/\uffff`)));
  }
}

/**
 * The best storage this browser offers: OPFS (probed with a write and a read), then IndexedDB, then
 * memory. `problems` says why a better one was skipped. `skipOpfs` starts at IndexedDB (tests of
 * the fallback, `?storage=indexeddb`).
 */
export async function openByteStorage(
  skipOpfs = false,
): Promise<{ storage: ByteStorage; problems: string[] }> {
  const problems: string[] = [];
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (skipOpfs) problems.push('OPFS skipped on request (?storage=indexeddb)');
  else if (storage && typeof storage.getDirectory === 'function') {
    try {
      const root = (await storage.getDirectory()) as unknown as DirectoryHandle;
      const opfs = new OpfsByteStorage(root);
      const probe = new Uint8Array([1, 2, 3]);
      await opfs.write('.probe', probe);
      const back = await opfs.read('.probe');
      if (back?.length !== 3) throw new Error('read back differs');
      return { storage: opfs, problems };
    } catch (e) {
      problems.push(`OPFS unavailable: ${(e as Error).message}`);
    }
  } else problems.push('OPFS unavailable: navigator.storage.getDirectory is missing');
  if (typeof indexedDB !== 'undefined') {
    try {
      return { storage: await IdbByteStorage.open(indexedDB), problems };
    } catch (e) {
      problems.push(`IndexedDB unavailable: ${(e as Error).message}`);
    }
  } else problems.push('IndexedDB unavailable');
  return { storage: new MemoryByteStorage(), problems };
}
