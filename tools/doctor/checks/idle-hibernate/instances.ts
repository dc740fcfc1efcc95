/**
 * idle-hibernate readiness of each opted-in instance, against the EC2 hibernation prerequisites: the
 * instance was launched with hibernation (it cannot be enabled later), its root volume is an encrypted EBS
 * volume of a supported type large enough for its RAM, its type supports hibernation, no instance store
 * data would be lost, and it is no fleet member (which the toolkit always skips). A prerequisite missing on
 * an instance configured for hibernation is an error (EC2 would shut it down instead: its memory lost);
 * on one not configured it is a warning (the toolkit skips it: the opt-in does nothing).
 */
import type { IdleHibernateConfig } from "../../../../functions/idle-hibernate/config";
import {
  isOptedOut,
  managedFleetSignal,
  otherSchedulerTag,
} from "../../../../functions/idle-hibernate/eligibility";
import type { InstanceView } from "../../../../shared/observe/model";
import type { Check, Finding } from "../../types";
import { findingOf, SOURCES } from "../support";
import { IDLE_READS, type OptedInInstance, optedInInstances } from "./observe";

/** "Supported EBS volume types" of the hibernation prerequisites. */
const HIBERNATION_VOLUME_TYPES = new Set(["gp2", "gp3", "io1", "io2"]);
/** "Instance RAM size": Linux less than 150 GiB; Windows up to 16 GiB (hibernation prerequisites). */
const ramLimitOf = (i: OptedInInstance): { gib: number; text: string } =>
  i.platform === "windows"
    ? { gib: 16, text: "Windows hibernation needs at most 16 GiB" }
    : { gib: 150, text: "hibernation needs less than 150 GiB" };

const overRamLimit = (i: OptedInInstance, ram: number): boolean =>
  i.platform === "windows" ? ram > ramLimitOf(i).gib : ram >= ramLimitOf(i).gib;

type Judge = (instance: OptedInInstance, check: Check, policy: IdleHibernateConfig) => Finding[];

/** Why the toolkit never touches an opted-in instance (fleet, scheduler), or undefined. */
const fleetOf = (
  view: InstanceView,
  policy: Parameters<typeof managedFleetSignal>[1],
): string | undefined => {
  if (view.autoScalingGroup !== undefined) return `member of Auto Scaling group ${view.autoScalingGroup}`;
  const fleet = managedFleetSignal(view, policy);
  if (fleet !== undefined) return `managed fleet member (${fleet})`;
  const scheduler = otherSchedulerTag(view, policy);
  return scheduler === undefined ? undefined : `another scheduler manages it (tag ${scheduler})`;
};

/** An instance the toolkit would judge: opted in (it is), not opted out, no fleet member. */
export const isCandidate = (view: InstanceView, policy: IdleHibernateConfig): boolean =>
  !isOptedOut(view, policy) && fleetOf(view, policy) === undefined;

/** The checks of instances the toolkit would judge (`isCandidate`). */
const perCandidate = (id: string, title: string, judge: Judge): Check => {
  const check: Check = {
    id,
    capability: "idle-hibernate",
    title,
    iamActions: IDLE_READS,
    run: async (ctx) => {
      const policy = ctx.config.idleHibernate;
      const instances = await optedInInstances(ctx);
      return instances.filter((i) => isCandidate(i.view, policy)).flatMap((i) => judge(i, check, policy));
    },
  };
  return check;
};

const severityFor = (view: InstanceView) => (view.hibernationConfigured ? "error" : "warning");
const consequence = (view: InstanceView) =>
  view.hibernationConfigured
    ? "a hibernation would end as a normal shutdown (memory lost)"
    : "relaunching it with hibernation needs this fixed too";

const ramGiB = (i: OptedInInstance): number | undefined => {
  const mib = i.type?.MemoryInfo?.SizeInMiB;
  return mib === undefined ? undefined : mib / 1024;
};

const hibernationConfigured = perCandidate(
  "idle-hibernate/hibernation-configured",
  "Opted-in instances were launched with hibernation (HibernationOptions.Configured)",
  ({ view }, check, policy) => {
    if (view.hibernationConfigured || view.rootDeviceType === "instance-store") return [];
    const stops = policy.notConfiguredFallback === "stop";
    return [
      findingOf(check, "warning", {
        resource: view.id,
        message: `opted in, but launched without hibernation (it cannot be enabled after launch): ${
          stops
            ? "stopped plainly when idle (notConfiguredFallback stop): its memory is lost"
            : "never hibernated (skip hibernation-not-configured)"
        }`,
        fix: "Relaunch it with hibernation: an AMI of it, launched with --hibernation-options Configured=true (encrypted EBS root, a type that supports hibernation); or remove the opt-in tag.",
        source: SOURCES.enableHibernation,
      }),
    ];
  },
);

