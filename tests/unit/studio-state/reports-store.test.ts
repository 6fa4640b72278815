import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';

import { countWords } from '../../../src/core/reports/corpus';
import { useReportsStore } from '../../../src/state/reports-store';
import { sharedPath } from '../shared-path';

const LUNG = sharedPath('data', 'tcga-reports', 'lung_reports.jsonl');
const BAD_REPORTS = sharedPath('data', 'bad-inputs', 'reports');

function fileFrom(fullPath: string): File {
  return new File([readFileSync(fullPath)], path.basename(fullPath));
}

function labelCount(label: string): number {
  return readFileSync(LUNG, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => (JSON.parse(line) as { project_or_label: string }).project_or_label === label).length;
}

describe('reports store', () => {
  beforeEach(() => {
    useReportsStore.getState().clear();
    useReportsStore.setState({ cleaning: true, passages: { enabled: false, mode: 'sentence', maxTokens: 60 } });
  });

  it('loads the 989 lung reports', async () => {
    await useReportsStore.getState().loadFiles([fileFrom(LUNG)]);
    const state = useReportsStore.getState();
    expect(state.corpus.reports).toHaveLength(989);
    expect(state.reports.length + state.emptiedByCleaning.length).toBe(989);
  });

  it('corpusTexts gives whole reports', async () => {
    await useReportsStore.getState().loadFiles([fileFrom(LUNG)]);
    const texts = useReportsStore.getState().corpusTexts();
    expect(texts).toHaveLength(useReportsStore.getState().reports.length);
    expect(new Set(texts.map((t) => t.id)).size).toBe(texts.length);
    expect(texts.every((t) => t.id === t.reportId && t.text.trim() !== '')).toBe(true);
  });

  it('corpusTexts gives passages in budget', async () => {
    await useReportsStore.getState().loadFiles([fileFrom(LUNG)]);
    useReportsStore.getState().setPassages({ enabled: true, mode: 'sentence', maxTokens: 40 });
    const texts = useReportsStore.getState().corpusTexts();
    const reportIds = new Set(useReportsStore.getState().reports.map((r) => r.id));

    expect(texts.length).toBeGreaterThan(989);
    expect(new Set(texts.map((t) => t.id)).size).toBe(texts.length);
    expect(texts.every((t) => reportIds.has(t.reportId))).toBe(true);
    expect(Math.max(...texts.map((t) => countWords(t.text)))).toBeLessThanOrEqual(40);
  });

  it('filters by project', async () => {
    await useReportsStore.getState().loadFiles([fileFrom(LUNG)]);
    useReportsStore.getState().setCleaning(false);
    useReportsStore.getState().setFilter({ field: 'project_or_label', values: ['LUSC'] });
    expect(useReportsStore.getState().reports).toHaveLength(labelCount('LUSC'));
  });

  it('cleaning shortens OCR reports', async () => {
    await useReportsStore.getState().loadFiles([fileFrom(LUNG)]);
    const cleanedChars = useReportsStore.getState().reports.reduce((sum, r) => sum + r.text.length, 0);
    useReportsStore.getState().setCleaning(false);
    const rawChars = useReportsStore.getState().reports.reduce((sum, r) => sum + r.text.length, 0);
    expect(cleanedChars).toBeLessThan(rawChars);
  });

  it('reports bad inputs with line numbers', async () => {
    const files = readdirSync(BAD_REPORTS).map((name) => fileFrom(path.join(BAD_REPORTS, name)));
    await useReportsStore.getState().loadFiles(files);
    const { corpus, sources } = useReportsStore.getState();

    expect(sources.map((s) => s.kind).sort()).toEqual(['csv', 'csv', 'jsonl', 'txt']);
    expect(corpus.problems.find((p) => p.source === 'reports.jsonl')?.line).toBe(2);
    expect(corpus.problems.find((p) => p.id === 'r2')?.reason).toBe('empty text');
    expect(corpus.reports.map((r) => r.id)).toEqual(expect.arrayContaining(['j1', 'j3', 'r1', 'r3', 'b1', 'utf16.txt', 'latin1.txt', 'long.txt']));
    expect(corpus.warnings.some((w) => w.startsWith('latin1.txt'))).toBe(true);
  });

  it('keeps reports when nothing loads', async () => {
    await useReportsStore.getState().loadFiles([fileFrom(LUNG)]);
    await useReportsStore.getState().loadFiles([new File(['x'], 'notes.docx')]);
    expect(useReportsStore.getState().corpus.reports).toHaveLength(989);
    expect(useReportsStore.getState().error).toContain('the loaded reports were kept');
  });
});
