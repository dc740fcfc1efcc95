import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ProbeTriggerDetail } from "../../../../functions/dx-failover/evidence";
import type { ObservedGroup } from "../../../../functions/dx-failover/failover/observe";
import { familyProbesOf } from "../../../../functions/dx-failover/failover/plan";
import { combinedProbe, dxProbesOf } from "../../../../functions/dx-failover/failover/plan/assess";
import {
  type AddressFamily,
  DEFAULT_POLICY,
  decidePath,
  type FailoverState,
  type PathProbeSignals,
  type Signals,
} from "../../../../functions/dx-failover/failover/plan/decide";
import {
  type PlanTable,
  planRoutes,
  type RouteGroup,
} from "../../../../functions/dx-failover/failover/plan/routes";

/**
 * Each CIDR judged on the evidence of its own address family (the long campaign's seed 510009, dx6's 6604):
 * Direct Connect's probe series per family, BGP per family, a family without evidence of its own never failed
 * over by another family's loss, and a dead VPN giving back the CIDRs of the families DX still carries.
 */

const NOW = Date.parse("2026-12-07T12:00:00Z");
const V4 = ["10.100.0.0/16", "10.101.0.0/16"];
const V6 = "2001:db8:100::/48";
const ENI = "eni-appliance";

const healthyProbe = (): PathProbeSignals => ({
  consecutiveFailures: 0,
  consecutiveSuccesses: 600,
  lastSampleAt: NOW - 1000,
  healthySince: NOW - 3600_000,
  recentFailures: 0,
});
const failingProbe = (failures = 3): PathProbeSignals => ({
  consecutiveFailures: failures,
  consecutiveSuccesses: 0,
  lastSampleAt: NOW - 1000,
  recentFailures: failures,
});
const dualStack = (v: "up" | "down" = "up") => ({
  id: "dxvif-1",
  state: "available",
  peers: (["ipv4", "ipv6"] as const).map((family) => ({ family, status: v })),
});

/** A dual-stack group: DX path-wide failing (IPv6 lost), the per-family series given, the VPN healthy. */
const signals = (
  families: Signals["probes"]["directConnectFamilies"],
  extra: Partial<Signals> = {},
): Signals => ({
  probes: {
    directConnect: failingProbe(),
    vpn: healthyProbe(),
    ...(families !== undefined ? { directConnectFamilies: families } : {}),
  },
  alarms: {
    dxDown: { state: "ALARM", since: NOW - 30_000 },
    vpnDown: { state: "OK", since: NOW - 3600_000 },
  },
  virtualInterfaces: [dualStack()],
  families: ["ipv4", "ipv6"],
  appliance: { attached: true, instanceRunning: true, sourceDestCheck: false },
  failbackReady: Object.fromEntries([...V4, V6].map((c) => [c, true])),
  ...extra,
});

const onDx: FailoverState = { activePath: "direct-connect", flaps: 0 };
const onVpn: FailoverState = {
  activePath: "vpn",
  since: NOW - 600_000,
  lastSwitchAt: NOW - 600_000,
  flaps: 0,
};
const decide = (s: Signals, state: FailoverState) => decidePath(s, state, DEFAULT_POLICY, NOW);

describe("per-family decision: failover", () => {
  it("IPv6 failing on its own series while IPv4 answers: only the IPv6 CIDRs fail over", () => {
    const d = decide(signals({ ipv4: healthyProbe(), ipv6: failingProbe() }), onDx);
    expect(d).toMatchObject({ desired: "vpn", reason: "dx-down", switch: true, families: ["ipv6"] });
    expect(d.assessment.dxFamilies).toEqual({ ipv4: "up", ipv6: "down" });
  });

  it("a family without a probe target of its own is not failed over by another family's loss", () => {
    const d = decide(signals({ ipv6: failingProbe() }), onDx);
    expect(d).toMatchObject({ desired: "vpn", families: ["ipv6"] });
    // Its BGP session alone judges it: up.
    expect(d.assessment.dxFamilies.ipv4).toBe("up");
  });

  it("IPv4 CIDRs only, the probe's only target IPv6 and failing: nothing fails over (no IPv4 evidence says so)", () => {
    const s = signals(
      { ipv6: failingProbe() },
      { families: ["ipv4"], failbackReady: { [V4[0] as string]: true } },
    );
    const d = decide(s, onDx);
    expect(d.desired).toBe("direct-connect");
    expect(d.switch).toBe(false);
    expect(d.assessment.evidence.join(" ")).toContain("BGP alone judges DX");
  });

  it("without per-family signals (a probe of the older contract), the path-wide series judges every family", () => {
    const d = decide(signals(undefined), onDx);
    expect(d).toMatchObject({ desired: "vpn", reason: "dx-down", switch: true });
    expect(d.families).toBeUndefined();
  });

  it("stale per-family series: the path-wide DX-down alarm judges the families that have a probe target, only them", () => {
    const stale = { ...failingProbe(), lastSampleAt: NOW - 120_000 };
    const d = decide(signals({ ipv6: stale }), onDx);
    expect(d.assessment.probesFresh.directConnect).toBe(false);
    expect(d).toMatchObject({ desired: "vpn", families: ["ipv6"] });
  });

  it("BGP of IPv4 down and IPv6 failing on its probes: every family is down, every CIDR fails over", () => {
    const vif = {
      id: "dxvif-1",
      state: "available",
      peers: [
        { family: "ipv4" as const, status: "down" as const },
        { family: "ipv6" as const, status: "up" as const },
      ],
    };
    const d = decide(
      signals({ ipv4: healthyProbe(), ipv6: failingProbe() }, { virtualInterfaces: [vif] }),
      onDx,
    );
    expect(d).toMatchObject({ desired: "vpn", switch: true });
    expect(d.families).toBeUndefined();
  });
});

