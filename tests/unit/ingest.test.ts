import { describe, expect, it } from 'vitest';
import { hashString } from '../../src/data/hash';
import { DEFAULT_INGEST_OPTIONS, ingestFiles, MAX_LISTED_PROBLEMS } from '../../src/data/ingest';
import { byteTokenizer } from '../../src/data/tokenizer-bytes';
import type { FileInput } from '../../src/data/types';

const enc = new TextEncoder();
const file = (path: string, content: string | Uint8Array): FileInput => ({
  path,
  bytes: typeof content === 'string' ? enc.encode(content) : content,
});
/** A document's content id: the hex cyrb53 hash of its text (data/hash.ts), 14 digits. */
const cid = (text: string) => hashString(text).toString(16).padStart(14, '0');
const one = (f: FileInput, options = {}) => {
  const r = ingestFiles([f], options);
  return { docs: r.documents, report: r.files[0] };
};

describe('ingestFiles: text files', () => {
  it('makes one document per .txt/.md file with LF newlines and no BOM', () => {
    const r = ingestFiles([
      file('a.txt', '\ufeffHello\r\nworld\r\n'),
      file('notes/b.md', '# Title\n\nBody\n'),
    ]);
    expect(r.documents).toEqual([
      { id: cid('Hello\nworld'), text: 'Hello\nworld', labels: [], source: 'a.txt' },
      { id: cid('# Title\n\nBody'), text: '# Title\n\nBody', labels: [], source: 'notes/b.md' },
    ]);
    expect(r.files[0]).toMatchObject({ status: 'ok', documents: 1, format: 'text', encoding: 'utf-8 (BOM)' });
  });

  it('splits on blank lines (including whitespace-only lines) when asked', () => {
    const { docs } = one(file('p.txt', 'one\nstill one\n\ntwo\n  \t\n\n  three (indented)\n\n\n'), {
      splitOnBlankLines: true,
    });
    expect(docs.map((d) => d.text)).toEqual(['one\nstill one', 'two', '  three (indented)']);
    expect(docs.map((d) => d.id)).toEqual(['one\nstill one', 'two', '  three (indented)'].map(cid));
  });

  it('decodes UTF-16 files with a BOM', () => {
    const text = 'Café 😀\r\nzwei';
    const le = [0xff, 0xfe];
    for (let i = 0; i < text.length; i++) le.push(text.charCodeAt(i) & 0xff, text.charCodeAt(i) >> 8);
    const { docs, report } = one(file('u.txt', Uint8Array.from(le)));
    expect(docs[0].text).toBe('Café 😀\nzwei');
    expect(report.encoding).toBe('utf-16le');
  });

  it('counts tokens and documents per file when given a tokenizer', () => {
    const r = ingestFiles(
      [file('a.txt', 'héllo'), file('b.jsonl', '{"text":"ab"}\n{"text":"日本"}\n')],
      {},
      byteTokenizer,
    );
    expect(r.files.map((f) => [f.documents, f.tokens])).toEqual([
      [1, 6],
      [2, 2 + 6],
    ]);
    expect(ingestFiles([file('a.txt', 'x')]).files[0].tokens).toBeUndefined();
  });
});

