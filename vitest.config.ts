import { defineConfig } from "vitest/config";

/**
 * Two projects: `unit` (pure functions, no I/O) and `integration` (real FerretDB started once by
 * the global setup, a fresh database per test file, Pacer's real HTTP endpoints). `npm test` runs both.
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
          globalSetup: ["tests/support/globalFerretDb.ts"],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
