import type { DescribeRouteTablesResult, Route } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { type AccountFixtureInput, FixtureError, parseFixture, type SimulatedAccount } from "../../../sim";
import { DX, dxAccount, dxFixtureJson } from "./dx-fixture";
import { awsError, ec2 } from "./helpers";

const IPV6_VPC = "2600:1f14:abc:de00::/56";
const IPV6_SUBNET = "2600:1f14:abc:de01::/64";

/** The dx account with a secondary IPv4 block and an IPv6 block on its VPC, and a second subnet. */
function dualStackJson(extra: Partial<AccountFixtureInput> = {}): AccountFixtureInput {
  const base = dxFixtureJson();
  return {
    ...base,
    vpcs: [
      {
        id: DX.vpc,
        cidrBlock: "10.0.0.0/16",
        secondaryCidrBlocks: ["10.30.0.0/16"],
        ipv6CidrBlocks: [IPV6_VPC],
      },
    ],
    subnets: [
      {
        ...(base.subnets?.[0] as NonNullable<AccountFixtureInput["subnets"]>[number]),
        ipv6CidrBlock: IPV6_SUBNET,
      },
      {
        id: "subnet-0d0000000000000b2",
        vpcId: DX.vpc,
        availabilityZone: "us-west-2a",
        cidrBlock: "10.30.5.0/24",
      },
    ],
    ...extra,
  };
}

function dualStack(extra: Partial<AccountFixtureInput> = {}): SimulatedAccount {
  return dxAccount(dualStackJson(extra));
}

async function routesOf(a: SimulatedAccount, table: string): Promise<Route[]> {
  const r = await ec2<DescribeRouteTablesResult>(a, "DescribeRouteTables", { RouteTableIds: [table] });
  return r.RouteTables?.[0]?.Routes ?? [];
}

const toEni = (destination: Record<string, string>) => ({
  RouteTableId: DX.prodA,
  NetworkInterfaceId: DX.applianceEni,
  ...destination,
});

