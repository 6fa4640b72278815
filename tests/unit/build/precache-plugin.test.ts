import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResolvedConfig } from 'vite';

import { SERVICE_WORKER_FILE, precacheServiceWorker } from '../../../scripts/build/precache-plugin';

interface Precache {
  version: string;
  urls: string[];
}

/** Writes a fake build output and returns its folder. */
function fakeBuild(files: Record<string, string>): string {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clipit-precache-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(outDir, name)), { recursive: true });
    fs.writeFileSync(path.join(outDir, name), content);
  }
  return outDir;
}

/** Runs the plugin's hooks on `outDir` as `vite build` would, and parses the PRECACHE object from the written sw.js. */
function runPlugin(outDir: string): { source: string; precache: Precache } {
  const plugin = precacheServiceWorker();
  const config = { root: '/', base: '/', build: { outDir }, logger: { info: () => undefined } } as unknown as ResolvedConfig;
  (plugin.configResolved as (config: ResolvedConfig) => void)(config);
  (plugin.closeBundle as () => void)();

  const source = fs.readFileSync(path.join(outDir, SERVICE_WORKER_FILE), 'utf8');
  const json = /^const PRECACHE = ([\s\S]*?);\n/.exec(source)?.[1];
  if (!json) throw new Error('sw.js does not start with the PRECACHE object');
  return { source, precache: JSON.parse(json) as Precache };
}

const BUILD = {
  'index.html': '<html></html>',
  'assets/main-AbCdEf12.js': 'console.log(1)',
  'assets/main-AbCdEf12.js.map': '{}',
  'assets/training.worker-ZyXw9876.js': 'self.onmessage = null',
  'assets/tfjs-backend-wasm-simd-Q1w2E3r4.wasm': 'wasm',
  'models/demo-clip/model.safetensors': 'weights',
};

describe('precache service worker plugin', () => {
  it('lists every built file except source maps', () => {
    const { precache, source } = runPlugin(fakeBuild(BUILD));

    expect(precache.urls).toEqual([
      '/',
      '/assets/main-AbCdEf12.js',
      '/assets/tfjs-backend-wasm-simd-Q1w2E3r4.wasm',
      '/assets/training.worker-ZyXw9876.js',
      '/index.html',
      '/models/demo-clip/model.safetensors',
    ]);
    expect(source).toContain("self.addEventListener('fetch'");
  });

  it('changes the cache version with any file', () => {
    const first = runPlugin(fakeBuild(BUILD)).precache.version;
    const same = runPlugin(fakeBuild(BUILD)).precache.version;
    const changed = runPlugin(fakeBuild({ ...BUILD, 'models/demo-clip/model.safetensors': 'new weights' })).precache.version;

    expect(same).toBe(first);
    expect(changed).not.toBe(first);
  });

  it('leaves an output without index.html alone', () => {
    const outDir = fakeBuild({ 'assets/a-12345678.js': '' });
    const plugin = precacheServiceWorker();
    (plugin.configResolved as (config: ResolvedConfig) => void)({ root: '/', base: '/', build: { outDir }, logger: { info: () => undefined } } as unknown as ResolvedConfig);
    (plugin.closeBundle as () => void)();

    expect(fs.existsSync(path.join(outDir, SERVICE_WORKER_FILE))).toBe(false);
  });
});
