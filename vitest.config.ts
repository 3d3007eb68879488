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
    // One more try for a test that failed: the suites run real Chromium, brokers, PostgreSQL and
    // child processes on two shared cores, where a start-up can miss its window. A test that is
    // broken fails both tries; the report marks a test that passed only on its retry.
    retry: 1,
    // expect.poll waits for a condition (a page's own poll, a job, a message) and ends as soon as it
    // holds; its default of 1 s lost races with pages that poll every second on a loaded machine
    expect: { poll: { timeout: 15_000 } },
    reporters: ['default'],
  },
});
