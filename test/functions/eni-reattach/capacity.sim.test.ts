import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CapacityResult } from "../../../functions/eni-reattach/capacity/handler";
import type { Harness } from "../../../sim/harness";
import type { Fixture } from "../../support/fixtures";
import { startHarness } from "../../support/harness";
import { configEnv, event, invokeEni, OUTPOST, outcomeOf, withCapacity } from "./support";

/** The Outposts capacity check: scheduled function and launch-path warning (the CLI: capacity-cli.e2e.test.ts). */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

const env = configEnv();

const capacityOf = async (raw: Fixture) => {
  harness.load(raw);
  const report = await harness.invoke("outposts-capacity", event("schedule-capacity.json"), { env });
  if (report.error !== undefined) throw report.error;
  return { report, result: report.result as CapacityResult };
};

describe("outposts-capacity", () => {
  it("non-zero: the group's type has capacity; types that fit the ENIs and have capacity are listed", async () => {
    const { report, result } = await capacityOf(withCapacity(2));
    expect(result.decision).toBe("capacity-ok");
    const group = result.groups[0];
    expect(group).toMatchObject({
      group: "fw-asg",
      outpostState: "ACTIVE",
      interfaces: 3,
      ownTypeAvailable: 2,
    });
    expect(group?.hostTypesNow).toEqual(["c5.xlarge"]);
    expect(group?.types.find((t) => t.instanceType === "c5.large")).toMatchObject({
      available: 4,
      fitsInterfaces: false,
    });
    expect(group?.types.find((t) => t.instanceType === "m5.xlarge")).toMatchObject({
      available: 0,
      canHostNow: false,
    });
    // One batched GetMetricData for the three types; paginated GetOutpostInstanceTypes.
    const metricCalls = report.calls.filter((c) => c.operation === "GetMetricData");
    expect(metricCalls).toHaveLength(1);
    expect(metricCalls[0]?.input.MetricDataQueries).toHaveLength(3);
    expect(report.calls.map((c) => c.operation)).toEqual(
      expect.arrayContaining(["GetOutpost", "GetOutpostInstanceTypes", "DescribeInstanceTypes"]),
    );
  });

  it("zero: the group's own type has none → capacity-short (the metric is 0 and the alarm fires)", async () => {
    const { result } = await capacityOf(withCapacity(0));
    expect(result.decision).toBe("capacity-short");
    expect(result.groups[0]?.ownTypeAvailable).toBe(0);
    expect(result.groups[0]?.hostTypesNow).toEqual([]);
  });

  it("the launch path logs a warning when the type has no capacity, and still attaches", async () => {
    harness.load(withCapacity(0));
    const outcome = outcomeOf(await invokeEni(harness, event("launch-eventbridge.json")));
    expect(outcome.decision).toBe("attached");
    expect(outcome.capacityWarning).toBe(
      `Outpost ${OUTPOST} has no c5.xlarge capacity left: a further replacement would not launch`,
    );
  });

  it("no datapoint (5-minute metric, or the service link down): capacity unknown, never 0, and no launch warning", async () => {
    const { result } = await capacityOf(withCapacity(null));
    expect(result.decision).toBe("capacity-unknown");
    expect(result.groups[0]?.status).toBe("unknown");
    expect(result.groups[0]?.ownTypeAvailable).toBeUndefined();
    expect(result.groups[0]?.issues).toEqual([
      "no AvailableInstanceType_Count datapoint for c5.xlarge: capacity unknown (not 0)",
    ]);
    harness.load(withCapacity(null));
    const launch = outcomeOf(await invokeEni(harness, event("launch-eventbridge.json")));
    expect(launch.capacityWarning).toBeUndefined();
  });

  it("the service link down: no capacity datapoint at all → unknown", async () => {
    const raw = withCapacity(2);
    Object.assign(raw.outposts[0] ?? {}, { serviceLink: "down" });
    const { result } = await capacityOf(raw);
    expect(result.decision).toBe("capacity-unknown");
    expect(result.groups[0]?.types.every((t) => t.available === undefined)).toBe(true);
  });

  it("a retiring Outpost is reported", async () => {
    const raw = withCapacity(2);
    Object.assign(raw.outposts[0] ?? {}, { lifeCycleStatus: "RETIRING" });
    const { result } = await capacityOf(raw);
    expect(result.groups[0]?.issues).toContain(`Outpost ${OUTPOST} is RETIRING`);
    expect(result.groups[0]?.hostTypesNow).toEqual([]);
  });
});
