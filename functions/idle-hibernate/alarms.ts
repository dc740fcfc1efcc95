import { type CloudWatchClient, ListTagsForResourceCommand } from "@aws-sdk/client-cloudwatch";
import { awsCall } from "../../shared/aws/errors";
import { requireRegion } from "../../shared/aws/region";
import type { Ec2StateChange, ScheduleTick } from "../../shared/events";
import { describeInstances, loadInstances, loadMetricAlarms } from "../../shared/observe/loaders";
import type { AlarmView, InstanceView } from "../../shared/observe/model";
import { executePlan } from "../../shared/pipeline/executor";
import { reportExecution } from "../../shared/pipeline/report";
import type { Execution } from "../../shared/pipeline/types";
import type { OpsResult } from "../../shared/runtime/handler";
import { count, Metric } from "../../shared/runtime/observability";
import type { StageContext } from "../config";
import { createAlarmExecutors } from "./alarm-executors";
import {
  alarmMatches,
  alarmNameFor,
  idleAlarmFor,
  MANAGED_TAG,
  PUT_ALARM_ACTION,
  planIdleAlarms,
  wantsIdleAlarm,
} from "./alarms-plan";
import type { IdleHibernateConfig } from "./config";

export const ALARMS_CAPABILITY = "idle-alarms";

export type AlarmsInput =
  | { kind: "state-change"; change: Ec2StateChange }
  | { kind: "reconcile"; tick: ScheduleTick };

export interface AlarmsResult extends OpsResult {
  actions: Execution["actions"];
  skips: Execution["skips"];
}

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

const managedAlarmNames = async (
  cloudWatch: CloudWatchClient,
  alarms: readonly AlarmView[],
): Promise<Set<string>> => {
  const managed = new Set<string>();
  for (const alarm of alarms) {
    const tags = await awsCall("monitoring", "ListTagsForResource", () =>
      cloudWatch.send(new ListTagsForResourceCommand({ ResourceARN: alarm.arn })),
    );
    if ((tags.Tags ?? []).some((tag) => tag.Key === MANAGED_TAG.key && tag.Value === MANAGED_TAG.value)) {
      managed.add(alarm.name);
    }
  }
  return managed;
};

/**
 * Alarms the plan may update or delete: only for those is the ownership tag read (one call each).
 * An alarm that already matches what its instance wants is never touched, so its tags are not read.
 */
const ownershipCandidates = (
  alarms: readonly AlarmView[],
  instances: readonly InstanceView[],
  policy: IdleHibernateConfig,
): AlarmView[] => {
  const byName = new Map(instances.map((instance) => [alarmNameFor(policy, instance.id), instance]));
  return alarms.filter((alarm) => {
    const instance = byName.get(alarm.name);
    if (instance === undefined || wantsIdleAlarm(instance, policy) !== undefined) return true;
    return !alarmMatches(alarm, idleAlarmFor(instance, policy));
  });
};

export const runIdleAlarms = async (input: AlarmsInput, context: StageContext): Promise<AlarmsResult> => {
  const policy = context.config.idleHibernate;
  const region = requireRegion(
    input.kind === "state-change" ? input.change.region : input.tick.region,
    ALARMS_CAPABILITY,
  );
  const ec2 = context.clients.ec2(region);
  const cloudWatch = context.clients.cloudWatch(region);
  const result = (decision: string, execution?: Execution): AlarmsResult => ({
    capability: ALARMS_CAPABILITY,
    decision,
    mode: context.mode,
    actions: execution?.actions ?? [],
    skips: execution?.skips ?? [],
  });

  let instances: InstanceView[];
  let alarms: AlarmView[];
  let missingInstanceIds: string[];
  if (input.kind === "state-change") {
    const { instanceId, state } = input.change;
    if (state !== "running" && state !== "terminated") {
      context.logger.info("State change needs no alarm change", { instanceId, state });
      count(context.metrics, Metric.IgnoredEvents);
      return result(`ignored-state-${state}`);
    }
    [instances, alarms] = await Promise.all([
      loadInstances(ec2, [instanceId]),
      loadMetricAlarms(cloudWatch, { names: [alarmNameFor(policy, instanceId)] }),
    ]);
    missingInstanceIds = instances.length === 0 ? [instanceId] : [];
  } else {
    const [optedIn, existing] = await Promise.all([
      describeInstances(ec2, [
        { Name: "tag-key", Values: [policy.optInTag.key] },
        { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
      ]),
      loadMetricAlarms(cloudWatch, { prefix: policy.alarmNamePrefix }),
    ]);
    alarms = existing;
    // Instances whose alarm exists but that the opt-in query did not return (opted out, terminated, gone).
    const known = new Set(optedIn.map((i) => i.id));
    const orphanIds = existing
      .map((alarm) => alarm.name.slice(policy.alarmNamePrefix.length))
      .filter((id) => INSTANCE_ID.test(id) && !known.has(id));
    const others = orphanIds.length > 0 ? await loadInstances(ec2, orphanIds) : [];
    instances = [...optedIn, ...others];
    const found = new Set(instances.map((i) => i.id));
    missingInstanceIds = orphanIds.filter((id) => !found.has(id));
  }

  const managed = await managedAlarmNames(cloudWatch, ownershipCandidates(alarms, instances, policy));
  const plan = planIdleAlarms(
    {
      instances,
      missingInstanceIds,
      alarms,
      managedAlarmNames: managed,
      reconcileAll: input.kind === "reconcile",
    },
    policy,
  );
  context.logger.info("Plan", { decision: plan.decision, actions: plan.actions, skips: plan.skips });
  const execution = await executePlan(
    plan,
    context.mode,
    createAlarmExecutors({ cloudWatch, deadline: context.deadline, verifyTimeoutMs: policy.verifyTimeoutMs }),
  );

  await reportExecution(execution, context, {
    region,
    triggerEventId: input.kind === "state-change" ? input.change.eventId : input.tick.eventId,
    actionName: (action) => (action.kind === PUT_ALARM_ACTION ? "put-idle-alarm" : "delete-idle-alarm"),
  });
  return result(plan.decision, execution);
};
