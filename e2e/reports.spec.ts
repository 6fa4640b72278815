import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';

import { SHARED } from './shared-data';

const LUNG_REPORTS = path.join(SHARED, 'data', 'tcga-reports', 'lung_reports.jsonl');
const BAD_REPORTS = path.join(SHARED, 'data', 'bad-inputs', 'reports');

/** Counts the label values in the JSONL file itself, so the filter check does not rely on a copied number. */
function countLabels(file: string, field: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const value = String((JSON.parse(line) as Record<string, unknown>)[field]);
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return counts;
}

test('reports: TCGA lung corpus and bad inputs', async ({ page }) => {
  await page.goto('/');

  await page.getByTestId('reports-input').setInputFiles(LUNG_REPORTS);
  await expect(page.getByTestId('reports-summary')).toContainText('989 reports loaded', { timeout: 60_000 });
  await expect(page.getByTestId('reports-count')).toHaveText('989');
  await expect(page.getByTestId('reports-text-field-0')).toHaveValue('text');
  await expect(page.getByTestId('reports-id-field-0')).toHaveValue('id');
  await expect(page.getByTestId('length-histogram').locator('.bar')).not.toHaveCount(0);

  // Cleaning view: on a report that cleaning changes, the cleaned text is shorter and the counts match.
  const preview = page.getByTestId('cleaning-preview');
  await preview.locator('summary').click();
  await page.getByTestId('cleaning-next-changed').click();
  const before = (await page.getByTestId('cleaning-before').textContent()) ?? '';
  const after = (await page.getByTestId('cleaning-after').textContent()) ?? '';
  expect(after.length).toBeGreaterThan(0);
  expect(after.length).toBeLessThan(before.length);
  await expect(page.getByTestId('cleaning-counts')).toContainText(`of ${before.length.toLocaleString('en-US')} characters removed`);

  // Filter by project: keeping only LUAD leaves as many reports as the file has LUAD rows.
  const labels = countLabels(LUNG_REPORTS, 'project_or_label');
  await page.getByTestId('reports-filter-field').selectOption('project_or_label');
  await page.getByTestId('reports-filter-value-LUSC').uncheck();
  await expect(page.getByTestId('reports-count')).toHaveText(String(labels.get('LUAD')));
  await page.getByTestId('reports-filter-field').selectOption('');
  await expect(page.getByTestId('reports-count')).toHaveText('989');

  // Search and full text.
  await page.getByTestId('reports-search').fill('adenocarcinoma pleura');
  await expect(page.getByTestId('reports-search-hits').locator('li').first()).toBeVisible();
  await page.getByTestId('reports-search-hits').locator('button').first().click();
  await expect(page.getByTestId('report-view-text')).toContainText(/adenocarcinoma/i);

  // Passages: more passages than reports, since many reports exceed 60 words.
  await page.getByTestId('passages-enabled').check();
  await expect(page.getByTestId('passages-summary')).toContainText('passages from 989 reports');
  const passages = Number(((await page.getByTestId('passages-summary').textContent()) ?? '').replace(/,/g, '').match(/^(\d+)/)?.[1]);
  expect(passages).toBeGreaterThan(989);

  // Export warns first and can leave the text out.
  await page.getByTestId('reports-export').click();
  await expect(page.getByTestId('reports-export-warning')).toContainText('patient data');
  const downloadPromise = page.waitForEvent('download');
  await page.getByTestId('reports-export-without-text').click();
  const download = await downloadPromise;
  const exported = fs.readFileSync(await download.path(), 'utf8');
  const header = exported.split('\r\n')[0].split(',');
  expect(header).toContain('id');
  expect(header).not.toContain('text');
  expect(exported.split('\r\n').filter((line) => line !== '').length).toBe(990);

  // The bad-inputs reports folder: j1 and j3 read, line 2 of reports.jsonl reported by number.
  await page.getByTestId('reports-folder-input').setInputFiles(BAD_REPORTS);
  await expect(page.getByTestId('reports-sources').getByTestId('reports-source')).toHaveCount(5);
  const jsonlLine2 = page.locator('[data-testid="reports-problem"][data-line="2"]').filter({ hasText: 'malformed JSON' });
  await expect(jsonlLine2).toHaveCount(1);
  expect(await jsonlLine2.getAttribute('data-source')).toMatch(/reports\.jsonl$/);
  await expect(page.locator('[data-testid="reports-problem"]').filter({ hasText: 'empty text' })).toContainText('r2');
  await expect(page.locator('[data-testid="reports-problem"]').filter({ hasText: 'unterminated quote' })).toHaveAttribute('data-line', '6');
  await expect(page.getByTestId('reports-warnings')).toContainText('latin1.txt: not valid UTF-8');
  await expect(page.getByTestId('reports-warnings')).toContainText('long.txt');

  // 989 + r1, r3, b1, j1, j3 and the three .txt reports.
  await expect(page.getByTestId('reports-summary')).toContainText('997 reports loaded');
});
