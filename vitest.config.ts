import { defineConfig } from "vitest/config";

/**
 * Three projects: `unit` (pure functions, no I/O), `integration` (real FerretDB started once by
 * the global setup, a fresh database per test file, Pacer's real HTTP endpoints) and `e2e` (the built
 * tab in headless Chromium). `npm test` runs them all.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          // Real FerretDB for Pacer's store; real PostgreSQL and MariaDB for the SQL connectors.
          globalSetup: ["tests/support/globalFerretDb.ts", "tests/support/globalSqlServers.ts"],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Browser tests: the built tab in Debian's headless Chromium against a real Pacer; one file at a time (two cores).
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["tests/support/globalFerretDb.ts"],
          // One fork for the whole project: e2e files run one after another.
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
