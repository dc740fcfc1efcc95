/**
 * A small built-in catalogue of instance types, so fixtures need not repeat them. A fixture's own
 * `instanceTypes` entries are added to it and override entries of the same name.
 *
 * Figures as `DescribeInstanceTypes` reports them (vCPUs, memory, ENIs, IPv4 addresses per ENI,
 * network cards, hibernation support). Hibernation is not supported on bare metal nor above 150 GiB
 * of RAM (EC2 User Guide, "Hibernation prerequisites").
 */

export interface NetworkCardSpec {
  index: number;
  maximumNetworkInterfaces: number;
  networkPerformance: string;
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
    ...extra,
  };
}

export const BUILT_IN_INSTANCE_TYPES: readonly InstanceTypeSpec[] = [
  spec("t2.micro", 1, 1024, 2, 2, "Low to Moderate", { currentGeneration: true }),
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
];
