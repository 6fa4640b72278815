import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';

import { LC25000, makeLc25000Subset, readLc25000Groups } from './shared-data';

test('demo CLIP loads and leaves its training groups out of the split', async ({ page }) => {
  const subset = makeLc25000Subset(6, 2);
  const trainGroups = new Set<string>(
    JSON.parse(readFileSync(path.resolve('public', 'models', 'demo-clip', 'training-groups.json'), 'utf8')).trainGroups,
  );
  const rows = readLc25000Groups();
  const subsetFiles = new Set(
    [...subset.groups].flatMap((group) =>
      rows
        .filter((row) => row.group === group)
        .slice(0, 2)
        .map((row) => row.filename),
    ),
  );
  const expectedExcluded = rows.filter((row) => subsetFiles.has(row.filename) && trainGroups.has(row.group)).length;

  await page.goto('/');
  await page.getByTestId('folder-input').setInputFiles(subset.dir);
  await expect(page.getByTestId('dataset-summary')).toContainText(`${subset.count} images in 3 classes`, { timeout: 120_000 });
  await page.getByTestId('groups-input').setInputFiles(path.join(LC25000, 'groups.csv'));
  await page.getByTestId('groups-apply').click();

  await page.getByTestId('load-demo-clip').click();
  await expect(page.getByTestId('clip-summary')).toContainText('demo CLIP', { timeout: 60_000 });
  await expect(page.getByTestId('clip-summary')).toContainText('embedding 64');
  await expect(page.getByText('not for diagnosis')).toBeVisible();

  if (expectedExcluded > 0) {
    await expect(page.getByTestId('split-excluded')).toContainText(`${expectedExcluded} images left out of every split`);
  } else {
    await expect(page.getByTestId('split-excluded')).toHaveCount(0);
  }
});
