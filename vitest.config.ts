import { defineConfig } from 'vitest/config';

// Unit tests run the pure core on Node with the tfjs CPU backend.
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
