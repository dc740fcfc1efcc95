import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CidrEligibility, PathName } from "../../../../functions/dx-failover/failover/plan/decide";
import {
  CREATE_ROUTE_ACTION,
  DELETE_ROUTE_ACTION,
  planRoutes,
  type RouteGroup,
  type RoutePlan,
} from "../../../../functions/dx-failover/failover/plan/routes";
import type { RouteView } from "../../../../shared/observe/model";

/** The route plan: examples per cell kind, then properties over generated route tables (fast-check). */

const ENI = "eni-0appliance0000001";
const OTHER_ENI = "eni-0someoneelse00001";
const VGW = "vgw-0dx000000000001";
const CIDRS = ["10.10.0.0/16", "10.20.0.0/16", "172.16.0.0/12"];
const TABLES = ["rtb-0000000a", "rtb-0000000b"];

const propagated = (rtb: string, cidr: string, state: "active" | "blackhole" = "active"): RouteView => ({
  routeTableId: rtb,
  destination: cidr,
  targets: [{ kind: "gateway", id: VGW }],
  state,
  origin: "EnableVgwRoutePropagation",
});
const staticTo = (
  rtb: string,
  cidr: string,
  eni = ENI,
  state: "active" | "blackhole" = "active",
): RouteView => ({
  routeTableId: rtb,
  destination: cidr,
  targets: [{ kind: "network-interface", id: eni }],
  state,
  origin: "CreateRoute",
});
const local = (rtb: string): RouteView => ({
  routeTableId: rtb,
  destination: "10.0.0.0/16",
  targets: [{ kind: "gateway", id: "local" }],
  state: "active",
  origin: "CreateRouteTable",
});

const group = (created: Record<string, string[]> = {}): RouteGroup => ({
  name: "lz-onprem",
  applianceEniId: ENI,
  cidrs: CIDRS,
  tables: TABLES.map((t) => ({ routeTableId: t, created: created[t] ?? [] })),
});
const allEligible = (cidrs = CIDRS): CidrEligibility[] =>
  cidrs.map((cidr) => ({ cidr, failback: true, reason: "propagated-route-present" }));
const toVpn = { desired: "vpn" as const, activePath: "direct-connect" as PathName, cidrs: [] };
const toDx = (cidrs = allEligible()) => ({
  desired: "direct-connect" as const,
  activePath: "vpn" as PathName,
  cidrs,
});

const dxTables = (): RouteView[] => TABLES.flatMap((t) => [local(t), ...CIDRS.map((c) => propagated(t, c))]);

describe("planRoutes: failover", () => {
  it("creates a static route to the appliance ENI for every table × CIDR", () => {
    const plan = planRoutes(toVpn, dxTables(), group());
    expect(plan.decision).toBe("failover");
    expect(plan.actions).toHaveLength(6);
    expect(plan.actions.every((a) => a.kind === CREATE_ROUTE_ACTION)).toBe(true);
    expect(plan.actions[0]).toMatchObject({
      id: "dx-failover:lz-onprem:create:rtb-0000000a:10.10.0.0/16",
      resources: ["rtb-0000000a"],
      params: {
        operation: "create",
        routeTableId: "rtb-0000000a",
        destinationCidrBlock: "10.10.0.0/16",
        networkInterfaceId: ENI,
      },
    });
    expect(plan.ownership).toEqual({ "rtb-0000000a": CIDRS, "rtb-0000000b": CIDRS });
    expect(plan.cells.every((c) => c.action === "create" && c.propagatedPresent)).toBe(true);
  });

  it("creates even where the propagated route is gone (BGP down): that is the point", () => {
    const plan = planRoutes(toVpn, TABLES.map(local), group());
    expect(plan.actions).toHaveLength(6);
  });

  it("treats an existing static route of ours as done, and refuses a static route to another target", () => {
    const routes = [
      ...dxTables(),
      staticTo("rtb-0000000a", "10.10.0.0/16"),
      staticTo("rtb-0000000b", "10.20.0.0/16", OTHER_ENI),
    ];
    const plan = planRoutes(toVpn, routes, group({ "rtb-0000000a": ["10.10.0.0/16"] }));
    const cell = (t: string, c: string) => plan.cells.find((x) => x.routeTableId === t && x.cidr === c);
    expect(cell("rtb-0000000a", "10.10.0.0/16")).toMatchObject({ action: "none", reason: "already-on-vpn" });
    expect(cell("rtb-0000000b", "10.20.0.0/16")).toMatchObject({
      action: "conflict",
      reason: "conflicting-static-route",
      staticTarget: OTHER_ENI,
    });
    expect(plan.actions).toHaveLength(4);
    expect(plan.actions.some((a) => a.id.includes("rtb-0000000b:10.20.0.0/16"))).toBe(false);
    expect(plan.skips).toEqual([
      expect.objectContaining({ resource: "rtb-0000000b:10.20.0.0/16", reason: "conflicting-static-route" }),
    ]);
    expect(plan.ownership["rtb-0000000b"]).toEqual(["10.10.0.0/16", "172.16.0.0/12"]);
  });

  it("reconciles: re-creates a manually deleted static route while on the VPN", () => {
    const created = { "rtb-0000000a": CIDRS, "rtb-0000000b": CIDRS };
    const routes = [
      ...TABLES.map(local),
      ...TABLES.flatMap((t) => CIDRS.map((c) => staticTo(t, c))).filter(
        (r) => !(r.routeTableId === "rtb-0000000b" && r.destination === "10.20.0.0/16"),
      ),
    ];
    const plan = planRoutes({ desired: "vpn", activePath: "vpn", cidrs: [] }, routes, group(created));
    expect(plan.decision).toBe("reconcile");
    expect(plan.actions.map((a) => a.id)).toEqual(["dx-failover:lz-onprem:create:rtb-0000000b:10.20.0.0/16"]);
  });

  it("does not adopt a static route to the appliance that it did not create", () => {
    const routes = [...dxTables(), staticTo("rtb-0000000a", "10.10.0.0/16")];
    const plan = planRoutes(toVpn, routes, group());
    expect(
      plan.cells.find((c) => c.routeTableId === "rtb-0000000a" && c.cidr === "10.10.0.0/16"),
    ).toMatchObject({
      action: "none",
      reason: "static-route-not-owned",
    });
    expect(plan.ownership["rtb-0000000a"]).toEqual(["10.20.0.0/16", "172.16.0.0/12"]);
  });
});

