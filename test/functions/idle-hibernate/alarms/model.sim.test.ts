import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AlarmsResult } from "../../../../functions/idle-hibernate/alarms/report";
import type { Harness, InvocationReport } from "../../../../sim/harness";
import { alarmOf, type Fixture, instanceOf } from "../../../support/fixtures";
import { startHarness } from "../../../support/harness";
import { callsTo, invokeChecked, loadWorld } from "../harness";
import { BLOG_PATTERN, NEVER_STOPPED, scheduleEvent, W, worldFixture } from "../world";

/**
 * The idle alarms of issue 12 through the real idle-alarms handler (manual clock): the network-aware
 * metric-math alarm, evaluated by the simulated CloudWatch; periods by monitoring; a paused alarm stays
 * paused; adopted alarms; no alarm for fleet members. Every step is checked against the invariants.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

const RECONCILE = scheduleEvent("idle-alarms-reconcile");
const result = (report: InvocationReport): AlarmsResult => {
  if (report.error !== undefined) throw report.error;
  return report.result as AlarmsResult;
};
const putFor = (report: InvocationReport, id: string) =>
  callsTo(report, "PutMetricAlarm").find((c) => c.input.AlarmName === `ops-idle-${id}`)?.input;
const runningEvent = (id: string) => ({
  ...scheduleEvent("x"),
  id: `running-${id}`,
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  resources: [`arn:aws:ec2:us-east-1:123456789012:instance/${id}`],
  detail: { "instance-id": id, state: "running" },
});

/** The world without the alarm of `id`, so that idle-alarms creates it. */
const withoutAlarm = (id: string, edit: (f: Fixture) => void = () => {}): Fixture => {
  const fixture = worldFixture();
  fixture.alarms = fixture.alarms.filter((a) => a.name !== `ops-idle-${id}`);
  edit(fixture);
  return fixture;
};

describe("idle-alarms: the network-aware idle alarm (metric math)", () => {
  const NETWORK = { alarm: { networkBytesPerSecond: 1000 } };

  it("is created with CPU and NetworkIn + NetworkOut in one expression", async () => {
    loadWorld(harness, withoutAlarm(W.happy));
    const report = await invokeChecked(harness, "idle-alarms", runningEvent(W.happy), NETWORK);
    expect(putFor(report, W.happy)).toMatchObject({
      Metrics: [
        {
          Id: "m1",
          ReturnData: false,
          MetricStat: { Metric: { MetricName: "CPUUtilization" }, Period: 300, Stat: "Average" },
        },
        {
          Id: "m2",
          ReturnData: false,
          MetricStat: { Metric: { MetricName: "NetworkIn" }, Period: 300, Stat: "Sum" },
        },
        {
          Id: "m3",
          ReturnData: false,
          MetricStat: { Metric: { MetricName: "NetworkOut" }, Period: 300, Stat: "Sum" },
        },
        { Id: "e1", ReturnData: true, Expression: "IF((m1 < 10) AND ((m2 + m3) < 300000), 1, 0)" },
      ],
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      EvaluationPeriods: 3,
      TreatMissingData: "missing",
    });
    expect(report.after.alarms[`ops-idle-${W.happy}`]).toMatchObject({ StateValue: "INSUFFICIENT_DATA" });
    const again = await invokeChecked(harness, "idle-alarms", runningEvent(W.happy), NETWORK);
    expect(result(again).decision).toBe("alarms-up-to-date");
  });

  it("goes to ALARM for an instance idle on CPU and network, not for one busy on the network", async () => {
    const fixture = worldFixture();
    fixture.alarms = fixture.alarms.filter(
      (a) => ![`ops-idle-${W.happy}`, `ops-idle-${W.blog}`].includes(a.name),
    );
    instanceOf(fixture, W.happy).metrics = {
      cpuUtilization: 2,
      networkInBytesPerSecond: 100,
      networkOutBytesPerSecond: 50,
    };
    instanceOf(fixture, W.blog).metrics = {
      cpuUtilization: 2,
      networkInBytesPerSecond: 5000,
      networkOutBytesPerSecond: 50,
    };
    fixture.alarms = fixture.alarms.filter((a) => !a.name.startsWith("Hibernate-"));
    loadWorld(harness, fixture);
    await invokeChecked(harness, "idle-alarms", runningEvent(W.happy), NETWORK);
    await invokeChecked(harness, "idle-alarms", runningEvent(W.blog), NETWORK);
    harness.advance(20 * 60_000);
    const alarms = harness.account.snapshot().alarms;
    expect(alarms[`ops-idle-${W.happy}`]?.StateValue).toBe("ALARM");
    expect(alarms[`ops-idle-${W.blog}`]?.StateValue).toBe("OK");
  });
});

