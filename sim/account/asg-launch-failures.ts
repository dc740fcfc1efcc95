/**
 * Auto Scaling launches that EC2 refuses (issue 14), on the simulated clock.
 *
 * - Why a launch is refused (EC2 RunInstances error codes, "Error codes for the Amazon EC2 API"):
 *   `InsufficientInstanceCapacity` when the group's instance type has no capacity where it launches — on an
 *   Outpost, no free slot of the type (`freeSlots`: the count outposts.ts publishes, less the slots launches
 *   took and plus those stops and terminations gave back; a shortage is a change of the count,
 *   `POST /__sim/outposts/{id}/capacity-shortage`); a Stopped warm-pool instance needs a slot to start;
 *   `InsufficientFreeAddressesInSubnet` when the subnet has fewer free addresses than the instance's
 *   network interfaces need. The texts' wording is a [decision] (AWS documents the codes).
 * - What Auto Scaling does (EC2 Auto Scaling event reference, "Unsuccessful scaling events"): a scaling
 *   activity with `StatusCode: Failed` and the EC2 error in `StatusMessage`, and the "EC2 Instance Launch
 *   Unsuccessful" EventBridge event (aws.autoscaling; detail StatusCode, AutoScalingGroupName, ActivityId,
 *   Details {Availability Zone, Subnet ID}, RequestId, StatusMessage, EndTime, EC2InstanceId "", StartTime,
 *   Cause; best effort).
 * - Then it tries again: "If EC2 Auto Scaling is unable to provision an instance due to insufficient
 *   capacity, it will retry until an instance becomes available" (AWS re:Post, EKS insufficient capacity);
 *   the intervals are not documented: exponential from `behaviour.launchRetryInitialMs` (10 s), doubling,
 *   at most `behaviour.launchRetryMaxMs` (300 s) [decision, knobs].
 */

import type { ActivitiesType, Activity } from "@aws-sdk/client-auto-scaling";
import { addressAt, cidrSize, formatIp, parseCidr } from "../../shared/net/cidr";
import { noteFailedLaunch } from "./asg-administrative-suspension";
import type { ScalingActivityModel } from "./asg-model";
import type { OpContext, ServiceModel } from "./context";
import { queryParamErrors } from "./errors";
import { derivedUuid } from "./ids";
import { freeSlots } from "./outpost-slots";
import { type Params, paginate } from "./query";
import type { AsgModel, EmitServiceEvent, RegionState, SubnetModel } from "./state";

export interface LaunchRefusal {
  code: "InsufficientInstanceCapacity" | "InsufficientFreeAddressesInSubnet";
  message: string;
}

/** EC2 refused the instance: Auto Scaling records a failed activity instead of a member. */
export class LaunchFailedError extends Error {
  constructor(
    readonly refusal: LaunchRefusal,
    readonly subnetId: string,
  ) {
    super(`${refusal.code}: ${refusal.message}`);
  }
}

/** Whether the subnet still has `needed` addresses no ENI or instance uses (first four and last reserved). */
function hasFreeAddresses(state: RegionState, subnet: SubnetModel, needed: number): boolean {
  const cidr = parseCidr(subnet.cidrBlock, { version: 4 });
  if (cidr === undefined) return false;
  const used = new Set<string>();
  for (const eni of state.networkInterfaces.values())
    if (eni.subnetId === subnet.id)
      for (const ip of [eni.privateIpAddress, ...eni.secondaryPrivateIpAddresses]) used.add(ip);
  // A terminated instance's address is free again (its primary ENI was deleted with it).
  for (const i of state.instances.values())
    if (i.state !== "terminated" && i.subnetId === subnet.id) used.add(i.privateIpAddress);
  let free = 0;
  for (let offset = 4n; offset < cidrSize(cidr) - 1n && free < needed; offset += 1n) {
    const address = addressAt(cidr, offset);
    if (address !== undefined && !used.has(formatIp(address))) free += 1;
  }
  return free >= needed;
}

