/**
 * Auto Scaling operations that drive the engine (issue 9): SetInstanceHealth, SetDesiredCapacity,
 * TerminateInstanceInAutoScalingGroup, StartInstanceRefresh, DescribeInstanceRefreshes,
 * CancelInstanceRefresh and DescribeWarmPool. Texts marked [decision] in docs/simulated-account.md
 * were not found in a real answer.
 */
import type {
  Activity,
  ActivityType,
  Instance as AsgInstance,
  CancelInstanceRefreshAnswer,
  DescribeInstanceRefreshesAnswer,
  DescribeWarmPoolAnswer,
  InstanceRefresh,
  StartInstanceRefreshAnswer,
} from "@aws-sdk/client-auto-scaling";
import { launchOrRetry } from "./asg-launch";
import type { InstanceRefreshModel } from "./asg-model";
import { replaceInstance, replaceUnhealthy, warmupMs } from "./asg-replacement";
import type { OpContext, ServiceModel } from "./context";
import { awsError, queryParamErrors } from "./errors";
import { derivedUuid } from "./ids";
import { startTermination, terminateMemberInstance } from "./lifecycle-engine";
import { compareStrings, type Params, paginate } from "./query";
import { type AsgMemberModel, type AsgModel, prune } from "./state";

function groupNamed(c: OpContext, name: string): AsgModel {
  const group = c.state.autoScalingGroups.get(name);
  if (group === undefined) throw awsError("ValidationError", `AutoScalingGroup name not found - ${name}`);
  return group;
}

/** The member and its group, or ValidationError [decision on the text]. */
function managedInstance(c: OpContext, id: string): { group: AsgModel; member: AsgMemberModel } {
  const group = c.state.groupOf(id);
  const member = group?.instances.find((m) => m.instanceId === id);
  if (group === undefined || member === undefined)
    throw awsError(
      "ValidationError",
      `Instance Id not found - No managed instance found for instance ID: ${id}`,
    );
  return { group, member };
}

const replacing = (c: OpContext, id: string) =>
  c.state.asg.replacements.some((r) => r.oldInstanceId === id && r.phase !== "done");

function setInstanceHealth(c: OpContext, p: Params): Record<string, never> {
  const id = p.reqStr("InstanceId");
  const health = p.reqStr("HealthStatus");
  if (health !== "Healthy" && health !== "Unhealthy")
    throw awsError(
      "ValidationError",
      `Valid instance health states are: [Healthy, Unhealthy]. Received: ${health}`,
    );
  const { group, member } = managedInstance(c, id);
  member.healthStatus = health;
  // "Unhealthy means … Amazon EC2 Auto Scaling should terminate and replace it" (HealthStatus).
  if (health === "Unhealthy" && member.lifecycleState === "InService" && !replacing(c, id)) {
    c.state.asg.unhealthySince.set(id, c.nowMs());
    replaceUnhealthy(c.state, c.emit, c.nowMs(), group, id);
  }
  return {};
}

function activity(c: OpContext, group: AsgModel, description: string, cause: string): Activity {
  c.state.asg.sequence += 1;
  return {
    ActivityId: derivedUuid(`activity|${group.name}|${c.state.asg.sequence}`),
    AutoScalingGroupName: group.name,
    Description: description,
    Cause: cause,
    StartTime: new Date(c.nowMs()),
    StatusCode: "InProgress",
    Progress: 0,
    Details: JSON.stringify({ "Availability Zone": group.availabilityZones[0] ?? "" }),
  };
}

/** Scale-in picks the unprotected InService member launched first [decision: no AZ balancing]. */
function scaleInCandidate(c: OpContext, group: AsgModel): AsgMemberModel | undefined {
  const launched = (m: AsgMemberModel) => c.state.instances.get(m.instanceId)?.launchTime.getTime() ?? 0;
  return group.instances
    .filter((m) => m.lifecycleState === "InService" && !m.protectedFromScaleIn)
    .sort((a, b) => launched(a) - launched(b) || compareStrings(a.instanceId, b.instanceId))[0];
}

function setDesiredCapacity(c: OpContext, p: Params): Record<string, never> {
  const group = groupNamed(c, p.reqStr("AutoScalingGroupName"));
  const desired = p.int("DesiredCapacity");
  if (desired === undefined) throw queryParamErrors.missing("DesiredCapacity");
  if (desired > group.maxSize)
    throw awsError(
      "ValidationError",
      `New SetDesiredCapacity value ${desired} is above max value ${group.maxSize} for the AutoScalingGroup.`,
    );
  if (desired < group.minSize)
    throw awsError(
      "ValidationError",
      `New SetDesiredCapacity value ${desired} is below min value ${group.minSize} for the AutoScalingGroup.`,
    );
  const now = c.nowMs();
  const cause = `At ${new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z")} a user request explicitly set group desired capacity changing the desired capacity from ${group.desiredCapacity} to ${desired}.`;
  for (let n = group.desiredCapacity; n < desired; n += 1) launchOrRetry(c.state, c.emit, now, group, cause);
  for (let n = group.desiredCapacity; n > desired; n -= 1) {
    const member = scaleInCandidate(c, group);
    if (member === undefined) break;
    startTermination(c.state, c.emit, now, group, member, {
      reuse: group.policies?.warmPool?.reuseOnScaleIn === true,
    });
  }
  group.desiredCapacity = desired;
  return {};
}

