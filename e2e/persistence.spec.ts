import { expect, test, type Page } from '@playwright/test';

import { makeLc25000Subset } from './shared-data';

async function importSubset(page: Page, dir: string, count: number): Promise<void> {
  await page.getByTestId('folder-input').setInputFiles(dir);
  await expect(page.getByTestId('dataset-summary')).toContainText(`${count} images in 3 classes`, { timeout: 120_000 });
}

async function setSmallRun(page: Page, epochs: number, checkpointEvery: number): Promise<void> {
  await page.getByTestId('setting-inputSize').selectOption('32');
  await page.getByTestId('setting-epochs').fill(String(epochs));
  await page.getByTestId('setting-batchSize').fill('8');
  await page.getByTestId('setting-checkpointEvery').fill(String(checkpointEvery));
}

test('resumes a run after a page reload where it stopped', async ({ page }) => {
  const subset = makeLc25000Subset(4, 4);
  await page.goto('/');
  await page.getByTestId('backend-select').selectOption('cpu');
  await expect(page.getByTestId('backend-badge')).toHaveText('cpu', { timeout: 60_000 });

  await importSubset(page, subset.dir, subset.count);
  await setSmallRun(page, 3, 2);
  await page.getByTestId('start-training').click();

  const lossChart = page.getByTestId('loss-chart');
  await expect.poll(async () => Number(await lossChart.getAttribute('data-points')), { timeout: 300_000 }).toBeGreaterThanOrEqual(5);
  const stepsBeforeReload = Number(await lossChart.getAttribute('data-points'));

  await page.reload();

  const resumeButton = page.getByTestId('resume-run');
  await expect(resumeButton).toBeVisible({ timeout: 60_000 });
  const resumeText = (await resumeButton.textContent()) ?? '';
  const checkpointStep = Number(/step (\d+)/.exec(resumeText)?.[1]);
  expect(checkpointStep).toBeGreaterThanOrEqual(2);
  expect(checkpointStep).toBeLessThanOrEqual(stepsBeforeReload);

  // The curve is cut back to the checkpoint, so resumed steps continue it without overlap.
  await expect(lossChart).toHaveAttribute('data-points', String(checkpointStep));

  // Import the same folder again; the resume checks that the files and labels match the run.
  await page.getByTestId('backend-select').selectOption('cpu');
  await expect(page.getByTestId('backend-badge')).toHaveText('cpu', { timeout: 60_000 });
  await importSubset(page, subset.dir, subset.count);
  await resumeButton.click();

  await expect(page.getByTestId('run-status')).toContainText(`resumed after step ${checkpointStep}`, { timeout: 120_000 });
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-phase', 'completed', { timeout: 300_000 });

  // 3 epochs of ceil(train / 8) steps, counted without gaps or repeats.
  const stepsText = await page.getByTestId('step-stats').textContent();
  expect(stepsText).toContain('epoch 3');
  const totalPoints = Number(await lossChart.getAttribute('data-points'));
  const progress = await page.getByRole('progressbar', { name: 'Step' }).getAttribute('aria-valuemax');
  expect(totalPoints).toBe(Number(progress));
  await expect(page.getByTestId('metric-balanced-accuracy')).toHaveText(/^\d+\.\d%$/);
});

test('reports full storage and keeps the trained run', async ({ page }) => {
  // Every IndexedDB put in the page fails as a full disk would.
  await page.addInitScript(() => {
    const original = IDBObjectStore.prototype.put;
    (window as unknown as { __originalPut: typeof original }).__originalPut = original;
    IDBObjectStore.prototype.put = function put() {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });

  const subset = makeLc25000Subset(3, 3);
  await page.goto('/');
  await page.getByTestId('backend-select').selectOption('cpu');
  await expect(page.getByTestId('backend-badge')).toHaveText('cpu', { timeout: 60_000 });
  await importSubset(page, subset.dir, subset.count);
  await setSmallRun(page, 1, 0);
  await page.getByTestId('start-training').click();

  await expect(page.getByTestId('run-status')).toHaveAttribute('data-phase', 'completed', { timeout: 300_000 });
  await expect(page.getByRole('alert').filter({ hasText: 'Browser storage is full' }).first()).toBeVisible();

  // The run and the dataset are still there.
  await expect(page.getByTestId('metric-balanced-accuracy')).toHaveText(/^\d+\.\d%$/);
  await expect(page.getByTestId('dataset-summary')).toContainText(`${subset.count} images in 3 classes`);
});