describe("planRoutes: failback", () => {
  const onVpn = (): RouteView[] => [
    ...dxTables(),
    ...TABLES.flatMap((t) => CIDRS.map((c) => staticTo(t, c))),
  ];
  const ours = { "rtb-0000000a": CIDRS, "rtb-0000000b": CIDRS };

  it("deletes our static routes where the propagated route is present", () => {
    const plan = planRoutes(toDx(), onVpn(), group(ours));
    expect(plan.decision).toBe("failback");
    expect(plan.actions).toHaveLength(6);
    expect(plan.actions.every((a) => a.kind === DELETE_ROUTE_ACTION)).toBe(true);
    expect(plan.ownership).toEqual({ "rtb-0000000a": [], "rtb-0000000b": [] });
  });

  it("never leaves a CIDR without a route: no delete where the propagated route is absent or blackholed", () => {
    const routes = onVpn().filter(
      (r) =>
        !(
          r.origin === "EnableVgwRoutePropagation" &&
          r.routeTableId === "rtb-0000000a" &&
          r.destination === "10.10.0.0/16"
        ),
    );
    routes.push(propagated("rtb-0000000b", "10.20.0.0/16", "blackhole"));
    const withoutActiveB = routes.filter(
      (r) =>
        !(
          r.origin === "EnableVgwRoutePropagation" &&
          r.routeTableId === "rtb-0000000b" &&
          r.destination === "10.20.0.0/16" &&
          r.state === "active"
        ),
    );
    const plan = planRoutes(toDx(), withoutActiveB, group(ours));
    expect(plan.actions).toHaveLength(4);
    const waiting = plan.cells
      .filter((c) => c.reason === "awaiting-propagated-route")
      .map((c) => `${c.routeTableId}:${c.cidr}`);
    expect(waiting).toEqual(["rtb-0000000a:10.10.0.0/16", "rtb-0000000b:10.20.0.0/16"]);
    expect(plan.ownership["rtb-0000000a"]).toEqual(["10.10.0.0/16"]);
  });

  it("deletes only the CIDRs the decision made eligible", () => {
    const elig: CidrEligibility[] = [
      { cidr: "10.10.0.0/16", failback: true, reason: "propagated-route-present" },
      { cidr: "10.20.0.0/16", failback: false, reason: "propagated-route-absent" },
    ];
    const plan = planRoutes(toDx(elig), onVpn(), group(ours));
    expect(plan.actions.map((a) => a.params.destinationCidrBlock)).toEqual(["10.10.0.0/16", "10.10.0.0/16"]);
    expect(plan.cells.filter((c) => c.reason === "failback-not-eligible")).toHaveLength(4);
  });

  it("never deletes a static route it did not create, nor one to another target", () => {
    const routes = onVpn().map((r) =>
      r.routeTableId === "rtb-0000000b" && r.destination === "172.16.0.0/12" && r.origin === "CreateRoute"
        ? staticTo(r.routeTableId, r.destination, OTHER_ENI)
        : r,
    );
    const plan = planRoutes(
      toDx(),
      routes,
      group({ "rtb-0000000a": ["10.10.0.0/16"], "rtb-0000000b": CIDRS }),
    );
    expect(plan.actions.map((a) => a.id)).toEqual([
      "dx-failover:lz-onprem:delete:rtb-0000000a:10.10.0.0/16",
      "dx-failover:lz-onprem:delete:rtb-0000000b:10.10.0.0/16",
      "dx-failover:lz-onprem:delete:rtb-0000000b:10.20.0.0/16",
    ]);
    expect(plan.skips.map((s) => `${s.resource} ${s.reason}`)).toEqual([
      "rtb-0000000a:10.20.0.0/16 static-route-not-owned",
      "rtb-0000000a:172.16.0.0/12 static-route-not-owned",
      "rtb-0000000b:172.16.0.0/12 conflicting-static-route",
    ]);
    // 172.16/12 in rtb-b was ours, but is now someone else's route: no longer listed as ours.
    expect(plan.ownership["rtb-0000000b"]).toEqual([]);
  });

  it("hold touches nothing, not even the ownership tags", () => {
    const created = { "rtb-0000000a": ["10.10.0.0/16", "10.99.0.0/16"] };
    const plan = planRoutes({ desired: "hold", activePath: "vpn", cidrs: [] }, [], group(created));
    expect(plan.decision).toBe("hold");
    expect(plan.actions).toEqual([]);
    expect(plan.cells.every((c) => c.action === "none" && c.reason === "hold")).toBe(true);
    expect(plan.ownership["rtb-0000000a"]).toEqual(["10.10.0.0/16", "10.99.0.0/16"]);
  });
});

