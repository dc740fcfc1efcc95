/**
 * Fixture members added for the Auto Scaling engine (issue 9): group policies (instance maintenance,
 * retention, warm pool, default warmup, launch template ENIs) and the engine's behaviour knobs. All optional with defaults, so every existing fixture still loads
 * (see docs/simulated-account.md).
 */
import * as z from "zod/mini";

function doc<T extends z.ZodMiniType>(schema: T, description: string): T {
  return schema.check(z.core.describe(description));
}

const Count = z.int().check(z.gte(0));

/** Secondary ENIs of the launch template, created with each instance the group launches. */
export const LaunchTemplateInterfaces = doc(
  z.optional(
    z.array(
      z.strictObject({
        deviceIndex: z.int().check(z.gte(1)),
        networkCardIndex: z._default(Count, 0),
        deleteOnTermination: z._default(z.boolean(), true),
        description: z._default(z.string(), ""),
      }),
    ),
  ),
  "Launch template `NetworkInterfaces` beyond the primary: created in the instance's subnet at launch (they count toward the card's ENI limit).",
);

export const LaunchTemplateInstanceType = doc(
  z.optional(z.string()),
  "Instance type of the instances the group launches (default: the type of a current member).",
);

/** Members spread into the Auto Scaling group fixture. */
export const ASG_GROUP_FIXTURE_MEMBERS = {
  instanceMaintenancePolicy: doc(
    z.optional(
      z.strictObject({
        minHealthyPercentage: z.int().check(z.gte(0), z.lte(100)),
        maxHealthyPercentage: z.int().check(z.gte(100), z.lte(200)),
      }),
    ),
    "Instance maintenance policy: minHealthyPercentage 100 (with max > 100) = launch before terminating; otherwise terminate and launch.",
  ),
  instanceLifecyclePolicy: doc(
    z.optional(
      z.strictObject({
        retentionTriggers: z.strictObject({
          terminateHookAbandon: z._default(z.enum(["retain", "terminate"]), "terminate"),
        }),
      }),
    ),
    "retain: a terminate hook abandoned (explicitly or by timeout) leaves the instance running in Terminating:Retained.",
  ),
  warmPool: doc(
    z.optional(
      z.strictObject({
        minSize: z._default(Count, 0),
        maxGroupPreparedCapacity: z.optional(Count),
        poolState: z._default(z.enum(["Stopped", "Running", "Hibernated"]), "Stopped"),
        instanceReusePolicy: z._default(z.strictObject({ reuseOnScaleIn: z._default(z.boolean(), false) }), {
          reuseOnScaleIn: false,
        }),
      }),
    ),
    "Warm pool (DescribeWarmPool); pooled instances are members in a `Warmed:*` state.",
  ),
  defaultInstanceWarmup: doc(
    z.optional(Count),
    "Seconds after InService before a new instance counts as ready (default: healthCheckGracePeriod).",
  ),
};

/** Knobs spread into `behaviour`. */
export const ASG_BEHAVIOUR_MEMBERS = {
  pendingProceedMs: doc(
    z._default(Count, 2_000),
    "A member stays in Pending:Proceed (Warmed:Pending:Proceed) this long after its last launch action completes, then InService (never before EC2 says running).",
  ),
  lifecycleHookOrder: doc(
    z._default(z.enum(["concurrent", "sequential"]), "concurrent"),
    "Several hooks of one transition: concurrent = every action starts at once, the member waits for all; sequential = one after the other, in DescribeLifecycleHooks order (AWS documents neither).",
  ),
  lifecycleWaitDelayMs: doc(
    z.optional(Count),
    "A launched instance enters Pending:Wait (and its lifecycle event is sent) this long after launch; default half of pendingToRunningMs, i.e. while EC2 still says pending.",
  ),
  healthChecks: doc(
    z._default(z.enum(["off", "ec2"]), "off"),
    "ec2: Auto Scaling's EC2 health check marks InService members Unhealthy (not running, or a status check impaired) after the grace period and replaces them. off: only SetInstanceHealth / the control API replace.",
  ),
  healthCheckIntervalMs: doc(
    z._default(z.int().check(z.gte(1000)), 60_000),
    "Period of the EC2 health check for impaired status checks (a non-running instance is marked at once).",
  ),
  relaunchDelayMs: doc(
    z._default(Count, 10_000),
    "After a replacement's launch is abandoned, Auto Scaling launches another this long after.",
  ),
  launchRetryInitialMs: doc(
    z._default(Count, 10_000),
    "A launch EC2 refused (InsufficientInstanceCapacity, InsufficientFreeAddressesInSubnet) is tried again this long after, doubling with each failure (AWS documents the retry, not its intervals).",
  ),
  launchRetryMaxMs: doc(
    z._default(Count, 300_000),
    "The longest wait between two tries of a refused launch.",
  ),
  instanceRefreshTimeoutMs: doc(
    z._default(Count, 3_600_000),
    "An instance refresh fails when one replacement has not succeeded within this time (AWS: one hour).",
  ),
  rootVolumeReplaceMs: doc(
    z._default(Count, 60_000),
    "Instance refresh strategy ReplaceRootVolume: ReplacingRootVolume lasts this long.",
  ),
  lifecycleEventOriginDestination: doc(
    z._default(z.enum(["always", "warm-pool-only"]), "always"),
    "Whether lifecycle events carry Origin/Destination for groups without a warm pool.",
  ),
  impairedDetach: doc(
    z._default(z.enum(["hang", "normal"]), "hang"),
    "hang: a plain DetachNetworkInterface from an instance whose status check is impaired stays `detaching` until Force, or until the instance stops or terminates.",
  ),
};

interface GroupForChecks {
  instanceMaintenancePolicy?: { minHealthyPercentage: number; maxHealthyPercentage: number };
  launchTemplate?: { networkInterfaces?: { deviceIndex: number; networkCardIndex: number }[] };
}

/** Cross-field checks of the group members above. */
export function checkAsgReferences(
  groups: readonly GroupForChecks[],
  add: (path: string, message: string) => void,
): void {
  groups.forEach((g, i) => {
    const policy = g.instanceMaintenancePolicy;
    if (policy !== undefined && policy.maxHealthyPercentage - policy.minHealthyPercentage > 100) {
      add(
        `autoScalingGroups.${i}.instanceMaintenancePolicy`,
        "the difference between minHealthyPercentage and maxHealthyPercentage cannot be greater than 100",
      );
    }
    const slots = new Set<string>();
    (g.launchTemplate?.networkInterfaces ?? []).forEach((n, j) => {
      const slot = `${n.networkCardIndex}/${n.deviceIndex}`;
      if (slots.has(slot))
        add(`autoScalingGroups.${i}.launchTemplate.networkInterfaces.${j}`, "duplicate device index");
      slots.add(slot);
    });
  });
}
