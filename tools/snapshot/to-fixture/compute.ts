import type { Instance, InstanceStatus, InstanceTypeInfo } from "@aws-sdk/client-ec2";
import { INSTANCE_STATES } from "../../../sim/account/fixture";
import type { ReadInstance } from "../read/ec2";
import { compact, iso, type KeepTag, keptTagMap, type Out } from "./common";

type StatusValue = "ok" | "impaired" | "initializing" | "insufficient-data" | "not-applicable";

const STATUS_VALUES: readonly StatusValue[] = [
  "ok",
  "impaired",
  "initializing",
  "insufficient-data",
  "not-applicable",
];

const statusOf = (value: string | undefined): StatusValue | undefined =>
  STATUS_VALUES.find((v) => v === value);

/** Status checks as shown; `ok`, `initializing` and `not-applicable` follow from the state and are left to the simulator. */
const toStatus = (s: InstanceStatus | undefined): Out<"instances">["status"] => {
  const instance = statusOf(s?.InstanceStatus?.Status);
  const system = statusOf(s?.SystemStatus?.Status);
  const notable = (v: StatusValue | undefined) =>
    v === "impaired" || v === "insufficient-data" ? v : undefined;
  if (notable(instance) === undefined && notable(system) === undefined) return undefined;
  return compact({ instance: notable(instance) ?? instance, system: notable(system) ?? system });
};

const launchMembers = (i: Instance) =>
  compact({
    rootDeviceType: i.RootDeviceType === "instance-store" ? ("instance-store" as const) : ("ebs" as const),
    rootDeviceName: i.RootDeviceName,
    capacityReservationId: i.CapacityReservationId,
    capacityReservationSpecification:
      i.CapacityReservationSpecification === undefined
        ? undefined
        : compact({
            capacityReservationPreference: i.CapacityReservationSpecification.CapacityReservationPreference,
            capacityReservationTarget:
              i.CapacityReservationSpecification.CapacityReservationTarget === undefined
                ? undefined
                : compact({
                    capacityReservationId:
                      i.CapacityReservationSpecification.CapacityReservationTarget.CapacityReservationId,
                    capacityReservationResourceGroupArn:
                      i.CapacityReservationSpecification.CapacityReservationTarget
                        .CapacityReservationResourceGroupArn,
                  }),
          }),
    operator:
      i.Operator?.Managed === true ? compact({ managed: true, principal: i.Operator.Principal }) : undefined,
  });

/**
 * An instance as DescribeInstances shows it. Its ENIs, the primary one included, are written as
 * `networkInterfaces` (so `primaryNetworkInterfaceId` and the instance's `sourceDestCheck` are not used).
 */
export const toInstance = (
  i: ReadInstance,
  status: InstanceStatus | undefined,
  keep: KeepTag,
): Out<"instances"> => {
  const state = INSTANCE_STATES.find((s) => s === i.State?.Name) ?? "running";
  const group = i.Tags?.find((t) => t.Key === "aws:autoscaling:groupName")?.Value;
  return compact({
    id: i.InstanceId ?? "",
    instanceType: i.InstanceType ?? "",
    imageId: i.ImageId,
    state,
    stateReason:
      i.StateReason?.Code === undefined
        ? undefined
        : { code: i.StateReason.Code, message: i.StateReason.Message ?? "" },
    stateTransitionReason: i.StateTransitionReason ?? "",
    launchTime: iso(i.LaunchTime) ?? "",
    subnetId: i.SubnetId ?? "",
    privateIpAddress: i.PrivateIpAddress ?? "",
    hibernationConfigured: i.HibernationOptions?.Configured ?? false,
    autoScalingGroup: group,
    instanceLifecycle: i.InstanceLifecycle,
    platform: i.Platform?.toLowerCase() === "windows" ? ("windows" as const) : undefined,
    reservationId: i.ReservationId,
    monitoring: i.Monitoring?.State === "enabled" ? ("enabled" as const) : ("disabled" as const),
    ...launchMembers(i),
    status: toStatus(status),
    // Implied by autoScalingGroup (the simulator adds it back, as Auto Scaling does).
    tags: keptTagMap(i.Tags, (key) => key !== "aws:autoscaling:groupName" && keep(key)),
  });
};

/** The facts of a type the toolkit uses: hibernation support, ENI and address limits, cards, instance store. */
export const toInstanceType = (t: InstanceTypeInfo): Out<"instanceTypes"> => {
  const n = t.NetworkInfo;
  const s = t.InstanceStorageInfo;
  return compact({
    name: t.InstanceType ?? "",
    vcpus: t.VCpuInfo?.DefaultVCpus ?? 1,
    memoryMiB: t.MemoryInfo?.SizeInMiB ?? 1,
    hibernationSupported: t.HibernationSupported ?? false,
    maximumNetworkInterfaces: n?.MaximumNetworkInterfaces ?? 1,
    ipv4AddressesPerInterface: n?.Ipv4AddressesPerInterface ?? 1,
    ipv6AddressesPerInterface: n?.Ipv6AddressesPerInterface,
    networkPerformance: n?.NetworkPerformance,
    networkCards: n?.NetworkCards?.map((c) =>
      compact({
        index: c.NetworkCardIndex ?? 0,
        maximumNetworkInterfaces: c.MaximumNetworkInterfaces ?? 1,
        networkPerformance: c.NetworkPerformance,
      }),
    ),
    architecture: t.ProcessorInfo?.SupportedArchitectures?.find(
      (a): a is "x86_64" | "arm64" | "i386" => a === "x86_64" || a === "arm64" || a === "i386",
    ),
    bareMetal: t.BareMetal ?? false,
    currentGeneration: t.CurrentGeneration ?? true,
    instanceStorage:
      s?.Disks === undefined
        ? undefined
        : compact({
            disks: s.Disks.map((d) => ({
              count: d.Count ?? 1,
              sizeInGB: d.SizeInGB ?? 1,
              type: d.Type === "hdd" ? ("hdd" as const) : ("ssd" as const),
            })),
            nvmeSupport: s.NvmeSupport,
            encryptionSupport: s.EncryptionSupport,
          }),
    supportedRootDeviceTypes: t.SupportedRootDeviceTypes?.filter(
      (r): r is "ebs" | "instance-store" => r === "ebs" || r === "instance-store",
    ),
  });
};
