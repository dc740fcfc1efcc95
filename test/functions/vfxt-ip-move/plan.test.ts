import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ClusterObservation,
  type ClusterPlan,
  type ClusterPolicy,
  type NodeState,
  planCluster,
  type RouteState,
} from "../../../functions/vfxt-ip-move/plan";
import { healthOf } from "../../../functions/vfxt-ip-move/plan/health";
import { containsAddress } from "../../../shared/net/cidr";

/** The pure plan of vfxt-ip-move: properties over generated clusters (fast-check), then examples. */

const NOW = Date.parse("2026-03-02T09:00:00Z");
const VPC_CIDR = "10.0.0.0/16";
const SUBNET = { id: "subnet-00000001", cidr: "10.0.0.0/24" };
const TABLES = ["rtb-00000001", "rtb-00000002"];
const nodeId = (k: number) => `i-0000000${k}`;
const eniId = (k: number) => `eni-0000000${k}`;
const secondaryAddress = (j: number) => `10.0.0.${100 + j}`;
const routeAddress = (j: number) => `10.99.0.${10 + j}`;

const STATES = [
  "running",
  "running",
  "running",
  "stopping",
  "stopped",
  "shutting-down",
  "terminated",
  "pending",
];
const CHECKS = ["ok", "ok", "ok", "impaired", "initializing", "insufficient-data"];

interface GenNode {
  state: string;
  check: string;
  /** Seconds since the last start. */
  upSeconds: number;
  /** Seconds since it failed (EC2's evidence), or undefined. */
  failedSecondsAgo: number | undefined;
  limit: number | undefined;
}

interface GenCluster {
  nodes: GenNode[];
  /** Index of the node holding each secondary-mode address, or -1 for none. */
  secondaryOwners: number[];
  /** Index of the node every table's /32 route targets, or -1 for no route. */
  routeOwners: number[];
  /** Preferred node (index) per secondary address, or -1. */
  homes: number[];
  rebalance: boolean;
  graceSeconds: number;
}

const clusterArb = (
  options: { limits?: "large" | "any"; rebalance?: boolean; grace?: "none" | "any" } = {},
) =>
  fc.integer({ min: 1, max: 5 }).chain((n) =>
    fc.record({
      nodes: fc.array(
        fc.record({
          state: fc.constantFrom(...STATES),
          check: fc.constantFrom(...CHECKS),
          upSeconds: fc.constantFrom(30, 600, 86_400),
          failedSecondsAgo: fc.option(fc.constantFrom(5, 30, 90, 3600), { nil: undefined }),
          limit:
            options.limits === "large"
              ? fc.constant(undefined)
              : fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
        }),
        { minLength: n, maxLength: n },
      ),
      secondaryOwners: fc.array(fc.integer({ min: -1, max: n - 1 }), { maxLength: 12 }),
      routeOwners: fc.array(fc.integer({ min: -1, max: n - 1 }), { maxLength: 6 }),
      homes: fc.array(fc.integer({ min: -1, max: n - 1 }), { maxLength: 12 }),
      rebalance: options.rebalance === undefined ? fc.boolean() : fc.constant(options.rebalance),
      graceSeconds: options.grace === "none" ? fc.constant(0) : fc.constantFrom(0, 60, 600),
    }),
  );

const nodeOf = (gen: GenCluster, node: GenNode, k: number): NodeState => ({
  instanceId: nodeId(k),
  state: node.state,
  checks:
    node.state === "running"
      ? { instance: node.check, system: "ok" }
      : { instance: "not-applicable", system: "not-applicable" },
  launchedAt: NOW - node.upSeconds * 1000,
  ...(node.failedSecondsAgo === undefined ? {} : { unhealthySince: NOW - node.failedSecondsAgo * 1000 }),
  addressLimit: node.limit,
  // A terminated node's primary ENI is deleted with it: its addresses are on no node.
  enis:
    node.state === "terminated"
      ? []
      : [
          {
            id: eniId(k),
            subnetId: SUBNET.id,
            deviceIndex: 0,
            primaryIp: `10.0.0.${10 + k}`,
            secondaryIps: gen.secondaryOwners.flatMap((owner, j) =>
              owner === k ? [secondaryAddress(j)] : [],
            ),
            sourceDestCheck: false,
          },
        ],
});

