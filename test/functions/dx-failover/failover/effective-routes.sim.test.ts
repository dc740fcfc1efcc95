import { CreateTagsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness, InvocationReport } from "../../../../sim/harness";
import { checkDxStep, dxView, type Violation } from "../../../../tools/chaos/invariants/dx-failover";
import type { Fixture } from "../../../support/fixtures";
import { startHarness } from "../../../support/harness";
import {
  CIDRS,
  callsTo,
  dxEnv,
  dxFixture,
  dxSection,
  ENI,
  failedOver,
  failing,
  type GroupOverrides,
  healthy,
  putSamples,
  ROUTES_KEY,
  readEvent,
  resultOf,
  stateAfter,
  staticRoutes,
  TABLES,
  tagsAfter,
  triggerEvent,
} from "../support";

/**
 * Issue 10, effective-route judgment, through the real handler against the simulated account (whose route
 * selection and Direct Connect sessions are modelled from the VPC User Guide and the Direct Connect API):
 * aggregates, more specifics, a table without propagation, prefix lists, IPv6, a replaced appliance, and
 * two groups sharing a table. The invariants of tools/chaos/invariants/dx-failover.ts are checked around
 * every invocation (only our routes, nothing outside configuration).
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

const load = (edit: (f: Fixture) => void = () => undefined) => {
  const f = dxFixture();
  edit(f);
  return harness.load(f);
};

/** Invokes the failover function and checks the invariants between the views before and after. */
const invoke = async (
  event: unknown,
  o: GroupOverrides = {},
): Promise<InvocationReport & { violations: Violation[] }> => {
  const config = dxSection(o);
  const truth = () => ({ directConnectUp: false, vpnUp: true, applianceEnis: [ENI] });
  const before = checkDxStep(undefined, dxView(harness.account, config, truth), config, {
    detectionMs: 60_000,
  });
  const report = await harness.invoke("dx-failover", event, { env: dxEnv(o) });
  const after = checkDxStep(before.state, dxView(harness.account, config, truth), config, {
    detectionMs: 60_000,
  });
  // One invocation has no history: the path and flap invariants are the stack simulation's (game day, bench).
  return {
    ...report,
    violations: after.violations.filter((v) => v.invariant !== "path" && v.invariant !== "flap"),
  };
};

/** What on-premises advertises over every session of the group's interfaces. */
const advertise = (f: Fixture, prefixes: string[]) => {
  for (const v of f.virtualInterfaces) for (const p of v.bgpPeers ?? []) p.advertisedPrefixes = prefixes;
};

const dxDownNow = () => putSamples({ dx: [...healthy(20), ...failing(3)], vpn: healthy(23) });
const dxHealthyLong = () => putSamples({ dx: healthy(330), vpn: healthy(330) });

