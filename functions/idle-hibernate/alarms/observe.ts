import { type CloudWatchClient, ListTagsForResourceCommand } from "@aws-sdk/client-cloudwatch";
import type { EC2Client } from "@aws-sdk/client-ec2";
import { awsCall } from "../../../shared/aws/errors";
import type { Ec2StateChange } from "../../../shared/events";
import { describeInstances, loadInstances, loadMetricAlarms } from "../../../shared/observe/loaders";
import type { AlarmView, InstanceView } from "../../../shared/observe/model";
import type { IdleHibernateConfig } from "../config";
import type { AlarmsInput } from "./parse";
import { alarmMatches, alarmNameFor, idleAlarmFor, MANAGED_TAG, wantsIdleAlarm } from "./plan";

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

export interface AlarmsObservation {
  instances: InstanceView[];
  alarms: AlarmView[];
  /** Instance ids the trigger named (or an alarm names) that DescribeInstances no longer returns. */
  missingInstanceIds: string[];
}

interface Clients {
  ec2: EC2Client;
  cloudWatch: CloudWatchClient;
}

const observeInstance = async (change: Ec2StateChange, clients: Clients, policy: IdleHibernateConfig) => {
  const [instances, alarms] = await Promise.all([
    loadInstances(clients.ec2, [change.instanceId]),
    loadMetricAlarms(clients.cloudWatch, { names: [alarmNameFor(policy, change.instanceId)] }),
  ]);
  return { instances, alarms, missingInstanceIds: instances.length === 0 ? [change.instanceId] : [] };
};

const observeAll = async (clients: Clients, policy: IdleHibernateConfig): Promise<AlarmsObservation> => {
  const [optedIn, alarms] = await Promise.all([
    describeInstances(clients.ec2, [
      { Name: "tag-key", Values: [policy.optInTag.key] },
      { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
    ]),
    loadMetricAlarms(clients.cloudWatch, { prefix: policy.alarmNamePrefix }),
  ]);
  // Instances whose alarm exists but that the opt-in query did not return (opted out, terminated, gone).
  const known = new Set(optedIn.map((i) => i.id));
  const orphanIds = alarms
    .map((alarm) => alarm.name.slice(policy.alarmNamePrefix.length))
    .filter((id) => INSTANCE_ID.test(id) && !known.has(id));
  const others = orphanIds.length > 0 ? await loadInstances(clients.ec2, orphanIds) : [];
  const instances = [...optedIn, ...others];
  const found = new Set(instances.map((i) => i.id));
  return { instances, alarms, missingInstanceIds: orphanIds.filter((id) => !found.has(id)) };
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

/** Names of the candidate alarms that carry the ownership tag (ListTagsForResource, one call each). */
export const observeOwnership = async (
  cloudWatch: CloudWatchClient,
  observed: AlarmsObservation,
  policy: IdleHibernateConfig,
): Promise<Set<string>> => {
  const managed = new Set<string>();
  for (const alarm of ownershipCandidates(observed.alarms, observed.instances, policy)) {
    const tags = await awsCall("monitoring", "ListTagsForResource", () =>
      cloudWatch.send(new ListTagsForResourceCommand({ ResourceARN: alarm.arn })),
    );
    if ((tags.Tags ?? []).some((tag) => tag.Key === MANAGED_TAG.key && tag.Value === MANAGED_TAG.value)) {
      managed.add(alarm.name);
    }
  }
  return managed;
};
