import type { EniView, LifecycleHookView, NetworkLimits } from "../../../../shared/observe/attachments";
import type { InstanceStateName } from "../../../../shared/observe/model";
import type { PlannedAction } from "../../../../shared/pipeline/types";

/** One member of an Auto Scaling group as Auto Scaling shows it. */
export interface MemberView {
  instanceId: string;
  groupName: string;
  lifecycleState: string;
  /** `Healthy`/`HEALTHY` (DescribeAutoScalingGroups / DescribeAutoScalingInstances spell it differently). */
  healthy: boolean;
}

/** An instance as EC2 shows it (DescribeInstances, DescribeInstanceStatus). */
export interface InstanceFacts {
  id: string;
  state: InstanceStateName;
  instanceType: string;
  availabilityZone?: string;
  outpostArn?: string;
  /** Its instance or system status check reads `impaired`. */
  impaired: boolean;
}

/** Everything the plan of one group needs, read fresh (observe.ts). */
export interface GroupWorld {
  groupName: string;
  /** Absent when DescribeAutoScalingGroups does not know the group. */
  group?: {
    desiredCapacity: number;
    maxSize: number;
    members: MemberView[];
    /** SuspendedProcesses (by an operator, or administratively by Auto Scaling after a day of failed launches). */
    suspended?: ReadonlyArray<{ process: string; reason: string }>;
  };
  hooks: LifecycleHookView[];
  /** The ENIs tagged for the group, and the allow-listed ids (tagged or not). */
  enis: EniView[];
  instances: ReadonlyMap<string, InstanceFacts>;
  /** Auto Scaling membership of every instance above, in any group (warm pool included). */
  memberships: ReadonlyMap<string, MemberView>;
  /** The ENIs attached to the instances that may receive the set (for the preflight). */
  attachedTo: ReadonlyMap<string, readonly EniView[]>;
  /** Network limits by instance type. */
  limits: ReadonlyMap<string, NetworkLimits>;
}

export interface EniSlot {
  deviceIndex: number;
  eniId: string;
}

/** The lifecycle action being worked on (token from an event; the reconcile completes by instance id). */
export interface ActionRef {
  groupName: string;
  hookName: string;
  instanceId: string;
  token?: string;
}

export type LifecycleResult = "CONTINUE" | "ABANDON";

/** Detach the ENIs from the instances that hold them (never a serving one), then wait for `available`. */
export interface ReleaseParams {
  kind: "release";
  enis: Array<{
    eniId: string;
    attachmentId: string;
    from: string;
    /** Already `detaching` (by someone else, or an earlier run): wait only. */
    detaching: boolean;
    /** After the bounded wait, a `Force` detach: the holder is not serving and impaired or not running. */
    forceAllowed: boolean;
  }>;
}

/** Attach at explicit DeviceIndex and NetworkCardIndex, wait for `attached`, then set the attributes. */
export interface AttachParams {
  kind: "attach";
  instanceId: string;
  networkCardIndex: number;
  sourceDestCheck: boolean;
  enis: EniSlot[];
}

/** ENIs already in place whose DeleteOnTermination or source/destination check is not as configured. */
export interface AttributesParams {
  kind: "attributes";
  sourceDestCheck: boolean;
  enis: Array<{
    eniId: string;
    attachmentId: string;
    deleteOnTermination: boolean;
    sourceDestCheck: boolean;
  }>;
}

/** CompleteLifecycleAction with a verified outcome (read back; token refusal → instance id). */
export interface CompleteParams {
  kind: "complete";
  ref: ActionRef;
  result: LifecycleResult;
  /** The wait state the instance leaves when the action is over. */
  waitStates: readonly string[];
}

export type EniActionParams = ReleaseParams | AttachParams | AttributesParams | CompleteParams;
export type EniAction = PlannedAction<EniActionParams>;

export const ACTION_KINDS = {
  release: "ec2:release-enis",
  attach: "ec2:attach-enis",
  attributes: "ec2:set-eni-attributes",
  complete: "autoscaling:complete-lifecycle-action",
} as const;
