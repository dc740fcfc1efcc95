import type {
  AssignPrivateIpAddressesResult,
  DescribeNetworkInterfacesResult,
  DescribeRouteTablesResult,
  DescribeVpcsResult,
} from "@aws-sdk/client-ec2";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FixtureError, parseFixture, type SimulatedAccount } from "../../../sim";
import { awsError, ec2 } from "./helpers";
import {
  addressesOf,
  eniIdsWith,
  overlappingAccount,
  V,
  VFXT_PATH,
  vfxtAccount,
  vfxtJson,
} from "./vfxt-fixture";

/** Issue 11: an address is (VPC, address); reserved and refused addresses; VPC CIDR blocks. */

const assign = (a: SimulatedAccount, eni: string, ips: string[], allow = false) =>
  ec2<AssignPrivateIpAddressesResult>(a, "AssignPrivateIpAddresses", {
    NetworkInterfaceId: eni,
    PrivateIpAddresses: ips,
    AllowReassignment: allow,
  });

describe("per-VPC address ownership", () => {
  it("a move in one VPC leaves the same address in another VPC alone", async () => {
    const a = overlappingAccount();
    await assign(a, V.eniA2, ["10.20.1.101"], true);
    a.advance(300);
    expect(await addressesOf(a, V.eniA1)).toEqual(["10.20.1.11", "10.20.1.102"]);
    expect(await addressesOf(a, V.eniA2)).toContain("10.20.1.101");
    expect(await addressesOf(a, V.eniOther)).toEqual(["10.20.1.11", "10.20.1.101"]);
  });

  it("an address held only in another VPC is free here: no AllowReassignment needed", async () => {
    const a = overlappingAccount();
    await assign(a, V.eniOther, ["10.20.1.102"]);
    a.advance(300);
    expect(await addressesOf(a, V.eniOther)).toEqual(["10.20.1.11", "10.20.1.101", "10.20.1.102"]);
    expect(await addressesOf(a, V.eniA1)).toEqual(["10.20.1.11", "10.20.1.101", "10.20.1.102"]);
  });

  it("an address on its way to an ENI of another VPC does not block this VPC", async () => {
    const a = overlappingAccount();
    await assign(a, V.eniOther2, ["10.20.1.150"]);
    await assign(a, V.eniA1, ["10.20.1.150"]);
    a.advance(300);
    expect(await addressesOf(a, V.eniOther2)).toContain("10.20.1.150");
    expect(await addressesOf(a, V.eniA1)).toContain("10.20.1.150");
  });

  it("inside one VPC an address held elsewhere still needs AllowReassignment", async () => {
    const a = overlappingAccount();
    const error = await awsError(assign(a, V.eniOther2, ["10.20.1.101"]), "PrivateIpAddressInUse", 400);
    expect(error.message).toBe("Address 10.20.1.101 is in use.");
  });

  it("behaviour.addressInUseCode chooses the code AWS does not document", async () => {
    const a = vfxtAccount((f) => {
      f.behaviour = { ...f.behaviour, addressInUseCode: "InvalidIPAddress.InUse" };
    });
    await awsError(assign(a, V.eniA2, ["10.20.1.101"]), "InvalidIPAddress.InUse", 400);
    await awsError(assign(a, V.eniA1, ["10.20.1.12"], true), "InvalidIPAddress.InUse");
  });

  it("SecondaryPrivateIpAddressCount counts only the addresses of the ENI's own VPC as taken", async () => {
    const a = overlappingAccount((f) => {
      const other = f.networkInterfaces?.find((n) => n.id === V.eniOther);
      if (other) other.secondaryPrivateIpAddresses = ["10.20.1.4", "10.20.1.5"];
    });
    const out = await ec2<AssignPrivateIpAddressesResult>(a, "AssignPrivateIpAddresses", {
      NetworkInterfaceId: V.eniA1,
      SecondaryPrivateIpAddressCount: 2,
    });
    expect(out.AssignedPrivateIpAddresses?.map((x) => x.PrivateIpAddress)).toEqual([
      "10.20.1.4",
      "10.20.1.5",
    ]);
  });
});

