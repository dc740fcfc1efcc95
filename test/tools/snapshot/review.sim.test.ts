import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { syntheticAccount } from "../../../bench/snapshot";
import { parseStageConfig } from "../../../functions/config";
import { type AccountFixtureInput, parseFixture, SimulatedAccount } from "../../../sim/index";
import type { SimServer } from "../../../sim/wire/index";
import { DX, dxAccount } from "../../sim/account/dx-fixture";
import { serve, snapshotOf } from "./support";

let server: SimServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const PREFIX_LIST = "pl-0000000000000000a";
const ALLOCATION = "eipalloc-0d00000000000000a";

/** The dx account with a static route to a customer-managed prefix list (as S3/DynamoDB endpoints and TGW setups use). */
const withPrefixListRoute = (): Partial<AccountFixtureInput> => ({
  routeTables: [
    {
      id: DX.prodA,
      vpcId: DX.vpc,
      propagatingVgws: [DX.vgw],
      routes: [{ destinationPrefixListId: PREFIX_LIST, target: "tgw-0123456789abcdef0" }],
    },
    { id: DX.prodB, vpcId: DX.vpc, propagatingVgws: [DX.vgw] },
    { id: DX.probe, vpcId: DX.vpc, propagatingVgws: [DX.vgw] },
  ],
  managedPrefixLists: [
    {
      id: PREFIX_LIST,
      name: "on-prem",
      addressFamily: "IPv4",
      maxEntries: 5,
      entries: [{ cidr: "10.100.0.0/16" }],
    },
  ],
});

describe("review: snapshot leaves out what the toolkit reads", () => {
  it("review: a route to a managed prefix list: the snapshot succeeds and writes the list (GetManagedPrefixListEntries, read by dx-failover)", async () => {
    const account = dxAccount(withPrefixListRoute());
    server = await serve(account);
    const { fixture } = await snapshotOf(account);
    const table = fixture.routeTables?.find((t) => t.id === DX.prodA);
    expect(table?.routes).toContainEqual(expect.objectContaining({ destinationPrefixListId: PREFIX_LIST }));
    expect(fixture.managedPrefixLists).toEqual([
      expect.objectContaining({ id: PREFIX_LIST, entries: [{ cidr: "10.100.0.0/16" }] }),
    ]);
  });

  it("review: an Elastic IP on an ENI's address is written (DescribeAddresses, read by vfxt-ip-move)", async () => {
    const account = dxAccount({
      elasticIps: [
        {
          allocationId: ALLOCATION,
          publicIp: "198.51.100.7",
          association: { networkInterfaceId: DX.applianceEni, privateIpAddress: "10.0.1.10" },
        },
      ],
    });
    server = await serve(account);
    const { fixture } = await snapshotOf(account);
    expect(fixture.elasticIps).toEqual([
      expect.objectContaining({
        allocationId: ALLOCATION,
        publicIp: "198.51.100.7",
        association: expect.objectContaining({
          networkInterfaceId: DX.applianceEni,
          privateIpAddress: "10.0.1.10",
        }),
      }),
    ]);
  });

  it("review: explicit subnet CIDR reservations are written (GetSubnetCidrReservations, read by vfxt-ip-move and doctor)", async () => {
    const account = dxAccount({
      subnetCidrReservations: [{ subnetId: DX.subnet, cidr: "10.0.1.96/28", reservationType: "explicit" }],
    });
    server = await serve(account);
    const { fixture } = await snapshotOf(account);
    expect(fixture.subnetCidrReservations).toEqual([
      expect.objectContaining({ subnetId: DX.subnet, cidr: "10.0.1.96/28", reservationType: "explicit" }),
    ]);
  });
});

/** `service:Action` entries of a policy document in markdown/JSON text; a trailing `*` is a prefix. */
const actionsIn = (text: string): string[] =>
  [...text.matchAll(/"?([a-z-]+):([A-Za-z*]+)"?/g)].map((m) => m[2] ?? "").filter((a) => a !== "");

