import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigurationError } from "../../../shared/runtime/errors";
import type { Harness, InvocationReport } from "../../../sim/harness";
import { checkVfxtInvariants, checkVfxtMoves, vfxtView } from "../../../tools/chaos/invariants/vfxt-ip-move";
import type { Fixture } from "../../support/fixtures";
import { startHarness } from "../../support/harness";
import {
  A,
  addressesAfter,
  atTime,
  B,
  callsTo,
  clusterCall,
  EVENTS,
  ec2StateEvent,
  event,
  resultOf,
  routeAfter,
  START,
  setSecondaries,
  setState,
  terminate,
  vfxtConfig,
  vfxtEnv,
  vfxtFixture,
} from "./support";

/**
 * Addresses as AWS has them (issue 11 §3–7), through the real handler on the simulated account: (VPC,
 * address) identity, reserved and refused addresses, foreign holders, Elastic IPs, subnet CIDR reservations,
 * the /32 route rule, route table discovery, the clean-up of retired addresses.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

const OTHER = {
  vpc: "vpc-0b0000000000000b0",
  subnet: "subnet-0b0000000000000b1",
  node: "i-0b0000000000000b1",
  eni: "eni-0b0000000000000b1",
};

const load = (edit: (f: Fixture) => void = () => undefined) =>
  harness.load(vfxtFixture(edit), { now: new Date(START) });
const stopped = (instanceId: string = A.nodes[0]) => atTime(ec2StateEvent(instanceId, "stopped"), START);
const reconcile = () => atTime(event(EVENTS.reconcile), START);

type Overrides = Parameters<typeof vfxtEnv>[0];
const invoke = async (raw: Record<string, unknown>, overrides: Overrides = {}) => {
  const config = vfxtConfig(overrides);
  const before = vfxtView(harness.account.state(), config, harness.clock.now());
  const report = await harness.invoke("vfxt-ip-move", raw, { env: vfxtEnv(overrides), timeoutMs: 120_000 });
  expect(checkVfxtMoves(before, report.calls, config)).toEqual([]);
  expect(checkVfxtInvariants(harness.account.state(), config, { now: harness.clock.now() })).toEqual([]);
  return report;
};

const alarms = (report: InvocationReport) =>
  callsTo(report, "PutEvents")
    .flatMap((c) => (c.input.Entries as Array<{ Detail: string }>) ?? [])
    .map((e) => JSON.parse(e.Detail) as { action: string; status: string; resources: string[] })
    .filter((d) => d.status === "alarm");

/** A second VPC reusing 10.20.0.0/16, whose ENI holds 10.20.1.101 too. */
const addOtherVpc = (f: Fixture) => {
  f.vpcs.push({ id: OTHER.vpc, cidrBlock: "10.20.0.0/16" });
  f.subnets.push({
    id: OTHER.subnet,
    vpcId: OTHER.vpc,
    availabilityZone: "us-east-1a",
    cidrBlock: "10.20.1.0/24",
  });
  f.instances.push({
    id: OTHER.node,
    instanceType: "m5.large",
    launchTime: "2026-03-01T08:00:00.000Z",
    subnetId: OTHER.subnet,
    privateIpAddress: "10.20.1.11",
  });
  f.networkInterfaces.push({
    id: OTHER.eni,
    subnetId: OTHER.subnet,
    privateIpAddress: "10.20.1.11",
    secondaryPrivateIpAddresses: ["10.20.1.101"],
    attachment: { instanceId: OTHER.node, deviceIndex: 0 },
  });
};