describe("DescribeNetworkInterfaces address filters", () => {
  it("addresses.private-ip-address matches primary and secondary addresses of every VPC; vpc-id narrows", async () => {
    const a = overlappingAccount();
    const ip = [{ Name: "addresses.private-ip-address", Values: ["10.20.1.101"] }];
    expect(await eniIdsWith(a, ip)).toEqual([V.eniA1, V.eniOther]);
    expect(await eniIdsWith(a, [...ip, { Name: "vpc-id", Values: [V.vpcA] }])).toEqual([V.eniA1]);
    expect(await eniIdsWith(a, [{ Name: "addresses.private-ip-address", Values: ["10.20.1.11"] }])).toEqual([
      V.eniA1,
      V.eniOther,
    ]);
  });

  it("private-ip-address matches the primary address only", async () => {
    const a = overlappingAccount();
    expect(await eniIdsWith(a, [{ Name: "private-ip-address", Values: ["10.20.1.101"] }])).toEqual([]);
    expect(await eniIdsWith(a, [{ Name: "private-ip-address", Values: ["10.20.1.12"] }])).toEqual([
      V.eniA2,
      V.eniOther2,
    ]);
  });

  it("addresses.primary=false finds ENIs with a secondary address", async () => {
    const a = overlappingAccount();
    const ids = await eniIdsWith(a, [
      { Name: "addresses.primary", Values: ["false"] },
      { Name: "vpc-id", Values: [V.vpcOther] },
    ]);
    expect(ids).toEqual([V.eniOther]);
  });
});

describe("refused addresses", () => {
  it.each([
    ["the broadcast address", "10.20.1.255", "Address 10.20.1.255 is in subnet's reserved address range"],
    ["the DNS address (.2)", "10.20.1.2", "Address 10.20.1.2 is in subnet's reserved address range"],
    [
      "an address outside the subnet",
      "10.20.2.5",
      "Address 10.20.2.5 does not fall within the subnet's address range",
    ],
  ])("%s: InvalidParameterValue with EC2's text", async (_case, ip, message) => {
    const error = await awsError(assign(vfxtAccount(), V.eniA1, [ip]), "InvalidParameterValue", 400);
    expect(error.message).toBe(message);
  });

  it("one refused address fails the whole call: nothing is assigned", async () => {
    const a = vfxtAccount();
    await awsError(
      assign(a, V.eniA1, ["10.20.1.150", "10.20.1.255", "10.20.1.151"]),
      "InvalidParameterValue",
    );
    a.advance(10_000);
    expect(await addressesOf(a, V.eniA1)).toEqual(["10.20.1.11", "10.20.1.101", "10.20.1.102"]);
    expect(a.state().pendingAddressMoves).toEqual([]);
  });

  it("an address EC2 refuses without naming it: 'secondary-addresses', the whole call fails", async () => {
    const a = vfxtAccount((f) => {
      f.addressRefusals = [{ subnetId: V.subnetA, privateIpAddress: "10.20.1.105" }];
    });
    const error = await awsError(
      assign(a, V.eniA1, ["10.20.1.103", "10.20.1.105", "10.20.1.104"], true),
      "InvalidParameterValue",
    );
    expect(error.message).toBe("secondary-addresses");
    a.advance(300);
    expect(await addressesOf(a, V.eniA1)).toEqual(["10.20.1.11", "10.20.1.101", "10.20.1.102"]);
    await assign(a, V.eniA1, ["10.20.1.103", "10.20.1.104"], true);
    a.advance(300);
    expect(await addressesOf(a, V.eniA1)).toEqual([
      "10.20.1.11",
      "10.20.1.101",
      "10.20.1.102",
      "10.20.1.103",
      "10.20.1.104",
    ]);
  });

  it("the control endpoint adds, lists and clears refusals; automatic assignment skips them", async () => {
    const a = vfxtAccount();
    const added = await a.control("POST", "/__sim/address-refusals", {
      subnetId: V.subnetA,
      privateIpAddress: "10.20.1.4",
    });
    expect(added.status).toBe(201);
    expect((await a.control("GET", "/__sim/address-refusals")).body).toEqual({
      refusals: [{ subnetId: V.subnetA, privateIpAddress: "10.20.1.4" }],
    });
    const out = await ec2<AssignPrivateIpAddressesResult>(a, "AssignPrivateIpAddresses", {
      NetworkInterfaceId: V.eniA1,
      SecondaryPrivateIpAddressCount: 1,
    });
    expect(out.AssignedPrivateIpAddresses).toEqual([{ PrivateIpAddress: "10.20.1.5" }]);
    expect((await a.control("DELETE", "/__sim/address-refusals")).body).toEqual({ removed: 1 });
    await assign(a, V.eniA2, ["10.20.1.4"]);
    const unknown = await a.control("POST", "/__sim/address-refusals", {
      subnetId: "subnet-00000000000000000",
      privateIpAddress: "10.20.1.4",
    });
    expect(unknown).toMatchObject({ status: 400, body: { error: "InvalidSubnetID.NotFound" } });
  });

  it("fixture refusals are checked against their subnet", () => {
    const raw = vfxtJson();
    raw.addressRefusals = [
      { subnetId: "subnet-00000000000000000", privateIpAddress: "10.20.1.4" },
      { subnetId: V.subnetA, privateIpAddress: "10.20.9.4" },
    ];
    expect(() => parseFixture(raw, VFXT_PATH)).toThrow(FixtureError);
    try {
      parseFixture(raw, VFXT_PATH);
    } catch (error) {
      expect((error as FixtureError).issues).toEqual([
        "addressRefusals.0.subnetId: unknown subnet subnet-00000000000000000",
        "addressRefusals.1.privateIpAddress: 10.20.9.4 is not inside 10.20.1.0/24",
      ]);
    }
  });
});

