/**
 * What the idle-hibernate checks read: the opted-in instances (as the toolkit sees them, and their root
 * device and root volume), their instance types, and the idle alarms. Read once per run (cachedRead).
 */
import {
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  type Instance,
  type InstanceTypeInfo,
  type Volume,
} from "@aws-sdk/client-ec2";
import type { IdleHibernateConfig } from "../../../../functions/idle-hibernate/config";
import { isOptedIn } from "../../../../functions/idle-hibernate/eligibility";
import { chunks, describeInstances, describeInstanceTypes } from "../../../../shared/observe/loaders";
import type { InstanceView } from "../../../../shared/observe/model";
import type { DoctorContext } from "../../types";
import { cachedRead } from "../support";

export interface RootVolume {
  volumeId: string;
  sizeGiB?: number;
  encrypted?: boolean;
  volumeType?: string;
}

export interface OptedInInstance {
  view: InstanceView;
  /** `Platform`: `windows`, or undefined (Linux/UNIX). */
  platform?: string;
  /** The EBS root volume (none for an instance store root, or when it could not be found). */
  root?: RootVolume;
  type?: InstanceTypeInfo;
}

/** Every instance carrying the opt-in tag with its value, not terminated. */
const loadOptedIn = async (ctx: DoctorContext, policy: IdleHibernateConfig): Promise<InstanceView[]> => {
  const views = await describeInstances(ctx.clients.ec2, [
    { Name: `tag:${policy.optInTag.key}`, Values: [policy.optInTag.value] },
    { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
  ]);
  return views.filter((view) => isOptedIn(view, policy));
};

interface LaunchFacts {
  rootVolumeId?: string;
  platform?: string;
}

/** The root volume id (the block device mapping of the root device name) and the platform of each instance. */
const launchFacts = async (ctx: DoctorContext, ids: readonly string[]): Promise<Map<string, LaunchFacts>> => {
  const out = new Map<string, LaunchFacts>();
  for (const batch of chunks(ids, 200)) {
    let nextToken: string | undefined;
    do {
      const page = await ctx.clients.ec2.send(
        new DescribeInstancesCommand({
          Filters: [{ Name: "instance-id", Values: batch }],
          MaxResults: 1000,
          NextToken: nextToken,
        }),
      );
      for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        if (instance.InstanceId === undefined) continue;
        out.set(instance.InstanceId, { rootVolumeId: rootVolumeOf(instance), platform: instance.Platform });
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return out;
};

const rootVolumeOf = (instance: Instance): string | undefined =>
  instance.RootDeviceType === "ebs"
    ? instance.BlockDeviceMappings?.find((m) => m.DeviceName === instance.RootDeviceName)?.Ebs?.VolumeId
    : undefined;

const loadVolumes = async (ctx: DoctorContext, ids: readonly string[]): Promise<Map<string, Volume>> => {
  const out = new Map<string, Volume>();
  for (const batch of chunks(ids, 200)) {
    let nextToken: string | undefined;
    do {
      const page = await ctx.clients.ec2.send(
        new DescribeVolumesCommand({
          Filters: [{ Name: "volume-id", Values: batch }],
          MaxResults: 500,
          NextToken: nextToken,
        }),
      );
      for (const volume of page.Volumes ?? []) if (volume.VolumeId) out.set(volume.VolumeId, volume);
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return out;
};

const withRoot = (volumeId: string | undefined, volume: Volume | undefined): { root?: RootVolume } =>
  volumeId === undefined
    ? {}
    : {
        root: {
          volumeId,
          sizeGiB: volume?.Size,
          encrypted: volume?.Encrypted,
          volumeType: volume?.VolumeType,
        },
      };

const readOptedIn = async (ctx: DoctorContext): Promise<OptedInInstance[]> => {
  const policy = ctx.config.idleHibernate;
  const views = await loadOptedIn(ctx, policy);
  if (views.length === 0) return [];
  const facts = await launchFacts(
    ctx,
    views.map((v) => v.id),
  );
  const volumeIds = [...facts.values()].flatMap((f) => (f.rootVolumeId ? [f.rootVolumeId] : []));
  const [volumes, types] = await Promise.all([
    loadVolumes(ctx, [...new Set(volumeIds)]),
    describeInstanceTypes(
      ctx.clients.ec2,
      views.map((v) => v.instanceType),
    ),
  ]);
  return views
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((view) => {
      const { rootVolumeId, platform } = facts.get(view.id) ?? {};
      return {
        view,
        ...(platform !== undefined ? { platform } : {}),
        ...withRoot(rootVolumeId, rootVolumeId === undefined ? undefined : volumes.get(rootVolumeId)),
        type: types.get(view.instanceType),
      };
    });
};

/** The opted-in instances with their root volume and type (read once per run). */
export const optedInInstances = (ctx: DoctorContext): Promise<OptedInInstance[]> =>
  cachedRead(ctx, "idle-hibernate/opted-in", () => readOptedIn(ctx));

export const IDLE_READS = [
  "ec2:DescribeInstances",
  "ec2:DescribeVolumes",
  "ec2:DescribeInstanceTypes",
] as const;
