import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      '{protocols,cloud,edge-agent,firmware-config,bench,web}/test/**/*.test.ts',
      'tests/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
