import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { StageConfigSchema } from "../../../functions/config";
import { buildHandler } from "../../../functions/idle-hibernate/hibernate/handler";
import { ConfigurationError } from "../../../shared/runtime/errors";
import { createRuntime } from "../../../shared/runtime/handler";
import { Harness } from "../../../sim/harness";
import { lambdaContext } from "../../../sim/lambda";
import { demoFixture, readEvent } from "../../support/fixtures";

/**
 * The middy stack's error policy, observed the way CloudWatch sees it: JSON log lines and EMF metric
 * documents on stdout.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await Harness.start();
});
afterAll(async () => {
  await harness.close();
});
// process.env (changed by `observed`) is put back after each test by test/support/setup.ts.
afterEach(() => {
  vi.restoreAllMocks();
});

/** Builds the real handler with metrics and logs on, and collects what it writes as JSON lines. */
const observed = () => {
  process.env.POWERTOOLS_METRICS_DISABLED = "false";
  process.env.POWERTOOLS_LOG_LEVEL = "INFO";
  const lines: Record<string, unknown>[] = [];
  const capture = (chunk: unknown) => {
    for (const line of String(chunk).split("\n")) {
      if (line.trim().startsWith("{")) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture);
  vi.spyOn(process.stderr, "write").mockImplementation(capture);
  vi.spyOn(console, "log").mockImplementation(capture);
  vi.spyOn(console, "info").mockImplementation(capture);
  vi.spyOn(console, "warn").mockImplementation(capture);
  vi.spyOn(console, "error").mockImplementation(capture);
  return lines;
};
const metric = (lines: Record<string, unknown>[], name: string) =>
  lines.find((line) => "_aws" in line && name in line)?.[name];

describe("error policy", () => {
  it("bad input: a warning naming the problem, an InvalidEvents metric, no AWS call, no throw", async () => {
    harness.load(demoFixture());
    const lines = observed();
    const handler = buildHandler({ ...process.env });
    const result = await handler(
      { "detail-type": "Nope", source: "aws.ec2", id: "evt-1" },
      lambdaContext("t", 30_000, "req-1", harness.clock),
    );
    expect(result).toMatchObject({
      decision: "rejected",
      error: { kind: "invalid-event", retryable: false },
    });
    expect(metric(lines, "InvalidEvents")).toBe(1);
    const warning = lines.find((line) => line.level === "WARN");
    expect(warning).toMatchObject({
      message: expect.stringMatching(/^Rejected: /),
      eventId: "evt-1",
      function_request_id: "req-1",
    });
    expect(harness.account.calls).toEqual([]);
  });

  it("retryable failure: an error log, a RetryableFailures metric, and the error is thrown", async () => {
    harness.load(demoFixture());
    harness.account.faults.add({
      service: "monitoring",
      operation: "DescribeAlarms",
      error: { code: "Throttling", httpStatus: 400 },
    });
    const lines = observed();
    const handler = buildHandler({ ...process.env, OPS_CONFIG: JSON.stringify({ aws: { maxAttempts: 1 } }) });
    await expect(
      handler(
        readEvent("events/idle-hibernate/alarm-eventbridge.json"),
        lambdaContext("t", 30_000, "req-2", harness.clock),
      ),
    ).rejects.toMatchObject({
      name: "AwsCallError",
      retryable: true,
    });
    expect(metric(lines, "RetryableFailures")).toBe(1);
    expect(lines.find((line) => line.level === "ERROR")).toMatchObject({
      eventId: "7f3b2c1e-5d4a-4e8b-9c0d-1a2b3c4d5e6f",
    });
  });

  it("invalid configuration fails loudly at cold start, with a ConfigurationErrors metric", () => {
    const lines = observed();
    expect(() =>
      createRuntime("idle-hibernate", StageConfigSchema, { OPS_CONFIG: JSON.stringify({ mode: "yolo" }) }),
    ).toThrow(ConfigurationError);
    expect(metric(lines, "ConfigurationErrors")).toBe(1);
    expect(lines.find((line) => line.level === "ERROR")?.message).toMatch(
      /Invalid configuration at cold start/,
    );
  });

  it("a decision is logged with the event id, and the cold start is counted", async () => {
    harness.load(demoFixture());
    const lines = observed();
    const handler = buildHandler({ ...process.env });
    await handler(
      readEvent("events/idle-hibernate/alarm-eventbridge.json"),
      lambdaContext("t", 30_000, "req-3", harness.clock),
    );
    expect(lines.find((line) => line.message === "Decision")).toMatchObject({
      decision: "hibernate",
      mode: "apply",
      eventId: "7f3b2c1e-5d4a-4e8b-9c0d-1a2b3c4d5e6f",
    });
    expect(metric(lines, "ActionsTaken")).toBe(1);
  });

  it("reads time from the clock it is given (OpsContext.clock), not from the system clock", async () => {
    harness.load(demoFixture());
    // Three days earlier than the wall clock: the instance (started ~2.4 days ago) is not even running yet.
    const earlier = { now: () => Date.now() - 3 * 86_400_000, sleep: async () => {} };
    const handler = buildHandler({ ...process.env }, { clock: earlier });
    const result = await handler(
      readEvent("events/idle-hibernate/alarm-eventbridge.json"),
      lambdaContext("t", 30_000, "req-4", earlier),
    );
    expect(result).toMatchObject({
      decision: "nothing-to-do",
      skips: [expect.objectContaining({ resource: "i-0123456789abcdef0", reason: "recently-started" })],
    });
    expect(harness.account.calls.filter((call) => call.operation === "StopInstances")).toEqual([]);
  });
});
