import type { InstanceView, LocalGatewayRouteView, RouteView } from "../../../../shared/observe/model";
import type { IdleHibernateConfig } from "../../config";
import { isOptedIn, isOptedOut, managedFleetSignal, otherSchedulerTag } from "../../eligibility";

/**
 * Why an instance named by an idle alarm is not hibernated: each reason is documented in the README
 * ("Skip reasons"). The checks run in this order; the first that refuses names the skip.
 */
export const SKIP_REASONS = {
  notFound: "instance-not-found",
  notRunning: "not-running",
  paused: "paused",
  notOptedIn: "not-opted-in",
  optedOut: "opted-out",
  autoScalingMember: "auto-scaling-member",
  managedFleet: "managed-fleet",
  otherScheduler: "other-scheduler",
  capacityBlock: "capacity-block",
  scheduledInstance: "scheduled-instance",
  instanceStore: "instance-store",
  preconditionUnknown: "precondition-unknown",
  capacityReservation: "capacity-reservation",
  recentlyStarted: "recently-started",
  routeTarget: "route-target",
  localGatewayRouteTarget: "local-gateway-route-target",
  hibernationNotConfigured: "hibernation-not-configured",
  limitExceeded: "limit-exceeded",
} as const;

export type SkipReason = (typeof SKIP_REASONS)[keyof typeof SKIP_REASONS];

/** What DescribeInstanceTypes says about an instance type. */
export interface InstanceTypeFacts {
  /** `InstanceStorageSupported`: the type has instance store volumes (NVMe ones are always attached). */
  instanceStorageSupported: boolean;
}

export interface PreconditionFacts {
  policy: IdleHibernateConfig;
  now: number;
  /** Each instance's idle window: the largest of the windows of the alarms that name it. */
  windowMinutes: ReadonlyMap<string, number>;
  /** Instances named only by alarms whose actions are disabled, with one such alarm's name. */
  pausedBy: ReadonlyMap<string, string>;
  /** By instance type; a type missing here could not be described. */
  instanceTypes: ReadonlyMap<string, InstanceTypeFacts>;
  routeTargets: ReadonlyMap<string, RouteView>;
  localGatewayRouteTargets: ReadonlyMap<string, LocalGatewayRouteView>;
}

export interface Refusal {
  reason: SkipReason;
  detail: string;
}

type Check = (instance: InstanceView, facts: PreconditionFacts) => Refusal | undefined;

const refuse = (reason: SkipReason, detail: string): Refusal => ({ reason, detail });

const running: Check = (i) =>
  i.state === "running" ? undefined : refuse(SKIP_REASONS.notRunning, `instance is ${i.state}`);

const notPaused: Check = (i, { pausedBy }) => {
  const alarm = pausedBy.get(i.id);
  return alarm === undefined
    ? undefined
    : refuse(SKIP_REASONS.paused, `the actions of alarm ${alarm} are disabled: hibernation paused`);
};

const optedIn: Check = (i, { policy }) =>
  isOptedIn(i, policy)
    ? undefined
    : refuse(SKIP_REASONS.notOptedIn, `tag ${policy.optInTag.key}=${policy.optInTag.value} is missing`);

const notOptedOut: Check = (i, { policy }) =>
  isOptedOut(i, policy) ? refuse(SKIP_REASONS.optedOut, `tag ${policy.optOutTagKey} is present`) : undefined;

const notAutoScaling: Check = (i) =>
  i.autoScalingGroup === undefined
    ? undefined
    : refuse(
        SKIP_REASONS.autoScalingMember,
        `member of Auto Scaling group ${i.autoScalingGroup}, which would replace a hibernated instance`,
      );

const notManagedFleet: Check = (i, { policy }) => {
  const signal = managedFleetSignal(i, policy);
  return signal === undefined
    ? undefined
    : refuse(
        SKIP_REASONS.managedFleet,
        `managed by another service (${signal}), which may replace it when stopped`,
      );
};

