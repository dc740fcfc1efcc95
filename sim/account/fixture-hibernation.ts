/**
 * Fixture fields added for idle-hibernate (issue 12): per instance the root device type, Capacity
 * Reservation, Spot request, operator, the hibernation outcome knob and the AWS/EC2 metric levels;
 * per instance type its instance store; two behaviour timings. All optional with defaults, so existing
 * fixtures stay valid (docs/simulated-account.md, "instances" and "Hibernation and stops").
 */
import * as z from "zod/mini";
import type { InstanceTypeSpec } from "./instance-types";

function doc<T extends z.ZodMiniType>(schema: T, description: string): T {
  return schema.check(z.core.describe(description));
}

const Count = z.int().check(z.gte(0));
const Positive = z.int().check(z.gte(1));
const NonNegative = z.number().check(z.gte(0));
const CapacityReservationId = z
  .string()
  .check(z.regex(/^cr-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, "must look like cr-0123456789abcdef0"));

const CapacityReservationSpecification = z.strictObject({
  capacityReservationPreference: doc(
    z._default(z.enum(["open", "none", "capacity-reservations-only"]), "open"),
    "open: runs in any matching open Capacity Reservation; none: never; capacity-reservations-only: only in one.",
  ),
  capacityReservationTarget: z.optional(
    z.strictObject({
      capacityReservationId: z.optional(CapacityReservationId),
      capacityReservationResourceGroupArn: z.optional(z.string().check(z.startsWith("arn:"))),
    }),
  ),
});

const SpotOptions = z.strictObject({
  spotInstanceRequestId: doc(
    z.optional(z.string().check(z.regex(/^sir-[0-9a-z]{8,}$/, "must look like sir-08b93456"))),
    "Default: derived from the instance id.",
  ),
  spotInstanceType: doc(
    z._default(z.enum(["one-time", "persistent"]), "one-time"),
    "The Spot request type (RunInstances default one-time). Only a persistent request's instance can be stopped or hibernated.",
  ),
  instanceInterruptionBehavior: doc(
    z.optional(z.enum(["hibernate", "stop", "terminate"])),
    "Default: hibernate when hibernationConfigured, else terminate (SpotMarketOptions). stop and hibernate need a persistent request.",
  ),
});

const HibernationKnob = z.strictObject({
  outcome: doc(
    z._default(z.enum(["hibernated", "normal-shutdown"]), "hibernated"),
    "What an accepted StopInstances Hibernate ends as. normal-shutdown: the guest could not hibernate, EC2 shut it down (RAM lost) after behaviour.failedHibernationToStoppedMs.",
  ),
  fallbackStateReason: doc(
    z._default(
      z.enum(["Client.UserInitiatedHibernate", "Client.UserInitiatedShutdown"]),
      "Client.UserInitiatedHibernate",
    ),
    "StateReason once stopped after a normal-shutdown outcome. AWS documents none: the default keeps the hibernate reason (the failure is invisible to the API); Client.UserInitiatedShutdown models an EC2 that reports it as a plain stop.",
  ),
});

const MetricLevels = z.strictObject({
  cpuUtilization: doc(z.number().check(z.gte(0), z.lte(100)), "CPUUtilization (percent) while running."),
  networkInBytesPerSecond: z._default(NonNegative, 0),
  networkOutBytesPerSecond: z._default(NonNegative, 0),
});

