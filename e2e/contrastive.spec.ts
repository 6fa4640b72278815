import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';

import { LC25000, SHARED, makeLc25000Subset } from './shared-data';

test('contrastive fine-tuning and undo', async ({ page }) => {
  const subset = makeLc25000Subset(8, 3);

  page.on('console', (message) => {
    if (message.type() === 'error') console.log(`[browser] ${message.text()}`);
  });
  await page.goto('/');
  await page.getByTestId('backend-select').selectOption('webgpu');
  await expect(page.getByTestId('backend-badge')).toHaveText('webgpu', { timeout: 60_000 });
  await page.getByTestId('folder-input').setInputFiles(subset.dir);
  await expect(page.getByTestId('dataset-summary')).toContainText(`${subset.count} images in 3 classes`, { timeout: 120_000 });
  await page.getByTestId('groups-input').setInputFiles(path.join(LC25000, 'groups.csv'));
  await page.getByTestId('groups-apply').click();
  await page.getByTestId('load-demo-clip').click();
  await expect(page.getByTestId('clip-summary')).toContainText('demo CLIP', { timeout: 60_000 });
  const originalSummary = await page.getByTestId('clip-summary').textContent();

  // Zero-shot before fine-tuning.
  await page.getByTestId('zero-shot-run').click();
  await expect(page.getByTestId('zero-shot-result-zero-shot')).toContainText('balanced accuracy', { timeout: 300_000 });

  // Class prompts, LoRA on both towers, two short epochs.
  const panel = page.getByTestId('contrastive-panel');
  await panel.getByTestId('contrastive-source-prompts').check();
  await panel.getByTestId('contrastive-epochs').fill('2');
  await panel.getByTestId('contrastive-batch').fill('8');
  await panel.getByTestId('contrastive-start').click();
  await expect(panel.getByTestId('contrastive-result').or(panel.getByRole('alert'))).toBeVisible({ timeout: 540_000 });
  await expect(panel.getByTestId('contrastive-result')).toContainText('Completed');
  await expect(panel.getByTestId('contrastive-recall')).toContainText('epoch 2');
  await expect(panel.getByTestId('contrastive-recall')).toContainText(/image→text @1 \d+\.\d%/);
  expect(Number(await panel.getByTestId('contrastive-loss-chart').getAttribute('data-points'))).toBeGreaterThan(0);

  // Only train and validation images are paired, so the zero-shot test result below stays unseen.
  const classRows = page.getByTestId('split-table').locator('tbody tr:not(.total)');
  let trainAndVal = 0;
  for (const row of await classRows.all()) {
    const cells = await row.locator('td').allTextContents();
    trainAndVal += Number(cells[1]) + Number(cells[2]);
  }
  const trainPairs = Number(/on (\d+) training pairs/.exec((await panel.getByTestId('contrastive-result').textContent()) ?? '')?.[1]);
  const heldOutPairs = Number(/\((\d+) pairs/.exec((await panel.getByTestId('contrastive-recall').textContent()) ?? '')?.[1]);
  expect(trainPairs + heldOutPairs, 'training and held-out pairs').toBe(trainAndVal);

  // The fine-tuned CLIP is loaded, with other weights; zero-shot now gives the "Contrastive" row.
  await expect(page.getByTestId('clip-summary')).toContainText('demo CLIP (fine-tuned)');
  expect(await page.getByTestId('clip-summary').textContent()).not.toEqual(originalSummary);
  await page.getByTestId('zero-shot-run').click();
  await expect(page.getByTestId('zero-shot-result-contrastive')).toContainText('balanced accuracy', { timeout: 300_000 });

  // Undo: the CLIP as loaded comes back, weights hash included.
  await panel.getByTestId('contrastive-restore').click();
  await expect(page.getByTestId('clip-summary')).toHaveText(originalSummary!);
  await expect(panel.getByTestId('contrastive-restore')).toBeDisabled();
});

test('contrastive pairs from report subsets and from a CSV', async ({ page }) => {
  const subset = makeLc25000Subset(6, 3);
  const reportsDir = path.join(SHARED, 'data', 'tcga-reports');

  await page.goto('/');
  await page.getByTestId('backend-select').selectOption('webgpu');
  await expect(page.getByTestId('backend-badge')).toHaveText('webgpu', { timeout: 60_000 });
  await page.getByTestId('folder-input').setInputFiles(subset.dir);
  await expect(page.getByTestId('dataset-summary')).toContainText(`${subset.count} images in 3 classes`, { timeout: 120_000 });
  await page.getByTestId('groups-input').setInputFiles(path.join(LC25000, 'groups.csv'));
  await page.getByTestId('groups-apply').click();
  await page.getByTestId('reports-input').setInputFiles([path.join(reportsDir, 'lung_reports.jsonl'), path.join(reportsDir, 'lung_normal_descriptions.jsonl')]);
  await expect(page.getByTestId('reports-summary')).toContainText('reports loaded', { timeout: 60_000 });
  await page.getByTestId('load-demo-clip').click();
  await expect(page.getByTestId('clip-summary')).toContainText('demo CLIP', { timeout: 60_000 });

  // Each class is paired with the passages of its own report subset, chosen by a metadata value.
  const panel = page.getByTestId('contrastive-panel');
  await panel.getByTestId('contrastive-source-reports').check();
  await panel.getByTestId('contrastive-report-field').selectOption('project_or_label');
  const subsets = { lung_aca: 'LUAD', lung_n: 'background_nonneoplastic_lung', lung_scc: 'LUSC' };
  for (const [className, value] of Object.entries(subsets)) await panel.getByRole('combobox', { name: className, exact: true }).selectOption(value);
  await panel.getByTestId('contrastive-epochs').fill('1');
  await panel.getByTestId('contrastive-batch').fill('8');
  await panel.getByTestId('contrastive-start').click();
  await expect(panel.getByTestId('contrastive-result').or(panel.getByRole('alert'))).toBeVisible({ timeout: 300_000 });
  await expect(panel.getByTestId('contrastive-result')).toContainText('Completed');
  await expect(panel.getByTestId('contrastive-recall')).toContainText(/image→text @1 \d+\.\d%/);
  await panel.getByTestId('contrastive-restore').click();

  // A CSV of image,text pairs, one row per tile, paths relative to the image folder.
  const rows = fs
    .readdirSync(subset.dir)
    .flatMap((className) => fs.readdirSync(path.join(subset.dir, className)).map((file) => `${className}/${file},an H&E tile of ${className.replace('_', ' ')}`));
  const csvPath = path.join(path.dirname(subset.dir), 'pairs.csv');
  fs.writeFileSync(csvPath, ['image,text', ...rows].join('\n'));
  await panel.getByTestId('contrastive-source-csv').check();
  await panel.getByTestId('contrastive-csv').setInputFiles(csvPath);
  await expect(panel).toContainText(`${rows.length} rows from pairs.csv`);
  await panel.getByTestId('contrastive-start').click();
  await expect(panel.getByTestId('contrastive-result').or(panel.getByRole('alert'))).toContainText(/Completed|failed|Failed/, { timeout: 300_000 });
  await expect(panel.getByTestId('contrastive-result')).toContainText('Completed');
});