describe("per-family decision: the VPN dead", () => {
  const vpnDead = {
    consecutiveFailures: 5,
    consecutiveSuccesses: 0,
    lastSampleAt: NOW - 1000,
    recentFailures: 5,
  };
  const dead = (families: Signals["probes"]["directConnectFamilies"]) => {
    const s = signals(families);
    return { ...s, probes: { ...s.probes, vpn: vpnDead } };
  };

  it("IPv4 proven on its own series, IPv6 still lost: the IPv4 CIDRs fail back at once, the IPv6 one stays", () => {
    const d = decide(dead({ ipv4: healthyProbe(), ipv6: failingProbe() }), onVpn);
    expect(d).toMatchObject({
      desired: "direct-connect",
      reason: "vpn-down-dx-up",
      switch: true,
      families: ["ipv4"],
    });
    expect(d.cidrs).toEqual([
      { cidr: V4[0], failback: true, reason: "direct-connect-ready" },
      { cidr: V4[1], failback: true, reason: "direct-connect-ready" },
      { cidr: V6, failback: false, reason: "failback-not-allowed" },
    ]);
  });

  it("IPv4 answering on fewer than M probes of its own: not proven, hold", () => {
    const fresh = {
      consecutiveFailures: 0,
      consecutiveSuccesses: 1,
      lastSampleAt: NOW - 1000,
      recentFailures: 0,
    };
    const d = decide(dead({ ipv4: fresh, ipv6: failingProbe() }), onVpn);
    expect(d).toMatchObject({ desired: "hold", reason: "both-down", alarm: "both-paths-down" });
  });

  it("the path-wide series alone (older probe): IPv6 lost hides IPv4, hold as before", () => {
    const d = decide(dead(undefined), onVpn);
    expect(d.desired).toBe("hold");
  });

  it("the IPv4 routes already gone (only IPv6 ever failed over): nothing to fail back, hold", () => {
    const s = dead({ ipv4: healthyProbe(), ipv6: failingProbe() });
    const d = decide({ ...s, failbackReady: { [V6]: false } }, onVpn);
    expect(d.desired).toBe("hold");
  });

  it("property: a failback never makes eligible a CIDR whose family is down on its own evidence", () => {
    const probeArb = fc.record({
      failures: fc.integer({ min: 0, max: 6 }),
      successes: fc.integer({ min: 0, max: 6 }),
      age: fc.integer({ min: 0, max: 60_000 }),
    });
    fc.assert(
      fc.property(fc.option(probeArb), fc.option(probeArb), fc.boolean(), (v4, v6, vpnUp) => {
        const toProbe = (p: { failures: number; successes: number; age: number }): PathProbeSignals => ({
          consecutiveFailures: p.failures,
          consecutiveSuccesses: p.failures > 0 ? 0 : p.successes,
          lastSampleAt: NOW - p.age,
          recentFailures: p.failures,
        });
        const families = {
          ...(v4 !== null ? { ipv4: toProbe(v4) } : {}),
          ...(v6 !== null ? { ipv6: toProbe(v6) } : {}),
        };
        const s = vpnUp ? signals(families) : dead(families);
        const d = decide(s, onVpn);
        const down = (Object.entries(d.assessment.dxFamilies) as [AddressFamily, string][])
          .filter(([, h]) => h === "down")
          .map(([f]) => f);
        for (const c of d.cidrs)
          if (c.failback) expect(down).not.toContain(c.cidr.includes(":") ? "ipv6" : "ipv4");
        if (d.desired === "vpn" && d.families !== undefined)
          expect([...d.families].sort()).toEqual(down.sort());
      }),
      { numRuns: 500 },
    );
  });
});