const notScheduledElsewhere: Check = (i, { policy }) => {
  const key = otherSchedulerTag(i, policy);
  return key === undefined
    ? undefined
    : refuse(
        SKIP_REASONS.otherScheduler,
        `tag ${key}=${i.tags[key]}: another scheduler manages it (an enforced schedule would restart it)`,
      );
};

const stoppableLifecycle: Check = (i) => {
  if (i.instanceLifecycle === "capacity-block") {
    return refuse(
      SKIP_REASONS.capacityBlock,
      "in a Capacity Block, whose end terminates its instances, stopped or not",
    );
  }
  return i.instanceLifecycle === "scheduled"
    ? refuse(SKIP_REASONS.scheduledInstance, "a Scheduled Instance cannot be stopped")
    : undefined;
};

const noInstanceStore: Check = (i, { instanceTypes }) => {
  if (i.rootDeviceType === "instance-store") {
    return refuse(
      SKIP_REASONS.instanceStore,
      "instance store root device: it cannot be stopped or hibernated",
    );
  }
  const type = instanceTypes.get(i.instanceType);
  if (type === undefined) {
    return refuse(SKIP_REASONS.preconditionUnknown, `instance type ${i.instanceType} could not be described`);
  }
  return type.instanceStorageSupported
    ? refuse(
        SKIP_REASONS.instanceStore,
        `${i.instanceType} has instance store volumes, whose data a hibernation loses`,
      )
    : undefined;
};

const capacityAllowed: Check = (i, { policy }) => {
  if (policy.allowCapacityReservation) return undefined;
  const target = i.capacityReservation;
  const inReservation =
    i.capacityReservationId !== undefined ||
    i.instanceLifecycle === "interruptible-capacity-reservation" ||
    target?.targeted === true ||
    target?.preference === "capacity-reservations-only";
  return inReservation
    ? refuse(
        SKIP_REASONS.capacityReservation,
        `in a Capacity Reservation (${i.capacityReservationId ?? "targeted"}), which does not ensure that it can resume`,
      )
    : undefined;
};

const startedLongAgo: Check = (i, { policy, now, windowMinutes }) => {
  const window = Math.max(policy.minimumUptimeMinutes, windowMinutes.get(i.id) ?? 0);
  const upMinutes = (now - i.launchTime.getTime()) / 60_000;
  return upMinutes < window
    ? refuse(
        SKIP_REASONS.recentlyStarted,
        `started ${upMinutes.toFixed(1)} min ago, less than its idle window of ${window} min`,
      )
    : undefined;
};

const notRouteTarget: Check = (i, { routeTargets, localGatewayRouteTargets }) => {
  const route = [i.id, ...i.networkInterfaceIds].map((target) => routeTargets.get(target)).find(Boolean);
  if (route !== undefined) {
    return refuse(SKIP_REASONS.routeTarget, `target of route ${route.destination} in ${route.routeTableId}`);
  }
  const lgw = i.networkInterfaceIds.map((eni) => localGatewayRouteTargets.get(eni)).find(Boolean);
  return lgw === undefined
    ? undefined
    : refuse(
        SKIP_REASONS.localGatewayRouteTarget,
        `target of local gateway route ${lgw.destination} in ${lgw.localGatewayRouteTableId}`,
      );
};

/** In order: the first refusal names the skip. Hibernation configuration is decided by the plan. */
const CHECKS: readonly Check[] = [
  running,
  notPaused,
  optedIn,
  notOptedOut,
  notAutoScaling,
  notManagedFleet,
  notScheduledElsewhere,
  stoppableLifecycle,
  noInstanceStore,
  capacityAllowed,
  startedLongAgo,
  notRouteTarget,
];

/** The first precondition the instance fails, or undefined when it may be stopped. */
export const firstRefusal = (instance: InstanceView, facts: PreconditionFacts): Refusal | undefined => {
  for (const check of CHECKS) {
    const refusal = check(instance, facts);
    if (refusal !== undefined) return refusal;
  }
  return undefined;
};
