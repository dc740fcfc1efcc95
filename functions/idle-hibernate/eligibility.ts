import type { InstanceView } from "../../shared/observe/model";
import { type IdleHibernateConfig, managedFleetTagPrefixes } from "./config";

/**
 * Who may be hibernated at all, from DescribeInstances alone (no extra call): used by the hibernation
 * plan and by the idle alarms (an instance that can never be hibernated gets no alarm).
 */

export const isOptedIn = (instance: InstanceView, policy: IdleHibernateConfig): boolean =>
  instance.tags[policy.optInTag.key] === policy.optInTag.value;

export const isOptedOut = (instance: InstanceView, policy: IdleHibernateConfig): boolean =>
  policy.optOutTagKey in instance.tags;

/**
 * The signal that makes the instance a member of a fleet another service manages (it replaces or
 * relaunches members it finds stopped), or undefined. Auto Scaling is reported on its own.
 */
export const managedFleetSignal = (
  instance: InstanceView,
  policy: IdleHibernateConfig,
): string | undefined => {
  if (instance.operator?.managed === true) {
    return `Operator.Managed (${instance.operator.principal ?? "a service"} manages it)`;
  }
  const key = Object.keys(instance.tags)
    .sort()
    .find((tag) => managedFleetTagPrefixes(policy).some((prefix) => tag.startsWith(prefix)));
  return key === undefined ? undefined : `tag ${key}=${instance.tags[key]}`;
};

/**
 * The tag key of another scheduler that manages the instance (Instance Scheduler on AWS: `Schedule`), or
 * undefined. Two schedulers on one box fight: an enforced schedule restarts what was hibernated.
 */
export const otherSchedulerTag = (instance: InstanceView, policy: IdleHibernateConfig): string | undefined =>
  policy.otherSchedulerTagKeys.find((key) => key in instance.tags);

/** Why the instance never gets an idle alarm (and is never hibernated), or undefined. */
export const neverHibernated = (instance: InstanceView, policy: IdleHibernateConfig): string | undefined => {
  if (instance.state === "terminated" || instance.state === "shutting-down")
    return `instance is ${instance.state}`;
  if (!isOptedIn(instance, policy)) return "not opted in";
  if (isOptedOut(instance, policy)) return "opted out";
  if (instance.autoScalingGroup !== undefined) return "Auto Scaling group member";
  const fleet = managedFleetSignal(instance, policy);
  if (fleet !== undefined) return `managed fleet member: ${fleet}`;
  const scheduler = otherSchedulerTag(instance, policy);
  if (scheduler !== undefined) return `another scheduler manages it (tag ${scheduler})`;
  if (instance.rootDeviceType === "instance-store") return "instance store root device: cannot be stopped";
  // Hibernation is set at launch only: under the skip fallback such an instance is never stopped.
  return !instance.hibernationConfigured && policy.notConfiguredFallback === "skip"
    ? "launched without hibernation (notConfiguredFallback skip): relaunch it with hibernation"
    : undefined;
};