const instanceStore = perCandidate(
  "idle-hibernate/instance-store",
  "Opted-in instances have no instance store (root or volumes) whose data a hibernation would lose",
  (i, check) => {
    const root = i.view.rootDeviceType === "instance-store";
    if (!root && i.type?.InstanceStorageSupported !== true) return [];
    return [
      findingOf(check, "warning", {
        resource: i.view.id,
        message: root
          ? "opted in, but its root device is an instance store volume: it cannot be stopped or hibernated (skip instance-store)"
          : `opted in, but its type ${i.view.instanceType} has instance store volumes whose data a stop or hibernation loses: never hibernated (skip instance-store)`,
        fix: "Move it to an EBS-backed instance of a type without instance store (e.g. m5 instead of m5d), or remove the opt-in tag.",
        source: SOURCES.instanceStore,
      }),
    ];
  },
);

const instanceType = perCandidate(
  "idle-hibernate/instance-type",
  "Opted-in instances' types support hibernation, RAM within the hibernation limit",
  (i, check) => {
    const ram = ramGiB(i);
    if (i.type === undefined)
      return [
        findingOf(check, "warning", {
          resource: i.view.id,
          message: `instance type ${i.view.instanceType} could not be described: never hibernated (skip precondition-unknown)`,
          fix: "Check that DescribeInstanceTypes knows the type in this Region and that the doctor may call it.",
          source: SOURCES.hibernationPrerequisites,
        }),
      ];
    const tooBig = ram !== undefined && overRamLimit(i, ram);
    if (i.type.HibernationSupported === true && !tooBig) return [];
    return [
      findingOf(check, severityFor(i.view), {
        resource: i.view.id,
        message: `instance type ${i.view.instanceType} ${
          tooBig ? `has ${ram} GiB of RAM (${ramLimitOf(i).text})` : "does not support hibernation"
        }: ${consequence(i.view)}`,
        fix: "Use a type that supports hibernation (aws ec2 describe-instance-types --filters Name=hibernation-supported,Values=true), relaunched with hibernation.",
        source: SOURCES.hibernationPrerequisites,
      }),
    ];
  },
);

const rootEncrypted = perCandidate(
  "idle-hibernate/root-volume-encrypted",
  "Opted-in instances' EBS root volumes are encrypted",
  (i, check) => {
    if (i.root === undefined || i.root.encrypted !== false) return [];
    return [
      findingOf(check, severityFor(i.view), {
        resource: i.view.id,
        message: `root volume ${i.root.volumeId} is not encrypted (hibernation needs an encrypted root volume): ${consequence(i.view)}`,
        fix: "Relaunch from an encrypted AMI, or with EBS encryption by default on (aws ec2 enable-ebs-encryption-by-default), with hibernation enabled.",
        source: SOURCES.hibernationPrerequisites,
      }),
    ];
  },
);

const rootSize = perCandidate(
  "idle-hibernate/root-volume-size",
  "Opted-in instances' root volumes can hold their RAM, on a volume type hibernation supports",
  (i, check) => {
    if (i.root === undefined) return [];
    const ram = ramGiB(i);
    const problems: string[] = [];
    if (ram !== undefined && i.root.sizeGiB !== undefined && i.root.sizeGiB <= ram)
      problems.push(`${i.root.sizeGiB} GiB cannot hold its ${ram} GiB of RAM besides the OS`);
    if (i.root.volumeType !== undefined && !HIBERNATION_VOLUME_TYPES.has(i.root.volumeType))
      problems.push(`volume type ${i.root.volumeType} is not one hibernation supports (gp2, gp3, io1, io2)`);
    if (problems.length === 0) return [];
    return [
      findingOf(check, severityFor(i.view), {
        resource: i.view.id,
        message: `root volume ${i.root.volumeId}: ${problems.join("; ")}: ${consequence(i.view)}`,
        fix: `Grow the root volume (aws ec2 modify-volume --volume-id ${i.root.volumeId} --size <RAM GiB + what the OS and applications need> --volume-type gp3), then extend the file system.`,
        source: SOURCES.hibernationPrerequisites,
      }),
    ];
  },
);

const fleetMembers: Check = {
  id: "idle-hibernate/fleet-members",
  capability: "idle-hibernate",
  title: "No opted-in instance is a fleet member the toolkit would always skip",
  iamActions: IDLE_READS,
  run: async (ctx) => {
    const policy = ctx.config.idleHibernate;
    const instances = await optedInInstances(ctx);
    return instances.flatMap(({ view }) => {
      const fleet = isOptedOut(view, policy) ? undefined : fleetOf(view, policy);
      if (fleet === undefined) return [];
      return [
        findingOf(fleetMembers, "warning", {
          resource: view.id,
          message: `opted in, but ${fleet}: never hibernated (the fleet would replace or restart it)`,
          fix: `Remove the tag ${policy.optInTag.key} from it (let the fleet scale in instead), or take it out of the fleet.`,
          source: SOURCES.hibernationLimitations,
        }),
      ];
    });
  },
};

export const INSTANCE_CHECKS: readonly Check[] = [
  hibernationConfigured,
  instanceStore,
  instanceType,
  rootEncrypted,
  rootSize,
  fleetMembers,
];
