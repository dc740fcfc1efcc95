import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness, InvocationReport } from "../../../../sim/harness";
import type { Fixture } from "../../../support/fixtures";
import { startHarness } from "../../../support/harness";
import {
  bgp,
  callsTo,
  dxConfig,
  dxFixture,
  healthy,
  PROBE_TABLE,
  publishedDetails,
  putSamples,
  readEvent,
  staticRoutes,
  TABLES,
} from "../support";

/**
 * Two follow-ups of the doctor work (session 5): the failover function's route headroom counts a
 * referenced prefix list at its MaxEntries, as AWS counts it against the route quota (VPC UG "Managed
 * prefix lists": "the maximum number of entries for the prefix lists counts against the quota"); and the
 * Lambda probe's subnet without an explicit association uses its VPC's main table (VPC UG "Subnet route
 * tables").
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

const PL = "pl-0d0f0000000000f07";
const PROBE_SUBNET = "subnet-0d0f0000000000b09";

const load = (edit: (f: Fixture) => void) => {
  const f = dxFixture();
  edit(f);
  return harness.load(f);
};

const env = (section: Record<string, unknown> = {}) => {
  const config = dxConfig({ location: "region" });
  return { OPS_CONFIG: JSON.stringify({ ...config, dxFailover: { ...config.dxFailover, ...section } }) };
};

const reconcile = (e: Record<string, string>): Promise<InvocationReport> =>
  harness.invoke("dx-failover", readEvent("schedule-reconcile"), { env: e });

const alarmActions = (report: InvocationReport) =>
  publishedDetails(report)
    .map((e) => e.detail)
    .filter((d) => d.status === "alarm")
    .map((d) => ({ action: String(d.action), resources: (d.resources as string[] | undefined) ?? [] }));

/** 40 static IPv4 routes and a route to a DC2 prefix list of 2 entries, MaxEntries `max`, in the first table. */
const crowd = (f: Fixture, max: number) => {
  f.managedPrefixLists = [
    {
      id: PL,
      name: "dc2",
      addressFamily: "IPv4",
      maxEntries: max,
      entries: [{ cidr: "10.102.0.0/16" }, { cidr: "10.103.0.0/16" }],
    },
  ];
  const t = f.routeTables.find((r) => r.id === TABLES[0]);
  if (t === undefined) return;
  t.routes = [
    ...(t.routes ?? []),
    ...Array.from({ length: 40 }, (_, i) => ({
      destinationCidrBlock: `172.16.${i}.0/24`,
      target: "pcx-0d0f0000000000e01",
      origin: "CreateRoute" as const,
    })),
    { destinationPrefixListId: PL, target: "pcx-0d0f0000000000e01", origin: "CreateRoute" as const },
  ];
};

describe("route headroom counts a prefix list at its MaxEntries", () => {
  it("40 routes + a prefix list of 2 entries but MaxEntries 10 + the 2 failover routes exceed 50: route-headroom while DX is healthy", async () => {
    load((f) => crowd(f, 10));
    await putSamples({ dx: healthy(60), vpn: healthy(60) });
    const report = await reconcile(env());
    expect(callsTo(report, "DescribeManagedPrefixLists").map((c) => c.input.PrefixListIds)).toEqual([[PL]]);
    const warned = alarmActions(report).filter((a) => a.action === "route-headroom");
    expect(warned.flatMap((a) => a.resources).some((r) => r.includes(TABLES[0]))).toBe(true);
    expect(warned.flatMap((a) => a.resources).some((r) => r.includes(TABLES[1]))).toBe(false);
  });

  it("the same list with MaxEntries 2: 44 routes fit, nothing to say", async () => {
    load((f) => crowd(f, 2));
    await putSamples({ dx: healthy(60), vpn: healthy(60) });
    const report = await reconcile(env());
    expect(alarmActions(report).filter((a) => a.action === "route-headroom")).toEqual([]);
  });
});

describe("the Lambda probe's route table", () => {
  it("a probe subnet without an explicit association uses the VPC's main table: tagged, it is still left out of the group", async () => {
    load((f) => {
      const probe = f.routeTables.find((t) => t.id === PROBE_TABLE);
      if (probe) {
        probe.associations = [];
        probe.main = true;
        probe.tags = { ...probe.tags, "ops:failover-group": "lz-prod" };
      }
      bgp(f, "down");
    });
    const report = await reconcile(env({ probeVpc: { subnetIds: [PROBE_SUBNET], securityGroupIds: [] } }));
    expect(callsTo(report, "CreateRoute").map((c) => c.input.RouteTableId)).toContain(TABLES[0]);
    expect(callsTo(report, "CreateRoute").map((c) => c.input.RouteTableId)).not.toContain(PROBE_TABLE);
    expect(staticRoutes(report, PROBE_TABLE)).toEqual({});
    expect(alarmActions(report).find((a) => a.action === "probe-table-enrolled")?.resources).toEqual([
      PROBE_TABLE,
    ]);
  });
});
