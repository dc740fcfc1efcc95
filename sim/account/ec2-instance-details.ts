/**
 * What DescribeInstances and DescribeInstanceTypes show of the issue-12 attributes, and their filters:
 * root device and block device mappings, Capacity Reservation, Spot request, operator, monitoring;
 * per type the instance store (`InstanceStorageInfo`) and the root device types it can boot from.
 * Member and filter names are those of the EC2 API reference (SDK `Instance`, `InstanceTypeInfo`,
 * `DescribeInstancesRequest.Filters`, `DescribeInstanceTypesRequest.Filters`).
 */
import type { Instance, InstanceTypeInfo } from "@aws-sdk/client-ec2";
import { awsError } from "./errors";
import type { InstanceTypeSpec } from "./instance-types";
import type { Filter, FilterFields } from "./query";
import { type InstanceModel, prune } from "./state";

/** The instance members derived from its launch details. */
export function launchDetailFields(inst: InstanceModel): Partial<Instance> {
  const d = inst.launchDetails;
  const target = d.capacityReservationTarget;
  return prune({
    RootDeviceName: d.rootDeviceName,
    RootDeviceType: d.rootDeviceType,
    // "you can see only the EBS volumes, not the instance store volumes" (block device mapping concepts).
    BlockDeviceMappings:
      d.rootVolumeId === undefined || inst.state === "terminated"
        ? []
        : [
            {
              DeviceName: d.rootDeviceName,
              Ebs: {
                AttachTime: inst.launchTime,
                DeleteOnTermination: true,
                Status: "attached" as const,
                VolumeId: d.rootVolumeId,
              },
            },
          ],
    CapacityReservationId: d.capacityReservationId,
    CapacityReservationSpecification: prune({
      CapacityReservationPreference: d.capacityReservationPreference,
      CapacityReservationTarget:
        target === undefined
          ? undefined
          : prune({
              CapacityReservationId: target.capacityReservationId,
              CapacityReservationResourceGroupArn: target.capacityReservationResourceGroupArn,
            }),
    }),
    SpotInstanceRequestId: d.spot?.requestId,
    Operator:
      d.operator === undefined
        ? undefined
        : prune({ Managed: d.operator.managed, Principal: d.operator.principal }),
  });
}

/** `DescribeInstances` filters on the launch details and monitoring. */
export const LAUNCH_DETAIL_FILTERS: FilterFields<InstanceModel> = {
  "root-device-type": (i) => [i.launchDetails.rootDeviceType],
  "root-device-name": (i) => [i.launchDetails.rootDeviceName],
  "block-device-mapping.device-name": (i) =>
    i.launchDetails.rootVolumeId === undefined ? [] : [i.launchDetails.rootDeviceName],
  "block-device-mapping.volume-id": (i) => [i.launchDetails.rootVolumeId],
  "block-device-mapping.status": (i) => (i.launchDetails.rootVolumeId === undefined ? [] : ["attached"]),
  "block-device-mapping.delete-on-termination": (i) =>
    i.launchDetails.rootVolumeId === undefined ? [] : [true],
  "capacity-reservation-id": (i) => [i.launchDetails.capacityReservationId],
  "capacity-reservation-specification.capacity-reservation-preference": (i) => [
    i.launchDetails.capacityReservationPreference,
  ],
  "capacity-reservation-specification.capacity-reservation-target.capacity-reservation-id": (i) => [
    i.launchDetails.capacityReservationTarget?.capacityReservationId,
  ],
  "capacity-reservation-specification.capacity-reservation-target.capacity-reservation-resource-group-arn": (
    i,
  ) => [i.launchDetails.capacityReservationTarget?.capacityReservationResourceGroupArn],
  "spot-instance-request-id": (i) => [i.launchDetails.spot?.requestId],
  "operator.managed": (i) => [i.launchDetails.operator?.managed ?? false],
  "operator.principal": (i) => [i.launchDetails.operator?.principal],
  "monitoring-state": (i) => [i.monitoring],
};

/** The `InstanceTypeInfo` members about instance store, root devices and (when known) the hypervisor. */
export function instanceTypeDetailFields(t: InstanceTypeSpec): Partial<InstanceTypeInfo> {
  const s = t.instanceStorage;
  return prune({
    Hypervisor: t.hypervisor,
    SupportedRootDeviceTypes: [...t.supportedRootDeviceTypes],
    InstanceStorageSupported: s !== undefined,
    InstanceStorageInfo:
      s === undefined
        ? undefined
        : {
            TotalSizeInGB: s.totalSizeInGB,
            Disks: s.disks.map((d) => ({ SizeInGB: d.sizeInGB, Count: d.count, Type: d.type })),
            NvmeSupport: s.nvmeSupport,
            EncryptionSupport: s.encryptionSupport,
          },
  });
}

/** `DescribeInstanceTypes` filters on instance store and root devices. */
export const INSTANCE_STORAGE_FILTERS: FilterFields<InstanceTypeSpec> = {
  "instance-storage-supported": (t) => [t.instanceStorage !== undefined],
  "instance-storage-info.total-size-in-gb": (t) => [t.instanceStorage?.totalSizeInGB],
  "instance-storage-info.disk.count": (t) => (t.instanceStorage?.disks ?? []).map((d) => d.count),
  "instance-storage-info.disk.size-in-gb": (t) => (t.instanceStorage?.disks ?? []).map((d) => d.sizeInGB),
  "instance-storage-info.disk.type": (t) => (t.instanceStorage?.disks ?? []).map((d) => d.type),
  "instance-storage-info.nvme-support": (t) => [t.instanceStorage?.nvmeSupport],
  "instance-storage-info.encryption-support": (t) => [t.instanceStorage?.encryptionSupport],
  "supported-root-device-type": (t) => [...t.supportedRootDeviceTypes],
};

const MAX_FILTER_VALUES = 200;

/**
 * DescribeInstances takes at most 200 filter values per call (a reconcile over 1,000 instances must
 * chunk its `instance-id` filter): `FilterLimitExceeded` "The request uses too many filters or too many
 * filter values." (EC2 error codes page); message as captured from EC2.
 */
export function checkFilterValueLimit(filters: readonly Filter[]): void {
  const count = filters.reduce((n, f) => n + f.values.length, 0);
  if (count > MAX_FILTER_VALUES)
    throw awsError(
      "FilterLimitExceeded",
      `The maximum number of filter values specified on a single call is ${MAX_FILTER_VALUES}`,
    );
}
