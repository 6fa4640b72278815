import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Locator, type Page, type TestInfo } from '@playwright/test';

import { RequestRecorder } from './request-recorder';
import { LC25000, makeLc25000Subset } from './shared-data';

/** With SAVE_SCREENSHOTS=1 the views are also written to docs/screenshots for the README. */
const DOCS_SCREENSHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots');

async function saveScreenshot(target: Page | Locator, name: string, testInfo: TestInfo): Promise<void> {
  const options = 'goto' in target ? { fullPage: true } : {};
  await target.screenshot({ ...options, path: testInfo.outputPath(name) });
  if (process.env.SAVE_SCREENSHOTS === '1') await target.screenshot({ ...options, path: path.join(DOCS_SCREENSHOTS, name) });
}

interface StoredPrediction {
  index: number;
  label: number;
  predicted: number;
  path?: string;
  group?: string;
}

/** Reads the finished run's test predictions straight from IndexedDB, independently of what the views render. */
async function storedPredictions(page: Page): Promise<StoredPrediction[]> {
  return page.evaluate(
    () =>
      new Promise<StoredPrediction[]>((resolve, reject) => {
        const open = indexedDB.open('clip-it-studio');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction('runs').objectStore('runs').getAll();
          request.onerror = () => reject(request.error);
          request.onsuccess = () => {
            const records = request.result as { payload: { result: { predictions: StoredPrediction[] } | null } }[];
            resolve(records.find((r) => r.payload.result)?.payload.result?.predictions ?? []);
          };
        };
      }),
  );
}

