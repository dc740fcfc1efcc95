/**
 * A small built-in catalogue of instance types, so fixtures need not repeat them. A fixture's own
 * `instanceTypes` entries are added to it and override entries of the same name.
 *
 * Figures as `DescribeInstanceTypes` reports them (vCPUs, memory, ENIs, IPv4 addresses per ENI,
 * network cards, hibernation support, instance store). Hibernation is not supported on bare metal nor
 * above 150 GiB of RAM (EC2 User Guide, "Hibernation prerequisites"); the instance-store types carry
 * an explicit `hibernationSupported` from that page's "Supported instance families" list (M3, M5d,
 * C5d, R5d, I3 are listed; D3 and I4i are not). Instance store figures: EC2 User Guide, "Instance store
 * volumes" table (awsdocs/amazon-ec2-user-guide `doc_source/InstanceStorage.md`); vCPUs, memory, ENIs
 * and addresses: the same guide's instance family pages and `using-eni.md`.
 */

export interface NetworkCardSpec {
  index: number;
  maximumNetworkInterfaces: number;
  networkPerformance: string;
}

/** `InstanceStorageInfo` of `DescribeInstanceTypes`. */
export interface InstanceStorageSpec {
  totalSizeInGB: number;
  disks: { count: number; sizeInGB: number; type: "ssd" | "hdd" }[];
  nvmeSupport: "required" | "supported" | "unsupported";
  encryptionSupport: "required" | "unsupported";
}

export interface InstanceTypeSpec {
  name: string;
  vcpus: number;
  memoryMiB: number;
  hibernationSupported: boolean;
  maximumNetworkInterfaces: number;
  ipv4AddressesPerInterface: number;
  ipv6AddressesPerInterface: number;
  networkPerformance: string;
  networkCards: NetworkCardSpec[];
  architecture: "x86_64" | "arm64" | "i386";
  bareMetal: boolean;
  currentGeneration: boolean;
  /** Instance store volumes the type comes with (none when absent). */
  instanceStorage?: InstanceStorageSpec;
  /** `ebs`, and `instance-store` for the previous-generation types that can boot from instance store. */
  supportedRootDeviceTypes: readonly ("ebs" | "instance-store")[];
  hypervisor?: "nitro" | "xen";
}

function spec(
  name: string,
  vcpus: number,
  memoryMiB: number,
  enis: number,
  ipv4: number,
  networkPerformance: string,
  extra: Partial<InstanceTypeSpec> = {},
): InstanceTypeSpec {
  const bareMetal = extra.bareMetal ?? false;
  return {
    name,
    vcpus,
    memoryMiB,
    hibernationSupported: !bareMetal && memoryMiB <= 150 * 1024,
    maximumNetworkInterfaces: enis,
    ipv4AddressesPerInterface: ipv4,
    ipv6AddressesPerInterface: ipv4,
    networkPerformance,
    networkCards: [{ index: 0, maximumNetworkInterfaces: enis, networkPerformance }],
    architecture: "x86_64",
    bareMetal,
    currentGeneration: true,
    supportedRootDeviceTypes: ["ebs"],
    ...extra,
  };
}

function storage(
  count: number,
  sizeInGB: number,
  type: "ssd" | "hdd",
  nvme: boolean,
): Pick<InstanceTypeSpec, "instanceStorage"> {
  return {
    instanceStorage: {
      totalSizeInGB: count * sizeInGB,
      disks: [{ count, sizeInGB, type }],
      nvmeSupport: nvme ? "required" : "unsupported",
      // "The data on NVMe instance store volumes ... is encrypted at rest" (Instance store volumes).
      encryptionSupport: nvme ? "required" : "unsupported",
    },
  };
}

export const BUILT_IN_INSTANCE_TYPES: readonly InstanceTypeSpec[] = [
  spec("t2.micro", 1, 1024, 2, 2, "Low to Moderate", { currentGeneration: true, hypervisor: "xen" }),
  spec("t3.micro", 2, 1024, 2, 2, "Up to 5 Gigabit"),
  spec("t3.small", 2, 2048, 3, 4, "Up to 5 Gigabit"),
  spec("t3.medium", 2, 4096, 3, 6, "Up to 5 Gigabit"),
  spec("t3.large", 2, 8192, 3, 12, "Up to 5 Gigabit"),
  spec("m5.large", 2, 8192, 3, 10, "Up to 10 Gigabit"),
  spec("m5.xlarge", 4, 16384, 4, 15, "Up to 10 Gigabit"),
  spec("c5.large", 2, 4096, 3, 10, "Up to 10 Gigabit"),
  spec("c5.xlarge", 4, 8192, 4, 15, "Up to 10 Gigabit"),
  spec("r5.large", 2, 16384, 3, 10, "Up to 10 Gigabit"),
  spec("m5.metal", 96, 393216, 15, 50, "25 Gigabit", { bareMetal: true }),
  spec("c6in.32xlarge", 128, 262144, 16, 50, "200 Gigabit", {
    networkCards: [
      { index: 0, maximumNetworkInterfaces: 8, networkPerformance: "Up to 170 Gigabit" },
      { index: 1, maximumNetworkInterfaces: 8, networkPerformance: "Up to 170 Gigabit" },
    ],
  }),
  // Instance store types (idle-hibernate: hibernating or stopping them loses the instance store data).
  spec("m5d.large", 2, 8192, 3, 10, "Up to 10 Gigabit", storage(1, 75, "ssd", true)),
  spec("c5d.large", 2, 4096, 3, 10, "Up to 10 Gigabit", storage(1, 50, "ssd", true)),
  spec("r5d.large", 2, 16384, 3, 10, "Up to 10 Gigabit", storage(1, 75, "ssd", true)),
  spec("i3.large", 2, 15616, 3, 10, "Up to 10 Gigabit", {
    ...storage(1, 475, "ssd", true),
    hypervisor: "xen",
  }),
  spec("i4i.large", 2, 16384, 3, 10, "Up to 10 Gigabit", {
    ...storage(1, 468, "ssd", true),
    hibernationSupported: false,
  }),
  spec("d3.xlarge", 4, 32768, 4, 3, "Up to 15 Gigabit", {
    ...storage(3, 1980, "hdd", true),
    hibernationSupported: false,
  }),
  // Previous generation: the only kind of type that can boot from an instance store root volume.
  spec("m3.medium", 1, 3840, 2, 6, "Moderate", {
    ...storage(1, 4, "ssd", false),
    currentGeneration: false,
    supportedRootDeviceTypes: ["ebs", "instance-store"],
    hypervisor: "xen",
  }),
];
