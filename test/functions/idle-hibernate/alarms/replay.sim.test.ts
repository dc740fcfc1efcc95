import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AlarmsResult } from "../../../../functions/idle-hibernate/alarms/report";
import type { Harness, InvocationReport } from "../../../../sim/harness";
import { alarmOf, demoFixture, type Fixture, instanceOf, readEvent } from "../../../support/fixtures";
import { startHarness } from "../../../support/harness";

/** Replayed events through the real idle-alarms handler: alarm provisioning, deletion, reconcile. */

const NO_ALARM = "i-0123456789abcdef5"; // opted in; its alarm is removed from the fixture below
const STOPPED = "i-0123456789abcdef4";
const MANAGED = { "ops:managed-by": "ops-toolkit" };

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

const withoutAlarm = (fixture: Fixture, id: string): Fixture => {
  fixture.alarms = fixture.alarms.filter((a) => a.name !== `ops-idle-${id}`);
  return fixture;
};
const stateChange = (id: string, state: string) => {
  const event = readEvent<{ id: string; resources: string[]; detail: Record<string, string> }>(
    "events/idle-hibernate/ec2-running.json",
  );
  event.id = `replay-${id}-${state}`;
  event.resources = [`arn:aws:ec2:us-east-1:123456789012:instance/${id}`];
  event.detail = { "instance-id": id, state };
  return event;
};
const result = (report: InvocationReport): AlarmsResult => {
  if (report.error !== undefined) throw report.error;
  return report.result as AlarmsResult;
};
const callsTo = (report: InvocationReport, operation: string) =>
  report.calls.filter((c) => c.operation === operation);
const alarmNames = (report: InvocationReport) => Object.keys(report.after.alarms as Record<string, unknown>);