describe("idle-alarms: periods, paused alarms, adoption and fleets", () => {
  it("uses a 60-second period only with detailed monitoring", async () => {
    const oneMinute = { alarm: { periodSeconds: 60 } };
    loadWorld(
      harness,
      withoutAlarm(W.happy, (f) => {
        instanceOf(f, W.happy).monitoring = "enabled";
      }),
    );
    const detailed = await invokeChecked(harness, "idle-alarms", runningEvent(W.happy), oneMinute);
    expect(putFor(detailed, W.happy)).toMatchObject({ Period: 60, EvaluationPeriods: 15 });
    loadWorld(harness, withoutAlarm(W.happy));
    const basic = await invokeChecked(harness, "idle-alarms", runningEvent(W.happy), oneMinute);
    expect(putFor(basic, W.happy)).toMatchObject({ Period: 300, EvaluationPeriods: 3 });
  });

  it("an update never re-enables an alarm whose actions someone disabled", async () => {
    const fixture = worldFixture();
    alarmOf(fixture, `ops-idle-${W.happy}`).actionsEnabled = false;
    loadWorld(harness, fixture);
    // A new default threshold: every alarm of ours is updated.
    const report = await invokeChecked(harness, "idle-alarms", runningEvent(W.happy), {
      alarm: { cpuThresholdPercent: 5 },
    });
    expect(putFor(report, W.happy)).toMatchObject({ Threshold: 5, ActionsEnabled: false });
    expect(report.after.alarms[`ops-idle-${W.happy}`]).toMatchObject({ Threshold: 5, ActionsEnabled: false });
  });

  it("adopts the blog's alarm: no second alarm for its instance; without the pattern one is created", async () => {
    loadWorld(harness, worldFixture());
    const adopted = await invokeChecked(harness, "idle-alarms", runningEvent(W.blog), {
      adoptAlarmNamePatterns: [BLOG_PATTERN],
    });
    expect(putFor(adopted, W.blog)).toBeUndefined();
    expect(result(adopted).skips).toEqual([
      expect.objectContaining({ resource: W.blog, reason: "alarm-adopted" }),
    ]);
    expect(callsTo(adopted, "TagResource")).toEqual([]);
    const notAdopted = await invokeChecked(harness, "idle-alarms", runningEvent(W.blog));
    expect(putFor(notAdopted, W.blog)).toBeDefined();
  });

  it("the reconcile deletes its own alarms of fleet members and of instances never hibernated, and creates none for them", async () => {
    loadWorld(harness, worldFixture());
    const report = await invokeChecked(harness, "idle-alarms", RECONCILE, {
      adoptAlarmNamePatterns: [BLOG_PATTERN],
    });
    const deleted = callsTo(report, "DeleteAlarms").flatMap((c) => c.input.AlarmNames as string[]);
    const fleet = [W.ecsOnAsg, W.eks, W.karpenter, W.emr, W.ec2Fleet, W.spotFleet, W.autoMode];
    // Instance store root, and launched without hibernation under the skip fallback: never stopped.
    const never = [W.storeRoot, W.spotOneTime, W.notConfigured];
    expect(deleted.sort()).toEqual([...fleet, ...never].map((id) => `ops-idle-${id}`).sort());
    const put = callsTo(report, "PutMetricAlarm").map((c) => c.input.AlarmName);
    for (const id of NEVER_STOPPED) expect(put).not.toContain(`ops-idle-${id}`);
    expect(report.after.alarms[`Hibernate-${W.blog}-idle`]).toBeDefined();
  });
});
