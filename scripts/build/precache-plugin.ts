import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Plugin, ResolvedConfig } from 'vite';

const SERVICE_WORKER_SOURCE = fileURLToPath(new URL('./service-worker.js', import.meta.url));

/** File name of the service worker in the build output; `src/service-worker-registration.ts` registers it. */
export const SERVICE_WORKER_FILE = 'sw.js';

/**
 * Writes `sw.js` into the build output after everything else is written:
 * the service worker source with the list of every output file (pages,
 * hashed chunks, worker chunks, wasm binaries and the copied public folder
 * with the demo CLIP) and a cache version hashed from their names and bytes.
 * Source maps are left out. Dev mode (`vite`) gets no service worker.
 */
export function precacheServiceWorker(): Plugin {
  let config: ResolvedConfig;

  return {
    name: 'clip-it-precache-service-worker',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    closeBundle() {
      const outDir = path.resolve(config.root, config.build.outDir);
      if (!fs.existsSync(path.join(outDir, 'index.html'))) return;

      const files = listFiles(outDir).filter((file) => file !== SERVICE_WORKER_FILE && !file.endsWith('.map'));
      const hash = createHash('sha256');
      for (const file of files) {
        hash.update(file);
        hash.update(fs.readFileSync(path.join(outDir, file)));
      }

      const base = config.base;
      const precache = { version: hash.digest('hex').slice(0, 16), urls: [base, ...files.map((file) => `${base}${file}`)] };
      const source = fs.readFileSync(SERVICE_WORKER_SOURCE, 'utf8');
      fs.writeFileSync(path.join(outDir, SERVICE_WORKER_FILE), `const PRECACHE = ${JSON.stringify(precache, null, 1)};\n\n${source}`);
      config.logger.info(`[precache] ${SERVICE_WORKER_FILE}: ${files.length} files, cache version ${precache.version}`);
    },
  };
}

/** Paths relative to `root`, with forward slashes, sorted so the version hash does not depend on directory order. */
function listFiles(root: string, dir = ''): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...listFiles(root, relative));
    else if (entry.isFile()) files.push(relative);
  }
  return files.sort();
}
