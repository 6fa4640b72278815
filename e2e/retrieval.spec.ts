import path from 'node:path';
import { expect, test } from '@playwright/test';

import { RequestRecorder } from './request-recorder';
import { SHARED, makeLc25000Subset } from './shared-data';

test('pairs tiles with reports and runs CLIP-IT on WebGPU', async ({ page, context, baseURL }, testInfo) => {
  const recorder = new RequestRecorder(context, new URL(baseURL!).origin);
  const subset = makeLc25000Subset(3, 3);

  await page.goto('/');
  await page.getByTestId('backend-select').selectOption('webgpu');
  await expect(page.getByTestId('backend-badge')).toHaveText('webgpu', { timeout: 60_000 });

  await page.getByTestId('folder-input').setInputFiles(subset.dir);
  await expect(page.getByTestId('dataset-summary')).toContainText(`${subset.count} images in 3 classes`, { timeout: 120_000 });

  // Group split: copies of one source tile never cross splits.
  await page.getByTestId('groups-input').setInputFiles(path.join(SHARED, 'data', 'lc25000-lung', 'groups.csv'));
  await page.getByTestId('groups-apply').click();
  await expect(page.getByTestId('groups-message')).toContainText(`${subset.count} of ${subset.count} images got a group`);

  await page.getByTestId('reports-input').setInputFiles(path.join(SHARED, 'data', 'tcga-reports', 'lung_reports.jsonl'));
  await expect(page.getByTestId('reports-count')).toHaveText('989', { timeout: 60_000 });

  await page.getByTestId('clip-folder-input').setInputFiles(path.join(SHARED, 'fixtures', 'tiny-clip'));
  await expect(page.getByTestId('clip-summary')).toContainText('embedding 32', { timeout: 60_000 });
  await expect(page.getByTestId('clip-summary')).toContainText('on webgpu');

  await page.getByTestId('run-retrieval').click();
  await expect(page.getByTestId('retrieval-summary')).toContainText(`${subset.count} images paired with 989 texts`, { timeout: 540_000 });
  await expect(page.getByTestId('retrieval-summary')).toContainText('images embedded, texts embedded');

  // Each image lists its top-5 reports, best first.
  const items = page.getByTestId('pair-list').locator('li');
  await expect(items).toHaveCount(5);
  const scores = await items.locator('.score').allTextContents();
  const values = scores.map(Number);
  for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1]);

  // A second pairing reads both embedding sets from the browser cache.
  await page.getByTestId('run-retrieval').click();
  await expect(page.getByTestId('retrieval-summary')).toContainText('images from cache, texts from cache', { timeout: 120_000 });

  // A short comparison of all three stages on the same split, one seed.
  await page.getByTestId('clipit-seeds').fill('0');
  await page.getByTestId('clipit-inputSize').selectOption('32');
  await page.getByTestId('clipit-epochs').fill('1');
  await page.getByTestId('clipit-batchSize').fill('8');
  await page.getByTestId('start-comparison').click();

  const lossChart = page.getByTestId('clipit-loss-chart');
  await expect(lossChart).toBeVisible({ timeout: 300_000 });
  await expect(page.getByTestId('comparison-table')).toBeVisible({ timeout: 540_000 });
  await expect(page.getByTestId('clipit-status')).toContainText('Completed');
  for (const stage of ['unimodal', 'text', 'clipit']) {
    await expect(page.getByTestId(`comparison-bacc-${stage}`)).toHaveText(/^\d+\.\d%$/);
  }

  // The last stage drawn is CLIP-IT: every loss component has a series with points.
  await expect(lossChart).toContainText('CLIP-IT');
  for (const series of ['total', 'CE', 'cosine', 'lr x1000']) {
    await expect(lossChart.locator('.u-legend .u-series', { hasText: series })).toHaveCount(1);
  }
  expect(Number(await lossChart.getAttribute('data-points'))).toBeGreaterThan(0);
  await expect(page.getByTestId('export-clipit-model')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('clipit-comparison.png'), fullPage: true });

  expect(recorder.foreign, `requests to other origins: ${recorder.foreign.join(', ')}`).toEqual([]);
});
