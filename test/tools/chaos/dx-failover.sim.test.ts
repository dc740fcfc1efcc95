import { afterEach, describe, expect, it } from "vitest";
import { DxFailoverConfigSchema } from "../../../functions/dx-failover/config";
import type { Harness } from "../../../sim/harness";
import { runTrace } from "../../../tools/chaos/driver";
import { DX_ACCOUNT } from "../../../tools/chaos/incidents/dx-account";
import { dxFailoverModel } from "../../../tools/chaos/incidents/dx-failover";
import { type CheckOptions, checkDxStep, type DxView } from "../../../tools/chaos/invariants/dx-failover";
import type { TraceItem } from "../../../tools/chaos/types";
import { startHarness } from "../../support/harness";
import { startMutantHarness, traceOf } from "./review/mutants";

/**
 * dx-failover's chaos model per address family (issue 14): the dual-stack account, the agent's real probe
 * engine on the per-family data plane, incidents of one family, and the invariants judged per family.
 */

const ENI = "eni-0d0f00000000000a1";
const V6 = DX_ACCOUNT.onPremIpv6;
const [TABLE] = DX_ACCOUNT.groupTables;
const bothVifs = (at: number, kind: string, params: Record<string, string>): TraceItem[] =>
  [0, 1].map((vif) => ({ at, kind: `incident:${kind}`, params: { vif, ...params } }));

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const run = async (items: TraceItem[], hours = 0.5) => {
  harness ??= await startHarness({ clock: "manual", transport: "memory" });
  const result = await runTrace(harness, dxFailoverModel, traceOf("dx-failover", "agent", hours, items));
  return { result, account: harness.account };
};

const targetOf = (account: Harness["account"], cidr: string) =>
  account.network.effectiveRoutes(TABLE, cidr)[0]?.route?.target;

describe("dx-failover chaos: one address family", () => {
  it("IPv6 packets lost on both interfaces, every BGP session up: the agent sees it (an IPv4 answer hides nothing), the IPv6 CIDR goes to the VPN, the invariants hold", {
    timeout: 180_000,
  }, async () => {
    const { result, account } = await run(bothVifs(600_000, "dx-data-plane-toggle", { family: "ipv6" }));
    expect(result.log.some((l) => l.includes("data plane ipv6 down"))).toBe(true);
    expect(result.violations).toEqual([]);
    expect(targetOf(account, V6)).toBe(ENI);
  });

  it("the reverse, IPv6 BGP down with packets flowing: the IPv6 routes are withdrawn, the CIDR goes to the VPN, the invariants hold", {
    timeout: 180_000,
  }, async () => {
    const { result, account } = await run(bothVifs(600_000, "bgp-toggle", { family: "ipv6" }));
    expect(result.log.some((l) => l.includes("BGP ipv6 down"))).toBe(true);
    expect(result.violations).toEqual([]);
    expect(targetOf(account, V6)).toBe(ENI);
  });

  it("DC2's prefix list edited: a new version, its route to the gateway left alone", {
    timeout: 180_000,
  }, async () => {
    const { result, account } = await run(
      [{ at: 600_000, kind: "incident:prefix-list-edit", params: {} }],
      0.25,
    );
    expect(result.violations).toEqual([]);
    expect(account.snapshot().managedPrefixLists[DX_ACCOUNT.prefixList]).toMatchObject({
      Version: 2,
      Entries: [...DX_ACCOUNT.dc2, DX_ACCOUNT.dc2Extra],
    });
    expect(account.snapshot().routeTables[TABLE]?.Routes[DX_ACCOUNT.prefixList]?.Target).toBe(DX_ACCOUNT.vgw);
  });

  it("control: a failover function that never acts breaks 'path' for the IPv4 CIDRs only when IPv4 alone is lost", {
    timeout: 180_000,
  }, async () => {
    harness = await startMutantHarness("dx-failover", () => async () => ({ decision: "nothing-to-do" }));
    const { result } = await run(bothVifs(600_000, "dx-data-plane-toggle", { family: "ipv4" }));
    const path = result.violations.filter((v) => v.invariant === "path");
    expect(path).not.toEqual([]);
    expect(path.some((v) => v.message.includes(V6))).toBe(false);
  });
});

