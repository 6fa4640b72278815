import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { loadReportFile, reportFileKind } from '../../../src/core/reports/report-file';
import { sharedPath } from '../shared-path';

function load(name: string) {
  return loadReportFile(new Uint8Array(readFileSync(sharedPath('data', 'bad-inputs', 'reports', name))), name);
}

describe('report file loading', () => {
  it('kind from the extension', () => {
    expect(reportFileKind('A.CSV')).toBe('csv');
    expect(reportFileKind('x.ndjson')).toBe('jsonl');
    expect(reportFileKind('notes.txt')).toBe('txt');
    expect(reportFileKind('scan.pdf')).toBeNull();
  });

  it('reports.csv: text and id columns guessed', () => {
    const loaded = load('reports.csv');
    expect(loaded.textField).toBe('text');
    expect(loaded.idField).toBe('id');
    expect(loaded.corpus.reports.map((report) => report.id)).toEqual(['r1', 'r3']);
  });

  it('bom.csv: semicolon table read', () => {
    expect(load('bom.csv').corpus.reports.map((report) => report.text)).toEqual(['Adenocarcinoma in situ.']);
  });

  it('reports.jsonl: fields listed, line 2 reported', () => {
    const loaded = load('reports.jsonl');
    expect(loaded.fields).toEqual(['id', 'text']);
    expect(loaded.corpus.problems.map((problem) => problem.line)).toEqual([2]);
  });

  it('utf16.txt: one report named after the file', () => {
    const loaded = load('utf16.txt');
    expect(loaded.corpus.reports).toEqual([{ id: 'utf16.txt', text: 'Benign lung parenchyma, no tumor.\n', meta: { encoding: 'utf-16le' }, source: 'utf16.txt' }]);
  });

  it('lung_reports.jsonl: id field found by name', () => {
    const name = 'lung_reports.jsonl';
    const loaded = loadReportFile(new Uint8Array(readFileSync(sharedPath('data', 'tcga-reports', name))), name);
    expect(loaded.idField).toBe('id');
    expect(loaded.textField).toBe('text');
    expect(loaded.corpus.reports.length).toBe(989);
  });

  it('unsupported extension: reported, not thrown', () => {
    const loaded = loadReportFile(new Uint8Array([1, 2, 3]), 'scan.pdf');
    expect(loaded.corpus.problems[0].reason).toContain('not a report file');
  });
});