describe("VPC secondary CIDR blocks and DescribeVpcs", () => {
  const withSecondary = () =>
    vfxtAccount((f) => {
      const vpc = f.vpcs?.[0];
      if (vpc) vpc.secondaryCidrBlocks = ["10.30.0.0/16"];
      f.subnets = [
        ...(f.subnets ?? []),
        {
          id: "subnet-0af7c0de000000d01",
          vpcId: V.vpcA,
          availabilityZone: "us-east-1a",
          cidrBlock: "10.30.1.0/24",
        },
      ];
      f.networkInterfaces = [
        ...(f.networkInterfaces ?? []),
        { id: "eni-0af7c0de000000d01", subnetId: "subnet-0af7c0de000000d01", privateIpAddress: "10.30.1.10" },
      ];
    });

  it("DescribeVpcs shows every CIDR block; `cidr` matches the primary only", async () => {
    const a = withSecondary();
    const all = await ec2<DescribeVpcsResult>(a, "DescribeVpcs", { VpcIds: [V.vpcA] });
    expect(all.Vpcs?.[0]).toMatchObject({
      VpcId: V.vpcA,
      CidrBlock: "10.20.0.0/16",
      State: "available",
      OwnerId: "123456789012",
      CidrBlockAssociationSet: [
        expect.objectContaining({ CidrBlock: "10.20.0.0/16", CidrBlockState: { State: "associated" } }),
        expect.objectContaining({ CidrBlock: "10.30.0.0/16", CidrBlockState: { State: "associated" } }),
      ],
      Tags: [{ Key: "Name", Value: "vfxt" }],
    });
    const byCidr = (name: string) =>
      ec2<DescribeVpcsResult>(a, "DescribeVpcs", { Filters: [{ Name: name, Values: ["10.30.0.0/16"] }] });
    expect((await byCidr("cidr")).Vpcs).toEqual([]);
    expect((await byCidr("cidr-block-association.cidr-block")).Vpcs?.map((v) => v.VpcId)).toEqual([V.vpcA]);
  });

  it("unknown and malformed VPC ids; unknown filters", async () => {
    const a = withSecondary();
    const missing = await awsError(
      ec2(a, "DescribeVpcs", { VpcIds: ["vpc-00000000000000000"] }),
      "InvalidVpcID.NotFound",
    );
    expect(missing.message).toBe("The vpc ID 'vpc-00000000000000000' does not exist");
    await awsError(ec2(a, "DescribeVpcs", { VpcIds: ["vpc-x"] }), "InvalidVpcID.Malformed");
    await awsError(
      ec2(a, "DescribeVpcs", { Filters: [{ Name: "nope", Values: ["x"] }] }),
      "InvalidParameterValue",
    );
  });

  it("every route table has a local route for each block; subnets of the secondary block hold addresses", async () => {
    const a = withSecondary();
    const tables = await ec2<DescribeRouteTablesResult>(a, "DescribeRouteTables", {
      RouteTableIds: ["rtb-0af7c0de000000b01"],
    });
    const local = tables.RouteTables?.[0]?.Routes?.filter((r) => r.GatewayId === "local");
    expect(local?.map((r) => r.DestinationCidrBlock)).toEqual(["10.20.0.0/16", "10.30.0.0/16"]);
    await assign(a, "eni-0af7c0de000000d01", ["10.30.1.50"]);
    a.advance(300);
    expect(await addressesOf(a, "eni-0af7c0de000000d01")).toEqual(["10.30.1.10", "10.30.1.50"]);
  });

  it("the fixture checks the blocks: size, overlap, subnets inside one of them", () => {
    const raw = vfxtJson();
    const vpc = raw.vpcs?.[0];
    if (vpc) vpc.secondaryCidrBlocks = ["10.20.128.0/17", "10.40.0.0/29"];
    raw.subnets = [
      ...(raw.subnets ?? []),
      {
        id: "subnet-0af7c0de000000d02",
        vpcId: V.vpcA,
        availabilityZone: "us-east-1a",
        cidrBlock: "10.50.1.0/24",
      },
    ];
    let issues: string[] = [];
    try {
      parseFixture(raw, VFXT_PATH);
    } catch (error) {
      issues = (error as FixtureError).issues;
    }
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^subnets\.5\.cidrBlock: 10\.50\.1\.0\/24 is not inside a VPC CIDR/),
        "vpcs.0.secondaryCidrBlocks.0: 10.20.128.0/17 overlaps another CIDR block of vpc-0af7c0de000000a00",
        "vpcs.0.secondaryCidrBlocks.1: 10.40.0.0/29: a VPC CIDR block is /16 to /28",
      ]),
    );
  });
});

