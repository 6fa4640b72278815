/**
 * Measures the studio page itself: importing a folder of tiles (tiles/s, peak memory) and the
 * main thread's long tasks while the worker trains on each backend. Long tasks come from a
 * PerformanceObserver of type `longtask` (tasks of 50 ms or more) installed before the page loads.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

import type { Page } from 'playwright-core';

import type { BackendName } from '../../src/worker-protocol';
import type { HeadlessRunner } from '../headless/runner';
import { chromiumRssBytes, pageMemoryBytes } from './process-memory';

/** Interval between memory samples during the import, in ms. */
const SAMPLE_MS = 500;

/** Time for the studio to switch backends; WebGPU on SwiftShader can take tens of seconds to start. */
const BACKEND_SWITCH_TIMEOUT_MS = 180_000;

/** Time for the backend measurement the studio runs when it opens without a saved preference. */
const STARTUP_MEASUREMENT_TIMEOUT_MS = 600_000;

/** Badge texts while the studio measures or switches backends, or has none yet. */
const BUSY_BADGES = ['', 'measuring…', 'selecting…', 'no backend'];

/** Timeout of single clicks and selections, in ms, because the page is set to wait without limit. */
const ACTION_TIMEOUT_MS = 30_000;

export interface LongTaskSummary {
  windowSeconds: number;
  count: number;
  longestMs: number;
  totalMs: number;
}

export interface StudioImportMeasurement {
  files: number;
  importedImages: number;
  seconds: number;
  tilesPerSecond: number;
  peakMainHeapMiB: number;
  peakChromiumRssMiB: number;
  /** `performance.measureUserAgentSpecificMemory()` after the import; null when unavailable. */
  pageMemoryAfterMiB: number | null;
  longTasks: LongTaskSummary;
}

export interface StudioTrainingMeasurement {
  backend: BackendName;
  /** From the click on Start to the first loss point: decoding the tiles in the worker and the first step. */
  secondsToFirstStep: number | null;
  steps: number;
  /** Long tasks from the first loss point until the run was stopped. */
  longTasks: LongTaskSummary | null;
  /** Long tasks from the click on Start until the run was stopped, decoding included. */
  longTasksWithDecoding: LongTaskSummary;
  error?: string;
}

interface LongTaskEntry {
  startTime: number;
  duration: number;
}

declare global {
  interface Window {
    benchLongTasks?: LongTaskEntry[];
  }
}

const MIB = 2 ** 20;

/** Number of files below the class folders of `folder`, as the studio counts tiles. */
export function countTiles(folder: string): number {
  return readdirSync(folder)
    .filter((name) => statSync(path.join(folder, name)).isDirectory())
    .reduce((sum, name) => sum + readdirSync(path.join(folder, name)).length, 0);
}

function summariseLongTasks(entries: LongTaskEntry[], fromMs: number, toMs: number): LongTaskSummary {
  const inside = entries.filter((entry) => entry.startTime >= fromMs && entry.startTime < toMs);
  return {
    windowSeconds: (toMs - fromMs) / 1000,
    count: inside.length,
    longestMs: Math.max(0, ...inside.map((entry) => entry.duration)),
    totalMs: inside.reduce((sum, entry) => sum + entry.duration, 0),
  };
}

async function pageNow(page: Page): Promise<number> {
  return page.evaluate(() => performance.now());
}

async function longTaskEntries(page: Page): Promise<LongTaskEntry[]> {
  return page.evaluate(() => window.benchLongTasks ?? []);
}

