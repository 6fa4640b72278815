import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';

import { SHARED, makeLc25000Subset } from './shared-data';
import { SCREENSHOTS, callTestHook, forceBackend, importTiles, lossPoints, setTinyRun } from './studio-helpers';

/** Pauses the active run and waits until the worker is idle in the pause; the pause button resumes it when clicked again. */
async function pauseRun(page: Page): Promise<void> {
  await page.getByTestId('pause-training').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-phase', 'paused');

  // The step in flight still finishes, so the worker is idle in the pause once the curve stops growing.
  let previous = -1;
  await expect
    .poll(
      async () => {
        const points = await lossPoints(page);
        const stable = points === previous;
        previous = points;
        return stable;
      },
      { intervals: [2000], timeout: 60_000 },
    )
    .toBe(true);
}

test('device loss resumes from checkpoint', async ({ page }) => {
  // 3 groups of 3 tiles per class: 27 real tiles.
  const subset = makeLc25000Subset(3, 3);
  await page.goto('/?testHooks=1');
  await forceBackend(page, 'webgpu');
  await importTiles(page, subset.dir, subset.count);
  await setTinyRun(page, { epochs: 2, batchSize: 4, checkpointEvery: 2 });
  await page.getByTestId('start-training').click();

  // The trainer waits for each checkpoint, so a third step means the checkpoint of step 2 is saved.
  // Pausing first makes the fault land mid-run however fast the GPU trains.
  await expect.poll(() => lossPoints(page), { timeout: 300_000 }).toBeGreaterThanOrEqual(3);
  await pauseRun(page);
  await callTestHook(page, 'testDestroyGpuDevice');
  await page.getByTestId('pause-training').click();

  const lostMessage = page.getByTestId('run-status').getByText('The GPU device was lost');
  await expect(lostMessage).toBeVisible({ timeout: 120_000 });
  await expect(lostMessage).toContainText('re-created the WebGPU backend and continues from the checkpoint of step');
  await page.getByTestId('run-status').screenshot({ path: path.join(SCREENSHOTS, 'fault-device-lost.png') });

  const resumedStep = Number(/checkpoint of step (\d+)/.exec((await lostMessage.textContent()) ?? '')?.[1]);
  expect(resumedStep).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('run-status')).toContainText(`resumed after step ${resumedStep}`, { timeout: 120_000 });

  await expect(page.getByTestId('run-status')).toHaveAttribute('data-phase', 'completed', { timeout: 300_000 });
  await expect(page.getByTestId('backend-badge')).toHaveText('webgpu');

  // The curve continues from the checkpoint: one point per step, no gaps or repeats.
  const totalSteps = Number(await page.getByRole('progressbar', { name: 'Step' }).getAttribute('aria-valuemax'));
  expect(await lossPoints(page)).toBe(totalSteps);
  await expect(page.getByTestId('val-chart')).toHaveAttribute('data-points', '2');
  await expect(page.getByTestId('metric-balanced-accuracy')).toHaveText(/^\d+\.\d%$/);
});

test('GPU out-of-memory stops the run', async ({ page }) => {
  const subset = makeLc25000Subset(3, 3);
  await page.goto('/?testHooks=1');
  await forceBackend(page, 'webgpu');
  await importTiles(page, subset.dir, subset.count);
  await setTinyRun(page, { epochs: 3, batchSize: 4, checkpointEvery: 2 });
  await page.getByTestId('start-training').click();

  await expect.poll(() => lossPoints(page), { timeout: 300_000 }).toBeGreaterThanOrEqual(3);
  await pauseRun(page);
  await callTestHook(page, 'testInjectGpuOutOfMemory');
  await page.getByTestId('pause-training').click();

  const status = page.getByTestId('run-status');
  await expect(status).toHaveAttribute('data-phase', 'failed', { timeout: 120_000 });
  await expect(status).toContainText('the GPU ran out of memory');
  await expect(status).toContainText('Lower the batch size (now 4) or the image size (now 32 px)');
  await expect(status).toContainText(/The project and the checkpoint of step \d+ are kept/);
  await status.screenshot({ path: path.join(SCREENSHOTS, 'fault-gpu-out-of-memory.png') });

  // The dataset stays loaded, and a new run with a smaller batch trains to the end.
  await expect(page.getByTestId('dataset-summary')).toContainText(`${subset.count} images in 3 classes`);
  await setTinyRun(page, { epochs: 1, batchSize: 2, checkpointEvery: 0 });
  await page.getByTestId('start-training').click();
  await expect(status).toHaveAttribute('data-phase', 'completed', { timeout: 300_000 });
  await expect(page.getByTestId('metric-balanced-accuracy')).toHaveText(/^\d+\.\d%$/);
});

