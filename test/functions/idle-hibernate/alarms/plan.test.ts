import { describe, expect, it } from "vitest";
import {
  alarmMatches,
  idleAlarmFor,
  idleQueries,
  putMetricAlarmInput,
} from "../../../../functions/idle-hibernate/alarms/definition";
import {
  DELETE_ALARM_ACTION,
  PUT_ALARM_ACTION,
  planIdleAlarms,
} from "../../../../functions/idle-hibernate/alarms/plan";
import type { AlarmView } from "../../../../shared/observe/model";
import { alarmView, instanceView as instance, DEFAULT_POLICY as policy, policyWith } from "../support";

const A = "i-0000000000000000a";
const B = "i-0000000000000000b";
const okAlarm = (id: string, overrides: Partial<AlarmView> = {}) =>
  alarmView(id, { state: "OK", ...overrides });

const empty = {
  missingInstanceIds: [],
  alarms: [],
  adoptedByInstance: new Map<string, string>(),
  managedAlarmNames: new Set<string>(),
  unreadOwnership: new Set<string>(),
  reconcileAll: false,
};

describe("idle alarm definition", () => {
  it("uses the defaults: CPU < 10 % for 15 minutes in 5-minute periods", () => {
    expect(idleAlarmFor(instance(A), policy)).toEqual({
      alarmName: `ops-idle-${A}`,
      instanceId: A,
      thresholdPercent: 10,
      periodSeconds: 300,
      evaluationPeriods: 3,
      alarmActions: [],
    });
  });

  it("takes valid tag overrides and ignores invalid ones", () => {
    const tagged = instance(A, {
      tags: { "ops:hibernate": "idle", "ops:idle-cpu-threshold": "5", "ops:idle-minutes": "60" },
    });
    expect(idleAlarmFor(tagged, policy)).toMatchObject({ thresholdPercent: 5, evaluationPeriods: 12 });
    const bad = instance(A, {
      tags: { "ops:hibernate": "idle", "ops:idle-cpu-threshold": "lots", "ops:idle-minutes": "-3" },
    });
    expect(idleAlarmFor(bad, policy)).toMatchObject({ thresholdPercent: 10, evaluationPeriods: 3 });
  });

  it("uses a 60-second period only for instances with detailed monitoring", () => {
    const oneMinute = policyWith({ alarm: { periodSeconds: 60 } });
    expect(idleAlarmFor(instance(A, { monitoringState: "enabled" }), oneMinute)).toMatchObject({
      periodSeconds: 60,
      evaluationPeriods: 15,
    });
    expect(idleAlarmFor(instance(A, { monitoringState: "disabled" }), oneMinute)).toMatchObject({
      periodSeconds: 300,
      evaluationPeriods: 3,
    });
    expect(idleAlarmFor(instance(A, { monitoringState: "pending" }), oneMinute).periodSeconds).toBe(300);
  });

  it("combines CPU and network in one metric-math alarm when a network threshold is set", () => {
    const networkAware = policyWith({ alarm: { networkBytesPerSecond: 2000 } });
    const wanted = idleAlarmFor(instance(A), networkAware);
    expect(wanted.networkBytesPerPeriod).toBe(600_000);
    const input = putMetricAlarmInput(wanted, true);
    expect(input).toMatchObject({
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: "missing",
    });
    expect(input.Namespace).toBeUndefined();
    expect(input.Period).toBeUndefined();
    expect(input.Metrics).toEqual([
      expect.objectContaining({
        Id: "m1",
        ReturnData: false,
        MetricStat: {
          Metric: {
            Namespace: "AWS/EC2",
            MetricName: "CPUUtilization",
            Dimensions: [{ Name: "InstanceId", Value: A }],
          },
          Period: 300,
          Stat: "Average",
        },
      }),
      expect.objectContaining({
        Id: "m2",
        ReturnData: false,
        MetricStat: expect.objectContaining({ Stat: "Sum" }),
      }),
      expect.objectContaining({
        Id: "m3",
        ReturnData: false,
        MetricStat: expect.objectContaining({ Stat: "Sum" }),
      }),
      {
        Id: "e1",
        ReturnData: true,
        Expression: "IF((m1 < 10) AND ((m2 + m3) < 600000), 1, 0)",
        Label: "idle",
      },
    ]);
    const perTag = instance(A, {
      tags: { "ops:hibernate": "idle", "ops:idle-network-bytes-per-second": "100" },
    });
    expect(idleAlarmFor(perTag, policy).networkBytesPerPeriod).toBe(30_000);
  });

  it("matches an existing network-aware alarm, and not a CPU-only one", () => {
    const wanted = idleAlarmFor(instance(A), policyWith({ alarm: { networkBytesPerSecond: 2000 } }));
    const existing = okAlarm(A, {
      namespace: undefined,
      metricName: undefined,
      dimensions: {},
      statistic: undefined,
      periodSeconds: undefined,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      queries: idleQueries(wanted),
    });
    expect(alarmMatches(existing, wanted)).toBe(true);
    expect(alarmMatches(okAlarm(A), wanted)).toBe(false);
    expect(alarmMatches(existing, idleAlarmFor(instance(A), policy))).toBe(false);
  });

  it("sends the ActionsEnabled it is given (never the API's default true for a disabled alarm)", () => {
    expect(putMetricAlarmInput(idleAlarmFor(instance(A), policy), false).ActionsEnabled).toBe(false);
    expect(putMetricAlarmInput(idleAlarmFor(instance(A), policy), true).ActionsEnabled).toBe(true);
  });
});

