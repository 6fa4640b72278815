import { defineConfig } from '@playwright/test';

import { CHROMIUM_ARGS, CHROMIUM_PATH } from './e2e/chromium';

const PORT = Number(process.env.E2E_PORT ?? 4317);

// A separate output folder lets two e2e runs (e.g. in two checkouts' tools) build side by side.
const DIST = process.env.E2E_DIST ?? 'dist';

/**
 * E2E tests run the production build (`vite preview`, with the same COOP,
 * COEP and CSP headers as `npm run studio`) in Debian's Chromium with
 * WebGPU enabled. On a machine without a GPU that is SwiftShader on the CPU,
 * about 100x slower than a real GPU, so models in these tests are tiny.
 */
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  timeout: 10 * 60_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-reports/e2e-results.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    // The guided first run opens on an empty studio and covers the panels the other specs drive.
    // So every spec starts with it dismissed, and e2e/wizard.spec.ts clears this state.
    storageState: {
      cookies: [],
      origins: [{ origin: `http://127.0.0.1:${PORT}`, localStorage: [{ name: 'clip-it-studio.wizard-dismissed', value: '1' }] }],
    },
    viewport: { width: 1400, height: 1000 },
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    actionTimeout: 60_000,
    trace: 'off',
    screenshot: 'only-on-failure',
  },
  webServer: {
    command: `npx vite build --outDir ${DIST} --emptyOutDir --bypass-lock && npx vite preview --outDir ${DIST} --port ${PORT} --strictPort --bypass-lock`,
    url: `http://127.0.0.1:${PORT}`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
