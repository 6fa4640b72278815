import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';

import { LC25000, makeLc25000Subset, SHARED } from './shared-data';

const BAD_INPUTS = path.join(SHARED, 'data', 'bad-inputs', 'images');

/** Import report rows as {path, reason, text}, read from the data attributes the report sets. */
async function reportRows(page: Page): Promise<{ path: string; reason: string; text: string }[]> {
  const rows = page.getByTestId('import-report-row');
  const count = await rows.count();
  const result: { path: string; reason: string; text: string }[] = [];
  for (let i = 0; i < count; i++) {
    const row = rows.nth(i);
    result.push({
      path: (await row.getAttribute('data-path')) ?? '',
      reason: (await row.getAttribute('data-reason')) ?? '',
      text: (await row.textContent()) ?? '',
    });
  }
  return result;
}

function rowFor(rows: { path: string; reason: string; text: string }[], fileName: string) {
  return rows.find((row) => row.path.endsWith(`/${fileName}`) || row.path === fileName);
}

async function thumbnailPaths(page: Page): Promise<string[]> {
  return page.getByTestId('thumbnail-grid').locator('img').evaluateAll((images) => images.map((image) => image.getAttribute('alt') ?? ''));
}

test('bad inputs: each skipped file listed with its reason', async ({ page }, testInfo) => {
  await page.goto('/');
  await page.getByTestId('folder-input').setInputFiles(BAD_INPUTS);

  // NORM and TUM are the classes; EMPTY_CLASS holds only a hidden .gitkeep.
  await expect(page.getByTestId('dataset-summary')).toContainText('in 2 classes', { timeout: 120_000 });
  await expect(page.getByTestId('import-report')).toBeVisible();
  await expect(page.getByTestId('drop-zone').locator('..').getByRole('alert')).toHaveCount(0);
  const rows = await reportRows(page);

  expect(rowFor(rows, 'empty.png')?.reason).toBe('empty file');
  expect(rowFor(rows, 'not_an_image.png')?.reason).toBe('not a decodable image');
  expect(rowFor(rows, 'huge_header.png')?.reason).toBe('dimensions over the limit');
  expect(rowFor(rows, 'huge_header.png')?.text).toContain('60000x60000');
  expect(rowFor(rows, 'huge_header.png')?.text).toContain('10000 px per side');
  expect(rowFor(rows, 'stray_top_level.png')?.reason).toBe('unlabelled');
  expect(rows.find((row) => row.path.replace(/\/$/, '').endsWith('EMPTY_CLASS'))?.reason).toBe('empty class');

  // one_pixel.png may be skipped as too small or imported, but never silently dropped.
  const thumbnails = await thumbnailPaths(page);
  const onePixel = rowFor(rows, 'one_pixel.png');
  if (onePixel) expect(onePixel.reason).toBe('too small');
  else expect(thumbnails.some((p) => p.endsWith('/one_pixel.png'))).toBe(true);

  // truncated.jpg: skipped with a reason or imported (with or without a warning).
  const truncated = rowFor(rows, 'truncated.jpg');
  const truncatedImported = thumbnails.some((p) => p.endsWith('/truncated.jpg'));
  expect(truncatedImported || (truncated !== undefined && truncated.reason !== '')).toBe(true);

  // Hidden and system files are ignored silently.
  for (const hidden of ['.DS_Store', 'Thumbs.db', '.gitkeep']) {
    expect(rows.some((row) => row.path.endsWith(hidden)), `${hidden} must not be listed`).toBe(false);
  }
  await expect(page.getByTestId('import-report')).not.toContainText('.DS_Store');
  await expect(page.getByTestId('import-report')).not.toContainText('Thumbs.db');

  const expectedImported = [
    'TUM/tile.webp',
    'TUM/cmyk.jpg',
    'TUM/rgb16.tif',
    'TUM/lzw.tif',
    'TUM/deflate.tif',
    'TUM/tile.bmp',
    'TUM/UPPER.JPEG',
    'TUM/tumör ü 01.png',
    'TUM/good_reference.jpg',
    'TUM/rgba.png',
    'TUM/grayscale.png',
    'NORM/norm_a.png',
    'NORM/nested/norm_a.png',
    'NORM/nested/deeper/deep.png',
  ];
  for (const expected of expectedImported) {
    expect(thumbnails, `${expected} should be imported`).toContain(`images/${expected}`);
  }
  expect(rows.some((row) => row.path.endsWith('tumör ü 01.png'))).toBe(false);
  await expect(page.getByTestId('class-counts')).toContainText('NORM');
  await expect(page.getByTestId('class-counts')).toContainText('TUM');

  // Four byte-identical PNGs: three in NORM and 'tumör ü 01.png' in TUM, so the set spans two classes.
  const duplicates = page.getByTestId('duplicates-warning');
  await expect(duplicates).toHaveAttribute('data-sets', '1');
  await expect(duplicates).toHaveAttribute('data-cross-class', '1');
  await expect(duplicates).toContainText('3 extra copies');

  // Identical files are stored once in OPFS; writing them from parallel lanes must not fail.
  await expect(page.getByTestId('saved-copy-note')).toBeVisible();
  await expect(page.getByTestId('storage-warning')).toHaveCount(0);

  await page.getByTestId('import-report').screenshot({ path: testInfo.outputPath('import-report.png') });

  // Excluding a class re-derives from the decoded files: only TUM remains, and including it again restores both.
  const importedCount = thumbnails.length;
  await page.getByTestId('exclude-NORM').check();
  await expect(page.getByTestId('dataset-summary')).toContainText(`${importedCount - 3} images in 1 classes`);
  await expect(page.getByTestId('layout-hint')).toContainText(/only one class/i);
  await page.getByTestId('exclude-NORM').uncheck();
  await expect(page.getByTestId('dataset-summary')).toContainText(`${importedCount} images in 2 classes`);

  // Merging NORM into TUM leaves one class with every image.
  await page.getByTestId('merge-NORM').selectOption('TUM');
  await expect(page.getByTestId('dataset-summary')).toContainText(`${importedCount} images in 1 classes`);
  await page.getByTestId('merge-NORM').selectOption('');
  await expect(page.getByTestId('dataset-summary')).toContainText(`${importedCount} images in 2 classes`);
});

