import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 20_000,
    hookTimeout: 120_000,
    pool: "forks",
    env: {
      POWERTOOLS_DEV: "false",
      POWERTOOLS_METRICS_DISABLED: "true",
      POWERTOOLS_TRACE_ENABLED: "false",
      POWERTOOLS_LOG_LEVEL: "SILENT",
      AWS_ACCESS_KEY_ID: "AKIDSIMULATED",
      AWS_SECRET_ACCESS_KEY: "simulated-secret",
      AWS_REGION: "us-east-1",
    },
  },
});
