/**
 * Auto Scaling operations: DescribeAutoScalingInstances (non-members are simply absent; warm pool
 * members are listed [decision]) and DescribeAutoScalingGroups (with the maintenance, retention and
 * warm pool policies; warm pool members only in DescribeWarmPool). Health is computed like EC2 health checks: a member that is not
 * running is `Unhealthy` (so a hibernated member gets replaced, the reason the toolkit must not
 * hibernate group members). Note the two spellings AWS uses: `HEALTHY` in
 * DescribeAutoScalingInstances, `Healthy` in DescribeAutoScalingGroups.
 */

import type {
  Instance as AsgInstance,
  AutoScalingGroup,
  AutoScalingGroupsType,
  AutoScalingInstanceDetails,
  AutoScalingInstancesType,
} from "@aws-sdk/client-auto-scaling";
import { suspensionReason } from "./asg-administrative-suspension";
import { asgAttachModel } from "./asg-attach";
import { scalingActivitiesModel } from "./asg-launch-failures";
import { autoScalingEngineModel } from "./asg-operations";
import { asgProcessesModel } from "./asg-processes";
import type { OpContext, ServiceModel } from "./context";
import { awsError, queryParamErrors } from "./errors";
import { lifecycleModel } from "./lifecycle";
import { applyFilters, compareStrings, type Params, paginate } from "./query";
import { type AsgMemberModel, type AsgModel, prune } from "./state";

function launchTemplate(g: AsgModel) {
  return g.launchTemplate === undefined ? undefined : prune({ ...g.launchTemplate });
}

function describeAutoScalingInstances(c: OpContext, p: Params): AutoScalingInstancesType {
  const ids = p.strList("InstanceIds");
  const max = p.intInRange("MaxRecords", 1, 50, "Member must have value less than or equal to 50");
  if (ids !== undefined && ids.length > 50) {
    throw awsError("ValidationError", "The number of instance ids that may be passed in is limited to 50");
  }
  const rows: { group: AsgModel; member: AsgMemberModel }[] = [];
  for (const group of c.state.autoScalingGroups.values()) {
    for (const member of group.instances) {
      if (ids === undefined || ids.length === 0 || ids.includes(member.instanceId))
        rows.push({ group, member });
    }
  }
  rows.sort((a, b) => compareStrings(a.member.instanceId, b.member.instanceId));
  const { page, nextToken } = paginate(rows, {
    maxResults: max ?? 50,
    nextToken: p.str("NextToken"),
    key: "DescribeAutoScalingInstances",
    errors: queryParamErrors,
  });
  return prune({
    AutoScalingInstances: page.map(
      ({ group, member }): AutoScalingInstanceDetails =>
        prune({
          InstanceId: member.instanceId,
          InstanceType: c.state.instances.get(member.instanceId)?.instanceType,
          AutoScalingGroupName: group.name,
          AvailabilityZone: c.state.instances.get(member.instanceId)?.availabilityZone ?? "",
          LifecycleState: member.lifecycleState,
          HealthStatus: c.state.memberHealth(member).toUpperCase(),
          LaunchTemplate: launchTemplate(group),
          ProtectedFromScaleIn: member.protectedFromScaleIn,
        }),
    ),
    NextToken: nextToken,
  });
}

/** Policies of the group as DescribeAutoScalingGroups shows them (issue 9). */
function policyFields(g: AsgModel): Partial<AutoScalingGroup> {
  const p = g.policies;
  const pool = p?.warmPool;
  return prune({
    InstanceMaintenancePolicy:
      p?.instanceMaintenancePolicy === undefined
        ? undefined
        : {
            MinHealthyPercentage: p.instanceMaintenancePolicy.minHealthyPercentage,
            MaxHealthyPercentage: p.instanceMaintenancePolicy.maxHealthyPercentage,
          },
    InstanceLifecyclePolicy:
      p?.terminateHookAbandon === undefined
        ? undefined
        : { RetentionTriggers: { TerminateHookAbandon: p.terminateHookAbandon } },
    WarmPoolConfiguration:
      pool === undefined
        ? undefined
        : prune({
            MinSize: pool.minSize,
            MaxGroupPreparedCapacity: pool.maxGroupPreparedCapacity,
            PoolState: pool.poolState,
            InstanceReusePolicy: { ReuseOnScaleIn: pool.reuseOnScaleIn },
          }),
    WarmPoolSize:
      pool === undefined
        ? undefined
        : g.instances.filter((m) => m.lifecycleState.startsWith("Warmed:")).length,
    DefaultInstanceWarmup: p?.defaultInstanceWarmup,
  });
}

