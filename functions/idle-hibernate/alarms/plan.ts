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

export type AlarmParams =
  | { op: "put"; alarm: IdleAlarmDefinition; actionsEnabled: boolean }
  | { op: "delete"; alarmName: string };

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
  /** Reconcile: alarms of instances not in `instances` are orphans too. */
  reconcileAll: boolean;
}

interface Planning {
  input: AlarmPlanInput;
  existing: Map<string, AlarmView>;
  actions: PlannedAction<AlarmParams>[];
  skips: Skip[];
}

/** Deletes one of our alarms, only if it exists and carries the ownership tag. */
const remove = (p: Planning, alarmName: string, why: string) => {
  if (!p.existing.has(alarmName)) return;
  if (!p.input.managedAlarmNames.has(alarmName)) {
    p.skips.push({
      resource: alarmName,
      reason: "alarm-not-managed",
      detail: `${why}, but the alarm lacks tag ${MANAGED_TAG.key}`,
    });
    return;
  }
  p.actions.push({
    id: `delete-alarm:${alarmName}`,
    kind: DELETE_ALARM_ACTION,
    resources: [alarmName],
    description: `Delete idle alarm ${alarmName}: ${why}`,
    params: { op: "delete", alarmName },
  });
};

const describePut = (wanted: IdleAlarmDefinition, current: AlarmView | undefined): string => {
  const minutes = (wanted.evaluationPeriods * wanted.periodSeconds) / 60;
  const network =
    wanted.networkBytesPerPeriod === undefined ? "" : ` and network < ${wanted.networkBytesPerPeriod} B`;
  return `${current === undefined ? "Create" : "Update"} idle alarm ${wanted.alarmName} (CPU < ${wanted.thresholdPercent}%${network} for ${minutes} min)`;
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
  } else if (current !== undefined && !p.input.managedAlarmNames.has(name)) {
    p.skips.push({
      resource: name,
      reason: "alarm-not-managed",
      detail: `an alarm with this name exists without tag ${MANAGED_TAG.key}: not overwritten`,
    });
  } else {
    p.actions.push({
      id: `put-alarm:${name}`,
      kind: PUT_ALARM_ACTION,
      resources: [name],
      description: describePut(wanted, current),
      params: { op: "put", alarm: wanted, actionsEnabled: current?.actionsEnabled ?? true },
    });
  }
  return name;
};

const decisionOf = (actions: readonly PlannedAction<AlarmParams>[]): string => {
  const puts = actions.filter((a) => a.kind === PUT_ALARM_ACTION).length;
  const deletes = actions.length - puts;
  if (actions.length === 0) return "alarms-up-to-date";
  return [puts > 0 ? "put-alarms" : "", deletes > 0 ? "delete-alarms" : ""].filter(Boolean).join("+");
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
    actions: [],
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
  return { decision: decisionOf(p.actions), actions: p.actions, skips: p.skips };
};