describe("dx-failover chaos: a BGP failover test (StartBgpFailoverTest)", () => {
  const test = (vifs: "one" | "both"): TraceItem => ({
    at: 600_000,
    kind: "incident:bgp-failover-test",
    params: { vifs, vif: 0, family: "both", minutes: 5 },
  });

  it("on both interfaces: every CIDR fails over within the detection time and fails back once the test has ended and the window passed; the invariants hold", {
    timeout: 180_000,
  }, async () => {
    const { result, account } = await run([test("both")]);
    expect(result.log.some((l) => l.includes("sessions down for 5 min"))).toBe(true);
    const failover = result.delivered.find((d) => d.outcome === "failover");
    const failback = result.delivered.find((d) => d.outcome === "failback");
    expect(failover?.at).toBeGreaterThanOrEqual(600_000);
    expect(failover?.at).toBeLessThanOrEqual(600_000 + 150_000);
    // The test ends at 900 s; the restore window (300 s) counts from then.
    expect(failback?.at).toBeGreaterThanOrEqual(900_000 + 300_000);
    expect(result.violations).toEqual([]);
    expect(targetOf(account, V6)).not.toBe(ENI);
  });

  it("on one interface: the other carries every family, nothing moves", { timeout: 180_000 }, async () => {
    const { result } = await run([test("one")]);
    expect(result.log.some((l) => l.includes("sessions down for 5 min"))).toBe(true);
    expect(result.delivered.some((d) => d.outcome === "failover")).toBe(false);
    expect(result.violations).toEqual([]);
  });
});

describe("dx-failover chaos: one family lost, then the VPN (campaign dx6 seed 6604, long6b seed 510009)", () => {
  // IPv6 lost over Direct Connect (VIF 1 down on both families, VIF 2 on IPv6) while IPv4 still crosses
  // VIF 2. With one health series per path, every CIDR failed over and, once the VPN died, the IPv4 CIDRs
  // stayed on the dead VPN while Direct Connect carried IPv4. The probe now publishes Direct Connect's
  // health per family (`PathFamilyHealthy`) and each CIDR is judged on its own family's evidence.
  const firstDefaultRoute = (account: Harness["account"]) => targetOf(account, "10.100.0.0/16");

  it("with IPv6 lost over Direct Connect and then the VPN lost, the IPv4 CIDRs stay on Direct Connect, which still carries IPv4", {
    timeout: 180_000,
  }, async () => {
    const { result, account } = await run(
      [
        { at: 300_000, kind: "incident:dx-data-plane-toggle", params: { vif: 0, family: "both" } },
        { at: 600_000, kind: "incident:dx-data-plane-toggle", params: { vif: 1, family: "ipv6" } },
        { at: 1_800_000, kind: "incident:vpn-toggle", params: {} },
      ],
      1,
    );
    expect(result.log.some((l) => l.includes("VPN down"))).toBe(true);
    expect(result.delivered.some((d) => d.outcome === "failover")).toBe(true);
    expect(result.violations).toEqual([]);
    expect(targetOf(account, V6)).toBe(ENI);
    expect(firstDefaultRoute(account)).not.toBe(ENI);
  });

  it("both families lost (every CIDR on the VPN), IPv4 back on one interface, then the VPN lost: the IPv4 CIDRs go back to Direct Connect at once", {
    timeout: 180_000,
  }, async () => {
    const { result, account } = await run(
      [
        ...bothVifs(300_000, "dx-data-plane-toggle", { family: "both" }),
        { at: 900_000, kind: "incident:dx-data-plane-toggle", params: { vif: 1, family: "ipv4" } },
        { at: 1_000_000, kind: "incident:vpn-toggle", params: {} },
      ],
      0.5,
    );
    const failback = result.delivered.find((d) => d.outcome === "failback");
    expect(failback?.at).toBeGreaterThanOrEqual(1_000_000);
    expect(failback?.at).toBeLessThanOrEqual(1_000_000 + 150_000);
    expect(result.violations).toEqual([]);
    expect(firstDefaultRoute(account)).not.toBe(ENI);
    expect(targetOf(account, V6)).toBe(ENI);
  });
});