describe("addresses per VPC: properties over random call sequences", () => {
  const POOL = ["10.20.1.150", "10.20.1.151", "10.20.1.152", "10.20.1.101"];
  const ENIS = [V.eniA1, V.eniA2, V.eniOther, V.eniOther2];
  const VPC_OF: Record<string, string> = {
    [V.eniA1]: V.vpcA,
    [V.eniA2]: V.vpcA,
    [V.eniOther]: V.vpcOther,
    [V.eniOther2]: V.vpcOther,
  };
  type Step =
    | { kind: "assign"; eni: number; ips: string[]; allow: boolean }
    | { kind: "unassign"; eni: number; ip: string }
    | { kind: "advance"; ms: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({
      kind: fc.constant("assign" as const),
      eni: fc.integer({ min: 0, max: 3 }),
      ips: fc.uniqueArray(fc.constantFrom(...POOL), { minLength: 1, maxLength: 3 }),
      allow: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant("unassign" as const),
      eni: fc.integer({ min: 0, max: 3 }),
      ip: fc.constantFrom(...POOL),
    }),
    fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 400 }) }),
  );

  const holders = async (a: SimulatedAccount) => {
    const r = await ec2<DescribeNetworkInterfacesResult>(a, "DescribeNetworkInterfaces", {
      NetworkInterfaceIds: ENIS,
    });
    return r.NetworkInterfaces ?? [];
  };

  it("an address is on at most one ENI per VPC, and settles where the last successful call of its VPC put it", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 25 }), async (steps) => {
        const a = overlappingAccount();
        // (VPC, address) → ENI, as the last accepted call of that VPC says; starts as the fixture.
        const model = new Map<string, string>([
          [`${V.vpcA}|10.20.1.101`, V.eniA1],
          [`${V.vpcOther}|10.20.1.101`, V.eniOther],
        ]);
        for (const s of steps) {
          if (s.kind === "advance") {
            a.advance(s.ms);
            continue;
          }
          const eni = ENIS[s.eni] as string;
          const vpc = VPC_OF[eni] as string;
          try {
            if (s.kind === "assign") {
              await assign(a, eni, s.ips, s.allow);
              for (const ip of s.ips) model.set(`${vpc}|${ip}`, eni);
            } else {
              await ec2(a, "UnassignPrivateIpAddresses", {
                NetworkInterfaceId: eni,
                PrivateIpAddresses: [s.ip],
              });
              if (model.get(`${vpc}|${s.ip}`) === eni) model.delete(`${vpc}|${s.ip}`);
            }
          } catch (error) {
            expect(["PrivateIpAddressInUse", "InvalidParameterValue"]).toContain(
              (error as { code?: string }).code,
            );
          }
          for (const n of await holders(a)) {
            const others = (await holders(a)).filter(
              (o) => o.VpcId === n.VpcId && o.NetworkInterfaceId !== n.NetworkInterfaceId,
            );
            for (const x of n.PrivateIpAddresses ?? []) {
              const dup = others.filter((o) =>
                o.PrivateIpAddresses?.some((y) => y.PrivateIpAddress === x.PrivateIpAddress),
              );
              expect(dup, `${x.PrivateIpAddress} twice in ${n.VpcId}`).toEqual([]);
            }
          }
        }
        a.advance(300);
        const enis = await holders(a);
        for (const ip of POOL) {
          for (const vpc of [V.vpcA, V.vpcOther]) {
            const on = enis
              .filter(
                (n) =>
                  n.VpcId === vpc &&
                  n.PrivateIpAddresses?.some((x) => x.PrivateIpAddress === ip && !x.Primary),
              )
              .map((n) => n.NetworkInterfaceId);
            const expected = model.get(`${vpc}|${ip}`);
            expect(on, `${vpc} ${ip}`).toEqual(expected === undefined ? [] : [expected]);
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});
