/**
 * OPFS writes survive a reload mid-write. The fake folder below behaves as Chromium 150's OPFS was
 * measured to (scripts/opfs-reload-probe.ts: a page using the File System API, reloaded with a writable open):
 * getFileHandle({create: true}) makes an empty file at once; createWritable() writes to a swap file
 * `<name>.crswap`, visible in the folder's listing until close() swaps it in; a reload before
 * close() deletes the swap file and leaves the (empty) target; move(name) renames, replacing a file
 * of that name. Writing the target in place left an empty metrics chunk after such a reload, and the
 * resumed run failed reading it (the flaky e2e resume test).
 */
import { describe, expect, it } from 'vitest';
import { MemoryByteStorage, OpfsByteStorage } from '../../src/worker/byte-storage';
import { RunStorage, runPaths } from '../../src/worker/run-storage';

class FakeFile {
  constructor(
    readonly dir: FakeDir,
    public name: string,
  ) {}
  async getFile(): Promise<File> {
    const bytes = this.dir.files.get(this.name);
    if (!bytes) throw new DOMException('gone', 'NotFoundError');
    return new File([bytes.slice()], this.name);
  }
  async createWritable() {
    const swap = `${this.name}.crswap`;
    this.dir.files.set(swap, new Uint8Array(0));
    const chunks: Uint8Array[] = [];
    return {
      write: async (data: Uint8Array) => {
        chunks.push(data.slice());
      },
      close: () => {
        if (this.dir.hangOnClose) return new Promise<void>(() => undefined); // the page goes first
        this.dir.files.delete(swap);
        this.dir.files.set(this.name, new Uint8Array(chunks.flatMap((c) => [...c])));
        return Promise.resolve();
      },
    };
  }
  async move(name: string): Promise<void> {
    const bytes = this.dir.files.get(this.name);
    if (!bytes) throw new DOMException('gone', 'NotFoundError');
    this.dir.files.delete(this.name);
    this.dir.files.set(name, bytes);
    this.name = name;
  }
}

class FakeDir {
  readonly files = new Map<string, Uint8Array>();
  readonly dirs = new Map<string, FakeDir>();
  hangOnClose = false;
  async getDirectoryHandle(name: string, o?: { create?: boolean }): Promise<FakeDir> {
    let d = this.dirs.get(name);
    if (!d) {
      if (!o?.create) throw new DOMException('no folder', 'NotFoundError');
      d = new FakeDir();
      this.dirs.set(name, d);
    }
    return d;
  }
  async getFileHandle(name: string, o?: { create?: boolean }): Promise<FakeFile> {
    if (!this.files.has(name)) {
      if (!o?.create) throw new DOMException('no file', 'NotFoundError');
      this.files.set(name, new Uint8Array(0));
    }
    return new FakeFile(this, name);
  }
  async removeEntry(name: string): Promise<void> {
    if (!this.files.delete(name) && !this.dirs.delete(name))
      throw new DOMException('no entry', 'NotFoundError');
  }
  async *keys(): AsyncIterable<string> {
    yield* [...this.files.keys(), ...this.dirs.keys()];
  }
  /** What a reload does to the folder tree: open writes stop, their swap files are deleted. */
  reload(): void {
    this.hangOnClose = false;
    for (const name of [...this.files.keys()]) if (name.endsWith('.crswap')) this.files.delete(name);
    for (const d of this.dirs.values()) d.reload();
  }
  setHang(hang: boolean): void {
    this.hangOnClose = hang;
    for (const d of this.dirs.values()) d.setHang(hang);
  }
}

const bytes = (...v: number[]) => new Uint8Array(v);
// biome-ignore lint/suspicious/noExplicitAny: the fake implements the handle's used surface only
const storageOn = (root: FakeDir) => new OpfsByteStorage(root as any);

describe('OpfsByteStorage', () => {
  it('writes, replaces, lists, reads and removes files', async () => {
    const root = new FakeDir();
    const s = storageOn(root);
    await s.write('runs/a/x.json', bytes(1, 2));
    await s.write('runs/a/x.json', bytes(3));
    await s.write('runs/a/y.json', bytes(4));
    expect(await s.read('runs/a/x.json')).toEqual(bytes(3));
    expect(await s.list('runs/a')).toEqual(['x.json', 'y.json']);
    expect(await s.read('runs/a/missing.json')).toBeNull();
    await s.remove('runs/a/x.json');
    expect(await s.list('runs/a')).toEqual(['y.json']);
    // No scratch file is left behind by a completed write.
    expect([...(await root.getDirectoryHandle('runs')).dirs.get('a')!.files.keys()]).toEqual(['y.json']);
  });

  it('a reload in the middle of a write leaves the old bytes, or no file: never an empty or partial one', async () => {
    const root = new FakeDir();
    const s = storageOn(root);
    await s.write('runs/a/old.json', bytes(7, 7));
    await s.write('runs/a/m/000000.json', bytes(1));
    root.setHang(true);
    // Both writes start and never finish: the page reloads while they are open.
    void s.write('runs/a/old.json', bytes(9, 9, 9));
    void s.write('runs/a/m/000001.json', bytes(2));
    await new Promise((r) => setTimeout(r, 10));
    // While they are open, listings show only the store's files (no swap or scratch names).
    expect(await s.list('runs/a/m')).toEqual(['000000.json']);
    root.reload();
    const after = storageOn(root);
    expect(await after.read('runs/a/old.json')).toEqual(bytes(7, 7));
    expect(await after.read('runs/a/m/000001.json')).toBeNull();
    expect(await after.list('runs/a/m')).toEqual(['000000.json']);
    expect(await after.list('runs/a')).toEqual(['m', 'old.json']);
    // The next write of the same name works.
    await after.write('runs/a/m/000001.json', bytes(5));
    expect(await after.read('runs/a/m/000001.json')).toEqual(bytes(5));
  });

  it('refuses names it keeps for its own scratch files', async () => {
    const s = storageOn(new FakeDir());
    await expect(s.write('runs/a/x.partial', bytes(1))).rejects.toThrow(/reserved/);
    await expect(s.write('runs/a/x.crswap', bytes(1))).rejects.toThrow(/reserved/);
  });
});

describe('RunStorage reads runs left by an interrupted in-place write', () => {
  it('an empty metrics chunk, checkpoint or manifest reads as missing, not as an error', async () => {
    const mem = new MemoryByteStorage();
    const runs = new RunStorage(mem);
    const id = 'abcdef0123456789';
    await runs.appendMetrics(id, [{ step: 1 }]);
    await mem.write(runPaths.metricsChunk(id, 1), new Uint8Array(0));
    await mem.write(runPaths.checkpoint(id, 'shared/teacher-dp'), new Uint8Array(0));
    await mem.write(runPaths.manifest(id), new Uint8Array(0));
    expect(await runs.readMetrics(id)).toEqual([{ step: 1 }]);
    expect(await runs.readStage(id, 'shared/teacher-dp')).toBeUndefined();
    expect(await runs.readManifest(id)).toBeNull();
  });
});
