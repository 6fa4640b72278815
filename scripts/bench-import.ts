/**
 * Measures the studio's image import in headless Chromium: wall time from
 * choosing the folder to the dataset summary, and memory (peak main-thread JS
 * heap, peak resident memory of all Chromium processes, and the page's total
 * from `performance.measureUserAgentSpecificMemory()` after the import).
 *
 * Usage: node --import tsx scripts/bench-import.ts [--dist DIR] [--port N] [--replicate N] [--out FILE]
 *   --dist       built studio to serve (default dist; run `npx vite build` first)
 *   --folder     folder with lung_aca/, lung_n/, lung_scc/ to import (default: the shared LC25000 lung tiles)
 *   --port       port for `vite preview` (default 4399)
 *   --replicate  also import the LC25000 tiles copied up to N files in a temp folder (default 0: off).
 *                Each copy gets a few extra bytes after the JPEG end marker, so every file has
 *                its own hash and the duplicate check does not collapse them.
 *   --out        JSON result (default bench-results/import.json)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { chromium, type Page } from 'playwright-core';

import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/chromium';
import { chromiumRssBytes, pageMemoryBytes } from './bench/process-memory';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = process.env.CLIPIT_SHARED ?? path.resolve(REPO_ROOT, '..', 'shared');
const LC25000 = path.join(SHARED, 'data', 'lc25000-lung');
const CLASSES = ['lung_aca', 'lung_n', 'lung_scc'];

/** Interval between memory samples during an import, in milliseconds. */
const SAMPLE_MS = 500;

/** Interval between progress lines on the console, in milliseconds. */
const PROGRESS_LOG_MS = 15_000;

interface ImportMeasurement {
  label: string;
  files: number;
  importedImages: number;
  seconds: number;
  filesPerSecond: number;
  peakMainHeapMiB: number;
  peakChromiumRssMiB: number;
  /** `measureUserAgentSpecificMemory()` after the import, all frames and workers of the page; null when unavailable. */
  pageMemoryAfterMiB: number | null;
  /** The studio's warning when copies could not be kept in OPFS; null when all were stored. */
  storageWarning: string | null;
}

const { values } = parseArgs({
  options: {
    dist: { type: 'string', default: 'dist' },
    port: { type: 'string', default: '4399' },
    replicate: { type: 'string', default: '0' },
    folder: { type: 'string' },
    out: { type: 'string', default: 'bench-results/import.json' },
  },
});

const port = Number(values.port);
const replicate = Number(values.replicate);
if (!Number.isInteger(port) || port <= 0) throw new Error(`Invalid --port "${values.port}": expected a port number.`);
if (!Number.isInteger(replicate) || replicate < 0) throw new Error(`Invalid --replicate "${values.replicate}": expected a whole number >= 0.`);

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

async function startPreview(): Promise<ChildProcess> {
  const server = spawn('npx', ['vite', 'preview', '--outDir', values.dist!, '--port', String(port), '--strictPort', '--bypass-lock'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) return server;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  stopPreview(server);
  throw new Error(`vite preview did not respond on port ${port} within 60 s; check that ${values.dist} contains a build (npx vite build).`);
}

function stopPreview(server: ChildProcess): void {
  // The server was started in its own process group, so this ends npx and vite together.
  if (server.pid !== undefined) process.kill(-server.pid, 'SIGTERM');
}

/** Copies the LC25000 tiles round-robin into `<tmp>/lc25000-x<count>/<class>/`, each copy with unique trailing bytes. */
function replicateTiles(count: number): string {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'clipit-bench-')), `lc25000-x${count}`);
  const sources = CLASSES.flatMap((className) => readdirSync(path.join(LC25000, className)).map((name) => ({ className, name })));
  for (const className of CLASSES) mkdirSync(path.join(dir, className), { recursive: true });

  for (let i = 0; i < count; i++) {
    const source = sources[i % sources.length];
    const copy = Math.floor(i / sources.length);
    const target = path.join(dir, source.className, `c${copy}_${source.name}`);
    if (copy === 0) {
      copyFileSync(path.join(LC25000, source.className, source.name), target);
      continue;
    }
    const bytes = readFileSync(path.join(LC25000, source.className, source.name));
    writeFileSync(target, Buffer.concat([bytes, Buffer.from(`copy${copy}`)]));
  }
  return dir;
}