function toGroup(c: OpContext, g: AsgModel): AutoScalingGroup {
  return prune({
    ...policyFields(g),
    AutoScalingGroupName: g.name,
    AutoScalingGroupARN: g.arn,
    LaunchTemplate: launchTemplate(g),
    MinSize: g.minSize,
    MaxSize: g.maxSize,
    DesiredCapacity: g.desiredCapacity,
    DefaultCooldown: g.defaultCooldown,
    AvailabilityZones: g.availabilityZones,
    LoadBalancerNames: [],
    TargetGroupARNs: [],
    HealthCheckType: g.healthCheckType,
    HealthCheckGracePeriod: g.healthCheckGracePeriod,
    // "To retrieve information about the instances in a warm pool, you must call the DescribeWarmPool API."
    Instances: g.instances
      .filter((m) => !m.lifecycleState.startsWith("Warmed:"))
      .map(
        (m): AsgInstance =>
          prune({
            InstanceId: m.instanceId,
            InstanceType: c.state.instances.get(m.instanceId)?.instanceType,
            AvailabilityZone: c.state.instances.get(m.instanceId)?.availabilityZone ?? "",
            LifecycleState: m.lifecycleState as AsgInstance["LifecycleState"],
            HealthStatus: c.state.memberHealth(m),
            LaunchTemplate: launchTemplate(g),
            ProtectedFromScaleIn: m.protectedFromScaleIn,
          }),
      ),
    CreatedTime: g.createdTime,
    SuspendedProcesses: [...(g.suspendedProcesses ?? [])].map(([name, at]) => ({
      ProcessName: name,
      SuspensionReason: suspensionReason(g, name, at),
    })),
    VPCZoneIdentifier: g.vpcZoneIdentifier.join(","),
    EnabledMetrics: [],
    Tags: [...g.tags.entries()].map(([Key, Value]) => ({
      ResourceId: g.name,
      ResourceType: "auto-scaling-group",
      Key,
      Value,
      PropagateAtLaunch: true,
    })),
    TerminationPolicies: ["Default"],
    NewInstancesProtectedFromScaleIn: false,
    ServiceLinkedRoleARN: `arn:aws:iam::${c.accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    CapacityRebalance: false,
  });
}

function describeAutoScalingGroups(c: OpContext, p: Params): AutoScalingGroupsType {
  const names = p.strList("AutoScalingGroupNames");
  const max = p.intInRange("MaxRecords", 1, 100, "Member must have value less than or equal to 100");
  const rawFilters = p.objList("Filters") ?? [];
  const filters = rawFilters.map((f) => ({
    name: typeof f.Name === "string" ? f.Name : "",
    values: Array.isArray(f.Values) ? f.Values.filter((v): v is string => typeof v === "string") : [],
  }));
  const groups = [...c.state.autoScalingGroups.values()]
    .filter((g) => names === undefined || names.length === 0 || names.includes(g.name))
    .sort((a, b) => compareStrings(a.name, b.name));
  const matched = applyFilters(groups, filters, {
    fields: {},
    tags: (g) => g.tags,
    unknown: (name) => awsError("ValidationError", `Filter name '${name}' is invalid.`),
  });
  const { page, nextToken } = paginate(matched, {
    maxResults: max ?? 50,
    nextToken: p.str("NextToken"),
    key: "DescribeAutoScalingGroups",
    errors: queryParamErrors,
  });
  return prune({ AutoScalingGroups: page.map((g) => toGroup(c, g)), NextToken: nextToken });
}

export const autoScalingModel: ServiceModel = {
  ...lifecycleModel,
  ...asgAttachModel,
  ...asgProcessesModel,
  ...autoScalingEngineModel,
  ...scalingActivitiesModel,
  DescribeAutoScalingInstances: describeAutoScalingInstances,
  DescribeAutoScalingGroups: describeAutoScalingGroups,
};