const observation = (gen: GenCluster): ClusterObservation => {
  const routes: RouteState[] = gen.routeOwners.flatMap((owner, j) =>
    owner < 0
      ? []
      : TABLES.map((table) => ({
          routeTableId: table,
          destination: `${routeAddress(j)}/32`,
          target: eniId(owner),
          origin: "CreateRoute",
          state: gen.nodes[owner]?.state === "running" ? ("active" as const) : ("blackhole" as const),
        })),
  );
  return {
    name: "c",
    vpcId: "vpc-00000001",
    vpcCidrs: [VPC_CIDR],
    subnets: [SUBNET],
    addresses: [
      ...gen.secondaryOwners.map((_, j) => secondaryAddress(j)),
      ...gen.routeOwners.map((_, j) => routeAddress(j)),
    ],
    retired: [],
    routeTableIds: TABLES,
    nodes: gen.nodes.map((node, k) => nodeOf(gen, node, k)),
    otherHolders: {},
    routes,
  };
};

const policyOf = (gen: GenCluster, overrides: Partial<ClusterPolicy> = {}): ClusterPolicy => ({
  mode: "auto",
  graceMs: gen.graceSeconds * 1000,
  bootGraceMs: 300_000,
  rebalance: gen.rebalance,
  homeNodes: Object.fromEntries(
    gen.homes.flatMap((home, j) =>
      home < 0 || j >= gen.secondaryOwners.length ? [] : [[secondaryAddress(j), nodeId(home)]],
    ),
  ),
  maxAddresses: 1000,
  cleanup: false,
  now: NOW,
  triggerAt: NOW - 10_000,
  ...overrides,
});

/** Applies the plan's actions to the observation: the ENIs holding each address afterwards. */
const enisAfter = (obs: ClusterObservation, plan: ClusterPlan): Map<string, Set<string>> => {
  const holders = new Map<string, Set<string>>(obs.addresses.map((a) => [a, new Set<string>()]));
  for (const node of obs.nodes)
    for (const eni of node.enis) for (const ip of eni.secondaryIps) holders.get(ip)?.add(eni.id);
  const routeTarget = new Map(obs.routes.map((r) => [`${r.routeTableId}|${r.destination}`, r.target ?? ""]));
  for (const action of plan.actions) {
    const p = action.params;
    if (p.kind === "secondary") {
      for (const a of p.assignments)
        for (const { address } of a.addresses) holders.set(address, new Set([a.networkInterfaceId]));
    }
    if (p.kind === "routes")
      for (const c of p.changes) routeTarget.set(`${c.routeTableId}|${c.destination}`, c.networkInterfaceId);
  }
  for (const address of obs.addresses) {
    if (plan.modes[address] !== "route") continue;
    holders.set(address, new Set(TABLES.map((t) => routeTarget.get(`${t}|${address}/32`) ?? "(none)")));
  }
  return holders;
};

const nodeOfEni = (obs: ClusterObservation) =>
  new Map(obs.nodes.flatMap((n) => n.enis.map((e) => [e.id, n.instanceId] as const)));

/** Owners (instance ids) of each address afterwards. */
const holdersAfter = (obs: ClusterObservation, plan: ClusterPlan): Map<string, Set<string>> => {
  const byEni = nodeOfEni(obs);
  return new Map(
    [...enisAfter(obs, plan)].map(([address, enis]) => [
      address,
      new Set([...enis].map((e) => byEni.get(e) ?? "(none)")),
    ]),
  );
};

const idsWith = (obs: ClusterObservation, policy: ClusterPolicy, health: string) =>
  new Set(
    obs.nodes.filter((n) => healthOf(n, policy.now, policy.bootGraceMs) === health).map((n) => n.instanceId),
  );

/** Where each address is before the plan (instance id), for addresses on a node. */
const holderBefore = (obs: ClusterObservation): Map<string, string> => {
  const out = new Map<string, string>();
  for (const node of obs.nodes)
    for (const eni of node.enis) for (const ip of eni.secondaryIps) out.set(ip, node.instanceId);
  const byEni = nodeOfEni(obs);
  for (const route of obs.routes) {
    const owner = byEni.get(route.target ?? "");
    if (owner !== undefined) out.set(route.destination.replace("/32", ""), owner);
  }
  return out;
};