/** Members of an `instances` entry. */
export const INSTANCE_LAUNCH_MEMBERS = {
  rootDeviceType: doc(
    z._default(z.enum(["ebs", "instance-store"]), "ebs"),
    "instance-store only on a type whose supportedRootDeviceTypes include it; such an instance cannot be stopped or hibernated.",
  ),
  rootDeviceName: doc(
    z.optional(z.string()),
    "Default: /dev/xvda (EBS root), /dev/sda1 (instance store root).",
  ),
  capacityReservationId: doc(
    z.optional(CapacityReservationId),
    "The Capacity Reservation the instance runs in (CapacityReservationId).",
  ),
  capacityReservationSpecification: doc(
    z.optional(CapacityReservationSpecification),
    "CapacityReservationSpecification; default preference open, no target.",
  ),
  spot: doc(
    z.optional(SpotOptions),
    "Launched as a Spot Instance (sets instanceLifecycle spot): SpotInstanceRequestId and the request's options.",
  ),
  operator: doc(
    z.optional(z.strictObject({ managed: z.boolean(), principal: z.optional(z.string()) })),
    "Operator: a managed instance (EKS Auto Mode, ECS/Lambda Managed Instances…). Shown only when set.",
  ),
  hibernation: doc(
    z.optional(HibernationKnob),
    "Behaviour knob for StopInstances Hibernate (needs hibernationConfigured). Default: the hibernation succeeds.",
  ),
  rootVolume: doc(
    z.optional(
      z.strictObject({
        sizeGiB: z.optional(Positive),
        encrypted: z.optional(z.boolean()),
        volumeType: z._default(z.enum(["gp2", "gp3", "io1", "io2", "st1", "sc1", "standard"]), "gp3"),
      }),
    ),
    "The EBS root volume (DescribeVolumes): size, encryption, type. Default gp3 of 8 GiB (with hibernationConfigured: the RAM + 8 GiB, room for the RAM being allocated at launch), encrypted exactly when hibernationConfigured (EC2 enforces an encrypted root volume at launch for hibernation). Only for an EBS root.",
  ),
  metrics: doc(
    z.optional(MetricLevels),
    "AWS/EC2 CPUUtilization, NetworkIn, NetworkOut the instance publishes while running (5-minute datapoints, 1-minute with monitoring enabled). Without it the instance publishes nothing and alarms on its metrics are not evaluated.",
  ),
};

/** Members of an `instanceTypes` entry. */
export const INSTANCE_TYPE_STORAGE_MEMBERS = {
  instanceStorage: doc(
    z.optional(
      z.strictObject({
        disks: z
          .array(z.strictObject({ count: Positive, sizeInGB: Positive, type: z.enum(["ssd", "hdd"]) }))
          .check(z.minLength(1)),
        nvmeSupport: z._default(z.enum(["required", "supported", "unsupported"]), "required"),
        encryptionSupport: z._default(z.enum(["required", "unsupported"]), "required"),
      }),
    ),
    "Instance store volumes (InstanceStorageInfo); TotalSizeInGB is computed. Absent: EBS only.",
  ),
  supportedRootDeviceTypes: doc(
    z._default(z.array(z.enum(["ebs", "instance-store"])).check(z.minLength(1)), ["ebs"]),
    "SupportedRootDeviceTypes; instance-store only for previous-generation types (m3, c3…).",
  ),
};

/** Members of `behaviour`. */
export const HIBERNATION_BEHAVIOUR_MEMBERS = {
  failedHibernationToStoppedMs: doc(
    z._default(Count, 180_000),
    "stopping → stopped when a hibernation falls back to a normal shutdown (the troubleshooting page's symptom: it takes long).",
  ),
  hibernateMinUptimeMs: doc(
    z._default(Count, 120_000),
    'StopInstances Hibernate within this long after LaunchTime → UnsupportedOperation ("wait for about two minutes after launch"); 0 disables.',
  ),
};

const LaunchShape = z.object(INSTANCE_LAUNCH_MEMBERS);
const TypeStorageShape = z.object(INSTANCE_TYPE_STORAGE_MEMBERS);
export type InstanceLaunchFixture = z.output<typeof LaunchShape>;
export type InstanceTypeStorageFixture = z.output<typeof TypeStorageShape>;

/** The instance fields the checks read (the fixture's `instances` entries have them). */
export interface CheckedInstance extends InstanceLaunchFixture {
  id: string;
  instanceType: string;
  state: string;
  hibernationConfigured: boolean;
  disableApiStop: boolean;
  instanceLifecycle?: string;
  stateReason?: { code: string };
}

/** The storage fields of the catalogue built from a fixture type entry. */
export function typeStorageSpec(
  t: InstanceTypeStorageFixture,
): Pick<InstanceTypeSpec, "instanceStorage" | "supportedRootDeviceTypes"> {
  const s = t.instanceStorage;
  return {
    supportedRootDeviceTypes: [...t.supportedRootDeviceTypes],
    instanceStorage:
      s === undefined
        ? undefined
        : {
            totalSizeInGB: s.disks.reduce((sum, d) => sum + d.count * d.sizeInGB, 0),
            disks: s.disks.map((d) => ({ ...d })),
            nvmeSupport: s.nvmeSupport,
            encryptionSupport: s.encryptionSupport,
          },
  };
}