describe("vfxt-ip-move: an address is (VPC, address)", () => {
  it("overlapping CIDR in another VPC → the address still moves, read back in the cluster's VPC only", async () => {
    load((f) => {
      setState(f, A.nodes[0], "stopped");
      addOtherVpc(f);
    });
    const report = await invoke(stopped());
    const result = resultOf(report);
    expect(result.decision).toBe("move");
    expect(result.actions[0]?.resources.map((r) => [r.resource, r.status])).toEqual([
      ["10.20.1.101", "applied"],
      ["10.20.1.102", "applied"],
    ]);
    expect(addressesAfter(report, A.enis[1])).toContain("10.20.1.101");
    expect(addressesAfter(report, OTHER.eni)).toEqual(["10.20.1.11", "10.20.1.101"]);
    for (const call of callsTo(report, "DescribeNetworkInterfaces").filter((c) =>
      JSON.stringify(c.input).includes("addresses."),
    )) {
      expect((call.input.Filters as unknown[])[0]).toEqual({
        Name: "vpc-id",
        Values: ["vpc-0af7c0de000000a00"],
      });
    }
  });
});

describe("vfxt-ip-move: reserved and refused addresses", () => {
  it("a reserved address in the configuration → isolated at run time, never sent, while the others move", async () => {
    load((f) => setState(f, A.nodes[0], "stopped"));
    const overrides = {
      cluster: {
        addresses: [
          "10.20.1.101",
          "10.20.1.102",
          "10.20.1.103",
          "10.20.1.104",
          "10.20.1.105",
          "10.20.1.106",
          "10.20.1.255",
        ],
      },
    };
    const report = await invoke(stopped(), overrides);
    const result = resultOf(report);
    expect(result.decision).toBe("partial");
    expect(result.skips).toEqual([
      expect.objectContaining({ resource: "10.20.1.255", reason: "reserved-address" }),
    ]);
    expect(
      callsTo(report, "AssignPrivateIpAddresses").flatMap((c) => c.input.PrivateIpAddresses as string[]),
    ).toEqual(["10.20.1.101", "10.20.1.102"]);
    expect(alarms(report)).toEqual([
      expect.objectContaining({ action: "reserved-address", resources: ["10.20.1.255"] }),
      expect.objectContaining({ action: "cluster-did-not-move", resources: ["10.20.1.101", "10.20.1.102"] }),
    ]);
  });

  it("a reserved address of a declared subnet → refused at validation (cold start), nothing called", async () => {
    load((f) => setState(f, A.nodes[0], "stopped"));
    const overrides = { cluster: { addresses: ["10.20.1.96/27"], subnetCidr: "10.20.1.96/27" } };
    await expect(harness.invoke("vfxt-ip-move", stopped(), { env: vfxtEnv(overrides) })).rejects.toThrow(
      ConfigurationError,
    );
    expect(harness.account.calls).toEqual([]);
  });

  it("one address refused without being named → narrowed by halves: the others move, the refused one is reported, not thrown (no Lambda retry), tried alone by the next reconcile", async () => {
    load((f) => {
      setState(f, A.nodes[0], "stopped");
      setState(f, A.nodes[1], "stopped");
      f.addressRefusals.push({ subnetId: "subnet-0af7c0de000000a01", privateIpAddress: "10.20.1.103" });
    });
    const report = await invoke(stopped());
    const result = resultOf(report);
    expect(result.decision).toBe("partial");
    expect(
      callsTo(report, "AssignPrivateIpAddresses").map((c) => [
        c.input.PrivateIpAddresses,
        c.error?.code ?? "ok",
      ]),
    ).toEqual([
      [["10.20.1.101", "10.20.1.102", "10.20.1.103", "10.20.1.104"], "InvalidParameterValue"],
      [["10.20.1.101", "10.20.1.102"], "ok"],
      [["10.20.1.103", "10.20.1.104"], "InvalidParameterValue"],
      [["10.20.1.103"], "InvalidParameterValue"],
      [["10.20.1.104"], "ok"],
    ]);
    expect(result.actions[0]?.resources.map((r) => [r.resource, r.status, r.code])).toEqual([
      ["10.20.1.101", "applied", undefined],
      ["10.20.1.102", "applied", undefined],
      ["10.20.1.103", "failed", "InvalidParameterValue"],
      ["10.20.1.104", "applied", undefined],
    ]);
    expect(report.error).toBeUndefined(); // a permanent refusal is not thrown: Lambda does not retry it
    expect(alarms(report)).toEqual([
      expect.objectContaining({ action: "cluster-did-not-move" }),
      expect.objectContaining({ action: "address-refused", resources: ["10.20.1.103"] }),
    ]);
    const next = await invoke(reconcile());
    expect(callsTo(next, "AssignPrivateIpAddresses").map((c) => c.input.PrivateIpAddresses)).toEqual([
      ["10.20.1.103"],
    ]);
    expect(next.error).toBeUndefined();
  });
});