describe('ingestFiles: bad input is reported, never dropped silently', () => {
  it('rejects binary files (NUL bytes) and mostly-invalid UTF-8 with the reason', () => {
    const nul = one(file('x.txt', Uint8Array.from([0x68, 0x69, 0x00, 0x01]))).report;
    expect(nul).toMatchObject({ status: 'rejected', documents: 0 });
    expect(nul.reason).toMatch(/binary file: contains NUL bytes/);
    const latin1 = Uint8Array.from([
      ...enc.encode('caf'),
      0xe9,
      ...enc.encode(' cr'),
      0xe8,
      ...enc.encode('me'),
    ]);
    expect(one(file('l.txt', latin1)).report.reason).toMatch(
      /not UTF-8 text: 2 invalid UTF-8 sequences.*Latin-1/,
    );
  });

  it('rejects empty and whitespace-only files', () => {
    expect(one(file('e.txt', '')).report).toMatchObject({
      status: 'rejected',
      reason: 'empty file (0 bytes)',
    });
    expect(one(file('w.txt', ' \n\t\r\n\u00a0 ')).report).toMatchObject({
      status: 'rejected',
      reason: 'file contains only whitespace',
    });
  });

  it('rejects files over maxFileBytes, saying the size and the limit', () => {
    const r = one(file('big.txt', 'x'.repeat(1500)), { maxFileBytes: 1000 }).report;
    expect(r.status).toBe('rejected');
    expect(r.reason).toBe(
      'file is 1.5 kB (1,500 bytes), over the limit of 1.0 kB (1,000 bytes) (maxFileBytes)',
    );
    expect(DEFAULT_INGEST_OPTIONS.maxFileBytes).toBe(50_000_000);
  });

  it('rejects unsupported extensions listing the supported ones', () => {
    const r = ingestFiles([file('paper.pdf', '%PDF'), file('Makefile', 'all:')]);
    expect(r.files[0].reason).toBe(
      "unsupported file type '.pdf'; supported: .txt, .text, .md, .markdown, .jsonl, .ndjson, .json, .csv, .tsv",
    );
    expect(r.files[1].reason).toMatch(/^unsupported file type '\(no extension\)'/);
  });

  it('ingests duplicate content once, even under other names, and says of which file', () => {
    const r = ingestFiles([
      file('a/x.txt', 'same text'),
      file('b/y.TXT', 'same text'),
      file('c.txt', 'other'),
    ]);
    expect(r.documents.map((d) => d.source)).toEqual(['a/x.txt', 'c.txt']);
    expect(r.files[1]).toMatchObject({
      status: 'rejected',
      duplicateOf: 'a/x.txt',
      reason: "duplicate of 'a/x.txt' (identical content): ingested once",
    });
  });

  it('rejects the same path twice with different content (ids would clash)', () => {
    const r = ingestFiles([file('a.txt', 'one'), file('a.txt', 'two')]);
    expect(r.documents.length).toBe(1);
    expect(r.files[1].reason).toMatch(/same path appears twice/);
  });

  it('keeps good JSONL lines and reports malformed ones and records without text by line (partial)', () => {
    const jsonl = [
      '{"text": "first"}',
      '{"text": "second"',
      '',
      '{"text": ""}',
      '{"other": 1}',
      '[1, 2]',
      '"a bare string record"',
      '{"text": "last", "extra": true}',
    ].join('\r\n');
    const { docs, report } = one(file('r.jsonl', jsonl));
    expect(docs.map((d) => d.text)).toEqual(['first', 'a bare string record', 'last']);
    expect(docs.map((d) => d.id)).toEqual(['first', 'a bare string record', 'last'].map(cid));
    expect(report).toMatchObject({ status: 'partial', documents: 3, skipped: 4, textField: 'text' });
    expect(report.warnings[0]).toBe('skipped 4 record(s), kept 3:');
    expect(report.warnings.slice(1).map((w) => w.replace(/\(.*\)/, '(...)'))).toEqual([
      'line 2: invalid JSON (...)',
      "line 4: text field 'text' is empty",
      "line 5: text field 'text' is missing",
      'line 6: expected an object or a string, got an array',
    ]);
  });

  it('caps the listed problems and counts the rest', () => {
    const lines = ['{"text":"ok"}', ...Array.from({ length: 30 }, () => '{bad')];
    const { report } = one(file('many.jsonl', lines.join('\n')));
    expect(report.skipped).toBe(30);
    expect(report.warnings.length).toBe(1 + MAX_LISTED_PROBLEMS + 1);
    expect(report.warnings.at(-1)).toBe('... and 10 more problem(s) like these');
  });

  it('rejects a file whose records are all unusable, with the first problem', () => {
    const { report } = one(file('bad.jsonl', '{oops\n{"text": ""}\n'));
    expect(report.status).toBe('rejected');
    expect(report.reason).toMatch(/^no usable records: all 2 skipped; first: line 1: invalid JSON/);
  });

  it('keeps good CSV rows and reports unterminated quotes and wrong column counts by line', () => {
    const csv =
      'id,text,stars\n1,"great, really",5\n2,"unterminated,4\n3,fine,4\n4,too,many,fields\n5,short\n6,"multi\nline",3\n';
    const { docs, report } = one(file('reviews.csv', csv), { labelFields: ['stars'] });
    expect(docs.map((d) => [d.text, d.labels])).toEqual([
      ['great, really', ['5']],
      ['fine', ['4']],
      ['multi\nline', ['3']],
    ]);
    expect(report).toMatchObject({ status: 'partial', skipped: 3, format: 'csv', labels: ['3', '4', '5'] });
    expect(report.warnings.slice(1)).toEqual([
      'line 3: unterminated quoted field (opened on line 3; the quote on line 7 does not close it)',
      'line 5: 4 fields, expected 3 as in the header',
      'line 6: 2 fields, expected 3 as in the header',
    ]);
  });

  it('reads TSV and semicolon CSV', () => {
    expect(
      one(file('t.tsv', 'label\tsentence\npos\tnice one\n'), { textField: 'sentence' }).docs[0].text,
    ).toBe('nice one');
    const semi = one(file('s.csv', 'text;score\nbonjour, monde;1\n'));
    expect(semi.docs[0].text).toBe('bonjour, monde');
    expect(semi.report.format).toBe('csv (;-separated)');
  });

  it('reads JSON arrays of records or strings, rejects other JSON with a reason', () => {
    expect(
      one(file('a.json', '[{"body": "x"}, {"body": "y"}]'), { textField: 'body' }).docs.map((d) => d.text),
    ).toEqual(['x', 'y']);
    expect(one(file('s.json', '["one", "two", 3]')).docs.map((d) => d.text)).toEqual(['one', 'two']);
    expect(one(file('s.json', '["one", "two", 3]')).report.warnings.at(-1)).toBe(
      'item 3: expected an object or a string, got a number',
    );
    expect(one(file('o.json', '{"data": [], "meta": 1}')).report.reason).toBe(
      'expected a JSON array of records or strings at the top level, got an object (keys: data, meta); for one record per line use .jsonl',
    );
    expect(one(file('bad.json', '[\n{"text": "a"},\n{"text": "b",}\n]')).report.reason).toMatch(
      /^invalid JSON: .* at position 30 \(line 3\)$/,
    );
    const lines = one(file('lines.json', '{"text": "a"}\n{"text": "b"}\n'));
    expect(lines.docs.map((d) => d.text)).toEqual(['a', 'b']);
    expect(lines.report.warnings).toContain(
      'not a single JSON value; read as JSON Lines (one record per line)',
    );
  });
});

