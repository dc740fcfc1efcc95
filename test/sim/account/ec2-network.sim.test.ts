import type {
  DescribeInstanceTypesResult,
  DescribeLocalGatewayRouteTablesResult,
  DescribeNetworkInterfacesResult,
  DescribeRouteTablesResult,
  DescribeTagsResult,
  RouteTable,
  SearchLocalGatewayRoutesResult,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import type { SimulatedAccount } from "../../../sim";
import { awsError, DEMO, demoAccount, ec2 } from "./helpers";

async function routeTable(a: SimulatedAccount, id: string): Promise<RouteTable> {
  const r = await ec2<DescribeRouteTablesResult>(a, "DescribeRouteTables", { RouteTableIds: [id] });
  const table = r.RouteTables?.[0];
  if (table === undefined) throw new Error(`no ${id}`);
  return table;
}

function routeState(table: RouteTable, destination: string, origin?: string): string | undefined {
  return table.Routes?.find(
    (r) => r.DestinationCidrBlock === destination && (origin === undefined || r.Origin === origin),
  )?.State;
}

async function lgwRoutes(a: SimulatedAccount, filters: { Name: string; Values: string[] }[] = []) {
  const r = await ec2<SearchLocalGatewayRoutesResult>(a, "SearchLocalGatewayRoutes", {
    LocalGatewayRouteTableId: DEMO.lgwRouteTable,
    Filters: filters,
  });
  return r.Routes ?? [];
}

describe("EC2 DescribeRouteTables", () => {
  it("lists local, static (ENI, instance) and propagated routes with Origin, State and PropagatingVgws", async () => {
    const t = await routeTable(demoAccount(), DEMO.appRouteTable);
    expect(t.PropagatingVgws).toEqual([{ GatewayId: DEMO.vgw }]);
    expect(t.Routes).toEqual([
      {
        DestinationCidrBlock: "10.0.0.0/16",
        GatewayId: "local",
        Origin: "CreateRouteTable",
        State: "active",
      },
      {
        DestinationCidrBlock: "0.0.0.0/0",
        InstanceId: DEMO.router,
        InstanceOwnerId: "123456789012",
        NetworkInterfaceId: DEMO.routerEni,
        Origin: "CreateRoute",
        State: "active",
      },
      {
        DestinationCidrBlock: "172.16.0.0/12",
        InstanceId: DEMO.router,
        InstanceOwnerId: "123456789012",
        NetworkInterfaceId: DEMO.routerEni,
        Origin: "CreateRoute",
        State: "active",
      },
      {
        DestinationCidrBlock: "192.168.0.0/16",
        GatewayId: DEMO.vgw,
        Origin: "EnableVgwRoutePropagation",
        State: "active",
      },
      {
        DestinationCidrBlock: "10.50.0.0/16",
        NetworkInterfaceId: "eni-0abcdef0123456789",
        Origin: "CreateRoute",
        State: "blackhole",
      },
    ]);
    expect(t.Associations?.map((x) => x.SubnetId)).toEqual([DEMO.subnetA, DEMO.subnetB]);
  });

  it("marks routes to an instance (and to its ENI) blackhole once the instance is stopped", async () => {
    const a = demoAccount();
    await ec2(a, "StopInstances", { InstanceIds: [DEMO.router] });
    let t = await routeTable(a, DEMO.appRouteTable);
    expect(routeState(t, "0.0.0.0/0")).toBe("blackhole"); // stopping: the ENI no longer delivers
    a.clock.advance(30_000);
    t = await routeTable(a, DEMO.appRouteTable);
    expect(routeState(t, "0.0.0.0/0")).toBe("blackhole");
    expect(routeState(t, "172.16.0.0/12")).toBe("blackhole");
    expect(routeState(t, "192.168.0.0/16")).toBe("active");
  });

  it("filters by route.instance-id, route.network-interface-id, destination, vpc-id, association.subnet-id, tag", async () => {
    const a = demoAccount();
    const ids = async (Filters: { Name: string; Values: string[] }[]) =>
      ((await ec2<DescribeRouteTablesResult>(a, "DescribeRouteTables", { Filters })).RouteTables ?? []).map(
        (t) => t.RouteTableId,
      );
    expect(await ids([{ Name: "route.instance-id", Values: [DEMO.router] }])).toEqual([DEMO.appRouteTable]);
    expect(await ids([{ Name: "route.network-interface-id", Values: [DEMO.routerEni] }])).toEqual([
      DEMO.appRouteTable,
    ]);
    expect(await ids([{ Name: "route.destination-cidr-block", Values: ["0.0.0.0/0"] }])).toEqual([
      DEMO.publicRouteTable,
      DEMO.appRouteTable,
      DEMO.outpostRouteTable,
    ]);
    expect(await ids([{ Name: "association.subnet-id", Values: [DEMO.subnetB] }])).toEqual([
      DEMO.appRouteTable,
    ]);
    expect(
      await ids([
        { Name: "vpc-id", Values: [DEMO.vpc] },
        { Name: "tag:Name", Values: ["outpost"] },
      ]),
    ).toEqual([DEMO.outpostRouteTable]);
    expect(await ids([{ Name: "route.state", Values: ["blackhole"] }])).toEqual([DEMO.appRouteTable]);
    expect(await ids([{ Name: "association.main", Values: ["true"] }])).toEqual([DEMO.publicRouteTable]);
  });

  it("answers InvalidRouteTableID.NotFound and InvalidRouteTableId.Malformed", async () => {
    const a = demoAccount();
    const e = await awsError(
      ec2(a, "DescribeRouteTables", { RouteTableIds: ["rtb-0000000000000000a"] }),
      "InvalidRouteTableID.NotFound",
    );
    expect(e.message).toBe("The routeTable ID 'rtb-0000000000000000a' does not exist");
    await awsError(
      ec2(a, "DescribeRouteTables", { RouteTableIds: ["rtb-xyz"] }),
      "InvalidRouteTableId.Malformed",
    );
  });

  it("paginates (MaxResults 5..100)", async () => {
    const a = demoAccount();
    await awsError(ec2(a, "DescribeRouteTables", { MaxResults: 101 }), "InvalidParameterValue");
    const r = await ec2<DescribeRouteTablesResult>(a, "DescribeRouteTables", { MaxResults: 5 });
    expect(r.RouteTables).toHaveLength(3);
    expect(r.NextToken).toBeUndefined();
  });
});

describe("EC2 DescribeNetworkInterfaces", () => {
  it("answers ENIs with TagSet, attachment and status, filtered by attachment.instance-id", async () => {
    const a = demoAccount();
    const r = await ec2<DescribeNetworkInterfacesResult>(a, "DescribeNetworkInterfaces", {
      Filters: [{ Name: "attachment.instance-id", Values: [DEMO.router] }],
    });
    expect(r.NetworkInterfaces?.map((n) => n.NetworkInterfaceId).sort()).toEqual([
      DEMO.routerEni,
      DEMO.routerInsideEni,
    ]);
    const inside = r.NetworkInterfaces?.find((n) => n.NetworkInterfaceId === DEMO.routerInsideEni);
    expect(inside).toMatchObject({
      Status: "in-use",
      SourceDestCheck: false,
      SubnetId: "subnet-0a1b2c3d4e5f60103",
      AvailabilityZone: "us-east-1a",
      OutpostArn: "arn:aws:outposts:us-east-1:123456789012:outpost/op-0a1b2c3d4e5f60718",
      TagSet: [{ Key: "Name", Value: "edge-router-inside" }],
      Attachment: {
        InstanceId: DEMO.router,
        DeviceIndex: 1,
        NetworkCardIndex: 0,
        Status: "attached",
        DeleteOnTermination: false,
      },
    });
  });

  it("filters by network-interface-id, subnet-id and tag, and rejects unknown ids", async () => {
    const a = demoAccount();
    const ids = async (Filters: { Name: string; Values: string[] }[]) =>
      (
        (await ec2<DescribeNetworkInterfacesResult>(a, "DescribeNetworkInterfaces", { Filters }))
          .NetworkInterfaces ?? []
      ).map((n) => n.NetworkInterfaceId);
    expect(await ids([{ Name: "network-interface-id", Values: [DEMO.routerEni] }])).toEqual([DEMO.routerEni]);
    expect(await ids([{ Name: "tag:Name", Values: ["edge-router-inside"] }])).toEqual([DEMO.routerInsideEni]);
    expect(await ids([{ Name: "subnet-id", Values: ["subnet-0a1b2c3d4e5f60103"] }])).toHaveLength(2);
    const e = await awsError(
      ec2(a, "DescribeNetworkInterfaces", { NetworkInterfaceIds: ["eni-0000000000000000a"] }),
      "InvalidNetworkInterfaceID.NotFound",
    );
    expect(e.message).toBe("The networkInterface ID 'eni-0000000000000000a' does not exist");
    await awsError(
      ec2(a, "DescribeNetworkInterfaces", { NetworkInterfaceIds: [DEMO.routerEni], MaxResults: 5 }),
      "InvalidParameterCombination",
    );
  });
});

describe("EC2 local gateway routes (Outposts)", () => {
  it("DescribeLocalGatewayRouteTables answers the table", async () => {
    const r = await ec2<DescribeLocalGatewayRouteTablesResult>(
      demoAccount(),
      "DescribeLocalGatewayRouteTables",
      {
        Filters: [{ Name: "local-gateway-id", Values: ["lgw-0a1b2c3d4e5f60718"] }],
      },
    );
    expect(r.LocalGatewayRouteTables).toEqual([
      {
        LocalGatewayRouteTableId: DEMO.lgwRouteTable,
        LocalGatewayRouteTableArn: `arn:aws:ec2:us-east-1:123456789012:local-gateway-route-table/${DEMO.lgwRouteTable}`,
        LocalGatewayId: "lgw-0a1b2c3d4e5f60718",
        OutpostArn: "arn:aws:outposts:us-east-1:123456789012:outpost/op-0a1b2c3d4e5f60718",
        OwnerId: "123456789012",
        State: "available",
        Tags: [{ Key: "Name", Value: "outpost-lgw" }],
        Mode: "direct-vpc-routing",
      },
    ]);
  });

  it("an ENI route is active while its ENI is attached to a running instance, blackhole once it stops", async () => {
    const a = demoAccount();
    expect((await lgwRoutes(a)).map((r) => [r.DestinationCidrBlock, r.Type, r.State])).toEqual([
      ["0.0.0.0/0", "static", "active"],
      ["100.64.0.0/16", "static", "active"],
    ]);
    await ec2(a, "StopInstances", { InstanceIds: [DEMO.router], Hibernate: true });
    a.clock.advance(60_000);
    const eniRoute = (await lgwRoutes(a)).find((r) => r.NetworkInterfaceId === DEMO.routerInsideEni);
    expect(eniRoute).toMatchObject({
      State: "blackhole",
      SubnetId: "subnet-0a1b2c3d4e5f60103",
      LocalGatewayRouteTableId: DEMO.lgwRouteTable,
    });
  });

  it("filters with route-search.* (CIDRs), state and type", async () => {
    const a = demoAccount();
    const dest = async (filters: { Name: string; Values: string[] }[]) =>
      (await lgwRoutes(a, filters)).map((r) => r.DestinationCidrBlock);
    expect(await dest([{ Name: "route-search.exact-match", Values: ["100.64.0.0/16"] }])).toEqual([
      "100.64.0.0/16",
    ]);
    expect(await dest([{ Name: "route-search.longest-prefix-match", Values: ["100.64.1.5"] }])).toEqual([
      "100.64.0.0/16",
    ]);
    expect(await dest([{ Name: "route-search.longest-prefix-match", Values: ["8.8.8.8/32"] }])).toEqual([
      "0.0.0.0/0",
    ]);
    expect(await dest([{ Name: "route-search.subnet-of-match", Values: ["100.0.0.0/8"] }])).toEqual([
      "100.64.0.0/16",
    ]);
    expect(await dest([{ Name: "route-search.supernet-of-match", Values: ["100.64.3.0/24"] }])).toEqual([
      "0.0.0.0/0",
      "100.64.0.0/16",
    ]);
    expect(await dest([{ Name: "type", Values: ["propagated"] }])).toEqual([]);
    expect(await dest([{ Name: "state", Values: ["active"] }])).toHaveLength(2);
  });

  it("requires a known LocalGatewayRouteTableId", async () => {
    const a = demoAccount();
    await awsError(ec2(a, "SearchLocalGatewayRoutes", {}), "MissingParameter");
    await awsError(
      ec2(a, "SearchLocalGatewayRoutes", { LocalGatewayRouteTableId: "lgw-rtb-0000000000000000a" }),
      "InvalidLocalGatewayRouteTableID.NotFound",
    );
  });
});

describe("EC2 DescribeInstanceTypes", () => {
  it("answers hibernation support, ENI limits and network cards", async () => {
    const a = demoAccount();
    const r = await ec2<DescribeInstanceTypesResult>(a, "DescribeInstanceTypes", {
      InstanceTypes: ["m5.large", "c6in.32xlarge"],
    });
    const m5 = r.InstanceTypes?.find((t) => t.InstanceType === "m5.large");
    expect(m5).toMatchObject({
      HibernationSupported: true,
      MemoryInfo: { SizeInMiB: 8192 },
      NetworkInfo: { MaximumNetworkInterfaces: 3, Ipv4AddressesPerInterface: 10, MaximumNetworkCards: 1 },
    });
    const c6in = r.InstanceTypes?.find((t) => t.InstanceType === "c6in.32xlarge");
    expect(c6in?.HibernationSupported).toBe(false);
    expect(c6in?.NetworkInfo?.NetworkCards?.map((c) => c.NetworkCardIndex)).toEqual([0, 1]);
    const filtered = await ec2<DescribeInstanceTypesResult>(a, "DescribeInstanceTypes", {
      Filters: [{ Name: "hibernation-supported", Values: ["false"] }],
    });
    expect(filtered.InstanceTypes?.map((t) => t.InstanceType)).toEqual([
      "c6in.32xlarge",
      "d3.xlarge",
      "i4i.large",
      "m5.metal",
    ]);
    const e = await awsError(
      ec2(a, "DescribeInstanceTypes", { InstanceTypes: ["x9.huge"] }),
      "InvalidInstanceType",
    );
    expect(e.message).toBe("The following supplied instance types do not exist: [x9.huge]");
  });
});

describe("EC2 tags", () => {
  it("CreateTags, DescribeTags, DeleteTags", async () => {
    const a = demoAccount();
    await ec2(a, "CreateTags", {
      Resources: [DEMO.happy, DEMO.appRouteTable],
      Tags: [{ Key: "ops:hibernated-at", Value: "2019-10-02T17:21:00Z" }],
    });
    const tags = await ec2<DescribeTagsResult>(a, "DescribeTags", {
      Filters: [{ Name: "key", Values: ["ops:hibernated-at"] }],
    });
    expect(tags.Tags).toEqual([
      {
        Key: "ops:hibernated-at",
        ResourceId: DEMO.happy,
        ResourceType: "instance",
        Value: "2019-10-02T17:21:00Z",
      },
      {
        Key: "ops:hibernated-at",
        ResourceId: DEMO.appRouteTable,
        ResourceType: "route-table",
        Value: "2019-10-02T17:21:00Z",
      },
    ]);
    // A value that does not match leaves the tag; no value deletes it whatever its value.
    await ec2(a, "DeleteTags", {
      Resources: [DEMO.happy],
      Tags: [{ Key: "ops:hibernated-at", Value: "other" }],
    });
    expect(a.snapshot().instances[DEMO.happy]?.Tags["ops:hibernated-at"]).toBe("2019-10-02T17:21:00Z");
    await ec2(a, "DeleteTags", { Resources: [DEMO.happy], Tags: [{ Key: "ops:hibernated-at" }] });
    expect(a.snapshot().instances[DEMO.happy]?.Tags["ops:hibernated-at"]).toBeUndefined();
    const byResource = await ec2<DescribeTagsResult>(a, "DescribeTags", {
      Filters: [{ Name: "resource-id", Values: [DEMO.asgMember] }],
    });
    expect(byResource.Tags?.map((t) => t.Key)).toEqual([
      "Name",
      "aws:autoscaling:groupName",
      "ops:hibernate",
    ]);
  });

  it("honours DryRun and validates resources and keys", async () => {
    const a = demoAccount();
    await awsError(
      ec2(a, "CreateTags", { Resources: [DEMO.happy], Tags: [{ Key: "k", Value: "v" }], DryRun: true }),
      "DryRunOperation",
      412,
    );
    expect(a.snapshot().instances[DEMO.happy]?.Tags.k).toBeUndefined();
    await awsError(
      ec2(a, "CreateTags", { Resources: ["i-0000000000000000a"], Tags: [{ Key: "k", Value: "v" }] }),
      "InvalidInstanceID.NotFound",
    );
    await awsError(
      ec2(a, "CreateTags", { Resources: ["foo-123"], Tags: [{ Key: "k", Value: "v" }] }),
      "InvalidID",
    );
    await awsError(
      ec2(a, "CreateTags", { Resources: [DEMO.happy], Tags: [{ Key: "aws:x", Value: "v" }] }),
      "InvalidParameterValue",
    );
    await awsError(ec2(a, "CreateTags", { Resources: [DEMO.happy] }), "MissingParameter");
    await awsError(ec2(a, "DeleteTags", { Resources: [DEMO.happy], DryRun: true }), "DryRunOperation");
  });
});
