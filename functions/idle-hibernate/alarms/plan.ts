import type { AlarmView, InstanceView } from "../../../shared/observe/model";
import type { Plan, PlannedAction, Skip } from "../../../shared/pipeline/types";
import type { IdleHibernateConfig } from "../config";
import { neverHibernated } from "../eligibility";
import {
  alarmMatches,
  alarmNameFor,
  type IdleAlarmDefinition,
  idleAlarmFor,
  MANAGED_TAG,
} from "./definition";

/** One alarm to put, with the ActionsEnabled it keeps (a new alarm: true). */
export interface PutAlarm {
  alarm: IdleAlarmDefinition;
  actionsEnabled: boolean;
}

export type AlarmParams = { op: "put"; alarms: PutAlarm[] } | { op: "delete"; alarmNames: string[] };

export const PUT_ALARM_ACTION = "cloudwatch:put-idle-alarm";
export const DELETE_ALARM_ACTION = "cloudwatch:delete-idle-alarm";

export interface AlarmPlanInput {
  /** The instances to converge (one for a state-change event; every candidate for a reconcile). */
  instances: readonly InstanceView[];
  /** Instance ids the trigger named that DescribeInstances no longer returns. */
  missingInstanceIds: readonly string[];
  /** Our prefix's alarms that exist now. */
  alarms: readonly AlarmView[];
  /** Adopted idle alarms (configured name patterns), by the instance they read. */
  adoptedByInstance: ReadonlyMap<string, string>;
  /** Names of existing alarms that carry MANAGED_TAG (only those may be updated or deleted). */
  managedAlarmNames: ReadonlySet<string>;
  /** Existing alarms whose tags were not read (over the write limit): left for a later run. */
  unreadOwnership: ReadonlySet<string>;
  /** Reconcile: alarms of instances not in `instances` are orphans too. */
  reconcileAll: boolean;
}

interface Planning {
  input: AlarmPlanInput;
  existing: Map<string, AlarmView>;
  puts: Array<PutAlarm & { create: boolean }>;
  deletes: Array<{ alarmName: string; why: string }>;
  skips: Skip[];
}

const writeLimit = (alarmName: string): Skip => ({
  resource: alarmName,
  reason: "write-limit",
  detail: "over alarm.maxWritesPerInvocation: left for the next reconcile",
});

const unread = (p: Planning, alarmName: string): boolean => {
  if (!p.input.unreadOwnership.has(alarmName)) return false;
  p.skips.push({
    resource: alarmName,
    reason: "write-limit",
    detail: "over alarm.maxWritesPerInvocation: its ownership was not read; left for the next reconcile",
  });
  return true;
};

/** Deletes one of our alarms, only if it exists and carries the ownership tag. */
const remove = (p: Planning, alarmName: string, why: string) => {
  if (!p.existing.has(alarmName) || unread(p, alarmName)) return;
  if (!p.input.managedAlarmNames.has(alarmName)) {
    p.skips.push({
      resource: alarmName,
      reason: "alarm-not-managed",
      detail: `${why}, but the alarm lacks tag ${MANAGED_TAG.key}`,
    });
    return;
  }
  p.deletes.push({ alarmName, why });
};

/** Creates or updates the instance's alarm (or leaves it: up to date, not ours, or adopted). Returns the name kept. */
const converge = (p: Planning, instance: InstanceView, policy: IdleHibernateConfig): string | undefined => {
  const name = alarmNameFor(policy, instance.id);
  const unwanted = neverHibernated(instance, policy);
  const adopted = p.input.adoptedByInstance.get(instance.id);
  if (unwanted !== undefined || adopted !== undefined) {
    const why = unwanted ?? `adopted alarm ${adopted} is its idle alarm`;
    remove(p, name, why);
    if (!p.existing.has(name)) {
      p.skips.push({
        resource: instance.id,
        reason: adopted === undefined ? "no-alarm-wanted" : "alarm-adopted",
        detail: why,
      });
    }
    return undefined;
  }
  const wanted = idleAlarmFor(instance, policy);
  const current = p.existing.get(name);
  if (current !== undefined && alarmMatches(current, wanted)) {
    p.skips.push({ resource: name, reason: "alarm-up-to-date", detail: "the existing alarm matches" });
  } else if (current !== undefined && unread(p, name)) {
    return name;
  } else if (current !== undefined && !p.input.managedAlarmNames.has(name)) {
    p.skips.push({
      resource: name,
      reason: "alarm-not-managed",
      detail: `an alarm with this name exists without tag ${MANAGED_TAG.key}: not overwritten`,
    });
  } else {
    p.puts.push({
      alarm: wanted,
      actionsEnabled: current?.actionsEnabled ?? true,
      create: current === undefined,
    });
  }
  return name;
};