test('evaluation views of a WebGPU run on real LC25000 tiles', async ({ page, context, baseURL }, testInfo) => {
  const recorder = new RequestRecorder(context, new URL(baseURL!).origin);
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    // DEBUG_EVAL_E2E=1 prints the page and worker console, e.g. to see WebGPU faults behind a slow overlay.
    if (process.env.DEBUG_EVAL_E2E) console.log(`[page ${message.type()}] ${message.text()}`);
    if (message.type() === 'error') consoleErrors.push(message.text());
  });

  // 8 groups of 5 tiles per class: 120 real tiles; the split assigns whole groups.
  const subset = makeLc25000Subset(8, 5);
  await page.goto('/');
  await page.getByTestId('backend-select').selectOption('webgpu');
  await expect(page.getByTestId('backend-badge')).toHaveText('webgpu', { timeout: 60_000 });

  await page.getByTestId('folder-input').setInputFiles(subset.dir);
  await expect(page.getByTestId('dataset-summary')).toContainText('120 images in 3 classes', { timeout: 120_000 });
  await page.getByTestId('groups-input').setInputFiles(path.join(LC25000, 'groups.csv'));
  await page.getByTestId('groups-apply').click();
  await expect(page.getByTestId('groups-message')).toContainText('120 of 120 images got a group');

  await page.getByTestId('setting-inputSize').selectOption('32');
  // Enough steps for the CNN to separate the classes, so the galleries and maps show a real model.
  await page.getByTestId('setting-epochs').fill('5');
  await page.getByTestId('setting-batchSize').fill('8');
  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-phase', 'completed', { timeout: 300_000 });

  await expect.poll(async () => (await storedPredictions(page)).length, { timeout: 30_000 }).toBeGreaterThan(0);
  const predictions = await storedPredictions(page);
  expect(predictions.every((p) => p.path && p.group)).toBe(true);

  // ROC: one curve per class present in the test split, AUC per class and the macro average.
  const views = page.getByTestId('evaluation-views');
  await expect(page.getByTestId('roc-chart')).toBeVisible();
  for (const classIndex of [0, 1, 2]) {
    await expect(page.getByTestId(`roc-auc-${classIndex}`)).toHaveText(/AUC (0|1)\.\d{3}$/);
    await expect(page.getByTestId(`roc-curve-${classIndex}`)).toBeVisible();
  }
  await expect(page.getByTestId('roc-macro-auc')).toHaveText(/Macro AUC (0|1)\.\d{3}/);

  // Reliability diagram: at least one non-empty bin and the ECE.
  await expect(page.getByTestId('reliability-diagram')).toBeVisible();
  await expect(page.getByTestId('ece-value')).toHaveText(/^ECE \d+\.\d%$/);
  expect(await page.getByTestId('reliability-bin').count()).toBeGreaterThan(0);
  await saveScreenshot(page.getByTestId('roc-chart'), 'eval-roc.png', testInfo);
  await saveScreenshot(page.getByTestId('reliability-diagram'), 'eval-reliability.png', testInfo);

  // Group metrics next to tile metrics: one row per level, group counts from groups.csv.
  const groupMetrics = page.getByTestId('group-metrics');
  await expect(groupMetrics.getByTestId('group-level-tiles')).toContainText(`${predictions.length} tiles`);
  const testGroups = new Set(predictions.map((p) => p.group)).size;
  await expect(groupMetrics.getByTestId('group-level-mean-probability')).toContainText(`${testGroups} groups`);
  await expect(groupMetrics.getByTestId('group-level-majority-vote')).toContainText(`${testGroups} groups`);
  await expect(groupMetrics.getByTestId('group-level-mean-probability')).toContainText(/\d+\.\d%/);
  await saveScreenshot(groupMetrics, 'eval-group-metrics.png', testInfo);

  // Every non-empty confusion cell opens exactly the tiles with that (true, predicted) pair.
  const classNames = ['lung_aca', 'lung_n', 'lung_scc'];
  let checkedCells = 0;
  for (let trueClass = 0; trueClass < 3; trueClass++) {
    for (let predictedClass = 0; predictedClass < 3; predictedClass++) {
      const expected = predictions.filter((p) => p.label === trueClass && p.predicted === predictedClass).map((p) => p.path!);
      const cell = page.getByTestId(`confusion-cell-${trueClass}-${predictedClass}`);
      await expect(cell).toHaveText(String(expected.length));
      if (expected.length === 0) continue;

      // Alternate mouse and keyboard, so both ways of opening a cell are covered.
      if (checkedCells % 2 === 0) await cell.click();
      else {
        await cell.focus();
        await page.keyboard.press('Enter');
      }
      const gallery = page.getByTestId('cell-gallery');
      await expect(gallery).toHaveAttribute('data-count', String(expected.length));
      const tiles = gallery.getByTestId('gallery-tile');
      await expect(tiles).toHaveCount(expected.length);
      const shown = await tiles.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-path')!));
      expect(shown.sort()).toEqual([...expected].sort());

      // The folder of each file is its real class, independent of the run.
      for (const tilePath of shown) expect(tilePath.split('/').at(-2)).toBe(classNames[trueClass]);
      checkedCells += 1;
    }
  }
  expect(checkedCells).toBeGreaterThan(0);

  // Grad-CAM overlay on a gallery tile, computed in the worker from the stored weights.
  const mistakes = page.getByTestId('mistakes-gallery');
  const galleryWithTiles = (await mistakes.getByTestId('gallery-tile').count()) > 0 ? mistakes : page.getByTestId('cell-gallery');
  await galleryWithTiles.getByTestId(`${await galleryWithTiles.getAttribute('data-testid')}-saliency-method`).selectOption('grad-cam');
  const overlay = galleryWithTiles.getByTestId('saliency-overlay').first();
  await expect(overlay).toBeVisible({ timeout: 60_000 });
  await expect(overlay).toHaveAttribute('data-method', 'grad-cam');
  await expect(overlay).toHaveAttribute('width', '32');
  const galleryTiles = await galleryWithTiles.getByTestId('gallery-tile').count();
  await expect(galleryWithTiles.getByTestId('saliency-overlay')).toHaveCount(galleryTiles, { timeout: 120_000 });

  // Each map is scaled to a maximum of 1, drawn at full opacity, unless Grad-CAM found no positive evidence (all 0).
  const alphaRanges = await galleryWithTiles.getByTestId('saliency-overlay').evaluateAll((canvases) =>
    (canvases as HTMLCanvasElement[]).map((canvas) => {
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let min = 255;
      let max = 0;
      for (let i = 3; i < data.length; i += 4) {
        min = Math.min(min, data[i]);
        max = Math.max(max, data[i]);
      }
      return { min, max };
    }),
  );
  const ranges = JSON.stringify(alphaRanges);
  expect(alphaRanges.every((range) => range.max === 255 || range.max === 0), ranges).toBe(true);
  expect(alphaRanges.some((range) => range.max === 255 && range.min < range.max), ranges).toBe(true);
  await saveScreenshot(galleryWithTiles, 'eval-gradcam-gallery.png', testInfo);
  await saveScreenshot(views, 'eval-views.png', testInfo);

  // After a reload the run, its tiles and its weights come back from browser storage.
  await page.reload();
  await page.getByTestId('backend-select').selectOption('webgpu');
  await expect(page.getByTestId('backend-badge')).toHaveText('webgpu', { timeout: 60_000 });
  await expect(page.getByTestId('dataset-summary')).toContainText('120 images in 3 classes', { timeout: 120_000 });
  await page.getByTestId('runs-table').locator('tbody tr').first().click();
  await expect(page.getByTestId('roc-macro-auc')).toBeVisible();
  const firstNonEmpty = predictions[0];
  await page.getByTestId(`confusion-cell-${firstNonEmpty.label}-${firstNonEmpty.predicted}`).click();
  await page.getByTestId('cell-gallery-saliency-method').selectOption('grad-cam');
  await expect(page.getByTestId('cell-gallery').getByTestId('saliency-overlay').first()).toHaveAttribute('data-method', 'grad-cam', { timeout: 60_000 });

  // Attention rollout of a ViT: the bundled demo CLIP (64 px input, 16 px patches, so a 4 x 4 map).
  await page.getByTestId('load-demo-clip').click();
  await expect(page.getByTestId('clip-summary')).toContainText('demo CLIP', { timeout: 60_000 });
  await page.getByTestId('cell-gallery-saliency-method').selectOption('attention-rollout');
  const rollout = page.getByTestId('cell-gallery').getByTestId('saliency-overlay').first();
  await expect(rollout).toHaveAttribute('data-method', 'attention-rollout', { timeout: 120_000 });
  await expect(rollout).toHaveAttribute('width', '4');
  const cellTiles = await page.getByTestId('cell-gallery').getByTestId('gallery-tile').count();
  await expect(page.getByTestId('cell-gallery').getByTestId('saliency-overlay')).toHaveCount(cellTiles, { timeout: 120_000 });
  await saveScreenshot(page.getByTestId('cell-gallery'), 'eval-attention-rollout-gallery.png', testInfo);

  expect(recorder.foreign, `requests to other origins: ${recorder.foreign.join(', ')}`).toEqual([]);
  expect(consoleErrors.filter((e) => !e.includes('favicon'))).toEqual([]);
});

