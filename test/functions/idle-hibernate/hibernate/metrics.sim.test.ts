import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { buildHandler } from "../../../../functions/idle-hibernate/hibernate/handler";
import type { Harness } from "../../../../sim/harness";
import { lambdaContext } from "../../../../sim/lambda";
import { alarmOf } from "../../../support/fixtures";
import { startHarness } from "../../../support/harness";
import { loadWorld } from "../harness";
import { alarmEvent, scheduleEvent, W, worldFixture } from "../world";

/**
 * The capability's metrics as CloudWatch receives them (EMF documents on stdout): what the API proves of
 * a hibernation, paused alarms, and instances hibernated too long (the stack's alarm watches it).
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});
// process.env (changed by `observed`) is put back after each test by test/support/setup.ts.
afterEach(() => {
  vi.restoreAllMocks();
});

const observed = () => {
  process.env.POWERTOOLS_METRICS_DISABLED = "false";
  const lines: Record<string, unknown>[] = [];
  const capture = (chunk: unknown) => {
    for (const line of String(chunk).split("\n")) {
      if (line.trim().startsWith("{")) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture);
  vi.spyOn(console, "log").mockImplementation(capture);
  return lines;
};

const metric = (lines: Record<string, unknown>[], name: string) =>
  lines.find((line) => "_aws" in line && name in line)?.[name];

const invoke = (event: unknown) =>
  buildHandler({ ...process.env, POWERTOOLS_SERVICE_NAME: "idle-hibernate" }, { clock: harness.clock })(
    event,
    lambdaContext("idle-hibernate", 60_000, `req-${Math.random()}`, harness.clock),
  );

describe("idle-hibernate metrics", () => {
  it("HibernationInitiated for a hibernation, NormalShutdown when the stop shows another reason", async () => {
    loadWorld(harness, worldFixture());
    const lines = observed();
    await invoke(alarmEvent(`ops-idle-${W.failingVisible}`, W.failingVisible));
    expect(metric(lines, "HibernationInitiated")).toBe(1);
    harness.advance(180_000);
    const stopped = harness.account.serviceEvents.find(
      (e) => e.detail["instance-id"] === W.failingVisible && e.detail.state === "stopped",
    );
    await invoke(stopped);
    expect(metric(lines, "NormalShutdown")).toBe(1);
  });

  it("HibernationPaused for an alarm whose actions are disabled", async () => {
    const fixture = worldFixture();
    alarmOf(fixture, `ops-idle-${W.happy}`).actionsEnabled = false;
    loadWorld(harness, fixture);
    const lines = observed();
    await invoke(alarmEvent(`ops-idle-${W.happy}`, W.happy));
    expect(metric(lines, "HibernationPaused")).toBe(1);
    expect(metric(lines, "HibernationInitiated")).toBeUndefined();
  });

  it("HibernatedTooLong from the daily watch", async () => {
    loadWorld(harness, worldFixture());
    const lines = observed();
    await invoke(scheduleEvent("idle-hibernate-hibernation-age"));
    expect(metric(lines, "HibernatedTooLong")).toBe(1);
  });
});