describe("vfxt-ip-move: keeping the addresses ours", () => {
  const terminatedNode1 = (f: Fixture) => terminate(f, A.nodes[0], A.enis[0]);

  it("foreign ENI took a released address → alarm, never taken; the other address moves", async () => {
    load(terminatedNode1);
    const created = await clusterCall(harness, "CreateNetworkInterface", {
      SubnetId: "subnet-0af7c0de000000a01",
      PrivateIpAddress: "10.20.1.101",
      Description: "someone else's",
    });
    const foreign = (created as { NetworkInterface: { NetworkInterfaceId: string } }).NetworkInterface
      .NetworkInterfaceId;
    const report = await invoke(reconcile());
    const result = resultOf(report);
    expect(result.clusters[0]?.skips).toEqual([
      expect.objectContaining({
        resource: "10.20.1.101",
        reason: "held-by-foreign-eni",
        detail: expect.stringContaining(foreign),
      }),
    ]);
    expect(
      callsTo(report, "AssignPrivateIpAddresses").flatMap((c) => c.input.PrivateIpAddresses as string[]),
    ).toEqual(["10.20.1.102"]);
    expect(alarms(report)).toContainEqual(
      expect.objectContaining({ action: "held-by-foreign-eni", resources: ["10.20.1.101"] }),
    );
  });

  it("with an explicit subnet CIDR reservation, a new ENI gets other addresses: both addresses move; the check passes", async () => {
    load((f) => {
      terminatedNode1(f);
      f.subnetCidrReservations.push({
        subnetId: "subnet-0af7c0de000000a01",
        cidr: "10.20.1.96/28",
        reservationType: "explicit",
      });
    });
    await clusterCall(harness, "CreateNetworkInterface", {
      SubnetId: "subnet-0af7c0de000000a01",
      SecondaryPrivateIpAddressCount: 200,
    });
    const report = await invoke(reconcile());
    expect(
      callsTo(report, "AssignPrivateIpAddresses")
        .flatMap((c) => c.input.PrivateIpAddresses as string[])
        .sort(),
    ).toEqual(["10.20.1.101", "10.20.1.102"]);
    expect(resultOf(report).reservations).toEqual([{ cluster: "vfxt-a", notReserved: [] }]);
    expect(callsTo(report, "GetSubnetCidrReservations")[0]?.input).toMatchObject({
      SubnetId: "subnet-0af7c0de000000a01",
    });
  });

  it("no reservation: the reconcile reports every secondary address AWS could hand to another ENI", async () => {
    load();
    const report = await invoke(reconcile());
    expect(resultOf(report).reservations).toEqual([{ cluster: "vfxt-a", notReserved: [...A.addresses] }]);
  });

  it("EIP follows its address: the Elastic IP is on the new ENI with the same private address", async () => {
    load((f) => {
      setState(f, A.nodes[0], "stopped");
      f.elasticIps.push({
        allocationId: "eipalloc-0e1000000000000a1",
        publicIp: "203.0.113.10",
        association: { networkInterfaceId: A.enis[0], privateIpAddress: "10.20.1.101" },
      });
    });
    const report = await invoke(stopped());
    expect(report.after.elasticIps["eipalloc-0e1000000000000a1"]).toEqual({
      PublicIp: "203.0.113.10",
      NetworkInterfaceId: A.enis[1],
      PrivateIpAddress: "10.20.1.101",
    });
  });
});