/** The Spot interruption behaviour in force (SpotMarketOptions defaults). */
export function interruptionBehaviorOf(inst: CheckedInstance): "hibernate" | "stop" | "terminate" {
  return inst.spot?.instanceInterruptionBehavior ?? (inst.hibernationConfigured ? "hibernate" : "terminate");
}

const STOPPED_STATES = new Set(["stopping", "stopped"]);

function checkRootDevice(inst: CheckedInstance, type: InstanceTypeSpec | undefined, add: Add): void {
  if (inst.rootDeviceType !== "instance-store") return;
  if (type !== undefined && !type.supportedRootDeviceTypes.includes("instance-store"))
    add("rootDeviceType", `instance type ${inst.instanceType} cannot boot from an instance store volume`);
  if (inst.hibernationConfigured)
    add("hibernationConfigured", "hibernation needs an EBS root volume, not an instance store volume");
  if (inst.rootVolume !== undefined) add("rootVolume", "an instance store root has no EBS root volume");
  if (inst.disableApiStop)
    add("disableApiStop", "stop protection cannot be enabled for instance store-backed instances");
  if (STOPPED_STATES.has(inst.state))
    add("state", "an instance store-backed instance cannot be stopped: it is running or terminated");
}

function checkSpot(inst: CheckedInstance, add: Add): void {
  const spot = inst.instanceLifecycle === "spot" || inst.spot !== undefined;
  if (inst.spot !== undefined && inst.instanceLifecycle !== undefined && inst.instanceLifecycle !== "spot")
    add("instanceLifecycle", `is ${inst.instanceLifecycle} but spot options are set`);
  if (!spot) return;
  const behavior = interruptionBehaviorOf(inst);
  const requestType = inst.spot?.spotInstanceType ?? "one-time";
  if (inst.disableApiStop) add("disableApiStop", "stop protection cannot be enabled for Spot Instances");
  if (inst.hibernationConfigured && behavior !== "hibernate")
    add("spot.instanceInterruptionBehavior", "must be hibernate when hibernation is configured");
  if (behavior !== "terminate" && requestType !== "persistent")
    add("spot.spotInstanceType", `interruption behavior ${behavior} needs a persistent Spot request`);
  if (requestType === "one-time" && STOPPED_STATES.has(inst.state))
    add("state", "a Spot Instance of a one-time request cannot be stopped");
}

function checkCapacity(inst: CheckedInstance, add: Add): void {
  const spec = inst.capacityReservationSpecification;
  if (spec?.capacityReservationPreference === "none" && inst.capacityReservationId !== undefined)
    add("capacityReservationSpecification", "preference none contradicts capacityReservationId");
  const target = spec?.capacityReservationTarget;
  if (
    target !== undefined &&
    (target.capacityReservationId === undefined) ===
      (target.capacityReservationResourceGroupArn === undefined)
  )
    add(
      "capacityReservationSpecification.capacityReservationTarget",
      "needs exactly one of capacityReservationId and capacityReservationResourceGroupArn",
    );
}

type Add = (field: string, message: string) => void;

/** Cross-checks of the issue-12 fields, reported through `add(path, message)`. */
export function checkHibernationReferences(
  instances: readonly CheckedInstance[],
  types: ReadonlyMap<string, InstanceTypeSpec>,
  add: (path: string, message: string) => void,
): void {
  instances.forEach((inst, i) => {
    const field: Add = (name, message) => add(`instances.${i}.${name}`, message);
    checkRootDevice(inst, types.get(inst.instanceType), field);
    checkSpot(inst, field);
    checkCapacity(inst, field);
    // "Encryption of the root volume is enforced at instance launch" (hibernation prerequisites).
    if (inst.hibernationConfigured && inst.rootVolume?.encrypted === false)
      field("rootVolume.encrypted", "hibernation needs an encrypted root volume (enforced at launch)");
    if (inst.hibernation !== undefined && !inst.hibernationConfigured)
      field("hibernation", "only applies to an instance launched with hibernationConfigured");
    if (inst.stateReason?.code === "Client.UserInitiatedHibernate" && !inst.hibernationConfigured)
      field("stateReason", "Client.UserInitiatedHibernate needs hibernationConfigured");
  });
}
