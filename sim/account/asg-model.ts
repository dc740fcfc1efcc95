/**
 * Data of the Auto Scaling engine (issue 9): group policies, replacements in flight, instance
 * refreshes, sequential hook queues, lifecycle-event delivery rules and state timestamps. Plain data
 * held by `RegionState.asg`; the behaviour lives in lifecycle-engine.ts, asg-launch.ts and
 * asg-replacement.ts. Kept below state.ts (no imports) so that state.ts can hold it.
 */

export type PoolState = "Stopped" | "Running" | "Hibernated";

/** `InstanceMaintenancePolicy` (Auto Scaling API reference): min 0–100, max 100–200. */
export interface MaintenancePolicyModel {
  minHealthyPercentage: number;
  maxHealthyPercentage: number;
}

/** `WarmPoolConfiguration`. */
export interface WarmPoolModel {
  minSize: number;
  maxGroupPreparedCapacity?: number;
  poolState: PoolState;
  reuseOnScaleIn: boolean;
}

/** A secondary network interface of the group's launch template, created with every new instance. */
export interface LaunchInterfaceModel {
  deviceIndex: number;
  networkCardIndex: number;
  deleteOnTermination: boolean;
  description: string;
}

/** What a group launches and how it replaces instances (fields of `AutoScalingGroup`). */
export interface AsgPolicies {
  instanceMaintenancePolicy?: MaintenancePolicyModel;
  /** `InstanceLifecyclePolicy.RetentionTriggers.TerminateHookAbandon`. */
  terminateHookAbandon?: "retain" | "terminate";
  warmPool?: WarmPoolModel;
  /** `DefaultInstanceWarmup`, seconds. */
  defaultInstanceWarmup?: number;
  /** The launch template's instance type (default: the type of a current member). */
  launchInstanceType?: string;
  launchInterfaces: LaunchInterfaceModel[];
}

export type ReplacementMode = "terminate-and-launch" | "launch-before-terminate";
export type ReplacementCause = "health" | "refresh" | "manual";

/** One instance being replaced (health check, instance refresh, control API). */
export interface ReplacementModel {
  id: string;
  groupName: string;
  oldInstanceId: string;
  mode: ReplacementMode;
  cause: ReplacementCause;
  /** launching: the replacement is on its way; terminating: the old instance is leaving. */
  phase: "launching" | "terminating" | "done";
  newInstanceId?: string;
  /** Launch attempts (an abandoned replacement is launched again). */
  attempts: number;
  /** Consecutive launches EC2 refused (the backoff of the next try). */
  launchFailures?: number;
  /** Its launch waits for the Launch process to be resumed. */
  launchHeld?: boolean;
  /** A relaunch after an abandoned attempt is due at this time. */
  relaunchAt?: number;
  /** Instance warmup (ms) after InService before the old instance is terminated (launch-before-terminate). */
  warmupMs: number;
  subnetId?: string;
  refreshId?: string;
  startedAt: number;
  doneAt?: number;
}

export type RefreshStatus = "Pending" | "InProgress" | "Successful" | "Failed" | "Cancelled";

export interface InstanceRefreshModel {
  id: string;
  groupName: string;
  status: RefreshStatus;
  statusReason?: string;
  strategy: "Rolling" | "ReplaceRootVolume";
  minHealthyPercentage: number;
  maxHealthyPercentage: number;
  warmupMs: number;
  startTime: number;
  endTime?: number;
  /** Instances still to replace, in order; the one in progress is `current`. */
  queue: string[];
  total: number;
  replaced: number;
  current?: string;
  /** When the instance in progress started (the one-hour retry limit counts from it). */
  currentSince?: number;
  /** The next instance starts at this time (after the previous one's warmup). */
  nextAt?: number;
}

/** A lifecycle action waiting for the previous hook of its transition (sequential hook order). */
export interface QueuedHooks {
  groupName: string;
  instanceId: string;
  hookNames: string[];
  origin: string;
  destination: string;
}

/** Best-effort lifecycle events: a rule that drops, delays or duplicates matching events. */
export interface EventDeliveryRule {
  id: string;
  action: "drop" | "delay" | "duplicate";
  delayMs: number;
  /** Fire at most this many times (undefined: every matching event). */
  times?: number;
  fired: number;
  groupName?: string;
  hookName?: string;
  transition?: string;
}

/** A `Force` detach leaves its device index unusable for another ENI until the instance restarts. */
export interface ForcedSlot {
  instanceId: string;
  networkCardIndex: number;
  deviceIndex: number;
  eniId: string;
  at: number;
}

/** A failed launch activity (DescribeScalingActivities' Activity). */
export interface ScalingActivityModel {
  activityId: string;
  groupName: string;
  description: string;
  cause: string;
  startTime: number;
  endTime: number;
  statusCode: "Failed";
  statusMessage: string;
  details: { "Availability Zone": string; "Subnet ID": string };
}

/** A launch for the desired capacity that failed, tried again later (scale out, a lost member). */
export interface CapacityLaunchRetry {
  groupName: string;
  failures: number;
  at: number;
}

/** Mutable engine state of one region. */
export class AsgRuntime {
  readonly replacements: ReplacementModel[] = [];
  readonly refreshes: InstanceRefreshModel[] = [];
  readonly queuedHooks: QueuedHooks[] = [];
  readonly deliveryRules: EventDeliveryRule[] = [];
  readonly forcedSlots: ForcedSlot[] = [];
  /** Failed launch activities, oldest first, and the launches for the desired capacity to try again. */
  readonly activities: ScalingActivityModel[] = [];
  readonly capacityRetries: CapacityLaunchRetry[] = [];
  /**
   * Outposts slots taken (-1) and given back (+1) by instances since the clock start, per Outpost and type
   * (asg-launch-failures.ts `freeSlots`: the published count plus these).
   */
  readonly slotChanges: { at: number; outpostArn: string; instanceType: string; delta: number }[] = [];
  /** Instance id → when its member entered its current lifecycle state. */
  readonly stateSince = new Map<string, number>();
  /** Instance id → when the health check marked it Unhealthy (then it is replaced). */
  readonly unhealthySince = new Map<string, number>();
  /** Instance id → when the health check first saw its status check impaired. */
  readonly impairedNoticed = new Map<string, number>();
  /** Counters for deterministic new ids. */
  launched = 0;
  sequence = 0;
}
