/**
 * Fixture collections added for eni-reattach (issue 4): Auto Scaling lifecycle hooks and the lifecycle
 * actions pending on them, and Outposts with their instance types and capacity. All optional, with
 * defaults, so existing fixtures stay valid (see docs/simulated-account.md).
 */
import * as z from "zod/mini";

function doc<T extends z.ZodMiniType>(schema: T, description: string): T {
  return schema.check(z.core.describe(description));
}

const Timestamp = z.iso.datetime({ offset: true });
const InstanceId = z
  .string()
  .check(z.regex(/^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, "must look like i-0123456789abcdef0"));
const OutpostId = z.string().check(z.regex(/^op-[0-9a-f]{17}$/, "must look like op-0123456789abcdef0"));

export const LIFECYCLE_TRANSITIONS = [
  "autoscaling:EC2_INSTANCE_LAUNCHING",
  "autoscaling:EC2_INSTANCE_TERMINATING",
] as const;

export const LifecycleHookFixture = z.strictObject({
  autoScalingGroupName: z.string().check(z.minLength(1)),
  name: z.string().check(z.minLength(1), z.maxLength(255)),
  transition: z.enum(LIFECYCLE_TRANSITIONS),
  heartbeatTimeout: doc(
    z._default(z.int().check(z.gte(30), z.lte(7200)), 3600),
    "Seconds a lifecycle action waits before `defaultResult` applies (30–7200); a heartbeat restarts it.",
  ),
  defaultResult: z._default(z.enum(["CONTINUE", "ABANDON"]), "ABANDON"),
  notificationMetadata: z.optional(z.string()),
  notificationTargetArn: z.optional(z.string()),
  roleArn: z.optional(z.string()),
});

export const LifecycleActionFixture = z.strictObject({
  autoScalingGroupName: z.string().check(z.minLength(1)),
  hookName: z.string().check(z.minLength(1)),
  instanceId: InstanceId,
  token: doc(z.optional(z.string()), "LifecycleActionToken (default: derived from the instance and hook)."),
  startedAt: doc(z.optional(Timestamp), "When the action started (default: the clock start)."),
  origin: doc(
    z._default(z.enum(["EC2", "AutoScalingGroup", "WarmPool"]), "EC2"),
    "Warm pools: where the instance comes from.",
  ),
  destination: doc(
    z._default(z.enum(["EC2", "AutoScalingGroup", "WarmPool"]), "AutoScalingGroup"),
    "Warm pools: where the instance goes.",
  ),
});

export const OutpostFixture = z.strictObject({
  id: OutpostId,
  name: z._default(z.string(), "outpost"),
  siteId: z._default(z.string(), "os-0123456789abcdef0"),
  availabilityZone: z.string().check(z.minLength(1)),
  lifeCycleStatus: doc(z._default(z.string(), "ACTIVE"), "GetOutpost `LifeCycleStatus` (ACTIVE, RETIRING…)."),
  ownerId: doc(z.optional(z.string()), "Default: the account."),
  instanceTypes: doc(
    z._default(
      z.array(
        z.strictObject({
          instanceType: z.string(),
          availableCount: doc(
            z._default(z.nullable(z.int().check(z.gte(0))), 0),
            "`AWS/Outposts` `AvailableInstanceType_Count` from the clock start (GetMetricData, one datapoint per 5 minutes); null = no datapoints (missing, not 0).",
          ),
          changes: doc(
            z.optional(
              z.array(z.strictObject({ at: Timestamp, availableCount: z.nullable(z.int().check(z.gte(0))) })),
            ),
            "Later values of the metric, each from its time on (null = datapoints stop).",
          ),
        }),
      ),
      [],
    ),
    "Instance types configured on the Outpost (GetOutpostInstanceTypes) and their available capacity.",
  ),
  serviceLink: doc(
    z._default(z.enum(["up", "down"]), "up"),
    "The service link at the clock start: while down the Outpost publishes no capacity datapoints and `ConnectedStatus` is 0.",
  ),
});

/** The additive top-level members of the account fixture. */
export const LIFECYCLE_FIXTURE_MEMBERS = {
  lifecycleHooks: doc(
    z._default(z.array(LifecycleHookFixture), []),
    "Auto Scaling lifecycle hooks (DescribeLifecycleHooks).",
  ),
  lifecycleActions: doc(
    z._default(z.array(LifecycleActionFixture), []),
    "Lifecycle actions pending at the clock start (the instance's member state should be Pending:Wait / Terminating:Wait).",
  ),
  outposts: doc(
    z._default(z.array(OutpostFixture), []),
    "Outposts (GetOutpost, GetOutpostInstanceTypes) and their capacity metric.",
  ),
};
