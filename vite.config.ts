import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

import { securityHeaders } from './src/security-headers.ts';

// The studio is served with cross-origin isolation (COOP/COEP) and a
// Content-Security-Policy that lets the page reach only its own origin.
export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
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
  },
});
