import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import {
  countMetaValues,
  describeContextTruncation,
  filterByMeta,
  lengthStats,
  searchReports,
} from '../../../src/core/reports/corpus';
import { listJsonlFields, parseJsonlReports } from '../../../src/core/reports/jsonl-parse';
import { splitReportsIntoPassages } from '../../../src/core/reports/passages';
import { decodeText } from '../../../src/core/reports/text-decode';
import { sharedPath } from '../shared-path';

function readJsonl(name: string): string {
  const decoded = decodeText(new Uint8Array(readFileSync(sharedPath('data', 'tcga-reports', name))), name);
  expect(decoded.warning).toBeUndefined();
  return decoded.text;
}

describe('lung_reports.jsonl', () => {
  const corpus = parseJsonlReports(readJsonl('lung_reports.jsonl'), { source: 'lung_reports.jsonl' });

  it('989 reports with TCGA patient ids, no problems', () => {
    expect(corpus.reports.length).toBe(989);
    expect(corpus.problems).toEqual([]);
    expect(corpus.warnings).toEqual([]);
    expect(corpus.reports.every((report) => /^TCGA-[A-Z0-9]{2}-[A-Z0-9]{4}$/.test(report.id))).toBe(true);
    expect(new Set(corpus.reports.map((report) => report.id)).size).toBe(989);
    expect(corpus.reports[0].id).toBe('TCGA-05-4244');
  });

  it('labels kept as metadata: LUAD 501, LUSC 488', () => {
    const counts = countMetaValues(corpus, 'project_or_label');
    expect(counts.get('LUAD')).toBe(501);
    expect(counts.get('LUSC')).toBe(488);
    expect(corpus.reports[0].meta).not.toHaveProperty('text');
    expect(corpus.reports[0].meta).not.toHaveProperty('id');
    expect(corpus.reports[0].meta.n_chars).toBe(corpus.reports[0].text.length);
  });

  it('field listing offers text as the longest field', () => {
    const fields = listJsonlFields(readJsonl('lung_reports.jsonl'));
    const longest = [...fields].sort((a, b) => b.meanLength - a.meanLength)[0];
    expect(longest.name).toBe('text');
    expect(fields.find((field) => field.name === 'project_or_label')?.count).toBe(200);
  });

  it('length statistics: bins sum to the report count', () => {
    const stats = lengthStats(corpus, 'words', 20);
    expect(stats.count).toBe(989);
    expect(stats.bins.reduce((sum, bin) => sum + bin.count, 0)).toBe(989);
    expect(stats.min).toBeLessThanOrEqual(stats.median);
    expect(stats.median).toBeLessThanOrEqual(stats.max);
    expect(stats.bins.length).toBeLessThanOrEqual(20);
  });

  it('search: every hit contains all terms', () => {
    const hits = searchReports(corpus, 'squamous KERATINIZING', 1000);
    expect(hits.length).toBeGreaterThan(10);
    for (const hit of hits) {
      const text = corpus.reports.find((report) => report.id === hit.reportId)!.text.toLowerCase();
      expect(text).toContain('squamous');
      expect(text).toContain('keratinizing');
    }
  });

  it('context truncation stated for a 77-token model', () => {
    const summary = describeContextTruncation(corpus, 77);
    expect(summary.total).toBe(989);
    expect(summary.overContext).toBeGreaterThan(0);
    expect(summary.message).toContain('77 tokens');
  });

  it('passages keep report ids and fit the budget', () => {
    const passages = splitReportsIntoPassages(corpus.reports.slice(0, 50), { mode: 'sentence', maxTokens: 60 });
    const ids = new Set(corpus.reports.slice(0, 50).map((report) => report.id));
    expect(passages.every((passage) => ids.has(passage.reportId))).toBe(true);
    expect(passages.every((passage) => passage.text.split(/\s+/).length <= 60)).toBe(true);
    expect(new Set(passages.map((passage) => passage.reportId)).size).toBe(50);
  });
});

describe('tcga_reports_10organs.jsonl', () => {
  const corpus = parseJsonlReports(readJsonl('tcga_reports_10organs.jsonl'), {
    source: 'tcga_reports_10organs.jsonl',
    idField: 'patient_id',
  });

  it('4,897 reports; repeated patient ids renamed with a warning', () => {
    expect(corpus.reports.length).toBe(4897);
    expect(corpus.problems).toEqual([]);
    expect(new Set(corpus.reports.map((report) => report.id)).size).toBe(4897);
    expect(corpus.warnings.length).toBe(10);
    expect(corpus.warnings[0]).toMatch(/appears more than once; this copy was renamed ".+#2"/);
  });

  it('organ filter: 605 colorectal reports', () => {
    const colorectal = filterByMeta(corpus, 'organ', ['CRC']);
    expect(colorectal.reports.length).toBe(605);
    expect(colorectal.reports.every((report) => report.meta.organ === 'CRC')).toBe(true);
    expect(countMetaValues(corpus, 'organ').size).toBe(10);
  });
});
