/** Builds the app with Vite when the build folder is missing or older than the sources. */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Everything Vite reads to build the app; a change to any of these makes the build stale. */
const SOURCE_PATHS = ['src', 'workers', 'public', 'index.html', 'headless.html', 'vite.config.ts', 'package.json', 'package-lock.json'];

/** Newest modification time in ms of a file or of any file below a folder; 0 when it does not exist. */
export function newestMtimeMs(target: string): number {
  if (!existsSync(target)) return 0;
  const info = statSync(target);
  if (!info.isDirectory()) return info.mtimeMs;

  let newest = info.mtimeMs;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtimeMs(path.join(target, entry)));
  return newest;
}

/** True when `distDir` lacks headless.html or any source is newer than it. */
export function buildIsStale(repoRoot: string, distDir: string): boolean {
  const built = path.join(distDir, 'headless.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return SOURCE_PATHS.some((source) => newestMtimeMs(path.join(repoRoot, source)) > builtAt);
}

/** A build lock older than this belongs to a process that died; Vite builds this app in seconds. */
const STALE_LOCK_MS = 10 * 60_000;
const LOCK_POLL_MS = 500;

/**
 * Runs `npx vite build` when needed; a notice and Vite's output go to stderr only with `verbose`.
 * A lock folder in the temp directory, one per `distDir`, makes concurrent runs of the CLI tools build one at a time.
 */
export async function ensureBuild(repoRoot: string, distDir: string, verbose: boolean): Promise<void> {
  if (!buildIsStale(repoRoot, distDir)) return;

  // NOTE: the lock does not cover `vite build` started elsewhere (e2e tests into dist/), and a
  // rebuild while a page is open can remove files it loads later (the wasm binaries).
  // Set CLIPIT_DIST_DIR to give the CLI tools their own build folder.
  const lock = path.join(os.tmpdir(), `clipit-build-${createHash('sha256').update(path.resolve(distDir)).digest('hex').slice(0, 16)}.lock`);
  await acquireLock(lock);
  try {
    if (buildIsStale(repoRoot, distDir)) await runViteBuild(repoRoot, distDir, verbose);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function acquireLock(lock: string): Promise<void> {
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const info = statSync(lock, { throwIfNoEntry: false });
    if (info && Date.now() - info.mtimeMs > STALE_LOCK_MS) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

async function runViteBuild(repoRoot: string, distDir: string, verbose: boolean): Promise<void> {
  if (verbose) process.stderr.write(`[headless] building the app into ${path.relative(repoRoot, distDir) || distDir} (npx vite build)\n`);
  const args = ['vite', 'build', '--outDir', distDir, '--emptyOutDir'];
  const child = spawn('npx', args, { cwd: repoRoot, stdio: ['ignore', verbose ? 'inherit' : 'pipe', verbose ? 'inherit' : 'pipe'] });

  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) {
    throw new Error(`npx vite build failed with exit code ${code}; run it in ${repoRoot} to see the error.${output ? `\n${output.slice(-4000)}` : ''}`);
  }
}
