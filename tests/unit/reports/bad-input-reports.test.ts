import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { parseCsv } from '../../../src/core/reports/csv-parse';
import { parseJsonlReports } from '../../../src/core/reports/jsonl-parse';
import { splitIntoPassages } from '../../../src/core/reports/passages';
import { reportsFromTable } from '../../../src/core/reports/reports-from-table';
import { decodeText } from '../../../src/core/reports/text-decode';
import { reportsFromTextFiles } from '../../../src/core/reports/txt-reports';
import { sharedPath } from '../shared-path';

function readReportFile(name: string): Uint8Array {
  return new Uint8Array(readFileSync(sharedPath('data', 'bad-inputs', 'reports', name)));
}

describe('bad-inputs reports', () => {
  it('reports.csv: r1 and r3 intact, r2 empty, broken row by line', () => {
    const decoded = decodeText(readReportFile('reports.csv'), 'reports.csv');
    const table = parseCsv(decoded.text);
    expect(table.delimiter).toBe(',');
    expect(table.header).toEqual(['id', 'text']);

    const corpus = reportsFromTable(table, { textColumn: 'text', idColumn: 'id', source: 'reports.csv' });
    expect(corpus.reports.map((report) => report.id)).toEqual(['r1', 'r3']);
    expect(corpus.reports[0].text).toBe('Adenocarcinoma, moderately differentiated; margins "negative".\nSecond line of the same report.');
    expect(corpus.reports[1].text).toBe('Squamous cell carcinoma, keratinizing.');

    expect(corpus.problems).toContainEqual({ source: 'reports.csv', line: 4, id: 'r2', reason: 'empty text' });
    const broken = corpus.problems.find((problem) => problem.reason.startsWith('unterminated quote'));
    expect(broken?.line).toBe(6);
    expect(corpus.problems.length).toBe(2);
  });

  it('utf16.txt: decoded from UTF-16LE with BOM', () => {
    const decoded = decodeText(readReportFile('utf16.txt'), 'utf16.txt');
    expect(decoded.encoding).toBe('utf-16le');
    expect(decoded.hadBom).toBe(true);
    expect(decoded.text).toBe('Benign lung parenchyma, no tumor.\n');
    expect(decoded.warning).toBeUndefined();
  });

  it('latin1.txt: decoded as Windows-1252 with a warning naming the file', () => {
    const corpus = reportsFromTextFiles([{ path: 'reports/latin1.txt', bytes: readReportFile('latin1.txt') }]);
    expect(corpus.reports[0].text).toBe('Tumeur bénigne; 5 µm sections.\n');
    expect(corpus.reports[0].meta.encoding).toBe('windows-1252');
    expect(corpus.warnings.length).toBe(1);
    expect(corpus.warnings[0]).toContain('reports/latin1.txt');
    expect(corpus.warnings[0]).toContain('not valid UTF-8');
  });

  it('bom.csv: semicolon detected, header id read without BOM', () => {
    const decoded = decodeText(readReportFile('bom.csv'), 'bom.csv');
    expect(decoded.hadBom).toBe(true);
    const table = parseCsv(decoded.text);
    expect(table.delimiter).toBe(';');
    expect(table.header).toEqual(['id', 'text']);

    const corpus = reportsFromTable(table, { textColumn: 'text', idColumn: 'id', source: 'bom.csv' });
    expect(corpus.reports).toEqual([{ id: 'b1', text: 'Adenocarcinoma in situ.', meta: {}, source: 'bom.csv' }]);
  });

  it('bom.csv: BOM stripped by the parser too', () => {
    // Text that still carries the BOM (e.g. read with a non-stripping decoder).
    const table = parseCsv('\uFEFFid;text\nb1;x\n');
    expect(table.header[0]).toBe('id');
  });

  it('long.txt: imported, length stated, split into passages', () => {
    const bytes = readReportFile('long.txt');
    const corpus = reportsFromTextFiles([{ path: 'long.txt', bytes }]);
    expect(corpus.reports.length).toBe(1);
    expect(corpus.reports[0].text.length).toBe(bytes.length);
    expect(corpus.warnings.some((warning) => warning.includes('1,280,000 characters') && warning.includes('passages'))).toBe(true);

    const passages = splitIntoPassages(corpus.reports[0], { mode: 'sentence', maxTokens: 64 });
    expect(passages.length).toBeGreaterThan(1000);
    expect(passages.every((passage) => passage.reportId === 'long.txt')).toBe(true);
    expect(passages.every((passage, index) => passage.index === index)).toBe(true);
    expect(Math.max(...passages.map((passage) => passage.text.split(' ').length))).toBeLessThanOrEqual(64);
    const words = corpus.reports[0].text.split(/\s+/).filter((word) => word !== '').length;
    expect(passages.reduce((sum, passage) => sum + passage.text.split(' ').length, 0)).toBe(words);
  });

  it('reports.jsonl: j1 and j3 imported, line 2 reported', () => {
    const decoded = decodeText(readReportFile('reports.jsonl'), 'reports.jsonl');
    const corpus = parseJsonlReports(decoded.text, { source: 'reports.jsonl' });
    expect(corpus.reports.map((report) => report.id)).toEqual(['j1', 'j3']);
    expect(corpus.reports[0].text).toBe('Lymph nodes negative (0/14).');
    expect(corpus.problems.length).toBe(1);
    expect(corpus.problems[0].line).toBe(2);
    expect(corpus.problems[0].reason).toContain('malformed JSON');
  });
});
