import { describe, expect, it } from "vitest";
import { parseStageConfig } from "../../../../functions/config";
import {
  DELETE_ALARM_ACTION,
  idleAlarmFor,
  PUT_ALARM_ACTION,
  planIdleAlarms,
} from "../../../../functions/idle-hibernate/alarms/plan";
import type { AlarmView, InstanceView } from "../../../../shared/observe/model";

const policy = parseStageConfig({}, "test").idleHibernate;

const instance = (id: string, overrides: Partial<InstanceView> = {}): InstanceView => ({
  id,
  state: "running",
  instanceType: "m5.large",
  launchTime: new Date("2026-11-21T08:00:00Z"),
  tags: { "ops:hibernate": "idle" },
  hibernationConfigured: true,
  networkInterfaceIds: [],
  ...overrides,
});

const alarmOf = (id: string, overrides: Partial<AlarmView> = {}): AlarmView => ({
  name: `ops-idle-${id}`,
  arn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:ops-idle-${id}`,
  state: "OK",
  stateUpdated: new Date(0),
  namespace: "AWS/EC2",
  metricName: "CPUUtilization",
  dimensions: { InstanceId: id },
  metricDimensions: [{ InstanceId: id }],
  statistic: "Average",
  periodSeconds: 300,
  evaluationPeriods: 3,
  datapointsToAlarm: 3,
  threshold: 10,
  comparisonOperator: "LessThanThreshold",
  actions: [],
  ...overrides,
});

const empty = {
  missingInstanceIds: [],
  alarms: [],
  managedAlarmNames: new Set<string>(),
  reconcileAll: false,
};

describe("idle alarm definition", () => {
  it("uses the defaults: CPU < 10 % for 15 minutes in 5-minute periods", () => {
    expect(idleAlarmFor(instance("i-0000000000000000a"), policy)).toEqual({
      alarmName: "ops-idle-i-0000000000000000a",
      instanceId: "i-0000000000000000a",
      thresholdPercent: 10,
      periodSeconds: 300,
      evaluationPeriods: 3,
      alarmActions: [],
    });
  });

  it("takes valid tag overrides and ignores invalid ones", () => {
    const tagged = instance("i-0000000000000000a", {
      tags: { "ops:hibernate": "idle", "ops:idle-cpu-threshold": "5", "ops:idle-minutes": "60" },
    });
    expect(idleAlarmFor(tagged, policy)).toMatchObject({ thresholdPercent: 5, evaluationPeriods: 12 });
    const bad = instance("i-0000000000000000a", {
      tags: { "ops:hibernate": "idle", "ops:idle-cpu-threshold": "lots", "ops:idle-minutes": "-3" },
    });
    expect(idleAlarmFor(bad, policy)).toMatchObject({ thresholdPercent: 10, evaluationPeriods: 3 });
  });
});

describe("planIdleAlarms", () => {
  it("creates the alarm of a newly running opted-in instance", () => {
    const plan = planIdleAlarms({ ...empty, instances: [instance("i-0000000000000000a")] }, policy);
    expect(plan.decision).toBe("put-alarms");
    expect(plan.actions).toEqual([
      expect.objectContaining({ kind: PUT_ALARM_ACTION, resources: ["ops-idle-i-0000000000000000a"] }),
    ]);
  });

  it("writes nothing when the alarm already matches", () => {
    const plan = planIdleAlarms(
      { ...empty, instances: [instance("i-0000000000000000a")], alarms: [alarmOf("i-0000000000000000a")] },
      policy,
    );
    expect(plan.actions).toEqual([]);
    expect(plan.decision).toBe("alarms-up-to-date");
  });

  it("updates an alarm it owns whose threshold drifted", () => {
    const input = {
      ...empty,
      instances: [instance("i-0000000000000000a")],
      alarms: [alarmOf("i-0000000000000000a", { threshold: 50 })],
    };
    const owned = planIdleAlarms(
      { ...input, managedAlarmNames: new Set(["ops-idle-i-0000000000000000a"]) },
      policy,
    );
    expect(owned.actions[0]?.description).toMatch(/^Update idle alarm/);
  });

  it("never overwrites an alarm of the same name that it does not own", () => {
    const plan = planIdleAlarms(
      {
        ...empty,
        instances: [instance("i-0000000000000000a")],
        alarms: [alarmOf("i-0000000000000000a", { threshold: 50 })],
      },
      policy,
    );
    expect(plan.actions).toEqual([]);
    expect(plan.skips).toEqual([expect.objectContaining({ reason: "alarm-not-managed" })]);
  });

  it("deletes the alarm of a terminated instance only when the toolkit created it", () => {
    const terminated = instance("i-0000000000000000a", { state: "terminated" });
    const input = { ...empty, instances: [terminated], alarms: [alarmOf("i-0000000000000000a")] };
    const owned = planIdleAlarms(
      { ...input, managedAlarmNames: new Set(["ops-idle-i-0000000000000000a"]) },
      policy,
    );
    expect(owned.actions).toEqual([expect.objectContaining({ kind: DELETE_ALARM_ACTION })]);
    const foreign = planIdleAlarms(input, policy);
    expect(foreign.actions).toEqual([]);
    expect(foreign.skips).toEqual([expect.objectContaining({ reason: "alarm-not-managed" })]);
  });

  it("reconcile deletes orphans of vanished instances and creates missing alarms", () => {
    const plan = planIdleAlarms(
      {
        instances: [instance("i-0000000000000000b")],
        missingInstanceIds: ["i-0000000000000000a"],
        alarms: [alarmOf("i-0000000000000000a")],
        managedAlarmNames: new Set(["ops-idle-i-0000000000000000a"]),
        reconcileAll: true,
      },
      policy,
    );
    expect(plan.actions.map((a) => a.id)).toEqual([
      "put-alarm:ops-idle-i-0000000000000000b",
      "delete-alarm:ops-idle-i-0000000000000000a",
    ]);
    expect(plan.decision).toBe("put-alarms+delete-alarms");
  });

  it("wants no alarm for Auto Scaling members and opted-out instances", () => {
    const plan = planIdleAlarms(
      {
        ...empty,
        instances: [
          instance("i-0000000000000000a", { autoScalingGroup: "web" }),
          instance("i-0000000000000000b", {
            tags: { "ops:hibernate": "idle", "ops:hibernate-opt-out": "yes" },
          }),
        ],
      },
      policy,
    );
    expect(plan.actions).toEqual([]);
    expect(plan.skips.map((s) => s.reason)).toEqual(["no-alarm-wanted", "no-alarm-wanted"]);
  });
});