/** Why EC2 refuses an instance of `type` with `interfaces` ENIs in `subnet` at `at` (undefined: it launches). */
export function launchRefusal(
  state: RegionState,
  subnet: SubnetModel,
  type: string,
  interfaces: number,
  at: number,
): LaunchRefusal | undefined {
  if (subnet.outpostArn !== undefined && freeSlots(state, subnet.outpostArn, type, at) === 0)
    return {
      code: "InsufficientInstanceCapacity",
      message: `There is not enough ${type} capacity on the Outpost ${subnet.outpostArn} to launch the instance.`,
    };
  if (!hasFreeAddresses(state, subnet, interfaces))
    return {
      code: "InsufficientFreeAddressesInSubnet",
      message: `There are not enough free addresses in subnet '${subnet.id}' to satisfy the requested number of instances.`,
    };
  return undefined;
}

/** Records the failed activity and sends "EC2 Instance Launch Unsuccessful". */
export function recordFailedLaunch(
  state: RegionState,
  emit: EmitServiceEvent,
  at: number,
  group: AsgModel,
  failure: LaunchFailedError,
  cause: string,
): ScalingActivityModel {
  return recordFailedActivity(state, emit, at, group, {
    statusMessage: `${failure.refusal.message} Launching EC2 instance failed.`,
    subnetId: failure.subnetId,
    cause,
  });
}

/**
 * A launch its hook abandoned (CompleteLifecycleAction ABANDON, or the heartbeat timeout with DefaultResult
 * ABANDON) is a failed launch too: "Instance failed to complete user's Lifecycle Action: Lifecycle Action with
 * token … was abandoned: Lifecycle Action Completed with ABANDON Result" / "…: Heartbeat Timeout" (AWS
 * knowledge center "lifecycle-actions-code-deploy", the scaling history's messages).
 */
export function recordAbandonedLaunch(
  state: RegionState,
  emit: EmitServiceEvent,
  at: number,
  group: AsgModel,
  launch: { instanceId: string; token: string; timedOut: boolean },
): ScalingActivityModel {
  const why = launch.timedOut ? "Heartbeat Timeout" : "Lifecycle Action Completed with ABANDON Result";
  return recordFailedActivity(state, emit, at, group, {
    statusMessage: `Instance failed to complete user's Lifecycle Action: Lifecycle Action with token ${launch.token} was abandoned: ${why}`,
    subnetId: state.instances.get(launch.instanceId)?.subnetId ?? "",
    instanceId: launch.instanceId,
    cause: `At ${new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z")} the launch of ${launch.instanceId} was abandoned by its lifecycle hook.`,
  });
}

function recordFailedActivity(
  state: RegionState,
  emit: EmitServiceEvent,
  at: number,
  group: AsgModel,
  failed: { statusMessage: string; subnetId: string; instanceId?: string; cause: string },
): ScalingActivityModel {
  state.asg.sequence += 1;
  const subnet = state.subnets.get(failed.subnetId);
  const activity: ScalingActivityModel = {
    activityId: derivedUuid(`activity|${group.name}|${state.asg.sequence}`),
    groupName: group.name,
    description: `Launching a new EC2 instance${failed.instanceId === undefined ? "" : `: ${failed.instanceId}`}.  Status Reason: ${failed.statusMessage}`,
    cause: failed.cause,
    startTime: at,
    endTime: at,
    statusCode: "Failed",
    statusMessage: failed.statusMessage,
    details: { "Availability Zone": subnet?.availabilityZone ?? "", "Subnet ID": failed.subnetId },
  };
  state.asg.activities.push(activity);
  noteFailedLaunch(group, at);
  const time = new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");
  emit({
    source: "aws.autoscaling",
    detailType: "EC2 Instance Launch Unsuccessful",
    resources: [group.arn],
    detail: {
      StatusCode: "Failed",
      AutoScalingGroupName: group.name,
      ActivityId: activity.activityId,
      Details: activity.details,
      RequestId: derivedUuid(`request|${activity.activityId}`),
      StatusMessage: activity.statusMessage,
      EndTime: time,
      EC2InstanceId: failed.instanceId ?? "",
      StartTime: time,
      Cause: failed.cause,
    },
    at,
  });
  return activity;
}

/** When the next try after `failures` failed tries is due (exponential, capped). */
export function nextLaunchTry(state: RegionState, at: number, failures: number): number {
  const { launchRetryInitialMs, launchRetryMaxMs } = state.behaviour;
  return at + Math.min(launchRetryMaxMs, launchRetryInitialMs * 2 ** Math.max(0, failures - 1));
}

