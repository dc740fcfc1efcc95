import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TableRoute } from "../../../../functions/dx-failover/failover/plan/effective";
import { failbackReadiness } from "../../../../functions/dx-failover/failover/plan/index";
import {
  CREATE_ROUTE_ACTION,
  DELETE_ROUTE_ACTION,
  type PlanTable,
  planRoutes,
  REPLACE_ROUTE_ACTION,
  type RouteGroup,
} from "../../../../functions/dx-failover/failover/plan/routes";
import type { CidrEligibility, PathName } from "../../../../functions/dx-failover/failover/plan/types";

/** The route plan: examples per cell kind, then properties over generated route tables (fast-check). */

const ENI = "eni-0appliance0000001";
const OLD_ENI = "eni-0appliance0000000";
const OTHER_ENI = "eni-0someoneelse00001";
const VGW = "vgw-0dx000000000001";
const CIDRS = ["10.10.0.0/16", "10.20.0.0/16", "2001:db8:10::/48"];
const TABLES = ["rtb-0000000a", "rtb-0000000b"];

const kindOf = (d: string): TableRoute["kind"] =>
  d.startsWith("pl-") ? "prefix-list" : d.includes(":") ? "ipv6" : "ipv4";
const propagated = (cidr: string, state: "active" | "blackhole" = "active"): TableRoute => ({
  destination: cidr,
  kind: kindOf(cidr),
  targets: [{ kind: "gateway", id: VGW }],
  state,
  origin: "EnableVgwRoutePropagation",
});
const staticTo = (cidr: string, eni = ENI, state: "active" | "blackhole" = "active"): TableRoute => ({
  destination: cidr,
  kind: kindOf(cidr),
  targets: [{ kind: eni.startsWith("eni-") ? "network-interface" : "gateway", id: eni }],
  state,
  origin: "CreateRoute",
});

const table = (id: string, routes: TableRoute[] = [], created: string[] = []): PlanTable => ({
  routeTableId: id,
  routes,
  created,
});
const group = (tables: PlanTable[], extra: Partial<RouteGroup> = {}): RouteGroup => ({
  name: "lz-onprem",
  applianceEniId: ENI,
  previousEnis: [],
  cidrs: CIDRS,
  tables,
  prefixLists: new Map(),
  ...extra,
});
const allPropagated = () => CIDRS.map((c) => propagated(c));
const eligible = (cidrs = CIDRS): CidrEligibility[] =>
  cidrs.map((cidr) => ({ cidr, failback: true, reason: "direct-connect-ready" }));
const toVpn = { desired: "vpn" as const, activePath: "direct-connect" as PathName, cidrs: [] };
const toDx = (cidrs = eligible()) => ({
  desired: "direct-connect" as const,
  activePath: "vpn" as PathName,
  cidrs,
});
const ops = (plan: ReturnType<typeof planRoutes>) =>
  plan.actions.map((a) => `${a.params.operation} ${a.params.routeTableId} ${a.params.destination}`).sort();