/** Opens the studio in a fresh context with the long-task observer installed. */
export async function openStudio(runner: HeadlessRunner, verbose: boolean): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await runner.newContext();
  await context.addInitScript(() => {
    window.benchLongTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.benchLongTasks!.push({ startTime: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  const page = await context.newPage();
  page.setDefaultTimeout(0);
  page.on('crash', () => process.stderr.write('[bench] the studio page crashed\n'));
  if (verbose) page.on('console', (message) => process.stderr.write(`[studio ${message.type()}] ${message.text()}\n`));
  await page.goto(`${runner.origin}/`);
  await page.getByTestId('folder-input').waitFor({ state: 'attached', timeout: 60_000 });

  // With no saved preference the studio measures every backend on load, which takes a minute
  // or more on SwiftShader. An import meanwhile would compete with it for the cores.
  // A first visit may open the guided-run dialog over the page; the benchmark drives the page itself.
  const wizardClose = page.getByTestId('wizard-close');
  if (await wizardClose.isVisible({ timeout: 1000 }).catch(() => false)) await wizardClose.click({ timeout: ACTION_TIMEOUT_MS });

  const badge = page.getByTestId('backend-badge');
  const idle = await waitFor(async () => !BUSY_BADGES.includes((await badge.textContent({ timeout: 1000 }).catch(() => '')) ?? ''), STARTUP_MEASUREMENT_TIMEOUT_MS);
  if (!idle) throw new Error(`The studio's backend measurement timed out after ${STARTUP_MEASUREMENT_TIMEOUT_MS / 1000} s; rerun with --verbose to see the page console.`);
  return { page, close: () => context.close() };
}

/** Imports `folder` through the folder input and waits for the dataset summary. */
export async function measureImport(page: Page, folder: string): Promise<StudioImportMeasurement> {
  const files = countTiles(folder);
  let peakHeap = 0;
  let peakRss = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakRss = Math.max(peakRss, chromiumRssBytes());
      const heap = await page.evaluate(() => (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0).catch(() => 0);
      peakHeap = Math.max(peakHeap, heap);
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
  })();

  const startedAt = await pageNow(page);
  const started = performance.now();
  await page.getByTestId('folder-input').setInputFiles(folder, { timeout: ACTION_TIMEOUT_MS });
  await page.getByTestId('dataset-summary').waitFor();
  const seconds = (performance.now() - started) / 1000;
  const endedAt = await pageNow(page);
  sampling = false;
  await sampler;

  const summary = (await page.getByTestId('dataset-summary').textContent()) ?? '';
  const importedImages = Number(/([\d,]+) images/.exec(summary)?.[1].replace(/,/g, '') ?? NaN);
  const pageMemory = await pageMemoryBytes(page);

  return {
    files,
    importedImages,
    seconds,
    tilesPerSecond: files / seconds,
    peakMainHeapMiB: peakHeap / MIB,
    peakChromiumRssMiB: peakRss / MIB,
    pageMemoryAfterMiB: pageMemory === null ? null : pageMemory / MIB,
    longTasks: summariseLongTasks(await longTaskEntries(page), startedAt, endedAt),
  };
}

async function lossPoints(page: Page): Promise<number> {
  // The chart exists only once a run has started, so a short timeout reads its absence as 0.
  return Number((await page.getByTestId('loss-chart').getAttribute('data-points', { timeout: 1000 }).catch(() => '0')) ?? 0);
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

/**
 * Switches the studio to `backend` and starts a training run on the imported tiles with the
 * studio's default settings. The run trains for `trainMs` after its first step, or until
 * `deadlineMs` from the start has passed. Then it is stopped and its long tasks summarised.
 */
export async function measureTraining(page: Page, backend: BackendName, trainMs: number, deadlineMs: number): Promise<StudioTrainingMeasurement> {
  try {
    return await trainAndObserve(page, backend, trainMs, deadlineMs);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    if (process.env.BENCH_SCREENSHOT) await page.screenshot({ path: process.env.BENCH_SCREENSHOT, fullPage: true }).catch(() => undefined);
    return { backend, secondsToFirstStep: null, steps: 0, longTasks: null, longTasksWithDecoding: { windowSeconds: 0, count: 0, longestMs: 0, totalMs: 0 }, error: message };
  }
}

async function trainAndObserve(page: Page, backend: BackendName, trainMs: number, deadlineMs: number): Promise<StudioTrainingMeasurement> {
  // The select stays disabled until a stopped run has finished its last step (15 s or more on SwiftShader).
  const select = page.getByTestId('backend-select');
  await waitFor(async () => select.isEnabled({ timeout: 1000 }).catch(() => false), BACKEND_SWITCH_TIMEOUT_MS);
  await select.selectOption(backend, { timeout: ACTION_TIMEOUT_MS });
  const badge = page.getByTestId('backend-badge');
  const switched = await waitFor(async () => (await badge.textContent({ timeout: 1000 }).catch(() => ''))?.trim() === backend, BACKEND_SWITCH_TIMEOUT_MS);
  const emptyTasks = { windowSeconds: 0, count: 0, longestMs: 0, totalMs: 0 };
  if (!switched) {
    return { backend, secondsToFirstStep: null, steps: 0, longTasks: null, longTasksWithDecoding: emptyTasks, error: `the studio did not switch to ${backend} within ${BACKEND_SWITCH_TIMEOUT_MS / 1000} s` };
  }

  const pointsBefore = await lossPoints(page);
  const clickedAt = await pageNow(page);
  const started = performance.now();
  await page.getByTestId('start-training').click({ timeout: ACTION_TIMEOUT_MS });

  const firstStep = await waitFor(async () => (await lossPoints(page)) > 0 && (await lossPoints(page)) !== pointsBefore, deadlineMs);
  const firstStepAt = firstStep ? await pageNow(page) : null;
  const secondsToFirstStep = firstStep ? (performance.now() - started) / 1000 : null;
  if (firstStep) {
    const remaining = Math.max(0, Math.min(trainMs, deadlineMs - (performance.now() - started)));
    const phase = page.getByTestId('run-status');
    await waitFor(async () => !['decoding', 'training', 'evaluating'].includes((await phase.getAttribute('data-phase', { timeout: 1000 }).catch(() => null)) ?? ''), remaining);
  }

  const stoppedAt = await pageNow(page);
  const steps = await lossPoints(page);
  const stop = page.getByTestId('stop-training');
  if (await stop.isEnabled({ timeout: 1000 }).catch(() => false)) await stop.click({ timeout: 10_000 });
  await waitFor(async () => !(await stop.isEnabled({ timeout: 1000 }).catch(() => false)), 120_000);

  const entries = await longTaskEntries(page);
  return {
    backend,
    secondsToFirstStep,
    steps,
    longTasks: firstStepAt === null ? null : summariseLongTasks(entries, firstStepAt, stoppedAt),
    longTasksWithDecoding: summariseLongTasks(entries, clickedAt, stoppedAt),
    error: firstStep ? undefined : `no training step within ${Math.round(deadlineMs / 1000)} s`,
  };
}
