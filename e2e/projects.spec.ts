import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { strFromU8, unzipSync } from 'fflate';

import { LC25000, makeLc25000Subset, SHARED } from './shared-data';

const LUNG_REPORTS = path.join(SHARED, 'data', 'tcga-reports', 'lung_reports.jsonl');
/** With SAVE_SCREENSHOTS=1 the projects panel and the two-tab notice are also written to docs/screenshots. */
const DOCS_SCREENSHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots');

async function saveScreenshot(page: Page, name: string): Promise<void> {
  const shot = await page.screenshot();
  await test.info().attach(name, { body: shot, contentType: 'image/png' });
  if (process.env.SAVE_SCREENSHOTS === '1') fs.writeFileSync(path.join(DOCS_SCREENSHOTS, name), shot);
}

async function openProjectsPanel(page: Page): Promise<void> {
  if (!(await page.getByTestId('projects-panel').isVisible())) await page.getByTestId('projects-toggle').click();
  await expect(page.getByTestId('projects-panel')).toBeVisible();
}

function projectRow(page: Page, name: string) {
  return page.locator(`[data-testid="project-row"][data-project-name="${name}"]`);
}

/**
 * Waits until the current project's dataset manifest and report sources are
 * in browser storage, read straight from OPFS and IndexedDB, so a switch
 * that follows cannot cut a save short.
 */
async function waitUntilSaved(page: Page, reportSources: number): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(async () => {
          const id = sessionStorage.getItem('clip-it-studio.project') ?? 'default';
          const folders = id === 'default' ? ['clip-it-studio'] : ['clip-it-studio-projects', id];
          let manifest = false;
          try {
            let dir = await navigator.storage.getDirectory();
            for (const part of [...folders, 'imported-datasets']) dir = await dir.getDirectoryHandle(part);
            manifest = (await (await dir.getFileHandle('current.json')).getFile()).size > 0;
          } catch {
            manifest = false;
          }
          const dbName = id === 'default' ? 'clip-it-studio' : `clip-it-studio:project:${id}`;
          const sources = await new Promise<number>((resolve) => {
            const request = indexedDB.open(dbName);
            request.onsuccess = () => {
              const db = request.result;
              const count = db.transaction('reportSources').objectStore('reportSources').count();
              count.onsuccess = () => {
                resolve(count.result);
                db.close();
              };
            };
            request.onerror = () => resolve(-1);
          });
          return `${manifest ? 'manifest' : 'no manifest'}, ${sources} report source(s)`;
        }),
      { timeout: 60_000 },
    )
    .toBe(`manifest, ${reportSources} report source(s)`);
}

test('projects: create, rename, switch, export, delete, import', async ({ page }) => {
  const subset = makeLc25000Subset(1, 2);
  await page.goto('/');
  await expect(page.getByTestId('current-project-name')).toHaveText('Default project', { timeout: 60_000 });

  // Creating a project reloads the tab into it.
  await openProjectsPanel(page);
  await page.getByTestId('new-project-name').fill('Lung study');
  await page.getByTestId('create-project').click();
  await expect(page.getByTestId('current-project-name')).toHaveText('Lung study', { timeout: 60_000 });

  // Real tiles and reports go into the new project.
  await page.getByTestId('folder-input').setInputFiles(subset.dir);
  await expect(page.getByTestId('dataset-summary')).toContainText(`${subset.count} images in 3 classes`, { timeout: 120_000 });
  await page.getByTestId('reports-input').setInputFiles(LUNG_REPORTS);
  await expect(page.getByTestId('reports-summary')).toContainText('989 reports loaded', { timeout: 60_000 });
  await waitUntilSaved(page, 1);

  // A reload reopens the same project: its lock passes from the old page to the new one.
  await page.reload();
  await expect(page.getByTestId('current-project-name')).toHaveText('Lung study', { timeout: 60_000 });
  await expect(page.getByTestId('dataset-summary')).toContainText(`${subset.count} images in 3 classes`, { timeout: 60_000 });
  await expect(page.getByTestId('reports-summary')).toContainText('989 reports loaded', { timeout: 60_000 });

  // Rename it.
  await openProjectsPanel(page);
  await projectRow(page, 'Lung study').getByTestId('rename-project').click();
  await page.getByTestId('rename-input').fill('Lung study (LC25000)');
  await page.getByTestId('rename-save').click();
  await expect(page.getByTestId('current-project-name')).toHaveText('Lung study (LC25000)');
  await expect(projectRow(page, 'Lung study (LC25000)').getByTestId('project-size')).toContainText('files', { timeout: 60_000 });
  await expect(page.getByTestId('projects-quota')).toContainText('available to it');
  await saveScreenshot(page, 'projects-panel.png');

  // Switch to the default project: none of the other project's data shows there.
  await projectRow(page, 'Default project').getByTestId('open-project').click();
  await expect(page.getByTestId('current-project-name')).toHaveText('Default project', { timeout: 60_000 });
  await expect(page.getByTestId('dataset-summary')).toHaveCount(0);
  await expect(page.getByTestId('reports-summary')).toHaveCount(0);

  // Export the lung project from here, then delete it.
  await openProjectsPanel(page);
  const [download] = await Promise.all([page.waitForEvent('download'), projectRow(page, 'Lung study (LC25000)').getByTestId('export-project').click()]);
  const exported = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'clipit-project-')), download.suggestedFilename());
  await download.saveAs(exported);
  expect(download.suggestedFilename()).toBe('Lung study (LC25000).clipit-project.zip');
  expect(fs.statSync(exported).size).toBeGreaterThan(subset.count * 1000);

  await projectRow(page, 'Lung study (LC25000)').getByTestId('delete-project').click();
  await page.getByTestId('confirm-delete').click();
  await expect(projectRow(page, 'Lung study (LC25000)')).toHaveCount(0);
  await expect(page.getByTestId('projects-message')).toHaveText('Deleted "Lung study (LC25000)".');

  // A file that is not an export is rejected with its name.
  const tile = path.join(LC25000, 'lung_n', fs.readdirSync(path.join(LC25000, 'lung_n')).sort()[0]);
  await page.getByTestId('project-import-input').setInputFiles(tile);
  await expect(page.getByTestId('projects-error')).toContainText(`${path.basename(tile)} is not a readable zip file`);

  // Import the export back and open it: tiles and reports are there again.
  await page.getByTestId('project-import-input').setInputFiles(exported);
  await expect(page.getByTestId('projects-message')).toContainText('as "Lung study (LC25000)"', { timeout: 60_000 });
  await projectRow(page, 'Lung study (LC25000)').getByTestId('open-project').click();
  await expect(page.getByTestId('current-project-name')).toHaveText('Lung study (LC25000)', { timeout: 60_000 });
  await expect(page.getByTestId('dataset-summary')).toContainText(`${subset.count} images in 3 classes`, { timeout: 60_000 });
  await expect(page.getByTestId('reports-summary')).toContainText('989 reports loaded', { timeout: 60_000 });

  // Importing the same file again keeps both projects, under two names.
  await openProjectsPanel(page);
  await page.getByTestId('project-import-input').setInputFiles(exported);
  await expect(page.getByTestId('projects-message')).toContainText('as "Lung study (LC25000) (2)"', { timeout: 60_000 });
  await expect(projectRow(page, 'Lung study (LC25000)')).toHaveCount(1);
});

