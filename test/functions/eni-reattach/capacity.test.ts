import { describe, expect, it } from "vitest";
import type { OutpostObservation } from "../../../functions/eni-reattach/capacity/observe";
import { assessCapacity, capacityDecision } from "../../../functions/eni-reattach/capacity/plan";
import {
  CAPACITY_KNOWN_METRIC,
  CAPACITY_METRIC,
  reportCapacity,
} from "../../../functions/eni-reattach/capacity/report";
import type { OpsContext } from "../../../shared/runtime/handler";

/** Outposts capacity (pure) and its metrics: a missing datapoint is unknown, never 0. */

const observed = (available: Record<string, number>, lifeCycleStatus = "ACTIVE"): OutpostObservation => ({
  outpost: {
    id: "op-1",
    arn: "arn",
    lifeCycleStatus,
    availabilityZone: "us-east-1a",
    instanceTypes: ["c5.xlarge", "c5.large"],
  },
  available: new Map(Object.entries(available)),
  limits: new Map([
    [
      "c5.xlarge",
      {
        instanceType: "c5.xlarge",
        maximumNetworkInterfaces: 4,
        cards: [{ index: 0, maximumNetworkInterfaces: 4 }],
      },
    ],
    [
      "c5.large",
      {
        instanceType: "c5.large",
        maximumNetworkInterfaces: 3,
        cards: [{ index: 0, maximumNetworkInterfaces: 3 }],
      },
    ],
  ]),
});
const TARGET = { group: "fw", outpostId: "op-1", interfaces: 3, instanceType: "c5.xlarge" };

describe("assessCapacity", () => {
  it("ok, short and unknown for the group's own type; types that cannot fit the ENIs never host", () => {
    expect(assessCapacity(TARGET, observed({ "c5.xlarge": 2, "c5.large": 5 }))).toMatchObject({
      status: "ok",
      ownTypeAvailable: 2,
      hostTypesNow: ["c5.xlarge"],
    });
    expect(assessCapacity(TARGET, observed({ "c5.xlarge": 0, "c5.large": 5 })).status).toBe("short");
    const unknown = assessCapacity(TARGET, observed({ "c5.large": 5 }));
    expect(unknown).toMatchObject({ status: "unknown", hostTypesNow: [] });
    expect(unknown.ownTypeAvailable).toBeUndefined();
    expect(assessCapacity(TARGET, observed({ "c5.xlarge": 2 }, "RETIRING")).status).toBe("short");
  });

  it("the decision: short before unknown before ok", () => {
    const ok = assessCapacity(TARGET, observed({ "c5.xlarge": 2 }));
    const unknown = assessCapacity(TARGET, observed({}));
    const short = assessCapacity(TARGET, observed({ "c5.xlarge": 0 }));
    expect(capacityDecision([ok, unknown])).toBe("capacity-unknown");
    expect(capacityDecision([ok, unknown, short])).toBe("capacity-short");
    expect(capacityDecision([ok])).toBe("capacity-ok");
    expect(capacityDecision([])).toBe("nothing-to-check");
  });
});

describe("reportCapacity", () => {
  const capture = () => {
    const published: Array<[string, string, number]> = [];
    const context = {
      metrics: {
        singleMetric: () => {
          let group = "";
          return {
            addDimension: (_name: string, value: string) => {
              group = value;
            },
            addMetric: (name: string, _unit: string, value: number) => published.push([name, group, value]),
          };
        },
      },
      logger: { warn: () => undefined },
    } as unknown as OpsContext;
    return { published, context };
  };

  it("known: CapacityKnown 1 and FirewallCapacityAvailable 1/0; unknown: CapacityKnown 0 and no capacity datapoint", () => {
    const { published, context } = capture();
    reportCapacity(context, [
      assessCapacity({ ...TARGET, group: "a" }, observed({ "c5.xlarge": 2 })),
      assessCapacity({ ...TARGET, group: "b" }, observed({ "c5.xlarge": 0 })),
      assessCapacity({ ...TARGET, group: "c" }, observed({})),
    ]);
    expect(published).toEqual([
      [CAPACITY_KNOWN_METRIC, "a", 1],
      [CAPACITY_METRIC, "a", 1],
      [CAPACITY_KNOWN_METRIC, "b", 1],
      [CAPACITY_METRIC, "b", 0],
      [CAPACITY_KNOWN_METRIC, "c", 0],
    ]);
  });
});
