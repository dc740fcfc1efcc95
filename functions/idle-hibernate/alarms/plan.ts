import type { AlarmView, InstanceView } from "../../../shared/observe/model";
import type { Plan, PlannedAction, Skip } from "../../../shared/pipeline/types";
import type { IdleHibernateConfig } from "../config";

/** Tag on every alarm the toolkit creates: only alarms carrying it are ever deleted. */
export const MANAGED_TAG = { key: "ops:managed-by", value: "ops-toolkit" } as const;

export interface IdleAlarmDefinition {
  alarmName: string;
  instanceId: string;
  thresholdPercent: number;
  periodSeconds: number;
  evaluationPeriods: number;
  alarmActions: string[];
}

export type AlarmParams = { op: "put"; alarm: IdleAlarmDefinition } | { op: "delete"; alarmName: string };

export const PUT_ALARM_ACTION = "cloudwatch:put-idle-alarm";
export const DELETE_ALARM_ACTION = "cloudwatch:delete-idle-alarm";

export const alarmNameFor = (policy: IdleHibernateConfig, instanceId: string): string =>
  `${policy.alarmNamePrefix}${instanceId}`;

/** Is this instance one whose idle alarm the toolkit should keep? */
export const wantsIdleAlarm = (instance: InstanceView, policy: IdleHibernateConfig): string | undefined => {
  if (instance.state === "terminated" || instance.state === "shutting-down")
    return `instance is ${instance.state}`;
  if (instance.tags[policy.optInTag.key] !== policy.optInTag.value) return "not opted in";
  if (policy.optOutTagKey in instance.tags) return "opted out";
  if (instance.autoScalingGroup !== undefined) return "Auto Scaling group member";
  return undefined;
};

const numberTag = (instance: InstanceView, key: string, min: number, max: number): number | undefined => {
  const raw = instance.tags[key];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= min && value <= max ? value : undefined;
};

/** The idle alarm of an instance: the policy's defaults, overridden by the instance's tags when valid. */
export const idleAlarmFor = (instance: InstanceView, policy: IdleHibernateConfig): IdleAlarmDefinition => {
  const { alarm } = policy;
  const threshold = numberTag(instance, alarm.thresholdTagKey, 0.1, 100) ?? alarm.cpuThresholdPercent;
  const minutes = numberTag(instance, alarm.idleMinutesTagKey, 1, 24 * 60) ?? alarm.idleMinutes;
  return {
    alarmName: alarmNameFor(policy, instance.id),
    instanceId: instance.id,
    thresholdPercent: threshold,
    periodSeconds: alarm.periodSeconds,
    evaluationPeriods: Math.max(1, Math.ceil((minutes * 60) / alarm.periodSeconds)),
    alarmActions: alarm.alarmActions,
  };
};

/** Does the existing alarm already say what the definition says? (Then nothing is written.) */
export const alarmMatches = (existing: AlarmView, wanted: IdleAlarmDefinition): boolean =>
  existing.namespace === "AWS/EC2" &&
  existing.metricName === "CPUUtilization" &&
  existing.dimensions.InstanceId === wanted.instanceId &&
  Object.keys(existing.dimensions).length === 1 &&
  existing.statistic === "Average" &&
  existing.periodSeconds === wanted.periodSeconds &&
  existing.evaluationPeriods === wanted.evaluationPeriods &&
  existing.datapointsToAlarm === wanted.evaluationPeriods &&
  existing.threshold === wanted.thresholdPercent &&
  existing.comparisonOperator === "LessThanThreshold" &&
  [...existing.actions].sort().join(",") === [...wanted.alarmActions].sort().join(",");