describe("dx-failover invariants per family (pure)", () => {
  const config = DxFailoverConfigSchema.parse({
    groups: [
      {
        name: "g",
        cidrs: ["10.100.0.0/16", V6],
        applianceEniId: ENI,
        probe: { directConnect: ["10.0.0.1:1"], vpn: ["10.0.0.2:1"] },
      },
    ],
  });
  const view = (at: number, families: { ipv4: boolean; ipv6: boolean }, vpnUp: boolean): DxView => ({
    at,
    tables: {},
    groups: {
      g: {
        directConnectUp: families.ipv4 && families.ipv6,
        directConnectFamilies: families,
        vpnUp,
        applianceEnis: [ENI],
        active: "direct-connect",
        flaps: 0,
        cells: ["10.100.0.0/16", V6].map((cidr) => ({
          routeTableId: "rtb-1",
          cidr,
          parts: [{ range: cidr, target: "vgw-1", origin: "EnableVgwRoutePropagation", state: "active" }],
        })),
      },
    },
  });

  it("the IPv6 propagated route with IPv6 down and the VPN up is broken; the IPv4 one is not", () => {
    const options = { detectionMs: 10_000 };
    const first = checkDxStep(undefined, view(0, { ipv4: true, ipv6: false }, true), config, options);
    const later = checkDxStep(first.state, view(20_000, { ipv4: true, ipv6: false }, true), config, options);
    expect(later.violations.map((v) => v.message.split(" in ")[0])).toEqual([`g: ${V6}`]);
  });

  it("no path for the IPv6 CIDR (its family down, the VPN down): nothing to ask of the toolkit", () => {
    const options = { detectionMs: 10_000 };
    const first = checkDxStep(undefined, view(0, { ipv4: true, ipv6: false }, false), config, options);
    expect(
      checkDxStep(first.state, view(20_000, { ipv4: true, ipv6: false }, false), config, options).violations,
    ).toEqual([]);
  });

  /**
   * A view with the group on `active` (its state tag, and its routes: on the VPN each cell is carried by a
   * static route to the appliance, which is what the checker reads), Direct Connect's families as given,
   * the VPN up.
   */
  const onPath = (
    at: number,
    active: "direct-connect" | "vpn",
    families: { ipv4: boolean; ipv6: boolean },
  ) => {
    const v = view(at, families, true);
    const g = v.groups.g;
    if (g === undefined) return v;
    const cells =
      active === "vpn"
        ? g.cells.map((c) => ({
            ...c,
            parts: [{ range: c.cidr, target: ENI, origin: "CreateRoute", state: "active" }],
          }))
        : g.cells;
    return { ...v, groups: { g: { ...g, active, cells } } };
  };
  const steps = (views: DxView[], options: CheckOptions = { detectionMs: 150_000, toleranceMs: 5000 }) => {
    let state: Parameters<typeof checkDxStep>[0];
    const out: string[] = [];
    for (const v of views) {
      const checked = checkDxStep(state, v, config, options);
      state = checked.state;
      out.push(...checked.violations.map((x) => x.invariant));
    }
    return out;
  };
  const up = { ipv4: true, ipv6: true };

  it("failover-cause: a failover while Direct Connect worked the whole time is a violation", () => {
    expect(steps([onPath(0, "direct-connect", up), onPath(600_000, "vpn", up)])).toEqual(["failover-cause"]);
  });

  it("failover-cause: a failover within the detection time of one family failing is none, even once it is back", () => {
    const views = [
      onPath(0, "direct-connect", up),
      onPath(10_000, "direct-connect", { ipv4: true, ipv6: false }),
      onPath(20_000, "direct-connect", up),
      onPath(160_000, "vpn", up),
    ];
    expect(steps(views)).toEqual([]);
  });

  it("failover-cause: a failover longer than the detection time (and the tolerance) after the failure is one", () => {
    const views = [
      onPath(0, "direct-connect", { ipv4: false, ipv6: false }),
      onPath(5_000, "direct-connect", up),
      onPath(160_001, "vpn", up),
    ];
    expect(steps(views)).toEqual(["failover-cause"]);
  });

  it("flap: Direct Connect working at the first view has worked for the history the model gives before it (priorMs)", () => {
    const withPrior = { detectionMs: 150_000, toleranceMs: 0, priorMs: 300_000 };
    const views = [onPath(0, "vpn", up), onPath(60_000, "vpn", up), onPath(250_000, "direct-connect", up)];
    expect(steps(views, withPrior)).toEqual([]);
    expect(steps(views, { ...withPrior, priorMs: 0 })).toEqual(["flap"]);
  });
});