describe("planRoutes: failover", () => {
  it("creates a static route to the appliance ENI for every table × CIDR, IPv6 included", () => {
    const plan = planRoutes(toVpn, group(TABLES.map((t) => table(t, allPropagated()))));
    expect(plan.decision).toBe("failover");
    expect(
      plan.actions.every((a) => a.kind === CREATE_ROUTE_ACTION && a.params.networkInterfaceId === ENI),
    ).toBe(true);
    expect(ops(plan)).toEqual(TABLES.flatMap((t) => CIDRS.map((c) => `create ${t} ${c}`)).sort());
    expect(plan.ownership).toEqual(Object.fromEntries(TABLES.map((t) => [t, [...CIDRS].sort()])));
    expect(plan.cells.every((c) => c.override?.kind === "effective")).toBe(true);
  });

  it("judges a more specific propagated route: the override would be defeated", () => {
    const plan = planRoutes(
      toVpn,
      group([table("rtb-0000000a", [propagated("10.10.0.0/16"), propagated("10.10.7.0/24")])]),
    );
    const cell = plan.cells.find((c) => c.cidr === "10.10.0.0/16");
    expect(cell?.action).toBe("create");
    expect(cell?.override?.kind === "defeated" && cell.override.by.map((s) => s.range)).toEqual([
      "10.10.7.0/24",
    ]);
  });

  it("treats an existing static route of ours as done, and refuses a static route to another target", () => {
    const t = table(
      "rtb-0000000a",
      [staticTo("10.10.0.0/16"), staticTo("10.20.0.0/16", OTHER_ENI)],
      ["10.10.0.0/16"],
    );
    const plan = planRoutes(toVpn, group([t]));
    expect(plan.cells.map((c) => [c.cidr, c.action, c.reason])).toEqual([
      ["10.10.0.0/16", "none", "already-on-vpn"],
      ["10.20.0.0/16", "conflict", "conflicting-static-route"],
      ["2001:db8:10::/48", "create", "missing-static-route"],
    ]);
    expect(plan.skips.map((s) => s.reason)).toEqual(["conflicting-static-route"]);
  });

  it("does not adopt a static route to the appliance that it did not create", () => {
    const plan = planRoutes(toVpn, group([table("rtb-0000000a", [staticTo("10.10.0.0/16")])]));
    expect(plan.cells[0]).toMatchObject({ action: "none", reason: "static-route-not-owned" });
    expect(plan.ownership["rtb-0000000a"]).not.toContain("10.10.0.0/16");
  });

  it("appliance replaced: our route to the old ENI (blackhole, or an earlier appliance) is moved with ReplaceRoute", () => {
    const t = table(
      "rtb-0000000a",
      [staticTo("10.10.0.0/16", OLD_ENI, "blackhole"), staticTo("10.20.0.0/16", OLD_ENI)],
      ["10.10.0.0/16", "10.20.0.0/16"],
    );
    const dead = planRoutes(toVpn, group([t]));
    expect(ops(dead)).toEqual(["create rtb-0000000a 2001:db8:10::/48", "replace rtb-0000000a 10.10.0.0/16"]);
    expect(dead.cells.find((c) => c.cidr === "10.20.0.0/16")?.action).toBe("conflict"); // alive, not known as the appliance
    const known = planRoutes(toVpn, group([t], { previousEnis: [OLD_ENI] }));
    expect(
      known.actions.filter((a) => a.kind === REPLACE_ROUTE_ACTION).map((a) => a.params.destination),
    ).toEqual(["10.10.0.0/16", "10.20.0.0/16"]);
    expect(known.ownership["rtb-0000000a"]).toEqual(["10.10.0.0/16", "10.20.0.0/16", "2001:db8:10::/48"]);
  });

  it("no appliance found: nothing to write", () => {
    const plan = planRoutes(toVpn, group([table("rtb-0000000a")], { applianceEniId: undefined }));
    expect(plan.actions).toEqual([]);
    expect(plan.cells.every((c) => c.reason === "no-appliance")).toBe(true);
  });
});

describe("planRoutes: failback", () => {
  const onVpn = (routes: TableRoute[] = []) =>
    table("rtb-0000000a", [...CIDRS.map((c) => staticTo(c)), ...routes], [...CIDRS]);

  it("deletes our static routes where Direct Connect carries the CIDR again", () => {
    const plan = planRoutes(toDx(), group([onVpn(allPropagated())]));
    expect(plan.decision).toBe("failback");
    expect(plan.actions.every((a) => a.kind === DELETE_ROUTE_ACTION)).toBe(true);
    expect(plan.actions).toHaveLength(3);
    expect(plan.ownership["rtb-0000000a"]).toEqual([]);
  });

  it("an aggregate advertised (10.0.0.0/8) carries a /16: failback", () => {
    const plan = planRoutes(toDx(), group([onVpn([propagated("10.0.0.0/8")])]));
    expect(ops(plan)).toEqual(["delete rtb-0000000a 10.10.0.0/16", "delete rtb-0000000a 10.20.0.0/16"]);
    expect(plan.cells.find((c) => c.cidr === "2001:db8:10::/48")).toMatchObject({
      action: "none",
      reason: "awaiting-direct-connect",
    });
  });

  it("never leaves a CIDR without its route: no delete where Direct Connect would not carry it", () => {
    const plan = planRoutes(
      toDx(),
      group([onVpn([propagated("10.10.0.0/16", "blackhole"), staticTo("0.0.0.0/0", "igw-0abc")])]),
    );
    expect(plan.actions).toEqual([]);
    expect(plan.cells.every((c) => c.reason === "awaiting-direct-connect")).toBe(true);
  });

  it("deletes only the CIDRs the decision made eligible", () => {
    const plan = planRoutes(
      toDx([{ cidr: "10.10.0.0/16", failback: true, reason: "direct-connect-ready" }]),
      group([onVpn(allPropagated())]),
    );
    expect(ops(plan)).toEqual(["delete rtb-0000000a 10.10.0.0/16"]);
  });

  it("never deletes a static route it did not create, nor one someone re-pointed", () => {
    const t = table(
      "rtb-0000000a",
      [staticTo("10.10.0.0/16"), staticTo("10.20.0.0/16", OTHER_ENI), ...allPropagated()],
      ["10.20.0.0/16"],
    );
    const plan = planRoutes(toDx(), group([t]));
    expect(plan.actions).toEqual([]);
    expect(plan.cells.map((c) => c.reason)).toEqual([
      "static-route-not-owned",
      "conflicting-static-route",
      "on-direct-connect",
    ]);
  });

  it("hold touches nothing, not even the ownership tags", () => {
    const plan = planRoutes({ desired: "hold", activePath: "vpn", cidrs: [] }, group([onVpn()]));
    expect(plan).toMatchObject({ decision: "hold", actions: [] });
    expect(plan.ownership["rtb-0000000a"]).toEqual([...CIDRS].sort());
  });

  it("readiness: a route to the appliance it did not record as its own is reported blocked (stuck, never deleted)", () => {
    const ours = table("rtb-0000000a", [staticTo("10.10.0.0/16"), ...allPropagated()], ["10.10.0.0/16"]);
    const unowned = table("rtb-0000000b", [staticTo("10.10.0.0/16"), ...allPropagated()], []);
    const r = failbackReadiness(group([ours, unowned]));
    expect(r.ready["10.10.0.0/16"]).toBe(true); // ours may go where Direct Connect carries it
    expect(r.blocked).toEqual([
      {
        routeTableId: "rtb-0000000b",
        cidr: "10.10.0.0/16",
        segments: [expect.stringMatching(/did not record as its own/)],
      },
    ]);
    expect(failbackReadiness(group([table("rtb-0000000a", allPropagated(), [])])).ready).toEqual(
      Object.fromEntries(CIDRS.map((c) => [c, true])),
    );
  });
});