describe('data choices are settings, never decided from the records (privacy issue item 2)', () => {
  const labelled = [
    '{"title": "a short title", "review": "a much longer review text here", "category": "Bars"}',
    '{"title": "another title", "review": "another long review of a place", "category": "Cafes"}',
  ].join('\n');

  it('labels come only from the label fields the user set, never from a field found in the data', () => {
    const { docs } = one(file('y.jsonl', labelled), { textField: 'review' });
    expect(docs.map((d) => d.labels)).toEqual([[], []]);
    const chosen = one(file('y.jsonl', labelled), { textField: 'review', labelFields: ['category'] });
    expect(chosen.docs.map((d) => d.labels)).toEqual([['Bars'], ['Cafes']]);
  });

  it('the text field is "text" unless set: never picked by string length, rejected with the fields found', () => {
    const { docs, report } = one(file('y.jsonl', labelled));
    expect(docs).toEqual([]);
    expect(report.reason).toBe(
      "text field 'text' not found; fields in this file: title, review, category (set the text field)",
    );
  });

  it('an exact field name only: "Text" is not "text" (which field matches must not depend on other records)', () => {
    expect(one(file('t.jsonl', '{"Text": "b"}')).report.reason).toMatch(/text field 'text' not found/);
  });

  it('proposes fields from the file for the user to confirm (local only)', () => {
    const r = ingestFiles([file('y.jsonl', labelled)]);
    expect(r.proposal).toEqual({
      textField: 'review',
      labelFields: ['category'],
      fields: ['title', 'review', 'category'],
    });
  });
});

