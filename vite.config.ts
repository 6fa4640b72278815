import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

import { precacheServiceWorker } from './scripts/build/precache-plugin.ts';
import { securityHeaders } from './src/security-headers.ts';

// The studio is served with cross-origin isolation (COOP/COEP) and a
// Content-Security-Policy that lets the page reach only its own origin.
export default defineConfig({
  plugins: [react(), precacheServiceWorker()],
  worker: { format: 'es' },
  resolve: {
    alias: [
      // The threaded wasm build of tfjs loads its glue into pthread workers
      // from a blob, which the CSP blocks. This module loads the glue from the
      // app's own origin instead (its header explains the rewrite).
      {
        find: /^\.\.\/wasm-out\/tfjs-backend-wasm-threaded-simd\.worker\.js$/,
        replacement: fileURLToPath(new URL('./src/compute/wasm-pthread-worker-source.ts', import.meta.url)),
      },
    ],
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    // The dev server injects inline scripts for hot reload, so it gets the
    // isolation headers but not the strict CSP; `npm run studio` serves the
    // production build with the full policy.
    headers: securityHeaders({ strictCsp: false }),
  },
  preview: {
    host: '127.0.0.1',
    port: 5173,
    headers: securityHeaders({ strictCsp: true }),
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // headless.html is the page without UI that `npm run embed` and `npm run bench` drive in Chromium.
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        headless: fileURLToPath(new URL('./headless.html', import.meta.url)),
      },
    },
  },
});