const allowed = (actions: readonly string[], operation: string): boolean =>
  actions.some((a) => (a.endsWith("*") ? operation.startsWith(a.slice(0, -1)) : a === operation));

describe("review: the read-only policy the snapshot's AccessDenied message points to", () => {
  it("review: docs/snapshot.md lists an IAM action for every operation a snapshot calls", async () => {
    const account = dxAccount();
    server = await serve(account);
    const { stats } = await snapshotOf(account);
    expect(existsSync("docs/snapshot.md")).toBe(true);
    const actions = actionsIn(readFileSync("docs/snapshot.md", "utf8"));
    const operations = [...stats.calls.keys(), "ListTagsForResource", "GetMetricData", "DescribeWarmPool"];
    expect(operations.filter((op) => !allowed(actions, op))).toEqual([]);
  });
});

describe("review: retries bounded by --max-attempts, not by the SDK's shared retry quota", () => {
  it("review: 150 alarms each throttled twice (3 of 10 attempts): the snapshot completes", async () => {
    const input = syntheticAccount(300, 10);
    const account = SimulatedAccount.fromFixture(parseFixture(input, "synthetic"));
    const alarms = input.alarms?.length ?? 0;
    expect(alarms).toBeGreaterThanOrEqual(150);
    // Call k of ListTagsForResource is refused twice, then answered (its third attempt).
    for (let k = 0; k < alarms; k += 1)
      account.faults.add({
        service: "monitoring",
        operation: "ListTagsForResource",
        error: { code: "Throttling", httpStatus: 400 },
        times: 2,
        // A fault sees no call an earlier fault refused: k calls answered before this one.
        after: k,
      });
    server = await serve(account);
    const { fixture, stats } = await snapshotOf(account, {}, { maxAttempts: 10 });
    expect(fixture.alarms).toHaveLength(alarms);
    expect(stats.throttled).toBe(2 * alarms);
  });
});

const PROBE_SUBNET = "subnet-0d0000000000000b2";

/** A dx-failover configuration whose probe Lambda runs in PROBE_SUBNET (its table keeps the DX route). */
const probeConfig = () =>
  parseStageConfig(
    {
      dxFailover: {
        groups: [
          {
            name: "g1",
            cidrs: [DX.onPrem],
            applianceEniId: DX.applianceEni,
            virtualInterfaceIds: [DX.vif1, DX.vif2],
            routeTableIds: [DX.prodA, DX.prodB],
            probe: { directConnect: ["10.100.0.10:443"], vpn: ["10.100.0.11:443"] },
          },
        ],
        probeVpc: { subnetIds: [PROBE_SUBNET], vpcId: DX.vpc },
      },
    },
    "review",
  );

describe("review: --config reads what the toolkit reads for the configured groups", () => {
  it("review: the probe subnets (dxFailover.probeVpc.subnetIds) and their route table are written", async () => {
    const account = dxAccount({
      subnets: [
        { id: DX.subnet, vpcId: DX.vpc, availabilityZone: "us-west-2-lax-1a", cidrBlock: "10.0.1.0/24" },
        { id: PROBE_SUBNET, vpcId: DX.vpc, availabilityZone: "us-west-2-lax-1a", cidrBlock: "10.0.2.0/24" },
      ],
      routeTables: [
        { id: DX.prodA, vpcId: DX.vpc, propagatingVgws: [DX.vgw] },
        { id: DX.prodB, vpcId: DX.vpc, propagatingVgws: [DX.vgw] },
        {
          id: DX.probe,
          vpcId: DX.vpc,
          propagatingVgws: [DX.vgw],
          associations: [{ subnetId: PROBE_SUBNET }],
        },
      ],
    });
    server = await serve(account);
    const { fixture } = await snapshotOf(account, { config: probeConfig() });
    expect(fixture.routeTables?.map((t) => t.id)).toContain(DX.prodA);
    expect(fixture.subnets?.map((s) => s.id)).toContain(PROBE_SUBNET);
    expect(fixture.routeTables?.map((t) => t.id)).toContain(DX.probe);
  });
});
