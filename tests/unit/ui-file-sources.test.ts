import { describe, expect, it } from 'vitest';
import {
  collectDropped,
  filesFromInput,
  mergeSelections,
  readSelectedFiles,
  type SelectedFile,
  takeDropped,
} from '../../src/ui/file-sources';

/** A fake File and Directory Entries tree: `{ dir: { 'a.txt': 'text', sub: { ... } } }`. */
type Tree = { [name: string]: string | Tree };

/** Directory readers hand out children in batches of `batch`, like Chromium's (100 there). */
function entryOf(name: string, node: string | Tree, parent: string, batch: number): FileSystemEntry {
  const fullPath = `${parent}/${name}`;
  if (typeof node === 'string') {
    return {
      isFile: true,
      isDirectory: false,
      name,
      fullPath,
      file: (ok: (f: File) => void) => setTimeout(() => ok(new File([node], name)), 0),
    } as unknown as FileSystemEntry;
  }
  // Deliberately unsorted, to check that the reader sorts children by name.
  const children = Object.keys(node)
    .reverse()
    .map((child) => entryOf(child, node[child], fullPath, batch));
  return {
    isFile: false,
    isDirectory: true,
    name,
    fullPath,
    createReader: () => {
      let next = 0;
      return {
        readEntries: (ok: (entries: FileSystemEntry[]) => void) =>
          setTimeout(() => {
            ok(children.slice(next, next + batch));
            next += batch;
          }, 0),
      };
    },
  } as unknown as FileSystemEntry;
}

const paths = (files: SelectedFile[]) => files.map((f) => f.path);

describe('dropped folders', () => {
  const tree: Tree = {
    reviews: {
      positive: { 'a.txt': 'good', 'b.txt': 'great', 'c.txt': 'fine' },
      negative: { 'd.txt': 'bad', deeper: { 'e.jsonl': '{"text":"meh"}' } },
      'readme.md': '# reviews',
    },
  };

  it('reads every file below a folder, in batches, with paths relative to the drop', async () => {
    const root = entryOf('reviews', tree.reviews, '', 2);
    const files = await collectDropped([{ kind: 'entry', entry: root }]);
    expect(paths(files)).toEqual([
      'reviews/negative/d.txt',
      'reviews/negative/deeper/e.jsonl',
      'reviews/positive/a.txt',
      'reviews/positive/b.txt',
      'reviews/positive/c.txt',
      'reviews/readme.md',
    ]);
    const read = await readSelectedFiles(files);
    expect(new TextDecoder().decode(read[1].bytes)).toBe('{"text":"meh"}');
  });

  it('mixes folder entries and plain files', async () => {
    const loose = new File(['loose'], 'loose.csv');
    const files = await collectDropped([
      { kind: 'file', file: loose },
      { kind: 'entry', entry: entryOf('one.txt', 'single', '', 100) },
    ]);
    expect(paths(files)).toEqual(['loose.csv', 'one.txt']);
  });
});

describe('takeDropped', () => {
  it('uses entries where the browser gives them, files otherwise, and skips dragged strings', () => {
    const a = new File(['a'], 'a.txt');
    const b = new File(['b'], 'b.txt');
    const entry = entryOf('dir', {}, '', 10);
    const dt = {
      items: [
        { kind: 'file', webkitGetAsEntry: () => entry, getAsFile: () => a },
        { kind: 'file', webkitGetAsEntry: () => null, getAsFile: () => b },
        { kind: 'string', webkitGetAsEntry: () => null, getAsFile: () => null },
      ],
      files: [],
    } as unknown as DataTransfer;
    expect(takeDropped(dt)).toEqual([
      { kind: 'entry', entry },
      { kind: 'file', file: b },
    ]);
  });

  it('falls back to dataTransfer.files when there are no items', () => {
    const a = new File(['a'], 'a.txt');
    const dt = { items: [], files: [a] } as unknown as DataTransfer;
    expect(takeDropped(dt)).toEqual([{ kind: 'file', file: a }]);
  });
});

describe('picked files', () => {
  it('keeps webkitRelativePath from a folder picker and the name otherwise', () => {
    const inFolder = new File(['x'], 'a.txt');
    Object.defineProperty(inFolder, 'webkitRelativePath', { value: 'corpus/pos/a.txt' });
    const plain = new File(['y'], 'b.txt');
    expect(paths(filesFromInput([inFolder, plain]))).toEqual(['corpus/pos/a.txt', 'b.txt']);
  });

  it('merging replaces a file at the same path and keeps the order of first appearance', () => {
    const f = (path: string, body: string): SelectedFile => ({ path, file: new File([body], path) });
    const merged = mergeSelections([f('a', '1'), f('b', '2')], [f('c', '3'), f('a', 'new')]);
    expect(paths(merged)).toEqual(['a', 'b', 'c']);
    expect(merged[0].file.size).toBe(3);
  });

  it('reads bytes into separate buffers (each can be transferred on its own)', async () => {
    const read = await readSelectedFiles([
      { path: 'x', file: new File([new Uint8Array([0, 255, 7])], 'x') },
      { path: 'y', file: new File(['hé'], 'y') },
    ]);
    expect(Array.from(read[0].bytes)).toEqual([0, 255, 7]);
    expect(Array.from(read[1].bytes)).toEqual([0x68, 0xc3, 0xa9]);
    expect(read[0].bytes.buffer).not.toBe(read[1].bytes.buffer);
    expect(read[0].bytes.byteLength).toBe(read[0].bytes.buffer.byteLength);
  });
});
