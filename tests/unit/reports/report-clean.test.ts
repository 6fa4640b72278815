import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { parseJsonlReports } from '../../../src/core/reports/jsonl-parse';
import { cleanReportText, isBarcodeJunkLine } from '../../../src/core/reports/report-clean';
import { sharedPath } from '../shared-path';

describe('report cleaning on synthetic lines', () => {
  it('medical words and numbers survive unchanged', () => {
    const text = 'Invasive ductal carcinoma, grade II.\nStage III A, pT2 N0 M0.\nTumour size 1.2 cm; margins 11 mm; Gleason 3+4=7.\nIII\nII';
    expect(cleanReportText(text).text).toBe(text);
  });

  it('barcode line dropped, counted and listed', () => {
    const raw = 'SURGICAL PATHOLOGY REPORT\nIIIII II I 11111111111111111111111111111VIII 11111111 111111 III\nDiagnosis: adenocarcinoma.';
    const result = cleanReportText(raw);
    expect(result.text).toBe('SURGICAL PATHOLOGY REPORT\nDiagnosis: adenocarcinoma.');
    expect(result.counts.barcodeLines).toBe(1);
    expect(result.removedLines).toEqual([{ line: 2, text: raw.split('\n')[1], kind: 'barcode' }]);
  });

  it('junk glued to words: words kept whole', () => {
    expect(cleanReportText('IIIIIIIIIIInvasive carcinoma').text).toBe('Invasive carcinoma');
    expect(cleanReportText('IIIIIIIIIIIIIIIIIIIIIt is derived from a biopsy').text).toBe('It is derived from a biopsy');
    expect(cleanReportText('Benign tissue. III111111111111II11I11I11IIIIII11I11I 11111 111111111111').text).toBe('Benign tissue.');
  });

  it('UUID and TCGA barcode header lines dropped', () => {
    const raw = 'UUID:4F76D253 .8752-4787.831C -CEE72FF7EE54\nTCGA-DK-AA6L-01A -PR Redacted\nTOGA-DD-AAD3-81A -PR Redacted\nFINAL DIAGNOSIS';
    const result = cleanReportText(raw);
    expect(result.text).toBe('FINAL DIAGNOSIS');
    expect(result.counts.headerLines).toBe(3);
  });

  it('TCGA barcode inside a sentence: line kept', () => {
    const raw = 'Sample TCGA-DK-AA6L-01A shows urothelial carcinoma.';
    expect(cleanReportText(raw).text).toBe(raw);
  });

  it('redaction placeholders removed', () => {
    const raw = 'Patient [REDACTED] seen on XX/XX/XXXX, initials XXX.\n*** Addendum ***\n####';
    const result = cleanReportText(raw);
    expect(result.text).toBe('Patient seen on , initials .\nAddendum');
    expect(result.counts.redactions).toBe(6);
  });

  it('whitespace collapsed and counted', () => {
    const result = cleanReportText('a    b\n\n\n\nc   ');
    expect(result.text).toBe('a b\n\nc');
    expect(result.counts.whitespaceRuns).toBe(3);
    expect(result.counts.charsBefore).toBe(14);
    expect(result.counts.charsAfter).toBe(6);
  });

  it('options switch single steps off', () => {
    const raw = 'x  y [REDACTED]';
    expect(cleanReportText(raw, { redactions: false, whitespace: false }).text).toBe(raw);
  });
});

describe('report cleaning on tcga_reports_10organs.jsonl', () => {
  const corpus = parseJsonlReports(readFileSync(sharedPath('data', 'tcga-reports', 'tcga_reports_10organs.jsonl'), 'utf8'), {
    source: 'tcga_reports_10organs.jsonl',
    idField: 'patient_id',
  });
  const sample = corpus.reports.filter((_report, index) => index % 5 === 0);

  it('no word is altered: every cleaned word occurs in the raw text', () => {
    const altered: string[] = [];
    for (const report of sample) {
      const cleaned = cleanReportText(report.text).text;
      for (const word of cleaned.match(/\p{L}{3,}/gu) ?? []) {
        if (!report.text.includes(word)) altered.push(`${report.id}: ${word}`);
      }
    }
    expect(altered).toEqual([]);
  });

  it('medical words are never removed where the raw line is not junk', () => {
    const terms = ['Invasive', 'carcinoma', 'adenocarcinoma', 'Gleason', 'lymph', 'margin'];
    for (const report of sample) {
      const cleaned = cleanReportText(report.text).text;
      for (const term of terms) {
        const rawCount = report.text.split(term).length - 1;
        const cleanCount = cleaned.split(term).length - 1;
        // A term can only vanish together with a removed junk or header line.
        if (cleanCount < rawCount) {
          const removed = cleanReportText(report.text).removedLines.map((line) => line.text).join('\n');
          expect(removed.split(term).length - 1).toBeGreaterThanOrEqual(rawCount - cleanCount);
        }
      }
    }
  });

  it('junk lines are gone and counted', () => {
    let barcodeLines = 0;
    let headerLines = 0;
    let leftover = 0;
    for (const report of sample) {
      const result = cleanReportText(report.text);
      barcodeLines += result.counts.barcodeLines;
      headerLines += result.counts.headerLines;
      for (const line of result.text.split('\n')) {
        if (/[Il1|]{6,}/.test(line) || isBarcodeJunkLine(line) || /^UUID/i.test(line)) leftover++;
      }
    }
    expect(barcodeLines).toBeGreaterThan(100);
    expect(headerLines).toBeGreaterThan(100);
    expect(leftover).toBe(0);
  });

  it('cleaning keeps most of the text', () => {
    let before = 0;
    let after = 0;
    for (const report of sample) {
      const result = cleanReportText(report.text);
      before += result.counts.charsBefore;
      after += result.counts.charsAfter;
    }
    expect(after / before).toBeGreaterThan(0.8);
    expect(after / before).toBeLessThan(1);
  });
});

describe('report cleaning on lung_reports.jsonl', () => {
  const corpus = parseJsonlReports(readFileSync(sharedPath('data', 'tcga-reports', 'lung_reports.jsonl'), 'utf8'), {
    source: 'lung_reports.jsonl',
  });

  it('no word is altered in any of the 989 reports', () => {
    const altered: string[] = [];
    for (const report of corpus.reports) {
      const cleaned = cleanReportText(report.text).text;
      for (const word of cleaned.match(/\p{L}{3,}/gu) ?? []) {
        if (!report.text.includes(word)) altered.push(`${report.id}: ${word}`);
      }
    }
    expect(corpus.reports.length).toBe(989);
    expect(altered).toEqual([]);
  });

  it('already clean reports: only whitespace changes', () => {
    const clean = corpus.reports.filter((report) => report.meta.text_variant === 'tatonetti_cleaned_textract');
    expect(clean.length).toBe(939);
    let changed = 0;
    for (const report of clean) {
      const cleaned = cleanReportText(report.text).text;
      if (cleaned !== report.text.replace(/[ \t]+/g, ' ').replace(/^ | $/gm, '').trim()) changed++;
    }
    expect(changed / clean.length).toBeLessThan(0.02);
  });
});