describe("routes more specific than the VPC's blocks (VPC User Guide, Route tables → Routes)", () => {
  it("refuses a /32 inside the VPC CIDR: the destination must be exactly a subnet's block", async () => {
    const a = dualStack();
    const e = await awsError(
      ec2(a, "CreateRoute", toEni({ DestinationCidrBlock: "10.0.1.77/32" })),
      "InvalidParameterValue",
      400,
    );
    expect(e.message).toBe("Route destination doesn't match any subnet CIDR blocks.");
    await awsError(
      ec2(a, "CreateRoute", toEni({ DestinationCidrBlock: "10.0.0.0/17" })),
      "InvalidParameterValue",
    );
    expect((await routesOf(a, DX.prodA)).some((r) => r.DestinationCidrBlock === "10.0.1.77/32")).toBe(false);
  });

  it("applies to secondary blocks too, and accepts exactly a subnet's block towards an interface", async () => {
    const a = dualStack();
    const e = await awsError(
      ec2(a, "CreateRoute", toEni({ DestinationCidrBlock: "10.30.5.5/32" })),
      "InvalidParameterValue",
    );
    expect(e.message).toBe("Route destination doesn't match any subnet CIDR blocks.");
    await ec2(a, "CreateRoute", toEni({ DestinationCidrBlock: "10.30.5.0/24" }));
    await ec2(a, "CreateRoute", toEni({ DestinationCidrBlock: "10.0.1.0/24" }));
    expect(await routesOf(a, DX.prodA)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          DestinationCidrBlock: "10.30.5.0/24",
          NetworkInterfaceId: DX.applianceEni,
        }),
        expect.objectContaining({ DestinationCidrBlock: "10.0.1.0/24", Origin: "CreateRoute" }),
      ]),
    );
  });

  it("accepts a subnet's block only towards an interface, an instance or a NAT gateway", async () => {
    const a = dualStack();
    const e = await awsError(
      ec2(a, "CreateRoute", {
        RouteTableId: DX.prodA,
        DestinationCidrBlock: "10.0.1.0/24",
        TransitGatewayId: "tgw-0123456789abcdef0",
      }),
      "InvalidParameterValue",
    );
    expect(e.message).toBe(
      "The destination CIDR block 10.0.1.0/24 is equal to or more specific than one of this VPC's CIDR blocks. This route can target only an interface or an instance.",
    );
    await ec2(a, "CreateRoute", {
      RouteTableId: DX.prodA,
      DestinationCidrBlock: "10.0.1.0/24",
      NatGatewayId: "nat-0123456789abcdef0",
    });
  });

  it("leaves destinations outside every VPC block alone (a /32 outside: created)", async () => {
    const a = dualStack();
    await ec2(a, "CreateRoute", toEni({ DestinationCidrBlock: "10.250.0.11/32" }));
    await ec2(a, "CreateRoute", {
      RouteTableId: DX.prodA,
      DestinationCidrBlock: "10.250.0.12/32",
      TransitGatewayId: "tgw-0123456789abcdef0",
    });
    expect((await routesOf(a, DX.prodA)).filter((r) => r.Origin === "CreateRoute")).toHaveLength(2);
  });

  it("answers RouteAlreadyExists for a VPC block itself (its local route), secondary blocks included", async () => {
    const a = dualStack();
    for (const block of ["10.0.0.0/16", "10.30.0.0/16"]) {
      await awsError(ec2(a, "CreateRoute", toEni({ DestinationCidrBlock: block })), "RouteAlreadyExists");
    }
    const locals = (await routesOf(a, DX.prodA)).filter((r) => r.GatewayId === "local");
    expect(locals).toEqual([
      {
        DestinationCidrBlock: "10.0.0.0/16",
        GatewayId: "local",
        Origin: "CreateRouteTable",
        State: "active",
      },
      {
        DestinationCidrBlock: "10.30.0.0/16",
        GatewayId: "local",
        Origin: "CreateRouteTable",
        State: "active",
      },
      { DestinationIpv6CidrBlock: IPV6_VPC, GatewayId: "local", Origin: "CreateRouteTable", State: "active" },
    ]);
  });

  it("holds for IPv6: a block inside the VPC's IPv6 block is accepted only when it is a subnet's", async () => {
    const a = dualStack();
    const e = await awsError(
      ec2(a, "CreateRoute", toEni({ DestinationIpv6CidrBlock: "2600:1f14:abc:de01::10/128" })),
      "InvalidParameterValue",
    );
    expect(e.message).toBe("Route destination doesn't match any subnet CIDR blocks.");
    await ec2(a, "CreateRoute", toEni({ DestinationIpv6CidrBlock: IPV6_SUBNET }));
  });

  it("checks ReplaceRoute the same way", async () => {
    const a = dualStack();
    await ec2(a, "CreateRoute", toEni({ DestinationCidrBlock: "10.0.1.0/24" }));
    const e = await awsError(
      ec2(a, "ReplaceRoute", {
        RouteTableId: DX.prodA,
        DestinationCidrBlock: "10.0.1.0/24",
        GatewayId: "igw-0123456789abcdef0",
      }),
      "InvalidParameterValue",
    );
    expect(e.message).toMatch(/is equal to or more specific than one of this VPC's CIDR blocks/);
  });

  it("refuses a fixture whose routes break the rule", () => {
    const json = dualStackJson({
      routeTables: [
        {
          id: DX.prodA,
          vpcId: DX.vpc,
          routes: [{ destinationCidrBlock: "10.0.1.77/32", target: DX.applianceEni }],
        },
      ],
    });
    expect(() => parseFixture(json)).toThrow(FixtureError);
    try {
      parseFixture(json);
    } catch (error) {
      expect((error as FixtureError).issues).toEqual([
        "routeTables.0.routes.0: EC2 refuses this route: Route destination doesn't match any subnet CIDR blocks.",
      ]);
    }
  });
});

describe("route targets", () => {
  it("refuses an instance target with more than one attached interface (InvalidInstanceID)", async () => {
    const a = dxAccount({
      networkInterfaces: [
        {
          id: DX.spareEni,
          subnetId: DX.subnet,
          privateIpAddress: "10.0.1.20",
          attachment: { instanceId: DX.appliance, deviceIndex: 1 },
        },
      ],
    });
    const e = await awsError(
      ec2(a, "CreateRoute", {
        RouteTableId: DX.prodA,
        DestinationCidrBlock: "10.250.0.0/24",
        InstanceId: DX.appliance,
      }),
      "InvalidInstanceID",
    );
    expect(e.message).toBe(
      `There are multiple interfaces attached to instance '${DX.appliance}'. Please specify an interface ID for the operation instead.`,
    );
    await ec2(a, "CreateRoute", toEni({ DestinationCidrBlock: "10.250.0.0/24" }));
  });
});

