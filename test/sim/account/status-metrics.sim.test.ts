/**
 * Status check metrics (review 5 finding 12; sim/account/status-metrics.ts): every running instance
 * publishes StatusCheckFailed, StatusCheckFailed_Instance and StatusCheckFailed_System every minute (EC2 UG
 * "Status check metrics"), and CloudWatch alarms on them change state from those datapoints only after
 * their evaluation periods — the vFXT stack's node alarms (2 × 60 s, test/fixtures/accounts/vfxt.json).
 */
import type { GetMetricDataOutput } from "@aws-sdk/client-cloudwatch";
import { describe, expect, it } from "vitest";
import type { SimulatedAccount } from "../../../sim";
import { cw, ec2 } from "./helpers";
import { V, vfxtAccount } from "./vfxt-fixture";

const MIN = 60_000;
const alarmOf = (id: string) => `ops-vfxt-status-${id}`;
const stateOf = (a: SimulatedAccount, id: string) =>
  a.state().metricAlarms.get(alarmOf(id))?.alarm.StateValue;

/** The minute datapoints (Maximum) of a status metric of `id` over [from, to). */
async function minutes(a: SimulatedAccount, metric: string, id: string, from: number, to: number) {
  const out = await cw<GetMetricDataOutput>(a, "GetMetricData", {
    MetricDataQueries: [
      {
        Id: "m",
        MetricStat: {
          Metric: {
            Namespace: "AWS/EC2",
            MetricName: metric,
            Dimensions: [{ Name: "InstanceId", Value: id }],
          },
          Period: 60,
          Stat: "Maximum",
        },
      },
    ],
    StartTime: new Date(from),
    EndTime: new Date(to),
    ScanBy: "TimestampAscending",
  });
  const r = out.MetricDataResults?.[0];
  return (r?.Timestamps ?? []).map((t, i) => [(t.getTime() - from) / MIN, r?.Values?.[i]]);
}

describe("status check metrics", () => {
  it("a healthy running instance publishes 0 for each check every minute, with a day of history", async () => {
    const a = vfxtAccount();
    const start = a.clock.nowMs();
    a.advance(3 * MIN);
    for (const metric of ["StatusCheckFailed", "StatusCheckFailed_Instance", "StatusCheckFailed_System"])
      expect(await minutes(a, metric, V.nodeA1, start - 2 * MIN, start + 3 * MIN)).toEqual([
        [0, 0],
        [1, 0],
        [2, 0],
        [3, 0],
        [4, 0],
      ]);
  });

  it("an impaired instance check is 1 in StatusCheckFailed and _Instance from its minute on, _System stays 0", async () => {
    const a = vfxtAccount();
    const start = a.clock.nowMs();
    a.advance(MIN + 30_000);
    a.setInstanceStatus(V.nodeA1, { instance: "impaired" });
    a.advance(2 * MIN);
    const range = [start, start + 3 * MIN] as const;
    expect(await minutes(a, "StatusCheckFailed", V.nodeA1, ...range)).toEqual([
      [0, 0],
      [1, 1],
      [2, 1],
    ]);
    expect(await minutes(a, "StatusCheckFailed_Instance", V.nodeA1, ...range)).toEqual([
      [0, 0],
      [1, 1],
      [2, 1],
    ]);
    expect(await minutes(a, "StatusCheckFailed_System", V.nodeA1, ...range)).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
  });

  it("a stopped instance publishes nothing for the minutes it was not running", async () => {
    const a = vfxtAccount();
    const start = a.clock.nowMs();
    a.advance(30_000);
    await ec2(a, "StopInstances", { InstanceIds: [V.nodeA1] });
    a.advance(10 * MIN);
    // Minute 0 was half running (a datapoint); none after.
    expect(await minutes(a, "StatusCheckFailed", V.nodeA1, start, start + 10 * MIN)).toEqual([[0, 0]]);
  });
});

describe("status alarms evaluate the published datapoints (2 × 60 s)", () => {
  it("a failed system check turns the node's alarm ALARM after two breaching minutes, not before", async () => {
    const a = vfxtAccount();
    a.advance(10_000);
    a.setInstanceStatus(V.nodeA2, { system: "impaired" });
    a.advance(60_000);
    expect(stateOf(a, V.nodeA2)).toBe("OK");
    a.advance(60_000);
    expect(stateOf(a, V.nodeA2)).toBe("ALARM");
    const change = a.serviceEvents.find(
      (e) =>
        e["detail-type"] === "CloudWatch Alarm State Change" &&
        e.resources.some((r) => r.endsWith(alarmOf(V.nodeA2))),
    );
    expect(change?.time).toBe("2026-03-02T09:02:00Z");
    expect(stateOf(a, V.nodeA1)).toBe("OK");
  });

  it("a recovered node's alarm returns to OK from the datapoints, once a minute passed the check", async () => {
    const a = vfxtAccount();
    a.setInstanceStatus(V.nodeA2, { instance: "impaired" });
    a.advance(3 * MIN);
    expect(stateOf(a, V.nodeA2)).toBe("ALARM");
    a.setInstanceStatus(V.nodeA2, { instance: "ok" });
    a.advance(MIN - 1);
    expect(stateOf(a, V.nodeA2)).toBe("ALARM");
    a.advance(1);
    expect(stateOf(a, V.nodeA2)).toBe("OK");
  });

  it("a stopped node's alarm goes INSUFFICIENT_DATA once its evaluation periods have no datapoint", async () => {
    const a = vfxtAccount();
    await ec2(a, "StopInstances", { InstanceIds: [V.nodeA3] });
    a.advance(5 * MIN);
    expect(stateOf(a, V.nodeA3)).toBe("INSUFFICIENT_DATA");
  });
});