// ——— properties ———

type StaticKind = "none" | "ours" | "other" | "instance";
const cellArb = fc.record({
  static: fc.constantFrom<StaticKind>("none", "ours", "ours", "other", "instance"),
  staticState: fc.constantFrom<"active" | "blackhole">("active", "active", "blackhole"),
  propagated: fc.constantFrom<"none" | "active" | "blackhole">("none", "active", "active", "blackhole"),
  tagged: fc.boolean(),
});
const worldArb = fc.integer({ min: 1, max: 4 }).chain((nTables) =>
  fc.record({
    cells: fc.array(fc.array(cellArb, { minLength: CIDRS.length, maxLength: CIDRS.length }), {
      minLength: nTables,
      maxLength: nTables,
    }),
    desired: fc.constantFrom<"vpn" | "direct-connect" | "hold">("vpn", "direct-connect", "hold"),
    active: fc.constantFrom<PathName>("direct-connect", "vpn"),
    eligible: fc.array(fc.boolean(), { minLength: CIDRS.length, maxLength: CIDRS.length }),
    extraOwned: fc.boolean(),
  }),
);
type World = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;

const build = (w: World) => {
  const routes: RouteView[] = [];
  const tables = w.cells.map((row, i) => {
    const rtb = `rtb-${String(i).padStart(8, "0")}`;
    routes.push(local(rtb));
    const created: string[] = w.extraOwned ? ["192.168.0.0/24"] : [];
    row.forEach((cell, j) => {
      const cidr = CIDRS[j] as string;
      if (cell.propagated !== "none") routes.push(propagated(rtb, cidr, cell.propagated));
      if (cell.static === "ours") routes.push(staticTo(rtb, cidr, ENI, cell.staticState));
      if (cell.static === "other") routes.push(staticTo(rtb, cidr, OTHER_ENI, cell.staticState));
      if (cell.static === "instance")
        routes.push({ ...staticTo(rtb, cidr), targets: [{ kind: "instance", id: "i-0123456789abcdef0" }] });
      if (cell.tagged) created.push(cidr);
    });
    return { routeTableId: rtb, created };
  });
  const g: RouteGroup = { name: "g", applianceEniId: ENI, cidrs: CIDRS, tables };
  const decision = {
    desired: w.desired,
    activePath: w.active,
    cidrs:
      w.desired === "direct-connect"
        ? CIDRS.map(
            (cidr, j): CidrEligibility => ({
              cidr,
              failback: w.eligible[j] ?? false,
              reason: w.eligible[j] ? "propagated-route-present" : "propagated-route-absent",
            }),
          )
        : [],
  };
  return { routes, g, decision };
};