describe("dx-failover: the effective route decides the failback", () => {
  it("on-premises advertises an aggregate (10.0.0.0/8): failback deletes our /16s", async () => {
    load((f) => {
      failedOver(f, 900_000);
      advertise(f, ["10.0.0.0/8"]);
    });
    await dxHealthyLong();
    const report = await invoke(readEvent("schedule-reconcile"));
    expect(resultOf(report).groups[0]).toMatchObject({ decision: "failback", deletes: 4 });
    for (const t of TABLES) expect(staticRoutes(report, t)).toEqual({});
    expect(report.violations).toEqual([]);
  });

  it("a table without propagation: our routes stay (a CIDR fails back only where Direct Connect carries it in every table), stuck-on-vpn after the configured time", async () => {
    load((f) => {
      failedOver(f, 3600_000);
      const t = f.routeTables.find((r) => r.id === TABLES[1]);
      if (t) t.propagatingVgws = [];
    });
    await putSamples({ dx: healthy(1500), vpn: healthy(1500) }, 300, { stepMs: 1000 });
    const early = await invoke(readEvent("schedule-reconcile"), { stuckOnVpnAfterSeconds: 3600 });
    expect(resultOf(early).groups[0]?.alarms).not.toContain("stuck-on-vpn");
    const report = await invoke(readEvent("schedule-reconcile"), { stuckOnVpnAfterSeconds: 600 });
    const group = resultOf(report).groups[0];
    expect(group).toMatchObject({ desired: "vpn", reason: "awaiting-propagated-routes" });
    expect(group?.alarms).toContain("stuck-on-vpn");
    for (const t of TABLES) expect(Object.keys(staticRoutes(report, t)).sort()).toEqual([...CIDRS]);
    expect(tagsAfter(report, TABLES[1])[ROUTES_KEY]).toBe(CIDRS.join(" "));
    expect(report.violations).toEqual([]);
  });

  it("someone's prefix-list route with the same prefix would take the traffic: failback blocked there", async () => {
    load((f) => {
      failedOver(f, 900_000);
      f.managedPrefixLists = [
        {
          id: "pl-0d0f0000000000f01",
          name: "partner",
          addressFamily: "IPv4",
          maxEntries: 5,
          entries: [{ cidr: CIDRS[0] }],
        },
      ];
      const t = f.routeTables.find((r) => r.id === TABLES[0]);
      if (t)
        t.routes = [
          ...(t.routes ?? []),
          {
            destinationPrefixListId: "pl-0d0f0000000000f01",
            target: "igw-0d0f0000000000f01",
            origin: "CreateRoute",
          },
        ];
    });
    await dxHealthyLong();
    const report = await invoke(readEvent("schedule-reconcile"));
    expect(callsTo(report, "GetManagedPrefixListEntries")).not.toHaveLength(0);
    // 10.100.0.0/16 stays on the VPN in both tables; 10.101.0.0/16 fails back.
    for (const t of TABLES) expect(staticRoutes(report, t)[CIDRS[0]]).toBe(`${ENI} (active)`);
    for (const t of TABLES) expect(staticRoutes(report, t)[CIDRS[1]]).toBeUndefined();
    expect(staticRoutes(report, TABLES[0])["pl-0d0f0000000000f01"]).toBe("igw-0d0f0000000000f01 (active)"); // untouched
  });
});

describe("dx-failover: the effective route decides the failover", () => {
  it("more specific propagated /24s inside a /16: override-defeated, never applied", async () => {
    const account = load((f) => advertise(f, [...CIDRS, "10.100.7.0/24"]));
    for (const v of account.network.virtualInterface("dxvif-fgdx0001").bgpPeers.length > 0
      ? ["dxvif-fgdx0001", "dxvif-fgdx0002"]
      : [])
      account.network.setDataPlane(v, false); // packets lost, BGP up: the routes stay, the probes fail
    await dxDownNow();
    const report = await invoke(triggerEvent());
    const group = resultOf(report).groups[0];
    expect(group?.alarms).toContain("override-defeated");
    const outcomes = group?.outcomes ?? [];
    expect(outcomes.filter((o) => o.resource.endsWith(CIDRS[0])).map((o) => [o.status, o.code])).toEqual([
      ["failed", "override-defeated"],
      ["failed", "override-defeated"],
    ]);
    expect(outcomes.filter((o) => o.resource.endsWith(CIDRS[1])).every((o) => o.status === "applied")).toBe(
      true,
    );
    expect(harness.account.network.effectiveRoutes(TABLES[0], "10.100.7.9")[0]?.route?.origin).toBe(
      "EnableVgwRoutePropagation",
    );
  });

  it("IPv6: a configured IPv6 CIDR fails over with DestinationIpv6CidrBlock; BGP judged per family", async () => {
    const v6 = "2001:db8:100::/48";
    load((f) => {
      for (const v of f.virtualInterfaces)
        v.bgpPeers = [
          ...(v.bgpPeers ?? []),
          {
            bgpPeerId: `${v.id.replace("dxvif", "dxpeer")}6`,
            addressFamily: "ipv6",
            bgpStatus: "down",
            advertisedPrefixes: [v6],
          },
        ];
    });
    // No probe data: the IPv6 sessions down everywhere are the evidence for the IPv6 CIDR only; the IPv4
    // sessions are up, so the IPv4 CIDRs keep their Direct Connect route.
    const report = await invoke(readEvent("schedule-reconcile"), { cidrs: [...CIDRS, v6] });
    expect(resultOf(report).groups[0]).toMatchObject({ desired: "vpn", reason: "dx-down", creates: 2 });
    expect(
      callsTo(report, "CreateRoute").filter((c) => c.input.DestinationIpv6CidrBlock === v6),
    ).toHaveLength(2);
    for (const t of TABLES) {
      expect(staticRoutes(report, t)[v6]).toBe(`${ENI} (active)`);
      for (const c of CIDRS) expect(staticRoutes(report, t)[c]).toBeUndefined();
    }
    expect(report.violations).toEqual([]);
  });
});