// ——— properties ———

const routeArb = fc.record({
  cidr: fc.constantFrom(...CIDRS, "10.0.0.0/8", "10.10.3.0/24", "0.0.0.0/0"),
  kind: fc.constantFrom("ours", "theirs", "propagated", "old"),
  state: fc.constantFrom("active" as const, "blackhole" as const),
});
const tableArb = fc.record({ routes: fc.array(routeArb, { maxLength: 8 }), listed: fc.subarray(CIDRS) });
const toTable = (
  id: string,
  g: { routes: { cidr: string; kind: string; state: "active" | "blackhole" }[]; listed: string[] },
): PlanTable => {
  const seen = new Set<string>();
  const routes: TableRoute[] = [];
  for (const r of g.routes) {
    if (r.kind === "propagated") routes.push(propagated(r.cidr, r.state));
    else if (!seen.has(r.cidr)) {
      seen.add(r.cidr); // one static route per destination
      routes.push(
        staticTo(r.cidr, r.kind === "ours" ? ENI : r.kind === "old" ? OLD_ENI : OTHER_ENI, r.state),
      );
    }
  }
  return table(id, routes, g.listed);
};
const desiredArb = fc.constantFrom<"vpn" | "direct-connect" | "hold">("vpn", "direct-connect", "hold");

describe("planRoutes properties", () => {
  it("never deletes or replaces a route it did not create, and deletes only where Direct Connect carries the CIDR", () => {
    fc.assert(
      fc.property(
        fc.array(tableArb, { minLength: 1, maxLength: 3 }),
        desiredArb,
        fc.boolean(),
        (gens, desired, oldKnown) => {
          const g = group(
            gens.map((t, i) => toTable(`rtb-0000000${i}`, t)),
            { previousEnis: oldKnown ? [OLD_ENI] : [] },
          );
          const plan = planRoutes(
            { desired, activePath: desired === "vpn" ? "direct-connect" : "vpn", cidrs: eligible() },
            g,
          );
          for (const a of plan.actions) {
            const t = g.tables.find((x) => x.routeTableId === a.params.routeTableId);
            if (a.params.operation !== "create") expect(t?.created).toContain(a.params.destination);
            if (a.params.operation === "delete")
              expect(
                plan.cells.find((c) => c.routeTableId === t?.routeTableId && c.cidr === a.params.destination)
                  ?.failback?.kind,
              ).toBe("direct-connect");
            if (a.params.operation === "create")
              expect(
                t?.routes.some((r) => r.origin === "CreateRoute" && r.destination === a.params.destination),
              ).toBe(false);
          }
          if (desired === "hold") expect(plan.actions).toEqual([]);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("is idempotent: planning again against the state after applying the plan yields no action", () => {
    fc.assert(
      fc.property(fc.array(tableArb, { minLength: 1, maxLength: 3 }), desiredArb, (gens, desired) => {
        const g = group(
          gens.map((t, i) => toTable(`rtb-0000000${i}`, t)),
          { previousEnis: [OLD_ENI] },
        );
        const decision = {
          desired,
          activePath: desired === "vpn" ? ("direct-connect" as PathName) : ("vpn" as PathName),
          cidrs: eligible(),
        };
        const plan = planRoutes(decision, g);
        const after = group(
          g.tables.map((t) => {
            let routes = [...t.routes];
            for (const a of plan.actions.filter((x) => x.params.routeTableId === t.routeTableId)) {
              routes = routes.filter(
                (r) => !(r.origin === "CreateRoute" && r.destination === a.params.destination),
              );
              if (a.params.operation !== "delete") routes.push(staticTo(a.params.destination));
            }
            return table(t.routeTableId, routes, plan.ownership[t.routeTableId] ?? []);
          }),
          { previousEnis: [OLD_ENI] },
        );
        expect(planRoutes(decision, after).actions).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });
});