describe("idle-alarms", () => {
  it("creates the idle alarm of an opted-in instance that starts running", async () => {
    harness.load(withoutAlarm(demoFixture(), NO_ALARM));
    const report = await harness.invoke("idle-alarms", stateChange(NO_ALARM, "running"));
    expect(result(report).decision).toBe("put-alarms");
    expect(callsTo(report, "PutMetricAlarm")[0]?.input).toEqual({
      AlarmName: `ops-idle-${NO_ALARM}`,
      AlarmDescription: expect.stringContaining("below 10% for 15 min"),
      Namespace: "AWS/EC2",
      MetricName: "CPUUtilization",
      Dimensions: [{ Name: "InstanceId", Value: NO_ALARM }],
      Statistic: "Average",
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 10,
      ComparisonOperator: "LessThanThreshold",
      TreatMissingData: "missing",
      ActionsEnabled: true,
      Tags: [
        { Key: "ops:managed-by", Value: "ops-toolkit" },
        { Key: "ops:instance-id", Value: NO_ALARM },
      ],
    });
    expect(alarmNames(report)).toContain(`ops-idle-${NO_ALARM}`);
    expect(harness.account.publishedEvents.map((e) => JSON.parse(e.Detail ?? "{}").action)).toEqual([
      "put-idle-alarm",
    ]);
  });

  it("takes the threshold and idle minutes from the instance's tags", async () => {
    const fixture = withoutAlarm(demoFixture(), NO_ALARM);
    const instance = instanceOf(fixture, NO_ALARM);
    instance.tags = { ...instance.tags, "ops:idle-cpu-threshold": "4", "ops:idle-minutes": "60" };
    harness.load(fixture);
    const report = await harness.invoke("idle-alarms", stateChange(NO_ALARM, "running"));
    expect(callsTo(report, "PutMetricAlarm")[0]?.input).toMatchObject({
      Threshold: 4,
      EvaluationPeriods: 12,
      DatapointsToAlarm: 12,
    });
  });

  it("writes nothing when the existing alarm already matches (duplicate event)", async () => {
    harness.load(withoutAlarm(demoFixture(), NO_ALARM));
    await harness.invoke("idle-alarms", stateChange(NO_ALARM, "running"));
    const again = await harness.invoke("idle-alarms", stateChange(NO_ALARM, "running"));
    expect(result(again).decision).toBe("alarms-up-to-date");
    expect(callsTo(again, "PutMetricAlarm")).toEqual([]);
  });

  it("does not create alarms for instances that are not opted in or in an Auto Scaling group", async () => {
    harness.load(demoFixture());
    for (const id of ["i-0123456789abcdef7", "i-0123456789abcdef2"]) {
      const report = await harness.invoke("idle-alarms", stateChange(id, "running"));
      expect(callsTo(report, "PutMetricAlarm")).toEqual([]);
    }
  });

  it("deletes the alarm it created when the instance terminates", async () => {
    const fixture = demoFixture();
    alarmOf(fixture, `ops-idle-${STOPPED}`).tags = MANAGED;
    instanceOf(fixture, STOPPED).state = "terminated";
    harness.load(fixture);
    const report = await harness.invoke("idle-alarms", stateChange(STOPPED, "terminated"));
    expect(callsTo(report, "DeleteAlarms")[0]?.input).toEqual({ AlarmNames: [`ops-idle-${STOPPED}`] });
    expect(alarmNames(report)).not.toContain(`ops-idle-${STOPPED}`);
    expect(result(report).decision).toBe("delete-alarms");
  });

  it("never deletes an alarm it did not create (no ownership tag)", async () => {
    const fixture = demoFixture();
    alarmOf(fixture, `ops-idle-${STOPPED}`).tags = { team: "platform" };
    instanceOf(fixture, STOPPED).state = "terminated";
    harness.load(fixture);
    const report = await harness.invoke("idle-alarms", stateChange(STOPPED, "terminated"));
    expect(callsTo(report, "DeleteAlarms")).toEqual([]);
    expect(result(report).skips).toEqual([expect.objectContaining({ reason: "alarm-not-managed" })]);
    expect(alarmNames(report)).toContain(`ops-idle-${STOPPED}`);
  });

  it("ignores other state changes without any call", async () => {
    harness.load(demoFixture());
    const report = await harness.invoke("idle-alarms", stateChange(STOPPED, "stopping"));
    expect(result(report).decision).toBe("ignored-state-stopping");
    expect(report.calls).toEqual([]);
  });

  it("judges a stopped event here (read-only), not in the single writer: only stops the toolkit requested", async () => {
    const fixture = demoFixture();
    harness.load(fixture);
    const judged = await harness.invoke("idle-alarms", stateChange(STOPPED, "stopped"));
    expect(result(judged)).toMatchObject({
      decision: "hibernate-initiated",
      hibernation: [
        expect.objectContaining({ instanceId: STOPPED, stateReason: "Client.UserInitiatedHibernate" }),
      ],
    });
    expect(judged.calls.map((c) => c.operation)).toEqual(["DescribeInstances"]);
    // The same stop without the toolkit's request tag: someone else's stop, not judged.
    const tags = instanceOf(fixture, STOPPED).tags ?? {};
    delete tags["ops:hibernation-requested"];
    harness.load(fixture);
    const other = await harness.invoke("idle-alarms", stateChange(STOPPED, "stopped"));
    expect(result(other)).toMatchObject({ decision: "ignored-not-requested", hibernation: [] });
  });

  it("reconcile creates missing alarms and deletes orphans it owns, leaving foreign alarms alone", async () => {
    const fixture = withoutAlarm(demoFixture(), NO_ALARM);
    fixture.alarms.push({
      name: "ops-idle-i-0aaaaaaaaaaaaaaaa",
      namespace: "AWS/EC2",
      metricName: "CPUUtilization",
      dimensions: { InstanceId: "i-0aaaaaaaaaaaaaaaa" },
      statistic: "Average",
      period: 300,
      evaluationPeriods: 3,
      threshold: 10,
      comparisonOperator: "LessThanThreshold",
      tags: MANAGED,
    });
    harness.load(fixture);
    const report = await harness.invoke(
      "idle-alarms",
      readEvent("events/idle-hibernate/schedule-reconcile.json"),
    );
    const after = alarmNames(report);
    expect(after).toContain(`ops-idle-${NO_ALARM}`);
    expect(after).not.toContain("ops-idle-i-0aaaaaaaaaaaaaaaa");
    expect(after).toContain("ServerCpuTooHigh");
    // Ours and unwanted, in one call: the alarms of an instance launched without hibernation, of an Auto
    // Scaling member and of an EMR node, and the orphan of a vanished instance. Not ours: the
    // not-opted-in instance's alarm has no ownership tag.
    expect(callsTo(report, "DeleteAlarms").map((c) => c.input)).toEqual([
      {
        AlarmNames: [
          "ops-idle-i-0123456789abcdef1",
          "ops-idle-i-0123456789abcdef2",
          "ops-idle-i-0123456789abcdef9",
          "ops-idle-i-0aaaaaaaaaaaaaaaa",
        ],
      },
    ]);
    expect(after).toContain("ops-idle-i-0123456789abcdef3");
    expect(result(report).skips).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ resource: "ops-idle-i-0123456789abcdef3", reason: "alarm-not-managed" }),
      ]),
    );
    const puts = callsTo(report, "PutMetricAlarm").map((c) => c.input.AlarmName);
    expect(puts).toContain(`ops-idle-${NO_ALARM}`);
    expect(puts).not.toContain("ops-idle-i-0123456789abcdef2");
  });

  it("reconcile writes at most alarm.maxWritesPerInvocation alarms per run and finishes on the next runs", async () => {
    const reconcile = (env: Record<string, string> = {}) =>
      harness.invoke("idle-alarms", readEvent("events/idle-hibernate/schedule-reconcile.json"), { env });
    // What one unlimited reconcile converges the demo to; then three of its alarms are taken away.
    harness.load(demoFixture());
    const converged = alarmNames(await reconcile()).sort();
    const fixture = demoFixture();
    const foreign = fixture.alarms.filter((a) => a.tags?.["ops:managed-by"] === undefined).map((a) => a.name);
    const missing = converged.filter((n) => n.startsWith("ops-idle-") && !foreign.includes(n)).slice(0, 3);
    fixture.alarms = fixture.alarms.filter((a) => !missing.includes(a.name));
    harness.load(fixture);
    const limited = () =>
      reconcile({ OPS_CONFIG: JSON.stringify({ idleHibernate: { alarm: { maxWritesPerInvocation: 2 } } }) });
    const writes = (report: InvocationReport) =>
      callsTo(report, "PutMetricAlarm").length +
      callsTo(report, "DeleteAlarms").reduce((n, c) => n + (c.input.AlarmNames as string[]).length, 0);
    const first = await limited();
    expect(writes(first)).toBe(2);
    expect(result(first).skips).toEqual(
      expect.arrayContaining([expect.objectContaining({ reason: "write-limit" })]),
    );
    let last = first;
    for (let run = 0; run < 5 && result(last).decision !== "alarms-up-to-date"; run++) {
      last = await limited();
      expect(writes(last)).toBeLessThanOrEqual(2);
    }
    expect(result(last).decision).toBe("alarms-up-to-date");
    expect(alarmNames(last).sort()).toEqual(converged);
  });

  it("deletes orphans in DeleteAlarms calls of at most 100 names", async () => {
    const fixture = demoFixture();
    const template = alarmOf(fixture, `ops-idle-${NO_ALARM}`);
    const orphans = Array.from({ length: 150 }, (_, k) => `i-0dead${k.toString(16).padStart(12, "0")}`);
    for (const id of orphans) {
      fixture.alarms.push({
        ...structuredClone(template),
        name: `ops-idle-${id}`,
        dimensions: { InstanceId: id },
        tags: MANAGED,
      });
    }
    harness.load(fixture);
    const env = {
      OPS_CONFIG: JSON.stringify({ idleHibernate: { alarm: { maxWritesPerInvocation: 1000 } } }),
    };
    const report = await harness.invoke(
      "idle-alarms",
      readEvent("events/idle-hibernate/schedule-reconcile.json"),
      { env },
    );
    const sizes = callsTo(report, "DeleteAlarms").map((c) => (c.input.AlarmNames as string[]).length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(100);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(150);
    for (const id of orphans) expect(alarmNames(report)).not.toContain(`ops-idle-${id}`);
  });

  it("dry-run writes nothing", async () => {
    harness.load(withoutAlarm(demoFixture(), NO_ALARM));
    const report = await harness.invoke("idle-alarms", stateChange(NO_ALARM, "running"), {
      env: { OPS_MODE: "dry-run" },
    });
    expect(callsTo(report, "PutMetricAlarm")).toEqual([]);
    expect(result(report).actions[0]?.resources[0]).toMatchObject({
      status: "planned",
      detail: expect.stringContaining("no dry run"),
    });
    expect(report.changes).toEqual([]);
  });

  it("rejects an alarm event (wrong function) without any call", async () => {
    harness.load(demoFixture());
    const report = await harness.invoke(
      "idle-alarms",
      readEvent("events/idle-hibernate/alarm-eventbridge.json"),
    );
    expect(result(report).decision).toBe("rejected");
    expect(report.calls).toEqual([]);
  });
});