describe("per-family routes: a failback of one family", () => {
  it("deletes our IPv4 routes and keeps the IPv6 one on the appliance", () => {
    const d = decide(
      (() => {
        const s = signals({ ipv4: healthyProbe(), ipv6: failingProbe() });
        return { ...s, probes: { ...s.probes, vpn: failingProbe(5) } };
      })(),
      onVpn,
    );
    const route = (destination: string, target: "vgw" | "eni") => ({
      destination,
      kind: destination.includes(":") ? ("ipv6" as const) : ("ipv4" as const),
      targets: [
        target === "vgw"
          ? { kind: "gateway" as const, id: "vgw-1" }
          : { kind: "network-interface" as const, id: ENI },
      ],
      state: "active" as const,
      origin: target === "vgw" ? "EnableVgwRoutePropagation" : "CreateRoute",
    });
    const table: PlanTable = {
      routeTableId: "rtb-1",
      routes: [...V4, V6].flatMap((c) => [route(c, "vgw"), route(c, "eni")]),
      created: [...V4, V6],
    };
    const group: RouteGroup = {
      name: "g",
      applianceEniId: ENI,
      previousEnis: [],
      cidrs: [...V4, V6],
      tables: [table],
      prefixLists: new Map(),
    };
    const plan = planRoutes(d, group);
    expect(plan.actions.map((a) => `${a.params.operation} ${a.params.destination}`)).toEqual(
      V4.map((c) => `delete ${c}`),
    );
    expect(plan.ownership["rtb-1"]).toEqual([V6]);
  });
});

describe("combinedProbe and dxProbesOf", () => {
  it("combines the families as one path: failing when one fails, healthy since the latest, the oldest sample", () => {
    const a = { ...healthyProbe(), healthySince: NOW - 100_000, lastSampleAt: NOW - 2000 };
    const b = { ...healthyProbe(), healthySince: NOW - 50_000, consecutiveSuccesses: 40 };
    expect(combinedProbe([a, b])).toEqual({
      consecutiveFailures: 0,
      consecutiveSuccesses: 40,
      lastSampleAt: NOW - 2000,
      healthySince: NOW - 50_000,
      recentFailures: 0,
    });
    expect(combinedProbe([a, failingProbe(4)])).toMatchObject({
      consecutiveFailures: 4,
      consecutiveSuccesses: 0,
    });
    expect(combinedProbe([a, failingProbe(4)]).healthySince).toBeUndefined();
    expect(combinedProbe([])).toEqual({ consecutiveFailures: 0, consecutiveSuccesses: 0 });
  });

  it("keeps only the families of the group's CIDRs, each with its own series", () => {
    const s = signals({ ipv4: healthyProbe(), ipv6: failingProbe() }, { families: ["ipv6"] });
    expect(dxProbesOf(s)).toEqual({ ipv6: failingProbe() });
    expect(dxProbesOf(signals(undefined))).toEqual({ ipv4: failingProbe(), ipv6: failingProbe() });
  });
});

describe("familyProbesOf: which series and which trigger counters stand for a family", () => {
  const observed = (metrics: Partial<ObservedGroup["metrics"]>) =>
    ({
      metrics: { directConnect: failingProbe(), vpn: healthyProbe(), ...metrics },
    }) as unknown as ObservedGroup;
  const trigger = (dx: ProbeTriggerDetail["dx"]): ProbeTriggerDetail => ({
    group: "g",
    reason: "dx-down",
    probe: "agent",
    at: NOW,
    dxFailingSince: NOW - 10_000,
    dx,
    vpn: { ok: true, consecutiveFailures: 0, consecutiveSuccesses: 9 },
  });

  it("each family's own series when the probe publishes it", () => {
    const got = familyProbesOf(
      { observed: observed({ directConnectFamilies: { ipv4: healthyProbe(), ipv6: failingProbe(2) } }) },
      ["ipv4", "ipv6"],
    );
    expect(got).toEqual({ ipv4: healthyProbe(), ipv6: failingProbe(2) });
  });

  it("the path-wide series for a family whose own series has no data (a probe of the older contract)", () => {
    expect(familyProbesOf({ observed: observed({}) }, ["ipv4"])).toEqual({ ipv4: failingProbe() });
  });

  it("a newer trigger's counters of the family; a trigger without per-family counters never overrides a family's own series", () => {
    const own = {
      ipv4: { ...healthyProbe(), lastSampleAt: NOW - 5000 },
      ipv6: { ...healthyProbe(), lastSampleAt: NOW - 5000 },
    };
    const withFamilies = trigger({
      ok: false,
      consecutiveFailures: 2,
      consecutiveSuccesses: 0,
      families: {
        ipv4: { ok: true, consecutiveFailures: 0, consecutiveSuccesses: 30 },
        ipv6: { ok: false, consecutiveFailures: 2, consecutiveSuccesses: 0 },
      },
    });
    const got = familyProbesOf(
      { observed: observed({ directConnectFamilies: own }), trigger: withFamilies },
      ["ipv4", "ipv6"],
    );
    expect(got.ipv4).toMatchObject({ consecutiveFailures: 0, consecutiveSuccesses: 30, lastSampleAt: NOW });
    expect(got.ipv6).toMatchObject({ consecutiveFailures: 2, lastSampleAt: NOW });
    const pathWide = trigger({ ok: false, consecutiveFailures: 2, consecutiveSuccesses: 0 });
    const kept = familyProbesOf({ observed: observed({ directConnectFamilies: own }), trigger: pathWide }, [
      "ipv4",
    ]);
    expect(kept.ipv4).toEqual(own.ipv4);
  });
});
