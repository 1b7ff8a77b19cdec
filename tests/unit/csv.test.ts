import { describe, expect, it } from 'vitest';
import { detectCsvDelimiter, normalizeHeader, parseDelimited } from '../../src/data/csv';

describe('parseDelimited', () => {
  it('reads RFC 4180 quoting: delimiters, newlines and "" inside quotes, with start lines', () => {
    const text = 'id,text\n1,"a, b"\n2,"line one\nline two"\n3,"say ""hi"""\n4,plain\n';
    expect(parseDelimited(text, ',')).toEqual({
      rows: [
        { line: 1, fields: ['id', 'text'] },
        { line: 2, fields: ['1', 'a, b'] },
        { line: 3, fields: ['2', 'line one\nline two'] },
        { line: 5, fields: ['3', 'say "hi"'] },
        { line: 6, fields: ['4', 'plain'] },
      ],
      problems: [],
    });
  });

  it('keeps empty fields, skips blank lines, reads a last row without newline', () => {
    expect(parseDelimited('a,b,c\n,,\n\n1,,3', ',').rows).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['', '', ''] },
      { line: 4, fields: ['1', '', '3'] },
    ]);
  });

  it('reports an unterminated quote at its line and keeps the rows after it', () => {
    const text = 'id,text\n1,ok\n2,"broken\n3,fine\n4,also fine\n';
    const r = parseDelimited(text, ',');
    expect(r.problems).toEqual([{ line: 3, message: 'unterminated quoted field (opened on line 3)' }]);
    expect(r.rows.map((x) => x.line)).toEqual([1, 2, 4, 5]);
  });

  it('reports junk after a closing quote and resumes on the next line', () => {
    const r = parseDelimited('a,b\n1,"x"y\n2,z\n', ',');
    expect(r.problems).toEqual([{ line: 2, message: "unexpected character 'y' after a closing quote" }]);
    expect(r.rows).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['2', 'z'] },
    ]);
  });

  it('keeps a quote inside an unquoted field literally, and reads TSV', () => {
    expect(parseDelimited('5" screen,ok', ',').rows[0].fields).toEqual(['5" screen', 'ok']);
    expect(parseDelimited('a\tb\n"x\ty"\tz', '\t').rows[1].fields).toEqual(['x\ty', 'z']);
  });

  it('detects ; and tab delimiters from the header line', () => {
    expect(detectCsvDelimiter('a,b,c\n')).toBe(',');
    expect(detectCsvDelimiter('a;b;c\n1,5;2;3')).toBe(';');
    expect(detectCsvDelimiter('a\tb\n')).toBe('\t');
  });

  it('names empty and repeated header columns', () => {
    expect(normalizeHeader([' text ', '', 'text'])).toEqual({
      names: ['text', 'column_2', 'text_2'],
      warnings: [
        "header column 2 has no name; called it 'column_2'",
        "header name 'text' repeats; column 3 called 'text_2'",
      ],
    });
  });
});
