import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, type Page } from '@playwright/test';

import type { FaultTestHooksApi } from '../src/fault-protocol';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where screenshots of the fault messages go, so the docs can show them. */
export const SCREENSHOTS = path.join(REPO_ROOT, 'docs', 'screenshots');

export type BackendChoice = 'webgpu' | 'wasm' | 'cpu';

/** Forces a backend and waits until the badge shows it; fails (never skips) when it does not activate. */
export async function forceBackend(page: Page, backend: BackendChoice): Promise<void> {
  await page.getByTestId('backend-select').selectOption(backend);
  await expect(page.getByTestId('backend-badge')).toHaveText(backend, { timeout: 60_000 });
}

export async function importTiles(page: Page, dir: string, count: number): Promise<void> {
  await page.getByTestId('folder-input').setInputFiles(dir);
  await expect(page.getByTestId('dataset-summary')).toContainText(`${count} images in 3 classes`, { timeout: 120_000 });
}

/** Settings for a run that takes seconds even on SwiftShader: 32 px tiles, small batches, frequent checkpoints. */
export async function setTinyRun(page: Page, settings: { epochs: number; batchSize: number; checkpointEvery: number; learningRate?: number }): Promise<void> {
  await page.getByTestId('setting-inputSize').selectOption('32');
  await page.getByTestId('setting-epochs').fill(String(settings.epochs));
  await page.getByTestId('setting-batchSize').fill(String(settings.batchSize));
  await page.getByTestId('setting-checkpointEvery').fill(String(settings.checkpointEvery));
  if (settings.learningRate !== undefined) await page.getByTestId('setting-learningRate').fill(String(settings.learningRate));
}

/** Number of steps on the loss curve. */
export async function lossPoints(page: Page): Promise<number> {
  return Number(await page.getByTestId('loss-chart').getAttribute('data-points'));
}

/** Calls one of the training worker's fault-injection hooks; the page must have been opened with `?testHooks=1`. */
export async function callTestHook<K extends keyof FaultTestHooksApi>(page: Page, name: K, ...args: Parameters<FaultTestHooksApi[K]>): Promise<void> {
  await page.evaluate(
    async ([hookName, hookArgs]) => {
      const hooks = (window as unknown as { __studioTestHooks?: Record<string, (...a: unknown[]) => Promise<void>> }).__studioTestHooks;
      if (!hooks) throw new Error('window.__studioTestHooks is missing: open the page with ?testHooks=1.');
      await hooks[hookName as string](...(hookArgs as unknown[]));
    },
    [name, args] as const,
  );
}