export interface AlarmPlanInput {
  /** The instances to converge (one for a state-change event; every candidate for a reconcile). */
  instances: readonly InstanceView[];
  /** Instance ids the trigger named that DescribeInstances no longer returns. */
  missingInstanceIds: readonly string[];
  /** Our prefix's alarms that exist now. */
  alarms: readonly AlarmView[];
  /** Names of existing alarms that carry MANAGED_TAG (only those may be updated or deleted). */
  managedAlarmNames: ReadonlySet<string>;
  /** Reconcile: alarms of instances not in `instances` are orphans too. */
  reconcileAll: boolean;
}

/**
 * Pure: create or update the idle alarm of every instance that wants one, delete the alarms the toolkit
 * created for instances that no longer want one (terminated, gone, opted out). Alarms with our prefix
 * but without our tag are reported, never deleted.
 */
export const planIdleAlarms = (input: AlarmPlanInput, policy: IdleHibernateConfig): Plan<AlarmParams> => {
  const existing = new Map(input.alarms.map((alarm) => [alarm.name, alarm]));
  const actions: PlannedAction<AlarmParams>[] = [];
  const skips: Skip[] = [];
  const keep = new Set<string>();

  const remove = (alarmName: string, why: string) => {
    if (!existing.has(alarmName)) return;
    if (!input.managedAlarmNames.has(alarmName)) {
      skips.push({
        resource: alarmName,
        reason: "alarm-not-managed",
        detail: `${why}, but the alarm lacks tag ${MANAGED_TAG.key}`,
      });
      return;
    }
    actions.push({
      id: `delete-alarm:${alarmName}`,
      kind: DELETE_ALARM_ACTION,
      resources: [alarmName],
      description: `Delete idle alarm ${alarmName}: ${why}`,
      params: { op: "delete", alarmName },
    });
  };

  for (const instance of [...input.instances].sort((a, b) => a.id.localeCompare(b.id))) {
    const name = alarmNameFor(policy, instance.id);
    const unwanted = wantsIdleAlarm(instance, policy);
    if (unwanted !== undefined) {
      remove(name, unwanted);
      if (!existing.has(name))
        skips.push({ resource: instance.id, reason: "no-alarm-wanted", detail: unwanted });
      continue;
    }
    keep.add(name);
    const wanted = idleAlarmFor(instance, policy);
    const current = existing.get(name);
    if (current !== undefined && alarmMatches(current, wanted)) {
      skips.push({ resource: name, reason: "alarm-up-to-date", detail: "the existing alarm matches" });
      continue;
    }
    if (current !== undefined && !input.managedAlarmNames.has(name)) {
      skips.push({
        resource: name,
        reason: "alarm-not-managed",
        detail: `an alarm with this name exists without tag ${MANAGED_TAG.key}: not overwritten`,
      });
      continue;
    }
    actions.push({
      id: `put-alarm:${name}`,
      kind: PUT_ALARM_ACTION,
      resources: [name],
      description: `${current === undefined ? "Create" : "Update"} idle alarm ${name} (CPU < ${wanted.thresholdPercent}% for ${(wanted.evaluationPeriods * wanted.periodSeconds) / 60} min)`,
      params: { op: "put", alarm: wanted },
    });
  }
  for (const id of [...input.missingInstanceIds].sort())
    remove(alarmNameFor(policy, id), "instance no longer exists");
  if (input.reconcileAll) {
    const known = new Set([
      ...input.instances.map((i) => alarmNameFor(policy, i.id)),
      ...input.missingInstanceIds.map((id) => alarmNameFor(policy, id)),
    ]);
    for (const alarm of [...input.alarms].sort((a, b) => a.name.localeCompare(b.name))) {
      if (!keep.has(alarm.name) && !known.has(alarm.name))
        remove(alarm.name, "instance no longer exists or no longer opted in");
    }
  }
  const puts = actions.filter((a) => a.kind === PUT_ALARM_ACTION).length;
  const deletes = actions.length - puts;
  const decision =
    actions.length === 0
      ? "alarms-up-to-date"
      : [puts > 0 ? "put-alarms" : "", deletes > 0 ? "delete-alarms" : ""].filter(Boolean).join("+");
  return { decision, actions, skips };
};