test('full storage warns at checkpoint', async ({ page }) => {
  const subset = makeLc25000Subset(3, 3);
  await page.goto('/?testHooks=1');
  await forceBackend(page, 'cpu');
  await importTiles(page, subset.dir, subset.count);
  await setTinyRun(page, { epochs: 2, batchSize: 4, checkpointEvery: 2 });

  // Every checkpoint record the worker writes to IndexedDB fails as on a full disk.
  await callTestHook(page, 'testFailStorageWrites', 'checkpoints', 1000);
  await page.getByTestId('start-training').click();

  const status = page.getByTestId('run-status');
  const warning = status.getByText('Checkpoint at step 2 not saved');
  await expect(warning).toBeVisible({ timeout: 300_000 });
  await expect(warning).toContainText('Browser storage is full');
  await expect(warning).toContainText('deleting projects or runs you no longer need');
  await status.screenshot({ path: path.join(SCREENSHOTS, 'fault-storage-full.png') });

  // Training goes on without checkpoints and finishes with metrics.
  await expect(status).toHaveAttribute('data-phase', 'completed', { timeout: 300_000 });
  await expect(page.getByTestId('metric-balanced-accuracy')).toHaveText(/^\d+\.\d%$/);
});

test('full storage warns at embedding cache', async ({ page }) => {
  // The page's writes of embedding-cache records fail as on a full disk; everything else is stored.
  await page.addInitScript(() => {
    const originalPut = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function put(this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'kv' && String(args[1]).startsWith('embeddings:')) {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      return originalPut.apply(this, args);
    };
  });

  const subset = makeLc25000Subset(3, 3);
  await page.goto('/');
  await forceBackend(page, 'cpu');
  await importTiles(page, subset.dir, subset.count);
  await page.getByTestId('reports-input').setInputFiles(path.join(SHARED, 'data', 'tcga-reports', 'lung_normal_descriptions.jsonl'));
  await expect(page.getByTestId('reports-count')).toHaveText('284', { timeout: 60_000 });
  await page.getByTestId('clip-folder-input').setInputFiles(path.join(SHARED, 'fixtures', 'tiny-clip'));
  await expect(page.getByTestId('clip-summary')).toContainText('embedding 32', { timeout: 60_000 });
  await page.getByTestId('run-retrieval').click();

  // Retrieval still finishes without the cache, and the message names what to delete.
  await expect(page.getByTestId('retrieval-summary')).toContainText(`${subset.count} images paired with 284 texts`, { timeout: 300_000 });
  const warning = page.getByTestId('embedding-cache-warning');
  await expect(warning).toContainText('The embeddings were not cached');
  await expect(warning).toContainText('Browser storage is full');
  await warning.screenshot({ path: path.join(SCREENSHOTS, 'fault-storage-full-embeddings.png') });
});

test('NaN loss stops the run', async ({ page }) => {
  const subset = makeLc25000Subset(3, 3);
  await page.goto('/');
  await forceBackend(page, 'cpu');
  await importTiles(page, subset.dir, subset.count);

  // Adam moves each weight by about the learning rate per step, so 1e30 overflows float32 within a few steps.
  await setTinyRun(page, { epochs: 3, batchSize: 4, checkpointEvery: 1, learningRate: 1e30 });
  await page.getByTestId('setting-clipNorm').fill('0');
  await page.getByTestId('start-training').click();

  const status = page.getByTestId('run-status');
  await expect(status).toHaveAttribute('data-phase', 'failed', { timeout: 300_000 });
  await expect(status).toContainText(/Training stopped at step \d+: the loss became (NaN|Infinity)/);
  await expect(status).toContainText('The learning rate is probably too high');
  await status.screenshot({ path: path.join(SCREENSHOTS, 'fault-nan-loss.png') });
  await expect(page.getByTestId('dataset-summary')).toContainText(`${subset.count} images in 3 classes`);
});

test('memory stays flat across epochs', async ({ page }) => {
  const subset = makeLc25000Subset(3, 3);
  await page.goto('/');
  await forceBackend(page, 'webgpu');
  await importTiles(page, subset.dir, subset.count);
  await setTinyRun(page, { epochs: 4, batchSize: 8, checkpointEvery: 0 });
  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-phase', 'completed', { timeout: 300_000 });

  const rows = page.getByTestId('memory-epoch-row');
  await expect(rows).toHaveCount(4);
  const perEpoch = await rows.evaluateAll((elements) =>
    elements.map((row) => ({
      epoch: Number(row.getAttribute('data-epoch')),
      tensors: Number(row.getAttribute('data-tensors')),
      gpuBytes: Number(row.getAttribute('data-gpu-bytes')),
    })),
  );
  console.log('[memory per epoch]', JSON.stringify(perEpoch));

  // The first epoch creates the best-weights copy and the optimizer moments; after it nothing may grow.
  const afterFirst = perEpoch.slice(1);
  for (const epoch of afterFirst) {
    expect(epoch.tensors, `tensors at the end of epoch ${epoch.epoch}`).toBe(afterFirst[0].tensors);
    expect(epoch.gpuBytes, `GPU bytes at the end of epoch ${epoch.epoch}`).toBe(afterFirst[0].gpuBytes);
  }
  expect(afterFirst[0].gpuBytes).toBeGreaterThan(0);

  await page.getByTestId('memory-panel').locator('summary').click();
  await page.getByTestId('memory-panel').screenshot({ path: path.join(SCREENSHOTS, 'memory-panel.png') });
});