const PL = "pl-0123456789abcdef0";
const PL6 = "pl-0123456789abcdef6";

function withPrefixLists(extra: Partial<AccountFixtureInput> = {}): SimulatedAccount {
  return dualStack({
    managedPrefixLists: [
      {
        id: PL,
        name: "on-prem",
        addressFamily: "IPv4",
        maxEntries: 10,
        entries: [{ cidr: "172.16.0.0/16", description: "dc1" }, { cidr: "172.17.0.0/16" }],
      },
      {
        id: PL6,
        name: "on-prem-v6",
        addressFamily: "IPv6",
        maxEntries: 5,
        entries: [{ cidr: "2001:db8::/32" }],
      },
    ],
    ...extra,
  });
}

describe("route destinations: IPv4, IPv6, prefix lists (CreateRoute API reference)", () => {
  it("keeps an IPv6 destination in canonical form and lists it as DestinationIpv6CidrBlock", async () => {
    const a = withPrefixLists();
    await ec2(a, "CreateRoute", toEni({ DestinationIpv6CidrBlock: "2001:DB8:0:0::/48" }));
    const route = (await routesOf(a, DX.prodA)).find((r) => r.DestinationIpv6CidrBlock === "2001:db8::/48");
    expect(route).toEqual({
      DestinationIpv6CidrBlock: "2001:db8::/48",
      InstanceId: DX.appliance,
      InstanceOwnerId: "111122223333",
      NetworkInterfaceId: DX.applianceEni,
      Origin: "CreateRoute",
      State: "active",
    });
    const byFilter = await ec2<DescribeRouteTablesResult>(a, "DescribeRouteTables", {
      Filters: [{ Name: "route.destination-ipv6-cidr-block", Values: ["2001:db8::/48"] }],
    });
    expect(byFilter.RouteTables?.map((t) => t.RouteTableId)).toEqual([DX.prodA]);
    await awsError(
      ec2(a, "CreateRoute", toEni({ DestinationIpv6CidrBlock: "2001:db8::/48" })),
      "RouteAlreadyExists",
    );
    await ec2(a, "DeleteRoute", { RouteTableId: DX.prodA, DestinationIpv6CidrBlock: "2001:0db8::/48" });
    const e = await awsError(
      ec2(a, "DeleteRoute", { RouteTableId: DX.prodA, DestinationIpv6CidrBlock: "2001:db8::/48" }),
      "InvalidRoute.NotFound",
    );
    expect(e.message).toBe(
      `no route with destination-ipv6-cidr-block 2001:db8::/48 in route table ${DX.prodA}`,
    );
  });

  it("routes to a prefix list: listed as DestinationPrefixListId, filterable, replaceable, deletable", async () => {
    const a = withPrefixLists();
    await ec2(a, "CreateRoute", toEni({ DestinationPrefixListId: PL }));
    expect(await routesOf(a, DX.prodA)).toContainEqual(
      expect.objectContaining({ DestinationPrefixListId: PL, NetworkInterfaceId: DX.applianceEni }),
    );
    const listed = await routesOf(a, DX.prodA);
    expect(listed.find((r) => r.DestinationPrefixListId === PL)?.DestinationCidrBlock).toBeUndefined();
    const byFilter = await ec2<DescribeRouteTablesResult>(a, "DescribeRouteTables", {
      Filters: [{ Name: "route.destination-prefix-list-id", Values: [PL] }],
    });
    expect(byFilter.RouteTables?.map((t) => t.RouteTableId)).toEqual([DX.prodA]);
    await ec2(a, "ReplaceRoute", {
      RouteTableId: DX.prodA,
      DestinationPrefixListId: PL,
      TransitGatewayId: "tgw-0123456789abcdef0",
    });
    expect(
      (await routesOf(a, DX.prodA)).find((r) => r.DestinationPrefixListId === PL)?.TransitGatewayId,
    ).toBe("tgw-0123456789abcdef0");
    await ec2(a, "DeleteRoute", { RouteTableId: DX.prodA, DestinationPrefixListId: PL });
    const e = await awsError(
      ec2(a, "DeleteRoute", { RouteTableId: DX.prodA, DestinationPrefixListId: PL }),
      "InvalidRoute.NotFound",
    );
    expect(e.message).toBe(`no route with destination-prefix-list-id ${PL} in route table ${DX.prodA}`);
  });

  it("answers the parameter errors: none, two, a bad block, an unknown or malformed prefix list", async () => {
    const a = withPrefixLists();
    const none = await awsError(ec2(a, "CreateRoute", toEni({})), "MissingParameter");
    expect(none.message).toMatch(/DestinationCidrBlock, DestinationIpv6CidrBlock, DestinationPrefixListId/);
    await awsError(
      ec2(a, "CreateRoute", toEni({ DestinationCidrBlock: "10.9.0.0/16", DestinationPrefixListId: PL })),
      "InvalidParameterCombination",
    );
    const bad = await awsError(
      ec2(a, "CreateRoute", toEni({ DestinationIpv6CidrBlock: "10.9.0.0/16" })),
      "InvalidParameterValue",
    );
    expect(bad.message).toBe(
      "Value (10.9.0.0/16) for parameter destinationIpv6CidrBlock is invalid. This is not a valid CIDR block.",
    );
    const unknown = await awsError(
      ec2(a, "CreateRoute", toEni({ DestinationPrefixListId: "pl-00000000000000000" })),
      "InvalidPrefixListID.NotFound",
    );
    expect(unknown.message).toBe("The prefix list ID 'pl-00000000000000000' does not exist");
    await awsError(
      ec2(a, "CreateRoute", toEni({ DestinationPrefixListId: "pl-xyz" })),
      "InvalidPrefixListId.Malformed",
    );
  });
});

