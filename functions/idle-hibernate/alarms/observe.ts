import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { Ec2StateChange } from "../../../shared/events";
import { describeInstances, loadInstances, loadMetricAlarms } from "../../../shared/observe/loaders";
import type { AlarmView, InstanceView } from "../../../shared/observe/model";
import type { IdleHibernateConfig } from "../config";
import { neverHibernated } from "../eligibility";
import { instanceIdsOfDimensions, isIdleShaped, literalPrefix, ownerOfName } from "../idle-alarm";
import { isManagedAlarm } from "../ownership";
import { alarmMatches, alarmNameFor, idleAlarmFor } from "./definition";
import type { AlarmsInput } from "./parse";

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

export interface AlarmsObservation {
  instances: InstanceView[];
  alarms: AlarmView[];
  /** Instance ids the trigger named (or an alarm names) that DescribeInstances no longer returns. */
  missingInstanceIds: string[];
  /** Adopted idle alarms (configured name patterns, idle shape) by the instance they read. */
  adoptedByInstance: Map<string, string>;
}

interface Clients {
  ec2: EC2Client;
  cloudWatch: CloudWatchClient;
}

/** Adopted idle alarms: every alarm under each pattern's literal prefix that matches it and is idle-shaped. */
const loadAdopted = async (
  cloudWatch: CloudWatchClient,
  policy: IdleHibernateConfig,
): Promise<Map<string, string>> => {
  const adopted = new Map<string, string>();
  for (const prefix of new Set(policy.adoptAlarmNamePatterns.map(literalPrefix))) {
    for (const alarm of await loadMetricAlarms(cloudWatch, { prefix })) {
      if (ownerOfName(alarm.name, policy) !== "adopted" || !isIdleShaped(alarm)) continue;
      const [instanceId] = instanceIdsOfDimensions(alarm.metricDimensions);
      if (instanceId !== undefined && !adopted.has(instanceId)) adopted.set(instanceId, alarm.name);
    }
  }
  return adopted;
};

const observeInstance = async (
  change: Ec2StateChange,
  clients: Clients,
  policy: IdleHibernateConfig,
): Promise<AlarmsObservation> => {
  const [instances, alarms, adopted] = await Promise.all([
    loadInstances(clients.ec2, [change.instanceId]),
    loadMetricAlarms(clients.cloudWatch, { names: [alarmNameFor(policy, change.instanceId)] }),
    loadAdopted(clients.cloudWatch, policy),
  ]);
  const adoptedByInstance = new Map([...adopted].filter(([id]) => id === change.instanceId));
  return {
    instances,
    alarms,
    adoptedByInstance,
    missingInstanceIds: instances.length === 0 ? [change.instanceId] : [],
  };
};

const observeAll = async (clients: Clients, policy: IdleHibernateConfig): Promise<AlarmsObservation> => {
  const [optedIn, alarms, adoptedByInstance] = await Promise.all([
    describeInstances(clients.ec2, [
      { Name: "tag-key", Values: [policy.optInTag.key] },
      { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
    ]),
    loadMetricAlarms(clients.cloudWatch, { prefix: policy.alarmNamePrefix }),
    loadAdopted(clients.cloudWatch, policy),
  ]);
  // Instances whose alarm exists but that the opt-in query did not return (opted out, terminated, gone).
  const known = new Set(optedIn.map((i) => i.id));
  const orphanIds = alarms
    .map((alarm) => alarm.name.slice(policy.alarmNamePrefix.length))
    .filter((id) => INSTANCE_ID.test(id) && !known.has(id));
  const others = orphanIds.length > 0 ? await loadInstances(clients.ec2, orphanIds) : [];
  const instances = [...optedIn, ...others];
  const found = new Set(instances.map((i) => i.id));
  return {
    instances,
    alarms,
    adoptedByInstance,
    missingInstanceIds: orphanIds.filter((id) => !found.has(id)),
  };
};

/** The instance(s) the trigger concerns (every opted-in one on a reconcile) and our prefix's alarms. */
export const observeAlarms = (
  input: AlarmsInput,
  clients: Clients,
  policy: IdleHibernateConfig,
): Promise<AlarmsObservation> =>
  input.kind === "state-change"
    ? observeInstance(input.change, clients, policy)
    : observeAll(clients, policy);

/**
 * Alarms the plan may update or delete: only for those is the ownership tag read (one call each).
 * An alarm that already matches what its instance wants is never touched, so its tags are not read.
 */
const ownershipCandidates = (observed: AlarmsObservation, policy: IdleHibernateConfig): AlarmView[] => {
  const byName = new Map(observed.instances.map((instance) => [alarmNameFor(policy, instance.id), instance]));
  return observed.alarms.filter((alarm) => {
    const instance = byName.get(alarm.name);
    if (instance === undefined || neverHibernated(instance, policy) !== undefined) return true;
    if (observed.adoptedByInstance.has(instance.id)) return true;
    return !alarmMatches(alarm, idleAlarmFor(instance, policy));
  });
};

/**
 * Which candidate alarms carry the ownership tag (ListTagsForResource, one call each), in name order,
 * until `alarm.maxWritesPerInvocation` of ours are found (the plan writes no more per invocation): the
 * rest are left unread for a later run. Alarms found foreign do not count, so foreign alarms that sort
 * first never keep ours from being converged.
 */
export const observeOwnership = async (
  cloudWatch: CloudWatchClient,
  observed: AlarmsObservation,
  policy: IdleHibernateConfig,
): Promise<{ managed: Set<string>; unread: Set<string> }> => {
  const candidates = ownershipCandidates(observed, policy).sort((a, b) => a.name.localeCompare(b.name));
  const managed = new Set<string>();
  let read = 0;
  for (const alarm of candidates) {
    if (managed.size >= policy.alarm.maxWritesPerInvocation) break;
    read += 1;
    if (await isManagedAlarm(cloudWatch, alarm.arn)) managed.add(alarm.name);
  }
  return { managed, unread: new Set(candidates.slice(read).map((alarm) => alarm.name)) };
};
