import { describe, expect, it } from 'vitest';

import { detectDelimiter, parseCsv } from '../../../src/core/reports/csv-parse';
import { guessIdColumn, guessTextColumn, reportsFromTable } from '../../../src/core/reports/reports-from-table';

describe('CSV parsing', () => {
  it('quoted delimiters, CRLF inside quotes, doubled quotes', () => {
    const table = parseCsv('id,text\r\n1,"a, b\r\nc ""d"""\r\n2,plain\r\n');
    expect(table.rows).toEqual([
      { line: 2, cells: ['1', 'a, b\r\nc "d"'] },
      { line: 4, cells: ['2', 'plain'] },
    ]);
    expect(table.problems).toEqual([]);
  });

  it('delimiter detection: comma, semicolon, tab', () => {
    expect(detectDelimiter('a,b,c\n1;2')).toBe(',');
    expect(detectDelimiter('a;b;c\n1,2')).toBe(';');
    expect(detectDelimiter('a\tb\n1,2,3')).toBe('\t');
    expect(detectDelimiter('"x;y",z\n')).toBe(',');
    expect(detectDelimiter('single')).toBe(',');
  });

  it('unterminated quote mid-file: later rows still read', () => {
    const table = parseCsv('id,text\n1,"broken\n2,fine\n3,also fine\n');
    expect(table.problems).toEqual([{ line: 2, reason: 'unterminated quote (opened on line 2); row skipped' }]);
    expect(table.rows.map((row) => row.cells[0])).toEqual(['2', '3']);
    expect(table.rows[1]).toEqual({ line: 4, cells: ['3', 'also fine'] });
  });

  it('stray quote that closes later: text after the closing quote flagged', () => {
    const table = parseCsv('id,text\n1,"broken\n2,fine\n3,"also fine"\n');
    expect(table.rows.length).toBe(1);
    expect(table.problems).toContainEqual({ line: 4, reason: 'text after a closing quote (field starting on line 2); check for a stray quote' });
  });

  it('field count mismatch reported by line', () => {
    const table = parseCsv('a,b\n1\n1,2,3\n');
    expect(table.problems.map((problem) => problem.line)).toEqual([2, 3]);
    expect(table.rows[0].cells).toEqual(['1', '']);
  });

  it('blank lines skipped, empty input gives an empty table', () => {
    expect(parseCsv('a,b\n\n1,2\n\n').rows.length).toBe(1);
    expect(parseCsv('')).toEqual({ header: [], rows: [], delimiter: ',', problems: [] });
  });
});

describe('reports from a table', () => {
  const table = parseCsv('case_id,site,report\nA1,lung,Adenocarcinoma of the right upper lobe.\nA1,lung,Second report for the same case.\n,colon,\n');

  it('column guesses: longest text column, id by name', () => {
    expect(guessTextColumn(table)).toBe('report');
    expect(guessIdColumn(table)).toBe('case_id');
  });

  it('metadata, duplicate ids renamed, empty text reported with a fallback id', () => {
    const corpus = reportsFromTable(table, { textColumn: 'report', idColumn: 'case_id', source: 'r.csv' });
    expect(corpus.reports.map((report) => report.id)).toEqual(['A1', 'A1#2']);
    expect(corpus.reports[0].meta).toEqual({ site: 'lung' });
    expect(corpus.warnings).toEqual(['report id "A1" in r.csv appears more than once; this copy was renamed "A1#2"']);
    expect(corpus.problems).toEqual([{ source: 'r.csv', line: 4, id: 'r.csv:4', reason: 'empty text' }]);
  });

  it('unknown column: error lists the header', () => {
    expect(() => reportsFromTable(table, { textColumn: 'text', source: 'r.csv' })).toThrow('column "text" not found; the header has: "case_id", "site", "report"');
  });
});