/** What AWS would hold after the plan: creates and deletes applied, ownership tags written. */
const apply = (plan: RoutePlan, routes: readonly RouteView[], g: RouteGroup) => {
  let next = [...routes];
  for (const a of plan.actions) {
    const { routeTableId, destinationCidrBlock, networkInterfaceId } = a.params;
    if (a.params.operation === "create") {
      expect(
        next.some(
          (r) =>
            r.routeTableId === routeTableId &&
            r.destination === destinationCidrBlock &&
            r.origin === "CreateRoute",
        ),
      ).toBe(false);
      next.push(staticTo(routeTableId, destinationCidrBlock, networkInterfaceId));
    } else {
      next = next.filter(
        (r) =>
          !(
            r.routeTableId === routeTableId &&
            r.destination === destinationCidrBlock &&
            r.origin === "CreateRoute"
          ),
      );
    }
  }
  const tables = g.tables.map((t) => ({
    routeTableId: t.routeTableId,
    created: plan.ownership[t.routeTableId] ?? [],
  }));
  return { routes: next, g: { ...g, tables } };
};

const key = (r: { routeTableId: string; destination: string }) => `${r.routeTableId} ${r.destination}`;

describe("planRoutes properties", () => {
  it("never deletes a static route for a CIDR whose propagated route is absent, and never one it did not create", () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const { routes, g, decision } = build(w);
        const plan = planRoutes(decision, routes, g);
        for (const a of plan.actions) {
          const { routeTableId: t, destinationCidrBlock: c } = a.params;
          const here = routes.filter((r) => r.routeTableId === t && r.destination === c);
          const st = here.find((r) => r.origin === "CreateRoute");
          if (a.params.operation === "delete") {
            expect(here.some((r) => r.origin === "EnableVgwRoutePropagation" && r.state === "active")).toBe(
              true,
            );
            expect(st?.targets).toEqual([{ kind: "network-interface", id: ENI }]);
            expect(g.tables.find((x) => x.routeTableId === t)?.created).toContain(c);
            expect(decision.cidrs.find((x) => x.cidr === c)?.failback).toBe(true);
          } else {
            // A create never replaces anything: there was no static route for that destination.
            expect(st).toBeUndefined();
            expect(a.params.networkInterfaceId).toBe(ENI);
          }
        }
        if (w.desired === "hold") expect(plan.actions).toEqual([]);
        if (w.desired === "vpn")
          expect(plan.actions.every((a) => a.params.operation === "create")).toBe(true);
        if (w.desired === "direct-connect")
          expect(plan.actions.every((a) => a.params.operation === "delete")).toBe(true);
        // One cell per table × CIDR; conflicts produce no action.
        expect(plan.cells).toHaveLength(g.tables.length * CIDRS.length);
        const actionKeys = new Set(
          plan.actions.map((a) => `${a.params.routeTableId} ${a.params.destinationCidrBlock}`),
        );
        for (const c of plan.cells)
          expect(actionKeys.has(`${c.routeTableId} ${c.cidr}`)).toBe(
            c.action === "create" || c.action === "delete",
          );
      }),
      { numRuns: 2000 },
    );
  });

  it("never leaves a CIDR that had an active route without one, and after a failover every CIDR has a static route", () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const { routes, g, decision } = build(w);
        const plan = planRoutes(decision, routes, g);
        const after = apply(plan, routes, g).routes;
        const activeBefore = new Set(routes.filter((r) => r.state === "active").map(key));
        const activeAfter = new Set(after.filter((r) => r.state === "active").map(key));
        for (const k of activeBefore) expect(activeAfter.has(k)).toBe(true);
        if (w.desired === "vpn")
          for (const t of g.tables)
            for (const c of CIDRS)
              expect(
                after.some(
                  (r) =>
                    r.routeTableId === t.routeTableId && r.destination === c && r.origin === "CreateRoute",
                ),
              ).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("is idempotent: planning against the state after applying the plan yields no action", () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const { routes, g, decision } = build(w);
        const plan = planRoutes(decision, routes, g);
        const next = apply(plan, routes, g);
        const again = planRoutes(decision, next.routes, next.g);
        expect(again.actions).toEqual([]);
        expect(again.ownership).toEqual(plan.ownership);
      }),
      { numRuns: 2000 },
    );
  });

  it("ownership lists every static route it created and nothing that is not ours", () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const { routes, g, decision } = build(w);
        const plan = planRoutes(decision, routes, g);
        const next = apply(plan, routes, g);
        for (const a of plan.actions.filter((x) => x.params.operation === "create"))
          expect(plan.ownership[a.params.routeTableId]).toContain(a.params.destinationCidrBlock);
        if (w.desired !== "hold")
          for (const t of next.g.tables)
            for (const c of t.created) {
              const st = next.routes.find(
                (r) => r.routeTableId === t.routeTableId && r.destination === c && r.origin === "CreateRoute",
              );
              expect(st?.targets).toEqual([{ kind: "network-interface", id: ENI }]);
            }
      }),
      { numRuns: 1000 },
    );
  });
});