/** Members that count toward the desired capacity (not leaving, not parked in the warm pool). */
function inCapacity(group: AsgModel): number {
  return group.instances.filter((m) => !/^(Warmed:|Terminating|Detach)/.test(m.lifecycleState)).length;
}

/**
 * The capacity retries due, with what each does: launch again while the group is below its desired
 * capacity (`launch` throws LaunchFailedError when EC2 refuses again: recorded, tried again later).
 */
export function capacityRetriesDue(
  state: RegionState,
  launch: (emit: EmitServiceEvent, at: number, group: AsgModel) => void,
): { at: number; apply: (emit: EmitServiceEvent) => void }[] {
  return state.asg.capacityRetries.map((retry) => ({
    at: retry.at,
    apply: (emit: EmitServiceEvent) => {
      const list = state.asg.capacityRetries;
      list.splice(list.indexOf(retry), 1);
      const group = state.autoScalingGroups.get(retry.groupName);
      if (group === undefined) return;
      fillCapacity(state, emit, retry.at, group, retry.failures, launch);
    },
  }));
}

/** Launches until the group reaches its desired capacity; a refused launch is retried later. */
export function fillCapacity(
  state: RegionState,
  emit: EmitServiceEvent,
  at: number,
  group: AsgModel,
  failures: number,
  launch: (emit: EmitServiceEvent, at: number, group: AsgModel) => void,
): void {
  // Launch suspended: nothing launches until it is resumed (ResumeProcesses tries again).
  while (inCapacity(group) < group.desiredCapacity && group.suspendedProcesses?.has("Launch") !== true) {
    const cause = capacityCause(group, at);
    try {
      launch(emit, at, group);
    } catch (error) {
      if (!(error instanceof LaunchFailedError)) throw error;
      recordFailedLaunch(state, emit, at, group, error, cause);
      state.asg.capacityRetries.push({
        groupName: group.name,
        failures: failures + 1,
        at: nextLaunchTry(state, at, failures + 1),
      });
      return;
    }
  }
}

export const capacityCause = (group: AsgModel, at: number): string =>
  `At ${new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z")} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from ${inCapacity(group)} to ${group.desiredCapacity}.`;

/** Schedules the group's capacity retry after a first failure (one pending retry per group). */
export function capacityRetryFor(state: RegionState, groupName: string, at: number): void {
  if (state.asg.capacityRetries.some((r) => r.groupName === groupName)) return;
  state.asg.capacityRetries.push({ groupName, failures: 1, at: nextLaunchTry(state, at, 1) });
}

/**
 * DescribeScalingActivities (Auto Scaling API reference), for the failed launches modelled here only
 * (successful activities are not recorded) [decision]: newest first, by group and/or ActivityIds,
 * `MaxRecords` 1–100 (default 100), `NextToken`.
 */
function describeScalingActivities(c: OpContext, p: Params): ActivitiesType {
  const group = p.str("AutoScalingGroupName");
  const ids = p.strList("ActivityIds") ?? [];
  const max = p.intInRange("MaxRecords", 1, 100) ?? 100;
  const items = c.state.asg.activities
    .filter(
      (a) =>
        (group === undefined || a.groupName === group) && (ids.length === 0 || ids.includes(a.activityId)),
    )
    .reverse()
    .map(
      (a): Activity => ({
        ActivityId: a.activityId,
        AutoScalingGroupName: a.groupName,
        Description: a.description,
        Cause: a.cause,
        StartTime: new Date(a.startTime),
        EndTime: new Date(a.endTime),
        StatusCode: a.statusCode,
        StatusMessage: a.statusMessage,
        Progress: 100,
        Details: JSON.stringify(a.details),
      }),
    );
  const { page, nextToken } = paginate(items, {
    maxResults: max,
    nextToken: p.str("NextToken"),
    key: `DescribeScalingActivities/${group ?? ""}`,
    errors: queryParamErrors,
  });
  return { Activities: page, ...(nextToken !== undefined ? { NextToken: nextToken } : {}) };
}

export const scalingActivitiesModel: ServiceModel = {
  DescribeScalingActivities: describeScalingActivities,
};