const decisionOf = (puts: number, deletes: number): string => {
  if (puts + deletes === 0) return "alarms-up-to-date";
  return [puts > 0 ? "put-alarms" : "", deletes > 0 ? "delete-alarms" : ""].filter(Boolean).join("+");
};

/**
 * The writes within alarm.maxWritesPerInvocation, puts first: one put action and one delete action; the
 * rest are skipped with reason write-limit for the next run.
 */
const actionsOf = (p: Planning, limit: number): PlannedAction<AlarmParams>[] => {
  const puts = p.puts.slice(0, limit);
  const deletes = p.deletes.slice(0, Math.max(0, limit - puts.length));
  for (const { alarm } of p.puts.slice(puts.length)) p.skips.push(writeLimit(alarm.alarmName));
  for (const { alarmName } of p.deletes.slice(deletes.length)) p.skips.push(writeLimit(alarmName));
  const actions: PlannedAction<AlarmParams>[] = [];
  if (puts.length > 0) {
    const names = puts.map((put) => put.alarm.alarmName);
    const created = puts.filter((put) => put.create).length;
    actions.push({
      id: `put-idle-alarms:${names.length}:${names[0]}`,
      kind: PUT_ALARM_ACTION,
      resources: names,
      description: `Create ${created} and update ${puts.length - created} idle alarm(s)`,
      params: { op: "put", alarms: puts.map(({ alarm, actionsEnabled }) => ({ alarm, actionsEnabled })) },
    });
  }
  if (deletes.length > 0) {
    const names = deletes.map((d) => d.alarmName);
    actions.push({
      id: `delete-idle-alarms:${names.length}:${names[0]}`,
      kind: DELETE_ALARM_ACTION,
      resources: names,
      description: `Delete ${names.length} idle alarm(s): ${[...new Set(deletes.map((d) => d.why))].join("; ")}`,
      params: { op: "delete", alarmNames: names },
    });
  }
  return actions;
};

/**
 * Pure: create or update the idle alarm of every instance that wants one (carrying its ActionsEnabled
 * over), delete the alarms the toolkit created for instances that no longer want one (terminated, gone,
 * opted out, fleet members, adopted). Alarms with our prefix but without our tag are reported, never deleted.
 */
export const planIdleAlarms = (input: AlarmPlanInput, policy: IdleHibernateConfig): Plan<AlarmParams> => {
  const p: Planning = {
    input,
    existing: new Map(input.alarms.map((a) => [a.name, a])),
    puts: [],
    deletes: [],
    skips: [],
  };
  const keep = new Set<string>();
  for (const instance of [...input.instances].sort((a, b) => a.id.localeCompare(b.id))) {
    const kept = converge(p, instance, policy);
    if (kept !== undefined) keep.add(kept);
  }
  for (const id of [...input.missingInstanceIds].sort())
    remove(p, alarmNameFor(policy, id), "instance no longer exists");
  if (input.reconcileAll) {
    const known = new Set(
      [...input.instances.map((i) => i.id), ...input.missingInstanceIds].map((id) =>
        alarmNameFor(policy, id),
      ),
    );
    for (const alarm of [...input.alarms].sort((a, b) => a.name.localeCompare(b.name))) {
      if (!keep.has(alarm.name) && !known.has(alarm.name)) {
        remove(p, alarm.name, "instance no longer exists or no longer opted in");
      }
    }
  }
  const actions = actionsOf(p, policy.alarm.maxWritesPerInvocation);
  const puts = actions.filter((a) => a.kind === PUT_ALARM_ACTION).length;
  return { decision: decisionOf(puts, actions.length - puts), actions, skips: p.skips };
};