describe("dx-failover: appliance replaced", () => {
  it("found by its tag, our routes to the old (deleted) ENI are moved with ReplaceRoute, never deleted", async () => {
    const OLD = "eni-0d0f00000000000a0";
    load((f) => failedOver(f, 600_000, "", { eni: OLD }));
    await new EC2Client({ region: "us-east-1" }).send(
      new CreateTagsCommand({ Resources: [ENI], Tags: [{ Key: "ops:vpn-appliance", Value: "lz-prod" }] }),
    );
    await putSamples({ dx: failing(20), vpn: healthy(20) });
    const report = await invoke(readEvent("schedule-reconcile"), {
      applianceTag: "ops:vpn-appliance=lz-prod",
    });
    expect(callsTo(report, "DeleteRoute")).toHaveLength(0);
    expect(
      callsTo(report, "ReplaceRoute")
        .map((c) => [c.input.RouteTableId, c.input.DestinationCidrBlock, c.input.NetworkInterfaceId])
        .sort(),
    ).toEqual(TABLES.flatMap((t) => CIDRS.map((c) => [t, c, ENI])));
    for (const t of TABLES) {
      expect(Object.values(staticRoutes(report, t))).toEqual([`${ENI} (active)`, `${ENI} (active)`]);
      expect(stateAfter(report, t).eni).toBe(ENI);
    }
    expect(resultOf(report).groups[0]?.replaces).toBe(4);
    expect(report.violations).toEqual([]);
  });
});

describe("dx-failover: two groups share a table", () => {
  const second = {
    name: "lz-v2",
    location: "local-zone",
    cidrs: [CIDRS[1]],
    applianceEniId: ENI,
    virtualInterfaceIds: ["dxvif-fgdx0001", "dxvif-fgdx0002"],
    probe: { directConnect: ["10.101.0.53:53"], vpn: ["10.100.0.53:53"] },
  };
  const shared = (f: Fixture) => {
    for (const t of f.routeTables)
      if ((TABLES as readonly string[]).includes(t.id))
        t.tags = { ...t.tags, "ops:failover-group": "lz-prod lz-v2" };
  };

  it("each group switches on its own evidence, with its own state and ownership keys", async () => {
    load(shared);
    const o = { cidrs: [CIDRS[0]], extraGroups: [second] };
    await putSamples({ dx: [...healthy(20), ...failing(3)], vpn: healthy(23) }, 300, { group: "lz-prod" });
    await putSamples({ dx: healthy(23), vpn: healthy(23) }, 300, { group: "lz-v2" });
    const report = await invoke(readEvent("schedule-reconcile"), o);
    const [prod, v2] = resultOf(report).groups;
    expect(prod).toMatchObject({ name: "lz-prod", decision: "failover", creates: 2 });
    expect(v2).toMatchObject({ name: "lz-v2", desired: "direct-connect", creates: 0 });
    for (const t of TABLES) {
      expect(staticRoutes(report, t)).toEqual({ [CIDRS[0]]: `${ENI} (active)` });
      expect(stateAfter(report, t, "lz-prod").active).toBe("vpn");
      expect(stateAfter(report, t, "lz-v2").active).toBe("direct-connect");
      expect(tagsAfter(report, t)["ops:dx-failover:lz-v2:routes"]).toBe("");
    }
    expect(report.violations).toEqual([]);
  });
});
