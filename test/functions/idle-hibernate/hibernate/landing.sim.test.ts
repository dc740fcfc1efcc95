import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HibernateResult } from "../../../../functions/idle-hibernate/hibernate/report";
import type { FaultSpec } from "../../../../sim/account/faults";
import type { Harness, InvocationReport } from "../../../../sim/harness";
import { demoFixture, readEvent } from "../../../support/fixtures";
import { startHarness } from "../../../support/harness";

/**
 * A hibernate request that lands although its caller sees a 5xx or no answer (EC2 API Reference,
 * "Ensuring idempotency"): the SDK's retry of StopInstances then answers IncorrectInstanceState (the
 * instance is already stopping). It is still our request: tagged, its stop judged as a hibernation.
 */
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

const HAPPY = "i-0123456789abcdef0";
const REQUEST_TAG = "ops:hibernation-requested";
const ALARM_EVENT = "events/idle-hibernate/alarm-eventbridge.json";

const result = (report: InvocationReport): HibernateResult => {
  if (report.error !== undefined) throw report.error;
  return report.result as HibernateResult;
};
const requestTags = (report: InvocationReport) =>
  report.calls
    .filter((c) => c.operation === "CreateTags" && c.outcome === "ok")
    .map((c) => c.input as { Resources: string[]; Tags: { Key: string }[] })
    .filter((i) => i.Tags.some((t) => t.Key === REQUEST_TAG))
    .flatMap((i) => i.Resources);

describe("idle-hibernate: a hibernate request that landed before its error", () => {
  it.each([
    ["a 5xx", { error: { code: "InternalError" } }],
    ["a lost answer", { dropConnection: true }],
  ] as const)(
    "then %s (the SDK's retry answers IncorrectInstanceState): tagged as requested and judged a hibernation",
    async (_what, answer) => {
      harness.load(demoFixture());
      const fault: FaultSpec = {
        service: "ec2",
        operation: "StopInstances",
        ...answer,
        applied: true,
        times: 1,
      };
      harness.account.faults.add(fault);
      const report = await harness.invoke("idle-hibernate", readEvent(ALARM_EVENT));
      const stops = report.calls.filter((c) => c.operation === "StopInstances");
      expect(stops.map((c) => [c.applied ?? false, c.error?.code])).toEqual([
        [true, "error" in answer ? "InternalError" : "ConnectionLost"],
        [false, "IncorrectInstanceState"],
      ]);
      const resources = result(report).actions.flatMap((a) => a.resources);
      expect(resources.map((r) => [r.resource, r.status])).toEqual([[HAPPY, "applied"]]);
      expect(resources[0]?.detail).toMatch(/^hibernate-initiated/);
      expect(requestTags(report)).toEqual([HAPPY]);
    },
  );

  it("IncorrectInstanceState for an instance that is not hibernating is not taken as ours: no request tag", async () => {
    harness.load(demoFixture());
    harness.account.faults.add({
      service: "ec2",
      operation: "StopInstances",
      error: { code: "IncorrectInstanceState" },
      times: 1,
    });
    const report = await harness.invoke("idle-hibernate", readEvent(ALARM_EVENT));
    expect(requestTags(report)).toEqual([]);
    expect(
      result(report)
        .actions.flatMap((a) => a.resources)
        .map((r) => r.status),
    ).not.toContain("applied");
  });
});