describe("vfxt-ip-move: the /32 route rule (a route more specific than the local route must be a subnet's CIDR)", () => {
  /** vfxt-a gets a second subnet (10.20.2.0/24) with node 4 holding 10.20.2.101. */
  const secondSubnet = (f: Fixture) => {
    f.subnets.push({
      id: "subnet-0af7c0de000000a02",
      vpcId: "vpc-0af7c0de000000a00",
      availabilityZone: "us-east-1b",
      cidrBlock: "10.20.2.0/24",
    });
    f.instances.push({
      id: "i-0af7c0de000000a04",
      instanceType: "m5.xlarge",
      state: "stopped",
      launchTime: "2026-03-01T08:00:00.000Z",
      subnetId: "subnet-0af7c0de000000a02",
      privateIpAddress: "10.20.2.14",
      tags: { "ops:vfxt-cluster": "vfxt-a" },
    });
    f.networkInterfaces.push({
      id: "eni-0af7c0de000000a04",
      subnetId: "subnet-0af7c0de000000a02",
      privateIpAddress: "10.20.2.14",
      secondaryPrivateIpAddresses: ["10.20.2.101"],
      attachment: { instanceId: "i-0af7c0de000000a04", deviceIndex: 0 },
    });
  };

  it("all nodes of a subnet gone → no /32 route attempted inside the VPC, alarm", async () => {
    load(secondSubnet);
    const report = await invoke(stopped("i-0af7c0de000000a04"), {
      cluster: { addresses: [...A.addresses, "10.20.2.101"] },
    });
    expect(resultOf(report).clusters[0]?.skips).toEqual([
      expect.objectContaining({ resource: "10.20.2.101", reason: "no-healthy-node-in-subnet" }),
    ]);
    expect(
      report.calls.filter((c) => /Route$/.test(c.operation) && !c.operation.startsWith("Describe")),
    ).toEqual([]);
    expect(alarms(report)).toEqual([
      expect.objectContaining({ action: "no-healthy-node-in-subnet", resources: ["10.20.2.101"] }),
    ]);
  });

  it("the simulated account would refuse the /32 route if it were attempted", async () => {
    load();
    await expect(
      clusterCall(harness, "CreateRoute", {
        RouteTableId: B.tables[0],
        DestinationCidrBlock: "10.20.1.101/32",
        NetworkInterfaceId: B.enis[1],
      }),
    ).rejects.toMatchObject({
      code: "InvalidParameterValue",
      message: "Route destination doesn't match any subnet CIDR blocks.",
    });
  });

  it("a route-mode address inside a secondary VPC CIDR → refused at run time, never written; the others move", async () => {
    load((f) => {
      terminate(f, B.nodes[0], B.enis[0]);
      const vpc = f.vpcs[0];
      if (vpc !== undefined) vpc.secondaryCidrBlocks = ["10.30.0.0/16"];
    });
    const report = await invoke(atTime(ec2StateEvent(B.nodes[0], "terminated"), START), {
      clusterB: { mode: "route", addresses: ["10.250.0.11", "10.250.0.12", "10.250.0.13", "10.30.0.5"] },
    });
    const result = resultOf(report);
    expect(result.clusters[0]?.skips).toEqual([
      expect.objectContaining({ resource: "10.30.0.5", reason: "route-inside-vpc" }),
    ]);
    expect(callsTo(report, "ReplaceRoute").map((c) => c.input.DestinationCidrBlock)).toEqual(
      Array(4).fill("10.250.0.11/32"),
    );
    expect(callsTo(report, "DescribeVpcs")[0]?.input).toEqual({ VpcIds: ["vpc-0af7c0de000000a00"] });
  });

  it("route tables discovered: the nodes' subnets' tables, and the main table for a subnet without its own", async () => {
    load((f) => {
      terminate(f, B.nodes[0], B.enis[0]);
      const b3 = f.routeTables.find((t) => t.id === B.tables[2]);
      if (b3 !== undefined) b3.associations = [];
      f.routeTables.push({
        id: "rtb-0af7c0de0000000f0",
        vpcId: "vpc-0af7c0de000000a00",
        main: true,
        routes: ["11", "12", "13"].map((n, k) => ({
          destinationCidrBlock: `10.250.0.${n}/32`,
          target: B.enis[k] as string,
        })),
        tags: { "ops:vfxt-cluster": "vfxt-b" },
      });
    });
    const report = await invoke(atTime(ec2StateEvent(B.nodes[0], "terminated"), START), {
      clusterB: { routeTableIds: [], discoverRouteTables: true },
    });
    expect(callsTo(report, "DescribeRouteTables")[0]?.input.Filters).toEqual([
      { Name: "vpc-id", Values: ["vpc-0af7c0de000000a00"] },
    ]);
    expect(
      callsTo(report, "ReplaceRoute")
        .map((c) => c.input.RouteTableId)
        .sort(),
    ).toEqual(["rtb-0af7c0de0000000f0", B.tables[1]]);
    expect(routeAfter(report, "rtb-0af7c0de0000000f0", "10.250.0.11/32")).toMatchObject({
      Target: B.enis[1],
      State: "active",
    });
  });
});

