import type { Instance as GroupMember, LifecycleHook } from "@aws-sdk/client-auto-scaling";
import { LIFECYCLE_STATES } from "../../../sim/account/fixture";
import { LIFECYCLE_TRANSITIONS } from "../../../sim/account/fixture-lifecycle";
import type { GroupRead } from "../read/autoscaling";
import { compact, iso, type KeepTag, keptTagMap, type Out } from "./common";

const HEALTH_CHECK_TYPES = ["EC2", "ELB", "VPC_LATTICE", "EBS"] as const;

const toMember = (m: GroupMember) =>
  compact({
    instanceId: m.InstanceId ?? "",
    lifecycleState: LIFECYCLE_STATES.find((s) => s === m.LifecycleState) ?? "InService",
    healthStatus: (["Healthy", "Unhealthy"] as const).find((h) => h === m.HealthStatus),
    protectedFromScaleIn: m.ProtectedFromScaleIn ?? false,
  });

const warmPoolOf = ({ warmPool }: GroupRead): Out<"autoScalingGroups">["warmPool"] => {
  const c = warmPool?.configuration;
  if (c === undefined) return undefined;
  const state: "Stopped" | "Running" | "Hibernated" =
    (["Running", "Hibernated"] as const).find((p) => p === c.PoolState) ?? "Stopped";
  return compact({
    minSize: c.MinSize ?? 0,
    maxGroupPreparedCapacity: c.MaxGroupPreparedCapacity === -1 ? undefined : c.MaxGroupPreparedCapacity,
    poolState: state,
    instanceReusePolicy: { reuseOnScaleIn: c.InstanceReusePolicy?.ReuseOnScaleIn ?? false },
  });
};

/** A group with its members: those DescribeAutoScalingGroups lists and the warm pool's (DescribeWarmPool). */
export const toGroup = (read: GroupRead, keep: KeepTag): Out<"autoScalingGroups"> => {
  const g = read.group;
  const lt = g.LaunchTemplate;
  const policy = g.InstanceMaintenancePolicy;
  return compact({
    name: g.AutoScalingGroupName ?? "",
    minSize: g.MinSize ?? 0,
    maxSize: g.MaxSize,
    desiredCapacity: g.DesiredCapacity,
    vpcZoneIdentifier: (g.VPCZoneIdentifier ?? "").split(",").filter((s) => s !== ""),
    launchTemplate:
      lt === undefined
        ? undefined
        : compact({
            launchTemplateId: lt.LaunchTemplateId,
            launchTemplateName: lt.LaunchTemplateName,
            version: lt.Version ?? "$Default",
          }),
    healthCheckType: HEALTH_CHECK_TYPES.find((t) => t === g.HealthCheckType) ?? "EC2",
    healthCheckGracePeriod: g.HealthCheckGracePeriod ?? 0,
    defaultCooldown: g.DefaultCooldown ?? 300,
    createdTime: iso(g.CreatedTime),
    instances: [...(g.Instances ?? []), ...(read.warmPool?.instances ?? [])].map(toMember),
    tags: keptTagMap(g.Tags, keep),
    instanceMaintenancePolicy:
      policy?.MinHealthyPercentage === undefined || policy.MinHealthyPercentage < 0
        ? undefined
        : {
            minHealthyPercentage: policy.MinHealthyPercentage,
            maxHealthyPercentage: policy.MaxHealthyPercentage ?? 100,
          },
    instanceLifecyclePolicy:
      g.InstanceLifecyclePolicy?.RetentionTriggers?.TerminateHookAbandon === undefined
        ? undefined
        : {
            retentionTriggers: {
              terminateHookAbandon: g.InstanceLifecyclePolicy.RetentionTriggers.TerminateHookAbandon,
            },
          },
    warmPool: warmPoolOf(read),
    defaultInstanceWarmup: g.DefaultInstanceWarmup,
  });
};

export const toHook = (h: LifecycleHook): Out<"lifecycleHooks"> =>
  compact({
    autoScalingGroupName: h.AutoScalingGroupName ?? "",
    name: h.LifecycleHookName ?? "",
    transition: LIFECYCLE_TRANSITIONS.find((t) => t === h.LifecycleTransition) ?? LIFECYCLE_TRANSITIONS[0],
    heartbeatTimeout: h.HeartbeatTimeout,
    defaultResult: h.DefaultResult === "CONTINUE" ? ("CONTINUE" as const) : ("ABANDON" as const),
    notificationMetadata: h.NotificationMetadata,
    notificationTargetArn: h.NotificationTargetARN,
    roleArn: h.RoleARN,
  });

/** Where a waiting member comes from and goes to, as far as its lifecycle state tells. */
const WAITS: Record<
  string,
  { transition: string; origin?: "EC2" | "AutoScalingGroup"; destination?: "EC2" | "WarmPool" }
> = {
  "Pending:Wait": { transition: "autoscaling:EC2_INSTANCE_LAUNCHING" },
  "Terminating:Wait": {
    transition: "autoscaling:EC2_INSTANCE_TERMINATING",
    origin: "AutoScalingGroup",
    destination: "EC2",
  },
  "Warmed:Pending:Wait": {
    transition: "autoscaling:EC2_INSTANCE_LAUNCHING",
    origin: "EC2",
    destination: "WarmPool",
  },
  "Warmed:Terminating:Wait": { transition: "autoscaling:EC2_INSTANCE_TERMINATING", destination: "EC2" },
};

/**
 * Pending lifecycle actions, as far as AWS shows them: no API lists actions or their tokens, but a member
 * waiting in `*:Wait` has one for the first hook of that transition (with several hooks, which one waits is
 * not shown: the first is written).
 */
export const toLifecycleActions = (read: GroupRead): Out<"lifecycleActions">[] => {
  const name = read.group.AutoScalingGroupName ?? "";
  const members = [...(read.group.Instances ?? []), ...(read.warmPool?.instances ?? [])];
  return members.flatMap((m) => {
    const wait = WAITS[m.LifecycleState ?? ""];
    const hook = read.hooks.find((h) => h.LifecycleTransition === wait?.transition);
    if (wait === undefined || hook === undefined) return [];
    return [
      compact({
        autoScalingGroupName: name,
        hookName: hook.LifecycleHookName ?? "",
        instanceId: m.InstanceId ?? "",
        origin: wait.origin,
        destination: wait.destination,
      }),
    ];
  });
};
