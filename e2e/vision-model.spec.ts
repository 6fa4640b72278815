import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Download, type Page, expect, test } from '@playwright/test';

import { plainTimmTensors, timmConfigJson, writeModelFolder } from '../tests/unit/vit/tiny-vit-fixture';
import { RequestRecorder } from './request-recorder';
import { SHARED, makeLc25000Subset } from './shared-data';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODEL_FILES = ['config.json', 'group1-shard1of1.bin', 'model.json', 'model.safetensors'];

interface PredictionRow {
  path: string;
  predicted: string;
  probabilities: number[];
}

/** Parses the predictions CSV (no quoted cells: the tile paths hold no commas). */
function parsePredictions(csv: string): PredictionRow[] {
  const [header, ...lines] = csv.trim().split('\n');
  expect(header).toBe('path,predicted,confidence,p_lung_aca,p_lung_n,p_lung_scc');
  return lines.map((line) => {
    const cells = line.split(',');
    return { path: cells[0], predicted: cells[1], probabilities: cells.slice(3).map(Number) };
  });
}

function runPredict(modelDir: string, images: string, format: 'safetensors' | 'tfjs', out: string): PredictionRow[] {
  execFileSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', 'predict.ts'), '--model', modelDir, '--images', images, '--out', out, '--format', format, '--backend', 'cpu'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
  return parsePredictions(fs.readFileSync(out, 'utf8'));
}

/** Classifies `images` with the model loaded in the studio and returns the exported CSV rows, paths relative to the folder. */
async function predictInStudio(page: Page, images: string, expected: number): Promise<PredictionRow[]> {
  await page.getByTestId('predict-images-input').setInputFiles(images);
  await expect(page.getByTestId('predictions-count')).toContainText(`${expected} tiles classified`, { timeout: 180_000 });
  await expect(page.getByTestId('predictions-table').locator('tbody tr')).toHaveCount(expected);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-predictions').click()]);
  const csv = fs.readFileSync((await download.path())!, 'utf8');
  const root = `${path.basename(images)}/`;
  return parsePredictions(csv).map((row) => ({ ...row, path: row.path.startsWith(root) ? row.path.slice(root.length) : row.path }));
}

function expectSamePredictions(actual: PredictionRow[], expected: PredictionRow[], tolerance: number): void {
  const byPath = new Map(expected.map((row) => [row.path, row]));
  expect(actual.map((row) => row.path).sort()).toEqual([...byPath.keys()].sort());
  for (const row of actual) {
    const other = byPath.get(row.path)!;
    expect(row.predicted, row.path).toBe(other.predicted);
    row.probabilities.forEach((p, i) => expect(Math.abs(p - other.probabilities[i]), `${row.path} class ${i}`).toBeLessThan(tolerance));
  }
}