describe("the route quota: 50 non-propagated routes per table and family (VPC quotas)", () => {
  const v4 = (i: number) => toEni({ DestinationCidrBlock: `192.168.${i}.0/24` });

  it("refuses the 51st IPv4 route with RouteLimitExceeded; IPv6 has its own 50; a delete frees a slot", async () => {
    const a = withPrefixLists();
    for (let i = 0; i < 50; i += 1) await ec2(a, "CreateRoute", v4(i));
    const e = await awsError(ec2(a, "CreateRoute", v4(50)), "RouteLimitExceeded", 400);
    expect(e.message).toMatch(/maximum number of routes \(50\) for IPv4/);
    await ec2(a, "CreateRoute", toEni({ DestinationIpv6CidrBlock: "2001:db8::/48" }));
    // At the quota a ReplaceRoute changes nothing in the count.
    await ec2(a, "ReplaceRoute", {
      ...v4(0),
      NatGatewayId: "nat-0123456789abcdef0",
      NetworkInterfaceId: undefined,
    });
    await ec2(a, "DeleteRoute", { RouteTableId: DX.prodA, DestinationCidrBlock: "192.168.0.0/24" });
    await ec2(a, "CreateRoute", v4(50));
  });

  it("counts a prefix-list route as its MaxEntries in the list's family; propagated routes count nothing", async () => {
    const a = withPrefixLists({ behaviour: { routesPerTable: 12 } });
    for (let i = 0; i < 2; i += 1) await ec2(a, "CreateRoute", v4(i));
    await ec2(a, "CreateRoute", toEni({ DestinationPrefixListId: PL })); // 2 + 10 = 12
    await awsError(ec2(a, "CreateRoute", v4(2)), "RouteLimitExceeded");
    // The IPv6 list (MaxEntries 5) counts against IPv6 only.
    await ec2(a, "CreateRoute", toEni({ DestinationPrefixListId: PL6 }));
    // The propagated DX routes (two prefixes) were listed all along and did not count.
    expect(
      (await routesOf(a, DX.prodA)).filter((r) => r.Origin === "EnableVgwRoutePropagation"),
    ).toHaveLength(2);
  });
});
