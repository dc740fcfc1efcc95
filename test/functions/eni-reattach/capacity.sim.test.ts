import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CapacityResult } from "../../../functions/eni-reattach/capacity/handler";
import type { Harness } from "../../../sim/harness";
import type { Fixture } from "../../support/fixtures";
import { startHarness } from "../../support/harness";
import { event, OUTPOST, outcomeOf, withCapacity } from "./support";

/** The Outposts capacity check: scheduled function and launch-path warning (the CLI: capacity-cli.e2e.test.ts). */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

const env = {
  OPS_CONFIG: JSON.stringify({
    eniReattach: { groups: [{ name: "fw-asg", outpostId: OUTPOST, instanceType: "c5.xlarge" }] },
  }),
};

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
    const outcome = outcomeOf(await harness.invoke("eni-reattach", event("launch-eventbridge.json")));
    expect(outcome.decision).toBe("attached");
    expect(outcome.capacityWarning).toBe(
      `Outpost ${OUTPOST} has no c5.xlarge capacity left: a further replacement would not launch`,
    );
  });

  it("a retiring Outpost is reported", async () => {
    const raw = withCapacity(2);
    Object.assign(raw.outposts[0] ?? {}, { lifeCycleStatus: "RETIRING" });
    const { result } = await capacityOf(raw);
    expect(result.groups[0]?.issues).toContain(`Outpost ${OUTPOST} is RETIRING`);
    expect(result.groups[0]?.hostTypesNow).toEqual([]);
  });
});
