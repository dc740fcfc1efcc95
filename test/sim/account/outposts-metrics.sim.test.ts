import type { DescribeAlarmsOutput, GetMetricDataOutput } from "@aws-sdk/client-cloudwatch";
import { describe, expect, it } from "vitest";
import type { SimulatedAccount } from "../../../sim";
import { firewall, type Raw } from "./asg-fixture";
import { cw } from "./helpers";

/**
 * The metrics the Outposts service publishes (issue 9): AvailableInstanceType_Count at 5-minute
 * resolution with missing datapoints (missing is not 0), ConnectedStatus, the service link, and the
 * CloudWatch side: TreatMissingData on the capacity checker's own heartbeat alarm.
 */

const OUTPOST = "op-0a1b2c3d4e5f60001";
const T0 = Date.parse("2026-11-21T12:00:00Z");

const capacityQuery = (id: string, type: string, dims?: { Name: string; Value: string }[]) => ({
  Id: id,
  MetricStat: {
    Metric: {
      Namespace: "AWS/Outposts",
      MetricName: "AvailableInstanceType_Count",
      Dimensions: dims ?? [
        { Name: "OutpostId", Value: OUTPOST },
        { Name: "InstanceType", Value: type },
      ],
    },
    Period: 300,
    Stat: "Minimum",
  },
});

async function query(a: SimulatedAccount, queries: unknown[], fromMs: number, toMs: number, scanBy?: string) {
  const out = await cw<GetMetricDataOutput>(a, "GetMetricData", {
    MetricDataQueries: queries,
    StartTime: new Date(fromMs),
    EndTime: new Date(toMs),
    ...(scanBy === undefined ? {} : { ScanBy: scanBy }),
  });
  return (out.MetricDataResults ?? []).map((r) => ({
    id: r.Id,
    status: r.StatusCode,
    points: (r.Timestamps ?? []).map((t, i) => [new Date(t).toISOString().slice(11, 16), r.Values?.[i]]),
  }));
}

const nullCapacity = (raw: Raw) => {
  const type = raw.outposts?.[0]?.instanceTypes?.find((t) => t.instanceType === "c5.large");
  if (type !== undefined) type.availableCount = null;
};

describe("AWS/Outposts AvailableInstanceType_Count", () => {
  it("a type with no datapoints answers an empty series (Complete), distinct from a 0 series", async () => {
    const a = firewall(nullCapacity);
    const r = await query(
      a,
      [capacityQuery("none", "c5.large"), capacityQuery("zero", "m5.xlarge")],
      T0 - 900_000,
      T0,
    );
    expect(r).toEqual([
      { id: "none", status: "Complete", points: [] },
      {
        id: "zero",
        status: "Complete",
        points: [
          ["11:55", 0],
          ["11:50", 0],
          ["11:45", 0],
        ],
      },
    ]);
  });

  it("one datapoint per 5-minute period already published; a change shows from its time on; ScanBy ascending", async () => {
    const a = firewall();
    a.advance(7 * 60_000);
    const set = await a.control("POST", `/__sim/outposts/${OUTPOST}/capacity`, {
      instanceType: "c5.xlarge",
      availableCount: 0,
    });
    expect(set.status).toBe(200);
    a.advance(8 * 60_000);
    const r = await query(
      a,
      [capacityQuery("x", "c5.xlarge")],
      T0 - 300_000,
      a.clock.nowMs(),
      "TimestampAscending",
    );
    expect(r[0]?.points).toEqual([
      ["11:55", 2],
      ["12:00", 2],
      ["12:05", 2],
      ["12:10", 0],
    ]);
    await a.control("POST", `/__sim/outposts/${OUTPOST}/capacity`, {
      instanceType: "c5.xlarge",
      availableCount: null,
    });
    a.advance(10 * 60_000);
    const later = await query(a, [capacityQuery("x", "c5.xlarge")], T0 + 900_000, a.clock.nowMs());
    expect(later[0]?.points).toEqual([]);
  });

  it("only the dimensions AWS publishes it with: a query with another dimension set has no data", async () => {
    const a = firewall();
    const r = await query(
      a,
      [
        capacityQuery("outpost-only", "", [{ Name: "OutpostId", Value: OUTPOST }]),
        capacityQuery("extra", "", [
          { Name: "OutpostId", Value: OUTPOST },
          { Name: "InstanceType", Value: "c5.xlarge" },
          { Name: "Account", Value: "123456789012" },
        ]),
      ],
      T0 - 900_000,
      T0,
    );
    expect(r.map((x) => x.points)).toEqual([[], []]);
  });

  it("service link down: no capacity datapoints from then on (missing, not 0) and ConnectedStatus 0", async () => {
    const a = firewall((raw) => {
      const o = raw.outposts?.[0];
      if (o !== undefined) Object.assign(o, { serviceLink: "up" });
    });
    a.advance(5 * 60_000);
    await a.control("POST", `/__sim/outposts/${OUTPOST}/service-link`, { status: "down" });
    a.advance(10 * 60_000);
    const connected = {
      Id: "link",
      MetricStat: {
        Metric: {
          Namespace: "AWS/Outposts",
          MetricName: "ConnectedStatus",
          Dimensions: [{ Name: "OutpostId", Value: OUTPOST }],
        },
        Period: 300,
        Stat: "Average",
      },
    };
    const r = await query(
      a,
      [capacityQuery("cap", "c5.xlarge"), connected],
      T0,
      a.clock.nowMs(),
      "TimestampAscending",
    );
    expect(r[0]?.points).toEqual([["12:00", 2]]);
    expect(r[1]?.points).toEqual([
      ["12:00", 1],
      ["12:05", 0],
      ["12:10", 0],
    ]);
    const down = firewall((raw) => {
      const o = raw.outposts?.[0];
      if (o !== undefined) Object.assign(o, { serviceLink: "down" });
    });
    expect((await query(down, [capacityQuery("cap", "c5.xlarge")], T0 - 900_000, T0))[0]?.points).toEqual([]);
  });
});

describe("the capacity checker's own heartbeat alarm (TreatMissingData)", () => {
  const heartbeatAlarm = (treatMissingData: string) => (raw: Raw) => {
    raw.alarms = [
      {
        name: `checker-heartbeat-${treatMissingData}`,
        namespace: "OpsToolkit",
        metricName: "CapacityCheckerHeartbeat",
        dimensions: {},
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: treatMissingData as "breaching",
        state: "OK",
      },
    ];
  };

  it.each([
    ["breaching", "ALARM"],
    ["missing", "INSUFFICIENT_DATA"],
  ])("the checker stops publishing: %s → %s", async (treat, expected) => {
    const a = firewall(heartbeatAlarm(treat));
    for (let i = 0; i < 3; i += 1) {
      await cw(a, "PutMetricData", {
        Namespace: "OpsToolkit",
        MetricData: [{ MetricName: "CapacityCheckerHeartbeat", Value: 1 }],
      });
      a.advance(300_000);
    }
    const state = async () =>
      (await cw<DescribeAlarmsOutput>(a, "DescribeAlarms", {})).MetricAlarms?.[0]?.StateValue;
    expect(await state()).toBe("OK");
    a.advance(600_000);
    expect(await state()).toBe(expected);
  });
});