describe("vfxt-ip-move: retired addresses are cleaned up only where ours", () => {
  it("reconcile: unassigned from the node, /32 routes deleted; one carrying an Elastic IP is reported, not unassigned", async () => {
    load((f) => {
      setSecondaries(f, A.enis[0], ["10.20.1.101", "10.20.1.102", "10.20.1.150", "10.20.1.151"]);
      f.elasticIps.push({
        allocationId: "eipalloc-0e1000000000000a2",
        publicIp: "203.0.113.11",
        association: { networkInterfaceId: A.enis[0], privateIpAddress: "10.20.1.151" },
      });
      for (const table of f.routeTables)
        table.routes?.push({ destinationCidrBlock: "10.250.0.99/32", target: B.enis[1] });
    });
    const report = await invoke(reconcile(), {
      cluster: { retiredAddresses: ["10.20.1.150", "10.20.1.151"] },
      clusterB: { retiredAddresses: ["10.250.0.99"] },
    });
    expect(callsTo(report, "UnassignPrivateIpAddresses").map((c) => c.input)).toEqual([
      { NetworkInterfaceId: A.enis[0], PrivateIpAddresses: ["10.20.1.150"] },
    ]);
    expect(
      callsTo(report, "DeleteRoute")
        .map((c) => c.input.RouteTableId)
        .sort(),
    ).toEqual([...B.tables].sort());
    expect(addressesAfter(report, A.enis[0])).toEqual([
      "10.20.1.11",
      "10.20.1.101",
      "10.20.1.102",
      "10.20.1.151",
    ]);
    expect(report.after.elasticIps["eipalloc-0e1000000000000a2"]).toMatchObject({
      NetworkInterfaceId: A.enis[0],
    });
    expect(resultOf(report).clusters[0]?.skips).toContainEqual(
      expect.objectContaining({ resource: "10.20.1.151", reason: "carries-elastic-ip" }),
    );
  });

  it("an event (not the reconcile) removes nothing", async () => {
    load((f) => setSecondaries(f, A.enis[0], ["10.20.1.101", "10.20.1.102", "10.20.1.150"]));
    const report = await invoke(atTime(event(EVENTS.running), START), {
      cluster: { retiredAddresses: ["10.20.1.150"] },
    });
    expect(callsTo(report, "UnassignPrivateIpAddresses")).toEqual([]);
  });
});
