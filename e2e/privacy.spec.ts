import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Download, type Page } from '@playwright/test';

import { RequestRecorder } from './request-recorder';
import { LC25000, SHARED, makeLc25000Subset } from './shared-data';
import { forceBackend, importTiles, setTinyRun } from './studio-helpers';

// 284 short background descriptions: enough reports to pair with, quick to embed on the CPU.
const REPORTS = path.join(SHARED, 'data', 'tcga-reports', 'lung_normal_descriptions.jsonl');
const TINY_CLIP = path.join(SHARED, 'fixtures', 'tiny-clip');

async function saveDownload(page: Page, click: () => Promise<void>): Promise<{ download: Download; text: string }> {
  const downloadPromise = page.waitForEvent('download');
  await click();
  const download = await downloadPromise;
  return { download, text: fs.readFileSync(await download.path(), 'utf8') };
}

test('main flows stay on the app origin', async ({ page, context, baseURL }) => {
  // context.on('request') also receives the requests of dedicated workers and of the service worker.
  const appOrigin = new URL(baseURL!).origin;
  const recorder = new RequestRecorder(context, appOrigin);
  const subset = makeLc25000Subset(3, 3);

  const response = await page.goto('/');
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("connect-src 'self'");
  expect(csp).toContain("default-src 'self'");
  expect(csp, 'the policy names no other host').not.toMatch(/https?:\/\//);
  await forceBackend(page, 'cpu');

  // Import tiles and groups.
  await importTiles(page, subset.dir, subset.count);
  await page.getByTestId('groups-input').setInputFiles(path.join(LC25000, 'groups.csv'));
  await page.getByTestId('groups-apply').click();
  await expect(page.getByTestId('groups-message')).toContainText(`${subset.count} of ${subset.count} images got a group`);

  // Reports and their CSV export without the text, then the fixture CLIP, retrieval and the pairs export.
  await page.getByTestId('reports-input').setInputFiles(REPORTS);
  await expect(page.getByTestId('reports-count')).toHaveText('284', { timeout: 60_000 });
  await page.getByTestId('reports-export').click();
  const reportsCsv = await saveDownload(page, () => page.getByTestId('reports-export-without-text').click());
  expect(reportsCsv.text.split(/\r?\n/)[0].split(',')).toContain('id');
  await page.getByTestId('clip-folder-input').setInputFiles(TINY_CLIP);
  await expect(page.getByTestId('clip-summary')).toContainText('embedding 32', { timeout: 60_000 });
  await page.getByTestId('run-retrieval').click();
  await expect(page.getByTestId('retrieval-summary')).toContainText(`${subset.count} images paired with 284 texts`, { timeout: 300_000 });

  page.once('dialog', (dialog) => void dialog.dismiss());
  const pairs = await saveDownload(page, () => page.getByTestId('export-pairs').click());
  const header = pairs.text.split(/\r?\n/)[0];
  expect(header).toBe('image,report_id,passage,score,rank');

  // A tiny training run to the end.
  await setTinyRun(page, { epochs: 1, batchSize: 8, checkpointEvery: 0 });
  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-phase', 'completed', { timeout: 300_000 });
  await expect(page.getByTestId('metric-balanced-accuracy')).toHaveText(/^\d+\.\d%$/);

  // Export of the trained model with its run record.
  const bundle = await saveDownload(page, () => page.getByTestId('export-run-bundle').click());
  expect(bundle.download.suggestedFilename()).toMatch(/\.zip$/);

  // After a reload the saved dataset and the finished run are back.
  const reloaded = await page.reload();
  expect(reloaded?.headers()['content-security-policy'] ?? '').toContain("connect-src 'self'");
  await expect(page.getByTestId('dataset-summary')).toContainText(`${subset.count} images in 3 classes`, { timeout: 120_000 });
  await expect(page.getByTestId('runs-table')).toContainText('completed');

  // The recorder saw the page, its workers and the models, all from the app's own origin.
  expect(recorder.all.some((url) => /\/assets\/training\.worker-.+\.js$/.test(url))).toBe(true);
  expect(recorder.all.some((url) => /\/assets\/import\.worker-.+\.js$/.test(url))).toBe(true);
  expect(recorder.foreign, `requests to other origins: ${recorder.foreign.join(', ')}`).toEqual([]);
});
