/**
 * EBS root volumes of the simulated account: `DescribeVolumes` (read-only; the doctor reads a root
 * volume's size, encryption and type against the hibernation prerequisites). Only instances' EBS root
 * volumes exist (the fixture's `rootVolume`, or the defaults: 8 GiB gp3, encrypted exactly when
 * hibernation is configured). A terminated instance's root volume is gone (DeleteOnTermination true).
 * Members and filters: EC2 API reference, `Volume` and `DescribeVolumes`.
 */
import type { DescribeVolumesResult, Volume } from "@aws-sdk/client-ec2";
import type { OpContext, ServiceModel } from "./context";
import { checkIds, dryRun, maxResults } from "./ec2-checks";
import { awsError, ec2ParamErrors } from "./errors";
import { applyFilters, compareStrings, type Params, paginate, readFilters } from "./query";
import { type InstanceModel, prune } from "./state";

const VOLUME_RULE = {
  kind: "volume",
  malformed: "InvalidVolumeID.Malformed",
  notFound: "InvalidVolume.NotFound",
  noun: "volume",
} as const;

function toVolume(inst: InstanceModel): Volume | undefined {
  const d = inst.launchDetails;
  if (d.rootVolumeId === undefined || d.rootVolume === undefined || inst.state === "terminated")
    return undefined;
  return prune({
    VolumeId: d.rootVolumeId,
    Size: d.rootVolume.sizeGiB,
    Encrypted: d.rootVolume.encrypted,
    VolumeType: d.rootVolume.volumeType,
    State: "in-use" as const,
    AvailabilityZone: inst.availabilityZone,
    CreateTime: inst.launchTime,
    MultiAttachEnabled: false,
    Attachments: [
      {
        VolumeId: d.rootVolumeId,
        InstanceId: inst.id,
        Device: d.rootDeviceName,
        State: "attached" as const,
        AttachTime: inst.launchTime,
        DeleteOnTermination: true,
      },
    ],
  });
}

function describeVolumes(c: OpContext, p: Params): DescribeVolumesResult {
  const volumes = [...c.state.instances.values()]
    .flatMap((inst) => toVolume(inst) ?? [])
    .sort((a, b) => compareStrings(a.VolumeId ?? "", b.VolumeId ?? ""));
  const ids = p.strList("VolumeIds") ?? [];
  checkIds(ids, VOLUME_RULE, (id) => volumes.some((v) => v.VolumeId === id));
  const max = maxResults(p, 5, 500);
  dryRun(p);
  const matched = applyFilters(
    volumes.filter((v) => ids.length === 0 || ids.includes(v.VolumeId ?? "")),
    readFilters(p),
    {
      fields: {
        "attachment.instance-id": (v) => (v.Attachments ?? []).map((a) => a.InstanceId),
        "attachment.device": (v) => (v.Attachments ?? []).map((a) => a.Device),
        "availability-zone": (v) => [v.AvailabilityZone],
        encrypted: (v) => [String(v.Encrypted)],
        size: (v) => [String(v.Size)],
        status: (v) => [v.State],
        "volume-id": (v) => [v.VolumeId],
        "volume-type": (v) => [v.VolumeType],
      },
      tags: () => new Map(),
      unknown: (name) => awsError("InvalidParameterValue", `The filter '${name}' is invalid`),
    },
  );
  const { page, nextToken } = paginate(matched, {
    maxResults: max,
    nextToken: p.str("NextToken"),
    key: "DescribeVolumes",
    errors: ec2ParamErrors,
  });
  return prune({ Volumes: page, NextToken: nextToken });
}

export const ec2VolumeOperations: ServiceModel = {
  DescribeVolumes: describeVolumes,
};
