import path from 'node:path';
import { expect, test } from '@playwright/test';

import { RequestRecorder } from './request-recorder';
import { LC25000, makeLc25000Subset } from './shared-data';

test('trains a CNN on real LC25000 tiles on WebGPU with a group split', async ({ page, context, baseURL }, testInfo) => {
  const recorder = new RequestRecorder(context, new URL(baseURL!).origin);
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });

  // 6 groups of 4 tiles per class: 72 real tiles, whole groups only.
  const subset = makeLc25000Subset(6, 4);
  expect(subset.count).toBe(72);

  await page.goto('/');
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);

  // Force WebGPU and fail (never skip) when the studio does not run on it.
  await page.getByTestId('backend-select').selectOption('webgpu');
  await expect(page.getByTestId('backend-badge')).toHaveText('webgpu', { timeout: 60_000 });
  await expect(page.getByTestId('adapter-info')).not.toHaveText('no WebGPU adapter');

  await page.getByTestId('folder-input').setInputFiles(subset.dir);
  await expect(page.getByTestId('dataset-summary')).toContainText('72 images in 3 classes', { timeout: 120_000 });
  await expect(page.getByTestId('class-counts')).toContainText('lung_aca');
  await expect(page.getByTestId('thumbnail-grid').locator('img').first()).toBeVisible();

  // Groups from the shared CSV; its `filename` column contains bare file names.
  await page.getByTestId('groups-input').setInputFiles(path.join(LC25000, 'groups.csv'));
  await expect(page.getByTestId('groups-path-column')).toHaveValue('filename');
  await expect(page.getByTestId('groups-group-column')).toHaveValue('group_id');
  await page.getByTestId('groups-apply').click();
  await expect(page.getByTestId('groups-message')).toContainText('72 of 72 images got a group');

  // Whole groups per split: 18 groups over train / val / test.
  const groupCounts = await Promise.all(
    ['train', 'val', 'test'].map(async (split) => Number(await page.getByTestId(`split-count-${split}`).textContent())),
  );
  expect(groupCounts.reduce((a, b) => a + b, 0)).toBe(18);
  expect(groupCounts.every((n) => n > 0)).toBe(true);

  await page.getByTestId('setting-epochs').fill('1');
  await page.getByTestId('setting-batchSize').fill('16');
  await page.getByTestId('start-training').click();

  const lossChart = page.getByTestId('loss-chart');
  await expect.poll(async () => Number(await lossChart.getAttribute('data-points')), { timeout: 300_000 }).toBeGreaterThan(0);

  await expect(page.getByTestId('run-status')).toHaveAttribute('data-phase', 'completed', { timeout: 300_000 });
  expect(Number(await lossChart.getAttribute('data-points'))).toBeGreaterThanOrEqual(3);
  await expect(page.getByTestId('val-chart')).toHaveAttribute('data-points', '1');

  const evaluation = page.getByTestId('evaluation');
  await expect(evaluation).toBeVisible();
  await expect(page.getByTestId('metric-balanced-accuracy')).toHaveText(/^\d+\.\d%$/);
  await expect(page.getByTestId('confusion-matrix').locator('tbody td')).toHaveCount(9);
  await expect(page.getByTestId('runs-table')).toContainText('webgpu');

  // The footer reports browser storage and the worker's tensor memory.
  await expect(page.getByTestId('storage-usage')).toContainText('Storage');
  await expect(page.getByTestId('tensor-memory')).toContainText('Tensors');

  await page.screenshot({ path: testInfo.outputPath('studio-after-run.png'), fullPage: true });

  expect(recorder.all.length).toBeGreaterThan(0);
  expect(recorder.foreign, `requests to other origins: ${recorder.foreign.join(', ')}`).toEqual([]);
  expect(consoleErrors.filter((e) => !e.includes('favicon'))).toEqual([]);
});
