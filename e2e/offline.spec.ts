import { expect, test, type Page } from '@playwright/test';

import { makeLc25000Subset } from './shared-data';
import { forceBackend, importTiles, lossPoints, setTinyRun } from './studio-helpers';

/** Paths in the service worker's precache, read from the page. */
async function precachedPaths(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const names = (await caches.keys()).filter((name) => name.startsWith('clip-it-studio-precache-'));
    if (names.length !== 1) throw new Error(`expected one precache, found: ${names.join(', ') || 'none'}`);
    const cache = await caches.open(names[0]);
    return (await cache.keys()).map((request) => new URL(request.url).pathname);
  });
}

test('studio works offline after first load', async ({ page, context }) => {
  const subset = makeLc25000Subset(3, 3);
  await page.goto('/');
  await expect(page.getByTestId('backend-badge')).not.toHaveText('', { timeout: 60_000 });

  // The service worker takes control of the page once it has precached the build.
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 120_000 }).toBe(true);
  const cached = await precachedPaths(page);
  expect(cached).toContain('/');
  expect(cached.some((p) => /\/assets\/training\.worker-.+\.js$/.test(p))).toBe(true);
  expect(cached.some((p) => /\/assets\/import\.worker-.+\.js$/.test(p))).toBe(true);
  expect(cached.some((p) => /\/assets\/tfjs-backend-wasm-simd-.+\.wasm$/.test(p))).toBe(true);
  expect(cached).toContain('/models/demo-clip/model.safetensors');

  await context.setOffline(true);

  // The network is really gone for the service worker too: a file outside the precache fails to load.
  const probe = await page.evaluate(() => fetch('/not-precached.txt').then((response) => `HTTP ${response.status}`, () => 'network error'));
  expect(probe).toBe('network error');

  await page.reload();
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);

  // The wasm backend loads its binaries and its pthread worker script from the cache.
  await forceBackend(page, 'wasm');
  await importTiles(page, subset.dir, subset.count);
  await expect(page.getByTestId('thumbnail-grid').locator('img').first()).toBeVisible();

  await setTinyRun(page, { epochs: 1, batchSize: 8, checkpointEvery: 0 });
  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-phase', 'completed', { timeout: 300_000 });
  expect(await lossPoints(page)).toBeGreaterThan(0);
  await expect(page.getByTestId('metric-balanced-accuracy')).toHaveText(/^\d+\.\d%$/);

  await context.setOffline(false);
});
