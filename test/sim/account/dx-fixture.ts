/** A small dx-failover account: one VPC, a VPN appliance, two production tables and a probe table. */
import { type AccountFixtureInput, parseFixture, SimulatedAccount } from "../../../sim";

export const DX = {
  vpc: "vpc-0d0000000000000a1",
  subnet: "subnet-0d0000000000000b1",
  appliance: "i-0d0000000000000c1",
  applianceEni: "eni-0d0000000000000c1",
  spareEni: "eni-0d0000000000000c2",
  prodA: "rtb-0d0000000000000a1",
  prodB: "rtb-0d0000000000000a2",
  probe: "rtb-0d0000000000000a3",
  vgw: "vgw-0d0000000000000e1",
  vif1: "dxvif-fg000001",
  vif2: "dxvif-fg000002",
  connection1: "dxcon-fg000001",
  connection2: "dxcon-fg000002",
  onPrem: "10.100.0.0/16",
  onPrem2: "172.20.0.0/16",
} as const;

export function dxFixtureJson(extra: Partial<AccountFixtureInput> = {}): AccountFixtureInput {
  return {
    accountId: "111122223333",
    region: "us-west-2",
    clock: { start: "2026-11-21T12:00:00.000Z" },
    vpcs: [{ id: DX.vpc, cidrBlock: "10.0.0.0/16" }],
    subnets: [
      { id: DX.subnet, vpcId: DX.vpc, availabilityZone: "us-west-2-lax-1a", cidrBlock: "10.0.1.0/24" },
    ],
    instances: [
      {
        id: DX.appliance,
        instanceType: "t3.micro",
        launchTime: "2026-11-20T12:00:00.000Z",
        subnetId: DX.subnet,
        privateIpAddress: "10.0.1.10",
        primaryNetworkInterfaceId: DX.applianceEni,
        sourceDestCheck: false,
      },
    ],
    networkInterfaces: [{ id: DX.spareEni, subnetId: DX.subnet, privateIpAddress: "10.0.1.20" }],
    routeTables: [
      { id: DX.prodA, vpcId: DX.vpc, propagatingVgws: [DX.vgw] },
      { id: DX.prodB, vpcId: DX.vpc, propagatingVgws: [DX.vgw] },
      { id: DX.probe, vpcId: DX.vpc, propagatingVgws: [DX.vgw] },
    ],
    virtualPrivateGateways: [
      {
        id: DX.vgw,
        vpcId: DX.vpc,
        amazonSideAsn: 64512,
        virtualInterfaceIds: [DX.vif1, DX.vif2],
        propagatedCidrs: [DX.onPrem, DX.onPrem2],
      },
    ],
    virtualInterfaces: [
      {
        id: DX.vif1,
        connectionId: DX.connection1,
        virtualInterfaceType: "private",
        vlan: 101,
        virtualInterfaceState: "available",
        bgpPeers: [{ bgpPeerId: "dxpeer-fg000001", addressFamily: "ipv4", bgpStatus: "up" }],
      },
      {
        id: DX.vif2,
        connectionId: DX.connection2,
        virtualInterfaceType: "private",
        vlan: 102,
        bgpPeers: [{ bgpPeerId: "dxpeer-fg000002", addressFamily: "ipv4", bgpStatus: "up" }],
      },
    ],
    ...extra,
  };
}

export function dxAccount(extra: Partial<AccountFixtureInput> = {}): SimulatedAccount {
  return SimulatedAccount.fromFixture(parseFixture(dxFixtureJson(extra), "dx-fixture"));
}