describe("planIdleAlarms", () => {
  it("creates the alarm of a newly running opted-in instance, with actions enabled", () => {
    const plan = planIdleAlarms({ ...empty, instances: [instance(A)] }, policy);
    expect(plan.decision).toBe("put-alarms");
    expect(plan.actions).toEqual([
      expect.objectContaining({ kind: PUT_ALARM_ACTION, resources: [`ops-idle-${A}`] }),
    ]);
    expect(plan.actions[0]?.params).toEqual({
      op: "put",
      alarms: [{ alarm: expect.objectContaining({ alarmName: `ops-idle-${A}` }), actionsEnabled: true }],
    });
  });

  it("writes nothing when the alarm already matches", () => {
    const plan = planIdleAlarms({ ...empty, instances: [instance(A)], alarms: [okAlarm(A)] }, policy);
    expect(plan.actions).toEqual([]);
    expect(plan.decision).toBe("alarms-up-to-date");
  });

  it("updates an alarm it owns whose threshold drifted, keeping its actions disabled", () => {
    const owned = planIdleAlarms(
      {
        ...empty,
        instances: [instance(A)],
        alarms: [okAlarm(A, { threshold: 50, actionsEnabled: false })],
        managedAlarmNames: new Set([`ops-idle-${A}`]),
      },
      policy,
    );
    expect(owned.actions[0]?.description).toBe("Create 0 and update 1 idle alarm(s)");
    expect(owned.actions[0]?.params).toMatchObject({ op: "put", alarms: [{ actionsEnabled: false }] });
  });

  it("updates an alarm whose period no longer fits the instance's monitoring", () => {
    const plan = planIdleAlarms(
      {
        ...empty,
        instances: [instance(A, { monitoringState: "disabled" })],
        alarms: [okAlarm(A, { periodSeconds: 60, evaluationPeriods: 15, datapointsToAlarm: 15 })],
        managedAlarmNames: new Set([`ops-idle-${A}`]),
      },
      policyWith({ alarm: { periodSeconds: 60 } }),
    );
    expect(plan.actions[0]?.params).toMatchObject({
      alarms: [{ alarm: { periodSeconds: 300, evaluationPeriods: 3 } }],
    });
  });

  it("never overwrites an alarm of the same name that it does not own", () => {
    const plan = planIdleAlarms(
      { ...empty, instances: [instance(A)], alarms: [okAlarm(A, { threshold: 50 })] },
      policy,
    );
    expect(plan.actions).toEqual([]);
    expect(plan.skips).toEqual([expect.objectContaining({ reason: "alarm-not-managed" })]);
  });

  it("deletes the alarm of a terminated instance only when the toolkit created it", () => {
    const terminated = instance(A, { state: "terminated" });
    const input = { ...empty, instances: [terminated], alarms: [okAlarm(A)] };
    const owned = planIdleAlarms({ ...input, managedAlarmNames: new Set([`ops-idle-${A}`]) }, policy);
    expect(owned.actions).toEqual([expect.objectContaining({ kind: DELETE_ALARM_ACTION })]);
    const foreign = planIdleAlarms(input, policy);
    expect(foreign.actions).toEqual([]);
    expect(foreign.skips).toEqual([expect.objectContaining({ reason: "alarm-not-managed" })]);
  });

  it("reconcile deletes orphans of vanished instances and creates missing alarms", () => {
    const plan = planIdleAlarms(
      {
        ...empty,
        instances: [instance(B)],
        missingInstanceIds: [A],
        alarms: [okAlarm(A)],
        managedAlarmNames: new Set([`ops-idle-${A}`]),
        reconcileAll: true,
      },
      policy,
    );
    expect(plan.actions.map((a) => [a.kind, a.resources])).toEqual([
      [PUT_ALARM_ACTION, [`ops-idle-${B}`]],
      [DELETE_ALARM_ACTION, [`ops-idle-${A}`]],
    ]);
    expect(plan.decision).toBe("put-alarms+delete-alarms");
  });

  it("wants no alarm for Auto Scaling members, managed-fleet nodes and opted-out instances", () => {
    const plan = planIdleAlarms(
      {
        ...empty,
        instances: [
          instance(A, { autoScalingGroup: "web" }),
          instance(B, { tags: { "ops:hibernate": "idle", "ops:hibernate-opt-out": "yes" } }),
          instance("i-0000000000000000c", { tags: { "ops:hibernate": "idle", "eks:nodegroup-name": "ng" } }),
          instance("i-0000000000000000d", { operator: { managed: true } }),
        ],
      },
      policy,
    );
    expect(plan.actions).toEqual([]);
    expect(plan.skips.map((s) => s.reason)).toEqual(Array(4).fill("no-alarm-wanted"));
  });

  it("creates no alarm for an instance with an adopted alarm, and deletes its own one", () => {
    const adoptedByInstance = new Map([[A, "hibernate-idle-web"]]);
    const none = planIdleAlarms({ ...empty, instances: [instance(A)], adoptedByInstance }, policy);
    expect(none.actions).toEqual([]);
    expect(none.skips).toEqual([expect.objectContaining({ resource: A, reason: "alarm-adopted" })]);
    const replaced = planIdleAlarms(
      {
        ...empty,
        instances: [instance(A)],
        alarms: [okAlarm(A)],
        adoptedByInstance,
        managedAlarmNames: new Set([`ops-idle-${A}`]),
      },
      policy,
    );
    expect(replaced.actions).toEqual([
      expect.objectContaining({
        kind: DELETE_ALARM_ACTION,
        description: expect.stringContaining("hibernate-idle-web"),
      }),
    ]);
  });
  it("writes at most alarm.maxWritesPerInvocation alarms, puts first, and skips the rest for later", () => {
    const ids = ["i-00000000000000001", "i-00000000000000002", "i-00000000000000003"];
    const plan = planIdleAlarms(
      {
        ...empty,
        instances: ids.map((id) => instance(id)),
        missingInstanceIds: [A],
        alarms: [okAlarm(A)],
        managedAlarmNames: new Set([`ops-idle-${A}`]),
      },
      policyWith({ alarm: { maxWritesPerInvocation: 2 } }),
    );
    expect(plan.actions).toEqual([
      expect.objectContaining({
        kind: PUT_ALARM_ACTION,
        resources: ids.slice(0, 2).map((id) => `ops-idle-${id}`),
      }),
    ]);
    expect(plan.skips).toEqual([
      expect.objectContaining({ resource: `ops-idle-${ids[2]}`, reason: "write-limit" }),
      expect.objectContaining({ resource: `ops-idle-${A}`, reason: "write-limit" }),
    ]);
  });

  it("neither writes nor calls foreign an alarm whose ownership was left unread", () => {
    const name = `ops-idle-${A}`;
    const unreadOwnership = new Set([name]);
    const drifted = planIdleAlarms(
      { ...empty, instances: [instance(A)], alarms: [okAlarm(A, { threshold: 50 })], unreadOwnership },
      policy,
    );
    const orphan = planIdleAlarms(
      { ...empty, instances: [], missingInstanceIds: [A], alarms: [okAlarm(A)], unreadOwnership },
      policy,
    );
    for (const plan of [drifted, orphan]) {
      expect(plan.actions).toEqual([]);
      expect(plan.skips).toEqual([expect.objectContaining({ resource: name, reason: "write-limit" })]);
    }
  });
});