const RUNS = { numRuns: 300 };

describe("planCluster: properties", () => {
  it("with the grace passed and limits allowing, each address ends on exactly one healthy node", () => {
    fc.assert(
      fc.property(clusterArb({ limits: "large", grace: "none" }), (gen) => {
        const obs = observation(gen);
        const policy = policyOf(gen);
        const healthy = idsWith(obs, policy, "healthy");
        fc.pre(healthy.size > 0 && idsWith(obs, policy, "unproven").size === 0);
        const plan = planCluster(obs, policy);
        for (const [address, owners] of holdersAfter(obs, plan)) {
          expect(owners.size, address).toBe(1);
          expect(healthy.has([...owners][0] ?? ""), address).toBe(true);
        }
        expect(plan.decision).not.toBe("no-healthy-node");
      }),
      RUNS,
    );
  });

  it("rebalance off: no address on a healthy node moves, nor one on a node not proven unhealthy", () => {
    fc.assert(
      fc.property(clusterArb({ rebalance: false }), (gen) => {
        const obs = observation(gen);
        const policy = policyOf(gen);
        const plan = planCluster(obs, policy);
        const before = holderBefore(obs);
        const kept = new Set([...idsWith(obs, policy, "healthy"), ...idsWith(obs, policy, "unproven")]);
        for (const move of plan.moves.filter((m) => m.reason !== "route-repair")) {
          const from = before.get(move.address);
          expect(from === undefined || !kept.has(from), JSON.stringify(move)).toBe(true);
        }
        const after = holdersAfter(obs, plan);
        for (const [address, owner] of before) {
          if (kept.has(owner) && plan.modes[address] === "secondary")
            expect([...(after.get(address) ?? [])]).toEqual([owner]);
        }
      }),
      RUNS,
    );
  });

  it("every address is on at most one ENI of the VPC after any plan, and targets are healthy nodes only", () => {
    fc.assert(
      fc.property(clusterArb(), (gen) => {
        const obs = observation(gen);
        const policy = policyOf(gen);
        const plan = planCluster(obs, policy);
        for (const [address, enis] of enisAfter(obs, plan)) {
          if (plan.modes[address] === "secondary") expect(enis.size, address).toBeLessThanOrEqual(1);
        }
        const healthy = idsWith(obs, policy, "healthy");
        for (const move of plan.moves) expect(healthy.has(move.to), JSON.stringify(move)).toBe(true);
      }),
      RUNS,
    );
  });

  it("nothing moves away from a failed node before its grace has passed (since its failure; an address of no known node: since the last failure; else the trigger)", () => {
    fc.assert(
      fc.property(clusterArb({ rebalance: false }), (gen) => {
        const obs = observation(gen);
        const policy = policyOf(gen);
        const plan = planCluster(obs, policy);
        const byId = new Map(obs.nodes.map((n) => [n.instanceId, n]));
        const failures = obs.nodes.flatMap((n) =>
          healthOf(n, policy.now, policy.bootGraceMs) === "unhealthy" && n.unhealthySince !== undefined
            ? [n.unhealthySince]
            : [],
        );
        const lastFailure = failures.length === 0 ? undefined : Math.max(...failures);
        for (const move of plan.moves.filter((m) => m.reason !== "route-repair")) {
          const since =
            (move.from === undefined ? lastFailure : byId.get(move.from)?.unhealthySince) ?? policy.triggerAt;
          expect(since + policy.graceMs, JSON.stringify(move)).toBeLessThanOrEqual(policy.now);
        }
        if (plan.waitUntil !== undefined) expect(plan.waitUntil).toBeGreaterThan(policy.now);
      }),
      RUNS,
    );
  });

  it("secondary IPs only to ENIs of the address's subnet; /32 routes only to ENIs with source/dest check off", () => {
    fc.assert(
      fc.property(clusterArb(), (gen) => {
        const obs = observation(gen);
        const plan = planCluster(obs, policyOf(gen));
        const enis = new Map(obs.nodes.flatMap((n) => n.enis.map((e) => [e.id, e] as const)));
        for (const move of plan.moves) {
          const eni = enis.get(move.toEni);
          expect(eni).toBeDefined();
          if (move.mode === "secondary") {
            expect(containsAddress(SUBNET.cidr, move.address)).toBe(true);
            expect(eni?.subnetId).toBe(SUBNET.id);
          } else expect(eni?.sourceDestCheck).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it("the instance type's addresses-per-interface limit is respected on every ENI that receives addresses", () => {
    fc.assert(
      fc.property(clusterArb({ limits: "any" }), (gen) => {
        const obs = observation(gen);
        const plan = planCluster(obs, policyOf(gen));
        const after = enisAfter(obs, plan);
        for (const node of obs.nodes) {
          for (const eni of node.enis) {
            const count = [...after].filter(
              ([a, enis]) => plan.modes[a] === "secondary" && enis.has(eni.id),
            ).length;
            const gained = plan.moves.some((m) => m.mode === "secondary" && m.toEni === eni.id);
            if (gained && node.addressLimit !== undefined)
              expect(1 + count, eni.id).toBeLessThanOrEqual(node.addressLimit);
          }
        }
      }),
      RUNS,
    );
  });

  it("no healthy node: nothing moves and the decision is no-healthy-node (when an address needs a home)", () => {
    fc.assert(
      fc.property(clusterArb(), (gen) => {
        const obs = observation(gen);
        const policy = policyOf(gen);
        fc.pre(idsWith(obs, policy, "healthy").size === 0);
        const plan = planCluster(obs, policy);
        expect(plan.actions).toEqual([]);
        expect(plan.moves).toEqual([]);
        if (plan.skips.some((s) => s.reason === "no-healthy-node"))
          expect(plan.decision).toBe("no-healthy-node");
        else expect(plan.skips.every((s) => s.reason === "holder-unproven")).toBe(true);
      }),
      RUNS,
    );
  });

  it("with rebalance on (limits allowing, no homes), the healthy nodes' loads differ by at most one", () => {
    fc.assert(
      fc.property(clusterArb({ limits: "large", rebalance: true, grace: "none" }), (gen) => {
        const obs = observation(gen);
        const policy = policyOf({ ...gen, homes: [] });
        const healthy = idsWith(obs, policy, "healthy");
        const plan = planCluster(obs, policy);
        const loads = new Map([...healthy].map((id) => [id, 0]));
        for (const owners of holdersAfter(obs, plan).values()) {
          const [owner] = [...owners];
          if (owners.size === 1 && owner !== undefined && loads.has(owner))
            loads.set(owner, (loads.get(owner) ?? 0) + 1);
        }
        const values = [...loads.values()];
        fc.pre(values.length > 0 && idsWith(obs, policy, "unproven").size === 0);
        expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
      }),
      RUNS,
    );
  });

  it("a moved address goes to its home node whenever that node is healthy", () => {
    fc.assert(
      fc.property(clusterArb({ limits: "large" }), (gen) => {
        const obs = observation(gen);
        const policy = policyOf(gen);
        const healthy = idsWith(obs, policy, "healthy");
        const plan = planCluster(obs, policy);
        for (const move of plan.moves.filter((m) => m.mode === "secondary")) {
          const home = policy.homeNodes[move.address];
          if (home !== undefined && healthy.has(home)) expect(move.to, move.address).toBe(home);
        }
      }),
      RUNS,
    );
  });

  it("maxAddresses bounds the moves; deterministic whatever the order of the nodes", () => {
    fc.assert(
      fc.property(clusterArb(), fc.integer({ min: 0, max: 5 }), (gen, max) => {
        const obs = observation(gen);
        const policy = policyOf(gen, { maxAddresses: max });
        const plan = planCluster(obs, policy);
        expect(plan.moves.filter((m) => m.reason !== "route-repair").length).toBeLessThanOrEqual(max);
        expect(planCluster({ ...obs, nodes: [...obs.nodes].reverse() }, policy)).toEqual(plan);
      }),
      RUNS,
    );
  });
});
