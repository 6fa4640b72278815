import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';

import { RequestRecorder } from './request-recorder';
import { LC25000, SHARED, makeLc25000Subset, readLc25000Groups } from './shared-data';

// Start from an empty studio: no dismissal stored, so the guided run opens by itself.
test.use({ storageState: { cookies: [], origins: [] } });

const SCREENSHOTS = path.resolve('docs', 'screenshots');

async function screenshotStep(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `wizard-${name}.png`), fullPage: false });
}

test('guided run to results on WebGPU', async ({ page, context, baseURL }) => {
  // All 6,035 shared LC25000 tiles, as a new user would drop them. WIZARD_SUBSET=1 takes 16 groups
  // per class, 3 tiles each, for a quick check of the flow.
  test.setTimeout(30 * 60_000);
  const recorder = new RequestRecorder(context, new URL(baseURL!).origin);
  const subset = process.env.WIZARD_SUBSET === '1' ? makeLc25000Subset(16, 3) : { dir: LC25000, count: readLc25000Groups().length };
  const count = subset.count.toLocaleString('en-US');
  const started = Date.now();

  page.on('console', (message) => {
    if (message.type() === 'error') console.log(`[browser] ${message.text()}`);
  });
  await page.goto('/');
  const wizard = page.getByTestId('wizard');
  await expect(wizard).toBeVisible();
  await expect(wizard.getByTestId('wizard-heading')).toBeFocused();

  // The dialog is modal: Tab and Shift+Tab never reach the panels behind it.
  for (const key of ['Tab', 'Shift+Tab']) {
    for (let press = 0; press < 12; press++) {
      await page.keyboard.press(key);
      expect(await wizard.evaluate((dialog) => dialog.contains(document.activeElement)), `${key} press ${press + 1}`).toBe(true);
    }
  }
  await page.getByTestId('backend-select').selectOption('webgpu');
  await expect(page.getByTestId('backend-badge')).toHaveText('webgpu', { timeout: 60_000 });

  // 1. Images and groups.
  await wizard.getByTestId('wizard-folder-input').setInputFiles(subset.dir);
  await expect(wizard.getByTestId('wizard-images-summary')).toContainText(`${count} images in 3 classes`, { timeout: 600_000 });
  console.log(`[wizard] images loaded after ${((Date.now() - started) / 1000).toFixed(0)} s`);
  await wizard.getByTestId('wizard-groups-input').setInputFiles(path.join(LC25000, 'groups.csv'));
  await expect(wizard.getByTestId('wizard-groups-message')).toContainText(`${count} of ${count} images got a group`);
  await screenshotStep(page, '1-images');
  await wizard.getByTestId('wizard-next').click();

  // 2. Reports.
  await expect(wizard.getByTestId('wizard-heading')).toHaveText('Step 2 of 5: Reports');
  await expect(wizard.getByTestId('wizard-heading')).toBeFocused();
  await wizard.getByTestId('wizard-reports-input').setInputFiles(path.join(SHARED, 'data', 'tcga-reports', 'lung_reports.jsonl'));
  await expect(wizard.getByTestId('wizard-reports-summary')).toContainText('989 reports loaded', { timeout: 60_000 });
  await screenshotStep(page, '2-reports');
  await wizard.getByTestId('wizard-next').click();

  // 3. CLIP: the demo CLIP is preselected; "load your own" explains the folder layout.
  await expect(wizard.getByTestId('wizard-heading')).toHaveText('Step 3 of 5: CLIP');
  await expect(wizard.getByTestId('wizard-clip-demo')).toBeChecked();
  await wizard.getByTestId('wizard-clip-own').check();
  await expect(wizard.getByTestId('wizard-own-clip-help')).toContainText('PLIP');
  await expect(wizard.getByTestId('wizard-own-clip-help')).toContainText('QuiltNet');
  await expect(wizard.getByTestId('wizard-own-clip-help')).toContainText('merges.txt');
  await wizard.getByTestId('wizard-clip-demo').check();
  await wizard.getByTestId('wizard-pair').click();
  await expect(wizard.getByTestId('wizard-clip-summary')).toContainText('on webgpu', { timeout: 120_000 });
  // The demo CLIP's training groups leave the split.
  await expect(wizard.getByTestId('wizard-excluded')).toContainText('images left out of every split');
  await expect(wizard.getByTestId('wizard-retrieval-summary')).toContainText(`${count} images paired with 989 texts`, { timeout: 600_000 });
  console.log(`[wizard] pairs after ${((Date.now() - started) / 1000).toFixed(0)} s`);
  await screenshotStep(page, '3-clip');
  await wizard.getByTestId('wizard-next').click();

  // 4. Baseline vs CLIP-IT with the fast preset, three seeds, then zero-shot.
  await expect(wizard.getByTestId('wizard-heading')).toHaveText('Step 4 of 5: Baseline vs CLIP-IT');
  await expect(wizard.getByTestId('wizard-preset-cpu')).toBeChecked();
  await expect(wizard.getByTestId('wizard-seeds')).toHaveValue('0,1,2');
  await wizard.getByTestId('wizard-run').click();
  await expect(wizard.getByRole('progressbar').first()).toBeVisible({ timeout: 120_000 });
  await screenshotStep(page, '4-compare-running');
  // Log each phase of the comparison as it starts, for the wall-time figures in the test output.
  let phase = '';
  await expect
    .poll(
      async () => {
        const status = (await wizard.getByTestId('wizard-status').textContent().catch(() => null)) ?? '';
        const current = status.split(/[·:(]/)[0]!.trim();
        if (current && current !== phase) console.log(`[wizard] ${((Date.now() - started) / 1000).toFixed(0)} s: ${(phase = current)}`);
        return wizard.getByTestId('wizard-next').isEnabled();
      },
      { intervals: [2000], timeout: 25 * 60_000 },
    )
    .toBe(true);
  await expect(wizard.getByTestId('wizard-status')).toContainText('Completed');
  await screenshotStep(page, '4-compare');
  await wizard.getByTestId('wizard-next').click();

  // 5. Results: mean ± std over 3 seeds per method, and the zero-shot row.
  await expect(wizard.getByTestId('wizard-heading')).toHaveText('Step 5 of 5: Results');
  const table = wizard.getByTestId('comparison-table');
  await expect(table).toContainText('mean ± std over 3 seed(s), on webgpu');
  for (const stage of ['unimodal', 'clipit']) await expect(table.getByTestId(`comparison-bacc-${stage}`)).toHaveText(/^\d+\.\d ± \d+\.\d%$/);
  await expect(table.getByTestId('comparison-bacc-zero-shot')).toHaveText(/^\d+\.\d%$/);
  await expect(wizard.getByTestId('wizard-demo-supervision')).toContainText('extra supervision');
  expect(Number(await table.getByTestId('comparison-chart').getAttribute('data-points'))).toBe(3);
  await screenshotStep(page, '5-results');

  const figures = {
    unimodal: await table.getByTestId('comparison-bacc-unimodal').textContent(),
    clipit: await table.getByTestId('comparison-bacc-clipit').textContent(),
    zeroShot: await table.getByTestId('comparison-bacc-zero-shot').textContent(),
    wizardWallTime: await wizard.getByTestId('wizard-wall-time').textContent(),
  };
  // Chance is 33.3 %; both methods reach about 85 % on wasm with this preset. A broken WebGPU
  // kernel or gradient shows up here as a model stuck on one class.
  if (process.env.WIZARD_SUBSET !== '1') {
    for (const stage of ['unimodal', 'clipit'] as const) expect(Number.parseFloat(figures[stage] ?? ''), `${stage} balanced accuracy`).toBeGreaterThan(60);
  }
  console.log(`[wizard] ${subset.count} tiles, wall time ${((Date.now() - started) / 1000).toFixed(0)} s; balanced accuracy ${JSON.stringify(figures)}`);

  // Escape closes the wizard and it stays closed after a reload; the header button reopens it.
  await page.keyboard.press('Escape');
  await expect(wizard).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('backend-badge')).toBeVisible();
  await expect(page.getByTestId('wizard')).toHaveCount(0);
  await page.getByTestId('open-wizard').click();
  await expect(page.getByTestId('wizard-heading')).toBeFocused();

  expect(recorder.foreign, `requests to other origins: ${recorder.foreign.join(', ')}`).toEqual([]);
});
