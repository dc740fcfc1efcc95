import {
  CreateRouteCommand,
  DescribeManagedPrefixListsCommand,
  type DescribeManagedPrefixListsResult,
  DescribeRouteTablesCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
  type GetManagedPrefixListEntriesResult,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { SimAwsError } from "../../../sim";
import { setPrefixListEntries } from "../../../sim/account/prefix-lists";
import { startSimServer } from "../../../sim/wire";
import { DX, dxAccount } from "./dx-fixture";
import { awsError, ec2 } from "./helpers";

const PL = "pl-0123456789abcdef0";

function account() {
  return dxAccount({
    managedPrefixLists: [
      {
        id: PL,
        name: "on-prem",
        addressFamily: "IPv4",
        maxEntries: 4,
        entries: [
          { cidr: "172.16.0.0/16", description: "dc1" },
          { cidr: "172.17.0.0/16" },
          { cidr: "172.18.0.0/16" },
        ],
        tags: { team: "net" },
      },
    ],
  });
}

describe("managed prefix lists", () => {
  it("DescribeManagedPrefixLists: the list with family, MaxEntries, version, ARN; filters; unknown id", async () => {
    const a = account();
    const r = await ec2<DescribeManagedPrefixListsResult>(a, "DescribeManagedPrefixLists", {
      PrefixListIds: [PL],
    });
    expect(r.PrefixLists).toEqual([
      {
        PrefixListId: PL,
        AddressFamily: "IPv4",
        State: "create-complete",
        PrefixListArn: `arn:aws:ec2:us-west-2:111122223333:prefix-list/${PL}`,
        PrefixListName: "on-prem",
        MaxEntries: 4,
        Version: 1,
        Tags: [{ Key: "team", Value: "net" }],
        OwnerId: "111122223333",
      },
    ]);
    const byName = await ec2<DescribeManagedPrefixListsResult>(a, "DescribeManagedPrefixLists", {
      Filters: [{ Name: "prefix-list-name", Values: ["other"] }],
    });
    expect(byName.PrefixLists).toEqual([]);
    await awsError(
      ec2(a, "DescribeManagedPrefixLists", { PrefixListIds: ["pl-00000000000000000"] }),
      "InvalidPrefixListID.NotFound",
    );
  });

  it("GetManagedPrefixListEntries pages the entries and reads an earlier version", async () => {
    const a = account();
    const first = await ec2<GetManagedPrefixListEntriesResult>(a, "GetManagedPrefixListEntries", {
      PrefixListId: PL,
      MaxResults: 2,
    });
    expect(first.Entries).toEqual([{ Cidr: "172.16.0.0/16", Description: "dc1" }, { Cidr: "172.17.0.0/16" }]);
    const rest = await ec2<GetManagedPrefixListEntriesResult>(a, "GetManagedPrefixListEntries", {
      PrefixListId: PL,
      MaxResults: 2,
      NextToken: first.NextToken,
    });
    expect(rest).toEqual({ Entries: [{ Cidr: "172.18.0.0/16" }] });

    setPrefixListEntries(a.state(), PL, [{ cidr: "10.100.0.0/16" }]);
    const current = await ec2<GetManagedPrefixListEntriesResult>(a, "GetManagedPrefixListEntries", {
      PrefixListId: PL,
    });
    expect(current.Entries).toEqual([{ Cidr: "10.100.0.0/16" }]);
    const v1 = await ec2<GetManagedPrefixListEntriesResult>(a, "GetManagedPrefixListEntries", {
      PrefixListId: PL,
      TargetVersion: 1,
    });
    expect(v1.Entries).toHaveLength(3);
    const described = await ec2<DescribeManagedPrefixListsResult>(a, "DescribeManagedPrefixLists");
    expect(described.PrefixLists?.[0]).toMatchObject({ Version: 2, State: "modify-complete" });
    await awsError(
      ec2(a, "GetManagedPrefixListEntries", { PrefixListId: PL, TargetVersion: 7 }),
      "InvalidParameterValue",
    );
    await awsError(
      ec2(a, "GetManagedPrefixListEntries", { PrefixListId: PL, MaxResults: 101 }),
      "InvalidParameterValue",
    );
  });

  it("a new version refuses entries of the other family or beyond MaxEntries", () => {
    const a = account();
    expect(() => setPrefixListEntries(a.state(), PL, [{ cidr: "2001:db8::/32" }])).toThrow(SimAwsError);
    const many = ["1", "2", "3", "4", "5"].map((n) => ({ cidr: `10.${n}.0.0/16` }));
    expect(() => setPrefixListEntries(a.state(), PL, many)).toThrow(/maximum of 4 entries/);
    expect(a.state().managedPrefixLists.get(PL)?.version).toBe(1);
  });

  it("changes entries through POST /__sim/prefix-lists/<id>/entries", async () => {
    const a = account();
    const r = await a.control("POST", `/__sim/prefix-lists/${PL}/entries`, {
      entries: [{ cidr: "10.100.0.0/16", description: "new" }],
    });
    expect(r).toEqual({ status: 200, body: { prefixListId: PL, version: 2 } });
    expect((await a.control("POST", `/__sim/prefix-lists/${PL}/entries`, { entries: "x" })).status).toBe(400);
    const unknown = await a.control("POST", "/__sim/prefix-lists/pl-00000000000000000/entries", {
      entries: [],
    });
    expect(unknown).toMatchObject({ status: 400, body: { error: "InvalidPrefixListID.NotFound" } });
  });

  it("speaks the EC2 wire protocol for the list operations and prefix-list routes (strict output schemas)", async () => {
    const a = account();
    const server = await startSimServer(a.dispatch, { control: a.control, strict: true });
    const client = new EC2Client({
      endpoint: server.url,
      region: "us-west-2",
      credentials: { accessKeyId: "AKIDSIMULATED", secretAccessKey: "x" },
      maxAttempts: 1,
    });
    try {
      const lists = await client.send(new DescribeManagedPrefixListsCommand({ PrefixListIds: [PL] }));
      expect(lists.PrefixLists?.[0]?.MaxEntries).toBe(4);
      const entries = await client.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: PL }));
      expect(entries.Entries?.map((e) => e.Cidr)).toEqual([
        "172.16.0.0/16",
        "172.17.0.0/16",
        "172.18.0.0/16",
      ]);
      await client.send(
        new CreateRouteCommand({
          RouteTableId: DX.prodA,
          DestinationPrefixListId: PL,
          NetworkInterfaceId: DX.applianceEni,
        }),
      );
      await client.send(
        new CreateRouteCommand({
          RouteTableId: DX.prodA,
          DestinationIpv6CidrBlock: "2001:db8::/48",
          NetworkInterfaceId: DX.applianceEni,
        }),
      );
      const tables = await client.send(new DescribeRouteTablesCommand({ RouteTableIds: [DX.prodA] }));
      const routes = tables.RouteTables?.[0]?.Routes ?? [];
      expect(routes.find((r) => r.DestinationPrefixListId === PL)?.NetworkInterfaceId).toBe(DX.applianceEni);
      expect(routes.find((r) => r.DestinationIpv6CidrBlock === "2001:db8::/48")?.State).toBe("active");
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