test('failing import keeps the loaded dataset', async ({ page }) => {
  const subset = makeLc25000Subset(2, 3);
  expect(subset.count).toBe(18);

  // A folder of only broken files: nothing in it can become a dataset.
  const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'clipit-e2e-broken-')), 'broken');
  for (const [className, name] of [
    ['TUM', 'empty.png'],
    ['TUM', 'not_an_image.png'],
    ['NORM', 'huge_header.png'],
  ]) {
    fs.mkdirSync(path.join(broken, className), { recursive: true });
    fs.copyFileSync(path.join(BAD_INPUTS, 'TUM', name), path.join(broken, className, name));
  }

  await page.goto('/');
  await page.getByTestId('folder-input').setInputFiles(subset.dir);
  await expect(page.getByTestId('dataset-summary')).toContainText('18 images in 3 classes', { timeout: 120_000 });

  await page.getByTestId('folder-input').setInputFiles(broken);
  await expect(page.getByRole('alert')).toContainText('The previous dataset was kept', { timeout: 60_000 });
  await expect(page.getByTestId('import-report-failed')).toBeVisible();
  const rows = await reportRows(page);
  expect(rowFor(rows, 'empty.png')?.reason).toBe('empty file');
  expect(rowFor(rows, 'huge_header.png')?.reason).toBe('dimensions over the limit');

  await expect(page.getByTestId('dataset-summary')).toContainText('lc25000-subset');
  await expect(page.getByTestId('dataset-summary')).toContainText('18 images in 3 classes');
  await expect(page.getByTestId('class-counts')).toContainText('lung_scc');
  expect((await thumbnailPaths(page)).every((p) => p.startsWith('lc25000-subset/'))).toBe(true);
});

test('imported dataset survives a reload', async ({ page }) => {
  const subset = makeLc25000Subset(2, 3);

  await page.goto('/');
  await page.getByTestId('folder-input').setInputFiles(subset.dir);
  await expect(page.getByTestId('dataset-summary')).toContainText('18 images in 3 classes', { timeout: 120_000 });
  await page.getByTestId('exclude-lung_n').check();
  await expect(page.getByTestId('dataset-summary')).toContainText('12 images in 2 classes');

  // The manifest is written after the labelling changes; wait until the OPFS copy excludes lung_n.
  await expect
    .poll(
      () =>
        page.evaluate(async () => {
          try {
            const root = await navigator.storage.getDirectory();
            const studio = await root.getDirectoryHandle('clip-it-studio');
            const folder = await studio.getDirectoryHandle('imported-datasets');
            const text = await (await (await folder.getFileHandle('current.json')).getFile()).text();
            return (JSON.parse(text) as { labels: { exclude?: string[] } }).labels.exclude?.join(',') ?? '';
          } catch {
            return '';
          }
        }),
      { timeout: 30_000 },
    )
    .toBe('lung_n');

  await page.reload();
  await expect(page.getByTestId('dataset-summary')).toContainText('12 images in 2 classes', { timeout: 60_000 });
  await expect(page.getByTestId('exclude-lung_n')).toBeChecked();
  const firstThumbnail = page.getByTestId('thumbnail-grid').locator('img').first();
  await expect.poll(() => firstThumbnail.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBeGreaterThan(0);
});

test('flat folder labelled from a CSV', async ({ page }) => {
  // Six real tiles in one folder, without class subfolders; the labels and patients come from a CSV.
  const flat = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'clipit-e2e-flat-')), 'flat');
  fs.mkdirSync(flat);
  const rows = ['file,tissue,patient'];
  for (const [className, label] of [
    ['lung_aca', 'adenocarcinoma'],
    ['lung_n', 'normal'],
  ]) {
    const names = fs.readdirSync(path.join(LC25000, className)).sort().slice(0, 3);
    names.forEach((name, index) => {
      fs.copyFileSync(path.join(LC25000, className, name), path.join(flat, name));
      rows.push(`${name},${label},p${index}`);
    });
  }
  const labelsCsv = path.join(path.dirname(flat), 'labels.csv');
  fs.writeFileSync(labelsCsv, rows.join('\n') + '\n');

  await page.goto('/');
  await page.getByTestId('folder-input').setInputFiles(flat);
  await expect(page.getByRole('alert')).toContainText('No images inside class folders', { timeout: 60_000 });

  await page.getByTestId('labels-input').setInputFiles(labelsCsv);
  await expect(page.getByTestId('labels-path-column')).toHaveValue('file');
  await expect(page.getByTestId('labels-label-column')).toHaveValue('tissue');
  await expect(page.getByTestId('labels-group-column')).toHaveValue('patient');
  await page.getByTestId('labels-apply').click();

  await expect(page.getByTestId('dataset-summary')).toContainText('6 images in 2 classes');
  await expect(page.getByTestId('class-counts')).toContainText('adenocarcinoma');
  await expect(page.getByTestId('labels-message')).toContainText('6 image(s) labelled from labels.csv');
  await expect(page.getByText('Groups (patient / slide): 3 groups from labels.csv')).toBeVisible();
});
