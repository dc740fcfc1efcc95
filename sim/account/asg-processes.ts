/**
 * Auto Scaling SuspendProcesses / ResumeProcesses (issue 14: an impaired ENI holder that keeps running), from
 * the API reference and the Auto Scaling User Guide ("Suspend and resume processes"): `ScalingProcesses`
 * names processes (`Launch`, `Terminate`, `AddToLoadBalancer`, `AlarmNotification`, `AZRebalance`,
 * `HealthCheck`, `InstanceRefresh`, `ReplaceUnhealthy`, `ScheduledActions`,
 * `RemoveFromLoadBalancerLowPriority`); none named means all. Suspended processes show in
 * `DescribeAutoScalingGroups` `SuspendedProcesses` with a `SuspensionReason`.
 *
 * `HealthCheck` (no member marked Unhealthy while suspended), `ReplaceUnhealthy` and `Launch`
 * (asg-replacement.ts: no replacement, no launch; resumed, the held launches happen) change the engine; the
 * other processes are recorded only [decision: the engine does not model them]. Auto Scaling suspends
 * `Launch` itself after a day of failed launches (asg-administrative-suspension.ts); resuming clears it.
 */
import { capacityRetryFor } from "./asg-launch-failures";
import type { OpContext, ServiceModel } from "./context";
import { awsError } from "./errors";
import type { Params } from "./query";
import type { AsgModel } from "./state";

export const SCALING_PROCESSES: readonly string[] = [
  "Launch",
  "Terminate",
  "AddToLoadBalancer",
  "AlarmNotification",
  "AZRebalance",
  "HealthCheck",
  "InstanceRefresh",
  "ReplaceUnhealthy",
  "ScheduledActions",
  "RemoveFromLoadBalancerLowPriority",
];

function processesOf(c: OpContext, p: Params): { group: AsgModel; names: readonly string[] } {
  const name = p.reqStr("AutoScalingGroupName");
  const group = c.state.autoScalingGroups.get(name);
  if (group === undefined) throw awsError("ValidationError", `AutoScalingGroup name not found - ${name}`);
  const names = p.strList("ScalingProcesses") ?? [];
  const unknown = names.find((n) => !SCALING_PROCESSES.includes(n));
  if (unknown !== undefined) throw awsError("ValidationError", `Invalid process name: ${unknown}`);
  return { group, names: names.length === 0 ? SCALING_PROCESSES : names };
}

function suspendProcesses(c: OpContext, p: Params): Record<string, never> {
  const { group, names } = processesOf(c, p);
  group.suspendedProcesses ??= new Map();
  for (const n of names) if (!group.suspendedProcesses.has(n)) group.suspendedProcesses.set(n, c.nowMs());
  return {};
}

/** A replacement of the group waits for Launch (it launches when resumed, not a capacity retry too). */
const replacementHeld = (c: OpContext, group: AsgModel): boolean =>
  c.state.asg.replacements.some((r) => r.groupName === group.name && r.launchHeld === true);

function resumeProcesses(c: OpContext, p: Params): Record<string, never> {
  const { group, names } = processesOf(c, p);
  for (const n of names) {
    if (n === "HealthCheck" && group.suspendedProcesses?.has(n) === true)
      group.healthCheckResumedAt = c.nowMs();
    // Launch resumed: a group below its desired capacity launches again (a held replacement does too).
    if (n === "Launch" && group.suspendedProcesses?.has(n) === true && !replacementHeld(c, group))
      capacityRetryFor(c.state, group.name, c.nowMs());
    group.suspendedProcesses?.delete(n);
    group.administrativeSuspensions?.delete(n);
  }
  return {};
}

/** Registered in autoScalingModel (sim/account/autoscaling.ts). */
export const asgProcessesModel: ServiceModel = {
  SuspendProcesses: suspendProcesses,
  ResumeProcesses: resumeProcesses,
};
