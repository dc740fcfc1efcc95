import { configDefaults, defineConfig } from "vitest/config";

/**
 * Tests in tiers, by file suffix (`npm test` runs all; `npm test -- --project unit` one tier):
 * - unit `*.test.ts`: pure, no simulated account server;
 * - sim `*.sim.test.ts`: against the simulated account (Harness, SimulatedAccount, the sim server);
 * - e2e `*.e2e.test.ts`: subprocesses (CLIs), osls packaging, bundles.
 */
const SIM = "test/**/*.sim.test.ts";
const E2E = "test/**/*.e2e.test.ts";
/**
 * Retries of a failed sim or e2e test (`OPS_TEST_RETRIES`, 0 unless set; CI sets 1). Those tiers run on
 * real time (sockets, subprocesses, SDK backoffs) on a shared machine; a test that passes only on its
 * retry is listed by name in CI's summary as flaky, never hidden. Unit tests are never retried.
 */
const RETRIES = Number(process.env.OPS_TEST_RETRIES ?? 0);

export default defineConfig({
  test: {
    environment: "node",
    // A hang guard, not a time limit: sim and e2e tests wait real time (SDK backoffs on the system clock,
    // subprocesses), and a loaded CI machine once took one of them past 20 s.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    setupFiles: ["test/support/setup.ts"],
    env: {
      POWERTOOLS_DEV: "false",
      POWERTOOLS_METRICS_DISABLED: "true",
      POWERTOOLS_TRACE_ENABLED: "false",
      POWERTOOLS_LOG_LEVEL: "SILENT",
      AWS_ACCESS_KEY_ID: "AKIDSIMULATED",
      AWS_SECRET_ACCESS_KEY: "simulated-secret",
      AWS_REGION: "us-east-1",
    },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, SIM, E2E],
        },
      },
      { extends: true, test: { name: "sim", include: [SIM], retry: RETRIES } },
      { extends: true, test: { name: "e2e", include: [E2E], retry: RETRIES } },
    ],
  },
});