test('evaluation views of a comparison stage', async ({ page, context, baseURL }, testInfo) => {
  const recorder = new RequestRecorder(context, new URL(baseURL!).origin);

  // 6 groups of 3 tiles per class: 54 real tiles, enough for a test split with every class.
  const subset = makeLc25000Subset(6, 3);
  await page.goto('/');
  await page.getByTestId('backend-select').selectOption('webgpu');
  await expect(page.getByTestId('backend-badge')).toHaveText('webgpu', { timeout: 60_000 });
  await page.getByTestId('folder-input').setInputFiles(subset.dir);
  await expect(page.getByTestId('dataset-summary')).toContainText('54 images in 3 classes', { timeout: 120_000 });
  await page.getByTestId('groups-input').setInputFiles(path.join(LC25000, 'groups.csv'));
  await page.getByTestId('groups-apply').click();
  await expect(page.getByTestId('groups-message')).toContainText('54 of 54 images got a group');

  // The unimodal baseline needs no CLIP, so one short stage is enough to exercise the stage views.
  await page.getByTestId('stage-text').uncheck();
  await page.getByTestId('stage-clipit').uncheck();
  await page.getByTestId('clipit-seeds').fill('0');
  await page.getByTestId('clipit-inputSize').selectOption('32');
  await page.getByTestId('clipit-epochs').fill('2');
  await page.getByTestId('clipit-batchSize').fill('8');
  await page.getByTestId('start-comparison').click();
  await expect(page.getByTestId('clipit-status')).toContainText('Completed', { timeout: 300_000 });

  const stageViews = page.getByTestId('comparison-evaluation');
  await expect(stageViews.getByTestId('comparison-eval-stage')).toHaveValue('unimodal');
  await expect(stageViews.getByTestId('roc-macro-auc')).toHaveText(/Macro AUC (0|1)\.\d{3}/);
  await expect(stageViews.getByTestId('ece-value')).toHaveText(/^ECE \d+\.\d%$/);
  await expect(stageViews.getByTestId('group-level-mean-probability')).toContainText('groups');

  // Each non-empty cell opens as many tiles as it counts, each from the folder of its true class.
  const classNames = ['lung_aca', 'lung_n', 'lung_scc'];
  let tilesSeen = 0;
  for (let trueClass = 0; trueClass < 3; trueClass++) {
    for (let predictedClass = 0; predictedClass < 3; predictedClass++) {
      const cell = stageViews.getByTestId(`confusion-cell-${trueClass}-${predictedClass}`);
      const count = Number(await cell.textContent());
      if (count === 0) continue;

      await cell.click();
      const tiles = stageViews.getByTestId('cell-gallery').getByTestId('gallery-tile');
      await expect(tiles).toHaveCount(count);
      const shown = await tiles.evaluateAll((nodes) => nodes.map((node) => [node.getAttribute('data-path')!, node.getAttribute('data-predicted')!]));
      for (const [tilePath, predicted] of shown) {
        expect(tilePath.split('/').at(-2)).toBe(classNames[trueClass]);
        expect(predicted).toBe(String(predictedClass));
      }
      tilesSeen += count;
    }
  }
  const testTiles = Number(((await stageViews.getByTestId('group-level-tiles').textContent()) ?? '').match(/(\d+) tiles/)?.[1]);
  expect(tilesSeen).toBe(testTiles);
  await saveScreenshot(stageViews, 'eval-comparison-stage.png', testInfo);

  expect(recorder.foreign, `requests to other origins: ${recorder.foreign.join(', ')}`).toEqual([]);
});