describe('ingestFiles: text field and labels', () => {
  it('proposes text, content, body, review, sentence, then the longest strings on average', () => {
    const proposal = (records: object[]) =>
      ingestFiles([file('r.jsonl', records.map((r) => JSON.stringify(r)).join('\n'))]).proposal?.textField;
    expect(proposal([{ title: 'long title here', review: 'ok' }])).toBe('review');
    expect(proposal([{ content: 'a', text: 'b' }])).toBe('text');
    expect(proposal([{ Text: 'b', id: 'x' }])).toBe('Text');
    expect(
      proposal([
        { a: 'short', b: 'a much longer value' },
        { a: 'short', b: 'another long value' },
      ]),
    ).toBe('b');
  });

  it('uses options.textField, or rejects the file listing the fields it has', () => {
    const jsonl = '{"title": "T1", "abstract": "A1"}\n{"title": "T2", "abstract": "A2"}';
    expect(one(file('p.jsonl', jsonl), { textField: 'title' }).docs.map((d) => d.text)).toEqual(['T1', 'T2']);
    expect(one(file('p.jsonl', jsonl), { textField: 'summary' }).report.reason).toBe(
      "text field 'summary' not found; fields in this file: title, abstract (set the text field)",
    );
  });

  it('turns labelFields into string labels in order, keeping positions when one is missing', () => {
    const jsonl = [
      '{"text": "a", "category": "Restaurants", "stars": 5}',
      '{"text": "b", "category": "Bars", "stars": 2.5, "x": [1]}',
      '{"text": "c", "stars": true}',
    ].join('\n');
    const { docs, report } = one(file('y.jsonl', jsonl), { labelFields: ['category', 'stars'] });
    expect(docs.map((d) => d.labels)).toEqual([
      ['Restaurants', '5'],
      ['Bars', '2.5'],
      ['', 'true'],
    ]);
    expect(report.status).toBe('ok');
    expect(report.labels).toEqual(['2.5', '5', 'Bars', 'Restaurants', 'true']);
    expect(report.warnings).toContain('line 3: label field(s) category missing (left empty)');
  });

  it('uses folder names below the common root as labels', () => {
    const r = ingestFiles(
      [file('data/pos/a.txt', 'good'), file('data/neg/b.txt', 'bad'), file('data/neg/deep/c.txt', 'worse')],
      { folderLabels: true },
    );
    expect(r.documents.map((d) => d.labels)).toEqual([['pos'], ['neg'], ['neg', 'deep']]);
    expect(r.files.map((f) => f.labels)).toEqual([['pos'], ['neg'], ['deep', 'neg']]);
    // Two folders dropped side by side: both are labels.
    const side = ingestFiles([file('pos/a.txt', 'good'), file('neg/b.txt', 'bad')], { folderLabels: true });
    expect(side.documents.map((d) => d.labels)).toEqual([['pos'], ['neg']]);
    // An explicit root; folder labels come before field labels.
    const rooted = ingestFiles([file('data/pos/r.jsonl', '{"text":"t","y":1}')], {
      folderLabels: true,
      folderRoot: 'data',
      labelFields: ['y'],
    });
    expect(rooted.documents[0].labels).toEqual(['pos', '1']);
    // Off by default.
    expect(
      ingestFiles([file('data/pos/a.txt', 'x'), file('data/neg/b.txt', 'y')]).documents[0].labels,
    ).toEqual([]);
  });

  it('gives every document a unique id and keeps each document in one piece', () => {
    const r = ingestFiles([
      file('a.jsonl', '{"text":"x\\r\\ny"}\n{"text":"z"}'),
      file('b.csv', 'text\n"p\r\nq"\nr\n'),
      file('c.txt', 'one\n\ntwo'),
    ]);
    const ids = r.documents.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(r.documents.map((d) => d.text)).toEqual(['x\ny', 'z', 'p\nq', 'r', 'one\n\ntwo']);
  });

  it('document ids come from the content, not the position: inserting a record renumbers nothing', () => {
    const records = ['alpha', 'beta', 'gamma', 'alpha'].map((t) => JSON.stringify({ text: t }));
    const before = ingestFiles([file('r.jsonl', records.join('\n'))]).documents;
    const after = ingestFiles([
      file('r.jsonl', [JSON.stringify({ text: 'new' }), ...records].join('\n')),
    ]).documents;
    const idOf = (docs: typeof before) => new Map(docs.map((d) => [d.id, d.text]));
    // Every document of the first ingest has the same id in the second.
    for (const d of before) expect(idOf(after).get(d.id), d.text).toBe(d.text);
    // The same text under another file name keeps its id too; repeated texts are told apart.
    const moved = ingestFiles([file('other.jsonl', records.join('\n'))]).documents;
    expect(moved.map((d) => d.id)).toEqual(before.map((d) => d.id));
    expect(new Set(before.map((d) => d.id)).size).toBe(4);
  });

  it('validates options', () => {
    expect(() => ingestFiles([], { maxFileBytes: 0 })).toThrow(/maxFileBytes/);
    expect(() => ingestFiles([], { textField: '' })).toThrow(/textField/);
  });
});
