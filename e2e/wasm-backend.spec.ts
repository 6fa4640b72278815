import { expect, test, type Page } from '@playwright/test';

import { RequestRecorder } from './request-recorder';
import { makeLc25000Subset } from './shared-data';

/** Images/s per backend as the backend panel's measurement table shows them. */
async function readBenchmark(page: Page): Promise<Record<string, number | null>> {
  const rows = page.getByTestId('backend-benchmark').locator('tbody tr');
  const figures: Record<string, number | null> = {};
  for (const row of await rows.all()) {
    const backend = ((await row.getAttribute('data-testid')) ?? '').replace('benchmark-row-', '');
    const value = await row.getAttribute('data-images-per-second');
    figures[backend] = value ? Number(value) : null;
  }
  return figures;
}

test('picks threaded wasm by measurement and trains on it', async ({ page, context, baseURL }, testInfo) => {
  const recorder = new RequestRecorder(context, new URL(baseURL!).origin);
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });

  const subset = makeLc25000Subset(3, 4);
  expect(subset.count).toBe(36);

  // A fresh browser context has no stored measurement, so automatic mode measures every backend.
  await page.goto('/');
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm', { timeout: 400_000 });

  const figures = await readBenchmark(page);
  console.log(`measured images/s: ${JSON.stringify(figures)}`);
  await testInfo.attach('backend-benchmark.json', { body: JSON.stringify(figures, null, 2), contentType: 'application/json' });
  expect(Object.keys(figures).sort()).toEqual(['cpu', 'wasm', 'webgl', 'webgpu']);
  expect(figures.wasm).toBeGreaterThan(0);
  for (const [backend, speed] of Object.entries(figures)) {
    if (backend !== 'wasm' && speed !== null) expect(speed, `${backend} measured faster than wasm`).toBeLessThan(figures.wasm!);
  }
  await expect(page.getByTestId('backend-benchmark')).toHaveAttribute('data-complete', 'true');

  // The threaded SIMD build with more than one thread, in a cross-origin-isolated page.
  await expect(page.getByTestId('cross-origin-isolated')).toHaveAttribute('data-value', 'true');
  const threads = page.getByTestId('wasm-threads');
  await expect(threads).toHaveAttribute('data-build', 'threaded-simd');
  const threadCount = Number(await threads.getAttribute('data-threads'));
  console.log(`wasm threads: ${threadCount}`);
  expect(threadCount).toBeGreaterThan(1);

  await page.getByTestId('folder-input').setInputFiles(subset.dir);
  await expect(page.getByTestId('dataset-summary')).toContainText('36 images in 3 classes', { timeout: 120_000 });

  await page.getByTestId('setting-epochs').fill('1');
  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-phase', 'completed', { timeout: 300_000 });
  await expect(page.getByTestId('runs-table')).toContainText('wasm');

  // A second open reuses the stored measurement instead of measuring again.
  const measuredAt = await page.getByTestId('backend-benchmark').locator('caption').textContent();
  await page.reload();
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm', { timeout: 60_000 });
  await expect(page.getByTestId('backend-benchmark').locator('caption')).toHaveText(measuredAt!);

  await page.screenshot({ path: testInfo.outputPath('studio-wasm.png'), fullPage: true });

  expect(recorder.foreign, `requests to other origins: ${recorder.foreign.join(', ')}`).toEqual([]);
  expect(consoleErrors.filter((e) => !e.includes('favicon'))).toEqual([]);
});