test('projects: a second tab does not write the open project', async ({ context }) => {
  const first = await context.newPage();
  await first.goto('/');
  await expect(first.getByTestId('current-project-name')).toHaveText('Default project', { timeout: 60_000 });
  await expect(first.getByTestId('folder-input')).toBeAttached();

  const second = await context.newPage();
  await second.goto('/');
  const notice = second.getByTestId('project-lock-notice');
  await expect(notice).toContainText('“Default project” is open in another tab', { timeout: 60_000 });
  await expect(notice).toContainText('This tab has not changed anything.');
  await expect(second.getByTestId('folder-input')).toHaveCount(0);
  await saveScreenshot(second, 'project-two-tabs.png');

  // Taking over moves the studio to the second tab; the first stops and shows why.
  await second.getByTestId('take-over-project').click();
  await expect(second.getByTestId('current-project-name')).toHaveText('Default project', { timeout: 60_000 });
  await expect(second.getByTestId('folder-input')).toBeAttached();
  await expect(first.getByTestId('project-lock-notice')).toContainText('Another tab took this project over', { timeout: 30_000 });
  await expect(first.getByTestId('folder-input')).toHaveCount(0);
});

test('projects: run bundle holds config, split, hashes and weights', async ({ page }) => {
  const subset = makeLc25000Subset(2, 2);
  await page.goto('/');
  await expect(page.getByTestId('current-project-name')).toHaveText('Default project', { timeout: 60_000 });
  await openProjectsPanel(page);
  await page.getByTestId('new-project-name').fill('Bundle check');
  await page.getByTestId('create-project').click();
  await expect(page.getByTestId('current-project-name')).toHaveText('Bundle check', { timeout: 60_000 });

  await page.getByTestId('backend-select').selectOption('cpu');
  await expect(page.getByTestId('backend-badge')).toHaveText('cpu', { timeout: 60_000 });
  await page.getByTestId('folder-input').setInputFiles(subset.dir);
  await expect(page.getByTestId('dataset-summary')).toContainText(`${subset.count} images in 3 classes`, { timeout: 120_000 });
  await page.getByTestId('setting-inputSize').selectOption('32');
  await page.getByTestId('setting-epochs').fill('1');
  await page.getByTestId('setting-batchSize').fill('8');
  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-phase', 'completed', { timeout: 300_000 });

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-run-bundle').click()]);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'clipit-bundle-')), download.suggestedFilename());
  await download.saveAs(file);
  await expect(page.getByTestId('run-bundle-status')).not.toContainText('without weights');

  const entries = unzipSync(new Uint8Array(fs.readFileSync(file)));
  const bundle = JSON.parse(strFromU8(entries['bundle.json'])) as {
    appVersion: string;
    config: { batchSize: number; model: { inputSize: number } };
    split: Record<string, string[]>;
    datasetSha256: string;
    weights: { file: string } | null;
  };
  const version = (JSON.parse(fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'package.json'), 'utf8')) as { version: string }).version;
  expect(bundle.appVersion).toBe(version);
  expect(bundle.config.batchSize).toBe(8);
  expect(bundle.config.model.inputSize).toBe(32);
  expect(bundle.split.train.length + bundle.split.val.length + bundle.split.test.length).toBe(subset.count);
  expect(bundle.datasetSha256).toMatch(/^[0-9a-f]{64}$/);
  expect(bundle.weights?.file).toBe('weights/model.safetensors');
  expect(entries['weights/model.safetensors'].length).toBeGreaterThan(1000);

  // Every image's hash is the SHA-256 of the tile on disk.
  const rows = strFromU8(entries['data/files.csv']).trim().split('\n').slice(1);
  expect(rows).toHaveLength(subset.count);
  const [relative, sha256] = rows[0].split(',');
  const onDisk = path.join(path.dirname(subset.dir), relative);
  expect(sha256).toBe(createHash('sha256').update(fs.readFileSync(onDisk)).digest('hex'));
  expect(strFromU8(entries['curves/steps.csv']).trim().split('\n').length).toBeGreaterThan(1);
});
