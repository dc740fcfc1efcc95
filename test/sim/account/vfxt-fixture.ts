import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DescribeNetworkInterfacesResult } from "@aws-sdk/client-ec2";
import { type AccountFixtureInput, parseFixture, SimulatedAccount } from "../../../sim";
import { ec2, ROOT } from "./helpers";

/** The vfxt account (test/fixtures/accounts/vfxt.json) and a second VPC reusing its CIDR, for issue 11's sim tests. */

export const VFXT_PATH = join(ROOT, "test", "fixtures", "accounts", "vfxt.json");

export const V = {
  vpcA: "vpc-0af7c0de000000a00",
  subnetA: "subnet-0af7c0de000000a01",
  subnetB1: "subnet-0af7c0de000000b01",
  nodeA1: "i-0af7c0de000000a01",
  nodeA2: "i-0af7c0de000000a02",
  nodeA3: "i-0af7c0de000000a03",
  eniA1: "eni-0af7c0de000000a01",
  eniA2: "eni-0af7c0de000000a02",
  eniA3: "eni-0af7c0de000000a03",
  /** The other VPC, reusing 10.20.0.0/16, with a subnet 10.20.1.0/24 and an ENI holding 10.20.1.101. */
  vpcOther: "vpc-0b0000000000000b0",
  subnetOther: "subnet-0b0000000000000b1",
  nodeOther: "i-0b0000000000000b1",
  eniOther: "eni-0b0000000000000b1",
  eniOther2: "eni-0b0000000000000b2",
} as const;

export function vfxtJson(): AccountFixtureInput {
  return JSON.parse(readFileSync(VFXT_PATH, "utf8")) as AccountFixtureInput;
}

export function vfxtAccount(edit: (f: AccountFixtureInput) => void = () => undefined): SimulatedAccount {
  const raw = vfxtJson();
  edit(raw);
  return SimulatedAccount.fromFixture(parseFixture(raw, VFXT_PATH));
}

/** Adds the second VPC: node 10.20.1.11 (the same primary address as vfxt-a-node-1), secondary 10.20.1.101. */
export function addOtherVpc(f: AccountFixtureInput): void {
  f.vpcs = [...(f.vpcs ?? []), { id: V.vpcOther, cidrBlock: "10.20.0.0/16" }];
  f.subnets = [
    ...(f.subnets ?? []),
    { id: V.subnetOther, vpcId: V.vpcOther, availabilityZone: "us-east-1a", cidrBlock: "10.20.1.0/24" },
  ];
  f.instances = [
    ...(f.instances ?? []),
    {
      id: V.nodeOther,
      instanceType: "m5.large",
      launchTime: "2026-03-01T08:00:00.000Z",
      subnetId: V.subnetOther,
      privateIpAddress: "10.20.1.11",
    },
  ];
  f.networkInterfaces = [
    ...(f.networkInterfaces ?? []),
    {
      id: V.eniOther,
      subnetId: V.subnetOther,
      privateIpAddress: "10.20.1.11",
      secondaryPrivateIpAddresses: ["10.20.1.101"],
      attachment: { instanceId: V.nodeOther, deviceIndex: 0 },
    },
    { id: V.eniOther2, subnetId: V.subnetOther, privateIpAddress: "10.20.1.12" },
  ];
}

export function overlappingAccount(
  edit: (f: AccountFixtureInput) => void = () => undefined,
): SimulatedAccount {
  return vfxtAccount((f) => {
    addOtherVpc(f);
    edit(f);
  });
}

export async function addressesOf(a: SimulatedAccount, eniId: string): Promise<string[]> {
  const r = await ec2<DescribeNetworkInterfacesResult>(a, "DescribeNetworkInterfaces", {
    NetworkInterfaceIds: [eniId],
  });
  return (r.NetworkInterfaces?.[0]?.PrivateIpAddresses ?? []).map((x) => x.PrivateIpAddress ?? "");
}

export async function eniIdsWith(a: SimulatedAccount, filters: { Name: string; Values: string[] }[]) {
  const r = await ec2<DescribeNetworkInterfacesResult>(a, "DescribeNetworkInterfaces", { Filters: filters });
  return (r.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId).sort();
}

/** The options of an SDK client talking to a simulated account's server. */
export function sdkConfig(url: string) {
  return {
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDSIMULATED", secretAccessKey: "x" },
    maxAttempts: 1,
  };
}
