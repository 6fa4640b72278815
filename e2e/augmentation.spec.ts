import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';

import { RequestRecorder } from './request-recorder';
import { LC25000, makeLc25000Subset } from './shared-data';
import { forceBackend, importTiles, SCREENSHOTS, setTinyRun } from './studio-helpers';

/** PNG data URL of the canvas at `index` in a preview grid, to tell two draws apart. */
async function canvasImage(page: Page, grid: string, index: number): Promise<string> {
  return page.getByTestId(grid).locator('canvas').nth(index).evaluate((canvas) => (canvas as HTMLCanvasElement).toDataURL());
}

/** Reads the saved request of every run from the studio's IndexedDB, as a reload would. */
async function savedRequests(page: Page): Promise<Record<string, unknown>[]> {
  return page.evaluate(
    () =>
      new Promise<Record<string, unknown>[]>((resolve, reject) => {
        const open = indexedDB.open('clip-it-studio');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const all = open.result.transaction('runs').objectStore('runs').getAll();
          all.onerror = () => reject(all.error);
          all.onsuccess = () => resolve(all.result.map((record: { payload: { request: Record<string, unknown> } }) => record.payload.request));
        };
      }),
  );
}

test('augmentation and Macenko stain normalisation on real tiles, one WebGPU epoch', async ({ page, context, baseURL }) => {
  const recorder = new RequestRecorder(context, new URL(baseURL!).origin);
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });

  // 2 groups of 3 real tiles per class: 18 tiles, whole groups only.
  const subset = makeLc25000Subset(2, 3);
  expect(subset.count).toBe(18);

  await page.goto('/');
  await forceBackend(page, 'webgpu');
  await importTiles(page, subset.dir, 18);
  await page.getByTestId('groups-input').setInputFiles(path.join(LC25000, 'groups.csv'));
  await page.getByTestId('groups-apply').click();
  await expect(page.getByTestId('groups-message')).toContainText('18 of 18 images got a group');
  await setTinyRun(page, { epochs: 1, batchSize: 8, checkpointEvery: 0 });

  // Augmentation with the H&E defaults; the preview shows 6 tiles (2 per class), each with 3 augmented versions.
  await page.getByTestId('augment-enabled').check();
  await expect(page.getByTestId('augment-hed')).toBeChecked();
  await expect(page.getByTestId('augment-hed-strength')).toHaveValue('0.05');
  await page.getByTestId('augment-preview').click();
  const augmentGrid = page.getByTestId('augment-preview-grid');
  await expect(augmentGrid.locator('canvas')).toHaveCount(24);
  const firstDraw = await canvasImage(page, 'augment-preview-grid', 1);
  await page.getByTestId('augment-reroll').click();
  await expect.poll(() => canvasImage(page, 'augment-preview-grid', 1)).not.toBe(firstDraw);
  await page.getByTestId('augmentation-panel').screenshot({ path: path.join(SCREENSHOTS, 'augmentation-preview.png') });

  // The training split is balanced (about 1:1:1), so plain cross-entropy is suggested.
  await expect(page.getByTestId('class-balance-hint')).toContainText('Next run uses: none');

  // Macenko on the first lung_aca tile as reference, fitted at the 32 px input size.
  await page.getByTestId('stain-enabled').check();
  await page.getByTestId('stain-method').selectOption('macenko');
  await page.getByTestId('stain-reference-option').first().click();
  await expect(page.getByTestId('stain-reference')).toContainText('(macenko fitted at 32px)');
  await page.getByTestId('stain-preview').click();
  await expect(page.getByTestId('stain-preview-grid').locator('canvas')).toHaveCount(12);
  expect(await canvasImage(page, 'stain-preview-grid', 2)).not.toBe(await canvasImage(page, 'stain-preview-grid', 3));
  await page.getByTestId('augmentation-panel').screenshot({ path: path.join(SCREENSHOTS, 'stain-normalisation.png') });
  await expect(page.getByTestId('augment-error')).toHaveCount(0);

  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-phase', 'completed', { timeout: 300_000 });
  const options = page.getByTestId('run-training-options');
  await expect(options).toHaveAttribute('data-augment', 'on');
  await expect(options).toHaveAttribute('data-stain', 'macenko');
  await expect(options).toHaveAttribute('data-class-balance', 'none');

  // The saved run config keeps the augmentation settings and the fitted stain parameters.
  const saved = (await savedRequests(page)).at(-1)!;
  const augment = saved.augment as { flips: boolean; hedJitter: { enabled: boolean; strength: number } };
  const stain = saved.stainNormalization as { method: string; referencePath: string; params: { method: string; stainMatrix: number[][]; maxConcentrations: number[] } };
  expect(augment.flips).toBe(true);
  expect(augment.hedJitter).toEqual({ enabled: true, strength: 0.05 });
  expect(saved.classBalance).toBe('none');
  expect(stain.method).toBe('macenko');
  expect(stain.referencePath).toMatch(/^lc25000-subset\/lung_aca\//);
  expect(stain.params.stainMatrix).toHaveLength(2);
  expect(stain.params.maxConcentrations.every((c) => c > 0)).toBe(true);

  expect(recorder.foreign, `requests to other origins: ${recorder.foreign.join(', ')}`).toEqual([]);
  expect(consoleErrors.filter((e) => !e.includes('favicon'))).toEqual([]);
});