test('trains CLIP-IT on a ViT backbone, exports it and classifies with the import', async ({ page, context, baseURL }, testInfo) => {
  const recorder = new RequestRecorder(context, new URL(baseURL!).origin);
  const subset = makeLc25000Subset(2, 2);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vision-model-e2e-'));

  // A tiny random timm ViT (patch 8, 32 px) and 20 real reports keep SwiftShader fast.
  const vitDir = writeModelFolder(path.join(work, 'tiny-vit'), plainTimmTensors(8), timmConfigJson('token'));
  const reports = path.join(work, 'reports.jsonl');
  const reportLines = fs.readFileSync(path.join(SHARED, 'data', 'tcga-reports', 'lung_normal_descriptions.jsonl'), 'utf8').trim().split('\n').slice(0, 20);
  fs.writeFileSync(reports, `${reportLines.join('\n')}\n`);

  await page.goto('/');
  await page.getByTestId('backend-select').selectOption('webgpu');
  await expect(page.getByTestId('backend-badge')).toHaveText('webgpu', { timeout: 60_000 });

  await page.getByTestId('folder-input').setInputFiles(subset.dir);
  await expect(page.getByTestId('dataset-summary')).toContainText(`${subset.count} images in 3 classes`, { timeout: 120_000 });
  await page.getByTestId('reports-input').setInputFiles(reports);
  await expect(page.getByTestId('reports-count')).toHaveText('20', { timeout: 60_000 });
  await page.getByTestId('clip-folder-input').setInputFiles(path.join(SHARED, 'fixtures', 'tiny-clip'));
  await expect(page.getByTestId('clip-summary')).toContainText('embedding 32', { timeout: 60_000 });
  await page.getByTestId('run-retrieval').click();
  await expect(page.getByTestId('retrieval-summary')).toContainText(`${subset.count} images paired with 20 texts`, { timeout: 300_000 });

  // A bad ViT folder names the file and keeps nothing half-loaded.
  await page.getByTestId('clipit-backbone').selectOption('vit');
  await page.getByTestId('vit-folder-input').setInputFiles(path.join(SHARED, 'fixtures', 'tiny-clip'));
  await expect(page.getByTestId('vit-error')).toContainText('model.safetensors');
  await page.getByTestId('vit-folder-input').setInputFiles(vitDir);
  await expect(page.getByTestId('vit-summary')).toContainText('timm ViT, 2 layers × 32, 4 heads, 8 px patches, pretrained at 32 px');
  await expect(page.getByTestId('vit-error')).toHaveCount(0);

  // CLIP-IT alone, one seed, frozen text tower: LoRA on the ViT attention projections only.
  await page.getByTestId('stage-unimodal').uncheck();
  await page.getByTestId('stage-text').uncheck();
  await page.getByTestId('clipit-seeds').fill('0');
  await page.getByTestId('clipit-inputSize').selectOption('32');
  await page.getByTestId('clipit-epochs').fill('3');
  await page.getByTestId('clipit-batchSize').fill('4');
  await page.getByTestId('clipit-loraRank').fill('4');
  await page.getByTestId('clipit-textLora').uncheck();
  await page.getByTestId('start-comparison').click();

  // The status line shows the training speed only while a stage runs, so read it as it goes.
  const speeds: number[] = [];
  const table = page.getByTestId('comparison-table');
  while (!(await table.isVisible())) {
    const status = (await page.getByTestId('clipit-status').textContent().catch(() => '')) ?? '';
    const match = /([\d.]+) img\/s/.exec(status);
    if (match) speeds.push(Number(match[1]));
    await page.waitForTimeout(250);
  }
  await expect(page.getByTestId('clipit-status')).toContainText('Completed');
  await expect(page.getByTestId('comparison-bacc-clipit')).toHaveText(/^\d+\.\d%$/);
  expect(speeds.length).toBeGreaterThan(0);
  const speed = speeds[speeds.length - 1];
  testInfo.annotations.push({ type: 'clipit-images-per-second', description: `${speed} images/s, timm ViT 2x32 patch 8 at 32 px, batch 4, webgpu` });
  console.log(`CLIP-IT training on webgpu: ${speed} images/s (tiny timm ViT, 32 px tiles, batch 4)`);

  // Export: four files that together form the model folder.
  const exported = path.join(work, 'exported-model');
  fs.mkdirSync(exported);
  const downloads: Download[] = [];
  page.on('download', (download) => downloads.push(download));
  await page.getByTestId('export-clipit-model').click();
  await expect.poll(() => downloads.length, { timeout: 60_000 }).toBe(MODEL_FILES.length);
  for (const download of downloads) await download.saveAs(path.join(exported, download.suggestedFilename()));
  expect(fs.readdirSync(exported).sort()).toEqual(MODEL_FILES);
  const config = JSON.parse(fs.readFileSync(path.join(exported, 'config.json'), 'utf8'));
  expect(config.backbone.kind).toBe('vit');
  expect(config.backbone.inputSize).toBe(32);

  // Import the safetensors folder and classify the tiles.
  await page.getByTestId('model-folder-input').setInputFiles(exported);
  await expect(page.getByTestId('model-summary')).toContainText('(safetensors): ViT at 32 px, fusion head, classes lung_aca, lung_n, lung_scc');
  const fromSafetensors = await predictInStudio(page, subset.dir, subset.count);
  await page.getByTestId('predict-panel').screenshot({ path: testInfo.outputPath('predictions.png') });

  // The tfjs files alone give the same predictions.
  const tfjsOnly = path.join(work, 'tfjs-model');
  fs.mkdirSync(tfjsOnly);
  for (const name of ['model.json', 'group1-shard1of1.bin']) fs.copyFileSync(path.join(exported, name), path.join(tfjsOnly, name));
  await page.getByTestId('model-folder-input').setInputFiles(tfjsOnly);
  await expect(page.getByTestId('model-summary')).toContainText('(tfjs): ViT at 32 px');
  const fromTfjs = await predictInStudio(page, subset.dir, subset.count);
  expectSamePredictions(fromTfjs, fromSafetensors, 1e-6);

  // npm run predict on the CPU, without the ViT folder, the CLIP or the reports, agrees with the browser.
  fs.rmSync(vitDir, { recursive: true });
  fs.rmSync(reports);
  const fromNode = runPredict(exported, subset.dir, 'safetensors', path.join(work, 'node-safetensors.csv'));
  const fromNodeTfjs = runPredict(tfjsOnly, subset.dir, 'tfjs', path.join(work, 'node-tfjs.csv'));
  expectSamePredictions(fromNodeTfjs, fromNode, 1e-6);
  // The browser decodes JPEG with createImageBitmap and Node with jpeg-js (pixels may differ by one level),
  // and WebGPU rounds differently from the tfjs CPU backend, so the two agree on the class and within 1e-3.
  expectSamePredictions(fromSafetensors, fromNode, 1e-3);

  await page.getByTestId('clipit-panel').screenshot({ path: testInfo.outputPath('vit-backbone.png') });
  expect(recorder.foreign, `requests to other origins: ${recorder.foreign.join(', ')}`).toEqual([]);
});