function terminateOne(c: OpContext, id: string, decrement: boolean): Activity {
  const { group, member } = managedInstance(c, id);
  const now = c.nowMs();
  const result = activity(
    c,
    group,
    `Terminating EC2 instance: ${id}`,
    `At ${new Date(now).toISOString()} instance ${id} was taken out of service in response to a user request${decrement ? ", shrinking the capacity" : ""}.`,
  );
  if (member.lifecycleState.endsWith(":Retained")) {
    // "Retained instances … remain until you call TerminateInstanceInAutoScalingGroup."
    terminateMemberInstance(c.state, c.emit, now, group, member);
    return result;
  }
  if (decrement) {
    if (group.desiredCapacity <= group.minSize)
      throw awsError(
        "ValidationError",
        `Currently, desiredSize equals minSize (${group.minSize}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`,
      );
    group.desiredCapacity -= 1;
    startTermination(c.state, c.emit, now, group, member);
  } else {
    replaceInstance(c.state, c.emit, now, {
      groupName: group.name,
      instanceId: id,
      cause: "manual",
      mode: "terminate-and-launch",
    });
  }
  return result;
}

function terminateInstanceInAutoScalingGroup(c: OpContext, p: Params): ActivityType {
  const decrement = p.bool("ShouldDecrementDesiredCapacity");
  if (decrement === undefined) throw queryParamErrors.missing("ShouldDecrementDesiredCapacity");
  const one = p.str("InstanceId");
  const many = p.strList("InstanceIds");
  if (one !== undefined) return { Activity: terminateOne(c, one, decrement) };
  if (many === undefined || many.length === 0) throw queryParamErrors.missing("InstanceId");
  return { Activities: many.map((id) => terminateOne(c, id, decrement)) };
}

// ---------------------------------------------------------------------------------------------
// Instance refresh

const active = (r: InstanceRefreshModel) => r.status === "Pending" || r.status === "InProgress";

function preference(p: Params, name: string): number | undefined {
  const prefs = p.input.Preferences as Record<string, unknown> | undefined;
  const value = prefs?.[name];
  return typeof value === "number"
    ? value
    : typeof value === "string" && value !== ""
      ? Number(value)
      : undefined;
}

function startInstanceRefresh(c: OpContext, p: Params): StartInstanceRefreshAnswer {
  const group = groupNamed(c, p.reqStr("AutoScalingGroupName"));
  if (c.state.asg.refreshes.some((r) => r.groupName === group.name && active(r)))
    throw awsError(
      "InstanceRefreshInProgress",
      `An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.`,
    );
  const policy = group.policies?.instanceMaintenancePolicy;
  // "If you do not specify this property, the default is 90 percent, or the percentage set in the
  // instance maintenance policy"; max: 100 or the policy's (RefreshPreferences).
  const min = preference(p, "MinHealthyPercentage") ?? policy?.minHealthyPercentage ?? 90;
  const max = preference(p, "MaxHealthyPercentage") ?? policy?.maxHealthyPercentage ?? 100;
  if (min < 0 || min > 100 || max < 100 || max > 200 || max - min > 100)
    throw awsError(
      "ValidationError",
      "MinHealthyPercentage must be 0–100, MaxHealthyPercentage 100–200, and their difference at most 100.",
    );
  const strategy = p.str("Strategy") ?? "Rolling";
  if (strategy !== "Rolling" && strategy !== "ReplaceRootVolume")
    throw awsError("ValidationError", `Strategy ${strategy} is not supported.`);
  const warmup = preference(p, "InstanceWarmup");
  const launched = (id: string) => c.state.instances.get(id)?.launchTime.getTime() ?? 0;
  const queue = group.instances
    .filter((m) => m.lifecycleState === "InService")
    .map((m) => m.instanceId)
    .sort((a, b) => launched(a) - launched(b) || compareStrings(a, b));
  c.state.asg.sequence += 1;
  const refresh: InstanceRefreshModel = {
    id: derivedUuid(`refresh|${group.name}|${c.state.asg.sequence}`),
    groupName: group.name,
    status: "Pending",
    strategy,
    minHealthyPercentage: min,
    maxHealthyPercentage: max,
    warmupMs: warmup !== undefined ? warmup * 1000 : warmupMs(group),
    startTime: c.nowMs(),
    queue,
    total: queue.length,
    replaced: 0,
  };
  c.state.asg.refreshes.push(refresh);
  return { InstanceRefreshId: refresh.id };
}

