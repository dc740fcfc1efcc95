import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HibernateResult } from "../../../../functions/idle-hibernate/hibernate/report";
import type { Harness } from "../../../../sim/harness";
import { demoFixture, readEvent } from "../../../support/fixtures";
import { startHarness } from "../../../support/harness";

/**
 * The request tag (`ops:hibernation-requested`) is written after the stop was accepted. When EC2 keeps
 * refusing it (throttled, then 5xx, past the SDK's retries), the hibernation has happened all the same:
 * its read-back verdict is reported, with the tag's failure, instead of the invocation failing and its
 * retry finding nothing to do (long campaign seed 221005). Manual clock: the SDK's backoffs are simulated.
 */
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

const HAPPY = "i-0123456789abcdef0";
const ALARM_EVENT = "events/idle-hibernate/alarm-eventbridge.json";

describe("idle-hibernate: the request tag cannot be written", () => {
  it.each([
    ["throttled", { code: "RequestLimitExceeded", httpStatus: 503 }],
    ["unavailable", { code: "Unavailable", httpStatus: 503 }],
  ] as const)(
    "CreateTags %s past the SDK's retries: the hibernation is still reported, with the tag's failure",
    async (_what, error) => {
      harness.load(demoFixture());
      harness.account.faults.add({ service: "ec2", operation: "CreateTags", error });
      const report = await harness.invoke("idle-hibernate", readEvent(ALARM_EVENT));
      expect(report.error).toBeUndefined();
      expect(report.calls.filter((c) => c.operation === "StopInstances")).toHaveLength(1);
      expect(report.calls.filter((c) => c.operation === "CreateTags").length).toBeGreaterThan(1);
      expect(report.after.instances[HAPPY]?.State).not.toBe("running");
      const result = report.result as HibernateResult;
      expect(result.hibernation?.map((p) => [p.instanceId, p.verdict])).toEqual([
        [HAPPY, "hibernate-initiated"],
      ]);
      const [outcome] = result.actions.flatMap((a) => a.resources);
      expect(outcome).toMatchObject({ resource: HAPPY, status: "applied" });
      expect(outcome?.detail).toContain(`request tag not written (${error.code})`);
    },
  );
});