async function measureImport(page: Page, folder: string, label: string, files: number): Promise<ImportMeasurement> {
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.getByTestId('folder-input').waitFor({ state: 'attached' });

  let peakHeap = 0;
  let peakRss = 0;
  let sampling = true;
  const started = performance.now();
  const sampler = (async () => {
    let lastLog = performance.now();
    while (sampling) {
      peakRss = Math.max(peakRss, chromiumRssBytes());
      if (performance.now() - lastLog > PROGRESS_LOG_MS) {
        lastLog = performance.now();
        const done = await page.getByRole('progressbar', { name: 'Importing' }).getAttribute('aria-valuenow', { timeout: 1000 }).catch(() => null);
        console.log(`${label}: ${done ?? '?'} of ${files} files after ${Math.round((lastLog - started) / 1000)} s`);
      }
      const heap = await page.evaluate(() => (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0).catch(() => 0);
      peakHeap = Math.max(peakHeap, heap);
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
  })();

  await page.getByTestId('folder-input').setInputFiles(folder);
  await page.getByTestId('dataset-summary').waitFor({ timeout: 60 * 60_000 });
  const seconds = (performance.now() - started) / 1000;
  sampling = false;
  await sampler;

  const summary = (await page.getByTestId('dataset-summary').textContent()) ?? '';
  const storageWarning = (await page.getByTestId('storage-warning').count()) > 0 ? await page.getByTestId('storage-warning').textContent() : null;
  const importedImages = Number(/([\d,]+) images/.exec(summary)?.[1].replace(/,/g, '') ?? NaN);

  const pageMemory = await pageMemoryBytes(page);

  return {
    label,
    files,
    importedImages,
    seconds: Math.round(seconds * 10) / 10,
    filesPerSecond: Math.round(files / seconds),
    peakMainHeapMiB: mib(peakHeap),
    peakChromiumRssMiB: mib(peakRss),
    pageMemoryAfterMiB: pageMemory === null ? null : mib(pageMemory),
    storageWarning,
  };
}

async function main(): Promise<void> {
  const server = await startPreview();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, '--enable-precise-memory-info'] });
  const chromiumVersion = browser.version();
  const results: ImportMeasurement[] = [];
  let replicated: string | null = null;

  try {
    const folder = values.folder ? path.resolve(values.folder) : LC25000;
    const classFolders = readdirSync(folder, { withFileTypes: true }).filter((entry) => entry.isDirectory() && CLASSES.includes(entry.name));
    const lcFiles = classFolders.reduce((sum, entry) => sum + readdirSync(path.join(folder, entry.name)).length, 0);
    // A fresh context per import: empty OPFS, so nothing is restored or skipped as already stored.
    let context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    results.push(await measureImport(await context.newPage(), folder, path.basename(folder), lcFiles));
    console.log(results[results.length - 1]);
    await context.close();

    if (replicate > 0) {
      replicated = replicateTiles(replicate);
      context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      results.push(await measureImport(await context.newPage(), replicated, `LC25000 copied to ${replicate} files`, replicate));
      console.log(results[results.length - 1]);
      await context.close();
    }
  } finally {
    await browser.close();
    stopPreview(server);
    if (replicated) rmSync(path.dirname(replicated), { recursive: true, force: true });
  }

  const out = path.resolve(REPO_ROOT, values.out!);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), cpus: os.cpus().length, chromium: chromiumVersion, results }, null, 2));
  console.table(results);
  console.log(`Wrote ${out}`);
}

await main();