function toRefresh(r: InstanceRefreshModel): InstanceRefresh {
  return prune({
    InstanceRefreshId: r.id,
    AutoScalingGroupName: r.groupName,
    Status: r.status,
    StatusReason: r.statusReason,
    StartTime: new Date(r.startTime),
    EndTime: r.endTime === undefined ? undefined : new Date(r.endTime),
    PercentageComplete: r.total === 0 ? 100 : Math.floor((100 * r.replaced) / r.total),
    InstancesToUpdate: r.total - r.replaced,
    Preferences: {
      MinHealthyPercentage: r.minHealthyPercentage,
      MaxHealthyPercentage: r.maxHealthyPercentage,
      InstanceWarmup: r.warmupMs / 1000,
    },
    Strategy: r.strategy,
  });
}

function describeInstanceRefreshes(c: OpContext, p: Params): DescribeInstanceRefreshesAnswer {
  const group = groupNamed(c, p.reqStr("AutoScalingGroupName"));
  const ids = p.strList("InstanceRefreshIds");
  const rows = c.state.asg.refreshes
    .filter(
      (r) => r.groupName === group.name && (ids === undefined || ids.length === 0 || ids.includes(r.id)),
    )
    .reverse();
  const { page, nextToken } = paginate(rows, {
    maxResults: p.intInRange("MaxRecords", 1, 100) ?? 50,
    nextToken: p.str("NextToken"),
    key: `DescribeInstanceRefreshes/${group.name}`,
    errors: queryParamErrors,
  });
  return prune({ InstanceRefreshes: page.map(toRefresh), NextToken: nextToken });
}

function cancelInstanceRefresh(c: OpContext, p: Params): CancelInstanceRefreshAnswer {
  const group = groupNamed(c, p.reqStr("AutoScalingGroupName"));
  const refresh = c.state.asg.refreshes.find((r) => r.groupName === group.name && active(r));
  if (refresh === undefined)
    throw awsError(
      "ActiveInstanceRefreshNotFound",
      `No in progress or pending Instance Refresh found for Auto Scaling group ${group.name}`,
    );
  // The replacement in flight goes on; no further instance is started.
  refresh.status = "Cancelled";
  refresh.endTime = c.nowMs();
  return { InstanceRefreshId: refresh.id };
}

// ---------------------------------------------------------------------------------------------
// Warm pool

function describeWarmPool(c: OpContext, p: Params): DescribeWarmPoolAnswer {
  const group = groupNamed(c, p.reqStr("AutoScalingGroupName"));
  const pool = group.policies?.warmPool;
  const members = group.instances.filter((m) => m.lifecycleState.startsWith("Warmed:"));
  const { page, nextToken } = paginate(members, {
    maxResults: p.intInRange("MaxRecords", 1, 50, "Member must have value less than or equal to 50") ?? 50,
    nextToken: p.str("NextToken"),
    key: `DescribeWarmPool/${group.name}`,
    errors: queryParamErrors,
  });
  return prune({
    WarmPoolConfiguration:
      pool === undefined
        ? undefined
        : prune({
            MinSize: pool.minSize,
            MaxGroupPreparedCapacity: pool.maxGroupPreparedCapacity,
            PoolState: pool.poolState,
            InstanceReusePolicy: { ReuseOnScaleIn: pool.reuseOnScaleIn },
          }),
    Instances: page.map(
      (m): AsgInstance =>
        prune({
          InstanceId: m.instanceId,
          InstanceType: c.state.instances.get(m.instanceId)?.instanceType,
          AvailabilityZone: c.state.instances.get(m.instanceId)?.availabilityZone ?? "",
          LifecycleState: m.lifecycleState as AsgInstance["LifecycleState"],
          HealthStatus: c.state.memberHealth(m),
          ProtectedFromScaleIn: m.protectedFromScaleIn,
        }),
    ),
    NextToken: nextToken,
  });
}

export const autoScalingEngineModel: ServiceModel = {
  SetInstanceHealth: setInstanceHealth,
  SetDesiredCapacity: setDesiredCapacity,
  TerminateInstanceInAutoScalingGroup: terminateInstanceInAutoScalingGroup,
  StartInstanceRefresh: startInstanceRefresh,
  DescribeInstanceRefreshes: describeInstanceRefreshes,
  CancelInstanceRefresh: cancelInstanceRefresh,
  DescribeWarmPool: describeWarmPool,
};
