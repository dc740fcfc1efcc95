import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expandAddresses } from "../../../functions/vfxt-ip-move/addresses";
import {
  type ClusterObservation,
  type ClusterPlan,
  isHealthy,
  type NodeState,
  planCluster,
  type RouteState,
} from "../../../functions/vfxt-ip-move/plan";
import { containsAddress } from "../../../shared/net/cidr";

/** The pure plan of vfxt-ip-move: examples, then properties over generated clusters (fast-check). */

const SUBNET = "10.0.0.0/24";
const TABLES = ["rtb-00000001", "rtb-00000002"];
const nodeId = (k: number) => `i-0000000${k}`;
const eniId = (k: number) => `eni-0000000${k}`;
const secondaryAddress = (j: number) => `10.0.0.${100 + j}`;
const routeAddress = (j: number) => `10.99.0.${10 + j}`;

interface GenCluster {
  nodes: Array<{ state: string; failing: boolean; limit: number | undefined }>;
  /** Index of the node holding each secondary-mode address, or -1 for none. */
  secondaryOwners: number[];
  /** Index of the node every table's /32 route targets, or -1 for no route. */
  routeOwners: number[];
  rebalance: boolean;
}

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

const clusterArb = (options: { limits: "large" | "any"; rebalance?: boolean }) =>
  fc.integer({ min: 1, max: 5 }).chain((n) =>
    fc.record({
      nodes: fc.array(
        fc.record({
          state: fc.constantFrom(...STATES),
          failing: fc.boolean(),
          limit:
            options.limits === "large"
              ? fc.constant(undefined)
              : fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
        }),
        { minLength: n, maxLength: n },
      ),
      secondaryOwners: fc.array(fc.integer({ min: -1, max: n - 1 }), { maxLength: 12 }),
      routeOwners: fc.array(fc.integer({ min: -1, max: n - 1 }), { maxLength: 6 }),
      rebalance: options.rebalance === undefined ? fc.boolean() : fc.constant(options.rebalance),
    }),
  );

const observation = (gen: GenCluster): ClusterObservation => {
  const nodes: NodeState[] = gen.nodes.map((node, k) => ({
    instanceId: nodeId(k),
    state: node.state,
    statusCheckFailing: node.failing,
    addressLimit: node.limit,
    // A terminated node's primary ENI is deleted with it: its addresses are on no node.
    enis:
      node.state === "terminated"
        ? []
        : [
            {
              id: eniId(k),
              subnetId: "subnet-00000001",
              subnetCidr: SUBNET,
              deviceIndex: 0,
              primaryIp: `10.0.0.${10 + k}`,
              secondaryIps: gen.secondaryOwners.flatMap((owner, j) =>
                owner === k ? [secondaryAddress(j)] : [],
              ),
              sourceDestCheck: false,
            },
          ],
  }));
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
    addresses: [
      ...gen.secondaryOwners.map((_, j) => secondaryAddress(j)),
      ...gen.routeOwners.map((_, j) => routeAddress(j)),
    ],
    routeTableIds: TABLES,
    rebalance: gen.rebalance,
    nodes,
    clusterEniHolders: {},
    foreignHolders: {},
    routes,
  };
};

/** Applies the plan's actions to the observation: who holds each address afterwards (instance ids). */
const holdersAfter = (obs: ClusterObservation, plan: ClusterPlan): Map<string, Set<string>> => {
  const holders = new Map<string, Set<string>>(obs.addresses.map((a) => [a, new Set<string>()]));
  const nodeOfEni = new Map(obs.nodes.flatMap((n) => n.enis.map((e) => [e.id, n.instanceId] as const)));
  for (const node of obs.nodes)
    for (const eni of node.enis) for (const ip of eni.secondaryIps) holders.get(ip)?.add(node.instanceId);
  const routeTarget = new Map<string, string>();
  for (const route of obs.routes)
    routeTarget.set(`${route.routeTableId}|${route.destination}`, route.target ?? "");
  for (const action of plan.actions) {
    if (action.params.kind === "secondary") {
      for (const assignment of action.params.assignments) {
        for (const { address } of assignment.addresses) {
          holders.set(address, new Set([assignment.instanceId]));
        }
      }
    } else {
      for (const change of action.params.changes) {
        routeTarget.set(`${change.routeTableId}|${change.destination}`, change.networkInterfaceId);
      }
    }
  }
  for (const address of obs.addresses) {
    if (plan.modes[address] !== "route") continue;
    const owners = new Set<string>();
    for (const table of obs.routeTableIds) {
      const eni = routeTarget.get(`${table}|${address}/32`);
      owners.add(eni === undefined ? "(none)" : (nodeOfEni.get(eni) ?? "(none)"));
    }
    holders.set(address, owners);
  }
  return holders;
};

const healthyIds = (obs: ClusterObservation) => new Set(obs.nodes.filter(isHealthy).map((n) => n.instanceId));

const loadsAfter = (obs: ClusterObservation, plan: ClusterPlan) => {
  const loads = new Map<string, number>([...healthyIds(obs)].map((id) => [id, 0]));
  for (const owners of holdersAfter(obs, plan).values()) {
    if (owners.size !== 1) continue;
    const [owner] = [...owners];
    if (owner !== undefined && loads.has(owner)) loads.set(owner, (loads.get(owner) ?? 0) + 1);
  }
  return loads;
};

const RUNS = { numRuns: 400 };

describe("planCluster: properties", () => {
  it("each address is owned by exactly one healthy node afterwards (limits allowing, some node healthy)", () => {
    fc.assert(
      fc.property(clusterArb({ limits: "large" }), (gen) => {
        const obs = observation(gen);
        const healthy = healthyIds(obs);
        fc.pre(healthy.size > 0);
        const plan = planCluster(obs, { maxAddresses: 1000 });
        for (const [address, owners] of holdersAfter(obs, plan)) {
          expect(owners.size, address).toBe(1);
          expect(healthy.has([...owners][0] ?? ""), address).toBe(true);
        }
        expect(plan.decision).not.toBe("no-healthy-node");
      }),
      RUNS,
    );
  });

  it("loads differ by at most one among the targets (each target was least loaded when it got an address)", () => {
    fc.assert(
      fc.property(clusterArb({ limits: "large", rebalance: false }), (gen) => {
        const obs = observation(gen);
        const plan = planCluster(obs, { maxAddresses: 1000 });
        const loads = loadsAfter(obs, plan);
        const targets = new Set(plan.moves.filter((m) => m.reason !== "route-repair").map((m) => m.to));
        for (const target of targets) {
          for (const [other, load] of loads) {
            expect(loads.get(target) ?? 0, `${target} vs ${other}`).toBeLessThanOrEqual(load + 1);
          }
        }
      }),
      RUNS,
    );
  });

  it("only addresses of unhealthy nodes (or of no node) move; a healthy owner keeps its addresses", () => {
    fc.assert(
      fc.property(clusterArb({ limits: "any", rebalance: false }), (gen) => {
        const obs = observation(gen);
        const plan = planCluster(obs, { maxAddresses: 1000 });
        const healthy = healthyIds(obs);
        for (const move of plan.moves) {
          expect(move.from === undefined || !healthy.has(move.from), JSON.stringify(move)).toBe(true);
          expect(healthy.has(move.to)).toBe(true);
        }
        const after = holdersAfter(obs, plan);
        for (const node of obs.nodes.filter(isHealthy)) {
          for (const ip of node.enis.flatMap((e) => e.secondaryIps)) {
            expect([...(after.get(ip) ?? [])]).toEqual([node.instanceId]);
          }
        }
      }),
      RUNS,
    );
  });

  it("secondary IPs only to ENIs in a subnet that contains them; /32 routes only to ENIs with source/dest check off", () => {
    fc.assert(
      fc.property(clusterArb({ limits: "any" }), (gen) => {
        const obs = observation(gen);
        const plan = planCluster(obs, { maxAddresses: 1000 });
        const enis = new Map(obs.nodes.flatMap((n) => n.enis.map((e) => [e.id, e] as const)));
        for (const move of plan.moves) {
          const eni = enis.get(move.toEni);
          expect(eni).toBeDefined();
          if (move.mode === "secondary")
            expect(containsAddress(eni?.subnetCidr ?? "", move.address)).toBe(true);
          else expect(eni?.sourceDestCheck).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it("the instance type's addresses-per-interface limit is respected on every ENI that receives addresses", () => {
    fc.assert(
      fc.property(clusterArb({ limits: "any" }), (gen) => {
        const obs = observation(gen);
        const plan = planCluster(obs, { maxAddresses: 1000 });
        const gained = new Map<string, number>();
        const lost = new Map<string, number>();
        for (const action of plan.actions) {
          if (action.params.kind !== "secondary") continue;
          for (const a of action.params.assignments) {
            gained.set(a.networkInterfaceId, (gained.get(a.networkInterfaceId) ?? 0) + a.addresses.length);
            for (const x of a.addresses)
              if (x.fromEniId) lost.set(x.fromEniId, (lost.get(x.fromEniId) ?? 0) + 1);
          }
        }
        for (const node of obs.nodes) {
          for (const eni of node.enis) {
            const plus = gained.get(eni.id) ?? 0;
            if (plus === 0 || node.addressLimit === undefined) continue;
            const total = 1 + eni.secondaryIps.length + plus - (lost.get(eni.id) ?? 0);
            expect(total, eni.id).toBeLessThanOrEqual(node.addressLimit);
          }
        }
      }),
      RUNS,
    );
  });

  it("no healthy node: nothing moves and the decision is no-healthy-node (when an address needs a home)", () => {
    fc.assert(
      fc.property(clusterArb({ limits: "any" }), (gen) => {
        const obs = observation(gen);
        fc.pre(healthyIds(obs).size === 0);
        const plan = planCluster(obs, { maxAddresses: 1000 });
        if (obs.addresses.length === 0) expect(plan.decision).toBe("nothing-to-do");
        else {
          expect(plan.decision).toBe("no-healthy-node");
          expect(plan.actions).toEqual([]);
          expect(plan.moves).toEqual([]);
          expect(plan.skips.map((s) => s.reason)).toEqual(obs.addresses.map(() => "no-healthy-node"));
        }
      }),
      RUNS,
    );
  });

  it("with rebalance on (limits allowing), the healthy nodes' loads differ by at most one", () => {
    fc.assert(
      fc.property(clusterArb({ limits: "large", rebalance: true }), (gen) => {
        const obs = observation(gen);
        const plan = planCluster(obs, { maxAddresses: 1000 });
        const loads = [...loadsAfter(obs, plan).values()];
        fc.pre(loads.length > 0);
        expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
      }),
      RUNS,
    );
  });

  it("maxAddresses bounds the moves; deterministic whatever the order of the nodes", () => {
    fc.assert(
      fc.property(clusterArb({ limits: "any" }), fc.integer({ min: 0, max: 5 }), (gen, max) => {
        const obs = observation(gen);
        const plan = planCluster(obs, { maxAddresses: max });
        expect(plan.moves.filter((m) => m.reason !== "route-repair").length).toBeLessThanOrEqual(max);
        const reversed = planCluster({ ...obs, nodes: [...obs.nodes].reverse() }, { maxAddresses: max });
        expect(reversed).toEqual(plan);
      }),
      RUNS,
    );
  });
});

describe("planCluster: examples", () => {
  const base = (): ClusterObservation =>
    observation({
      nodes: [
        { state: "running", failing: false, limit: 15 },
        { state: "running", failing: false, limit: 15 },
        { state: "running", failing: false, limit: 15 },
      ],
      secondaryOwners: [0, 0, 1, 1, 2, 2],
      routeOwners: [],
      rebalance: false,
    });

  it("a healthy cluster: nothing to do", () => {
    const plan = planCluster(base(), { maxAddresses: 10 });
    expect(plan).toMatchObject({ decision: "nothing-to-do", actions: [], skips: [], moves: [] });
    expect(plan.loads).toEqual({ [nodeId(0)]: 2, [nodeId(1)]: 2, [nodeId(2)]: 2 });
  });

  it("a stopping node is unhealthy and never a target; ties go to the lower instance id", () => {
    const obs = base();
    const nodes = obs.nodes.map((n, k) => (k === 0 ? { ...n, state: "stopping" } : n));
    const plan = planCluster({ ...obs, nodes }, { maxAddresses: 10 });
    expect(plan.decision).toBe("move");
    expect(plan.moves.map((m) => [m.address, m.to, m.reason])).toEqual([
      ["10.0.0.100", nodeId(1), "unhealthy-owner"],
      ["10.0.0.101", nodeId(2), "unhealthy-owner"],
    ]);
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({
      id: "move-secondary-ips:c",
      kind: "ec2:assign-private-ips",
      resources: ["10.0.0.100", "10.0.0.101"],
    });
  });

  it("an address that is a node's primary IP is reported, never moved", () => {
    const obs = { ...base(), addresses: ["10.0.0.10"] };
    const plan = planCluster(obs, { maxAddresses: 10 });
    expect(plan.skips).toEqual([
      expect.objectContaining({ resource: "10.0.0.10", reason: "address-is-primary-ip" }),
    ]);
  });

  it("/32 mode: a node with source/dest check on is not a target", () => {
    const obs = observation({
      nodes: [
        { state: "stopped", failing: false, limit: 15 },
        { state: "running", failing: false, limit: 15 },
      ],
      secondaryOwners: [],
      routeOwners: [0],
      rebalance: false,
    });
    const nodes = obs.nodes.map((n) => ({
      ...n,
      enis: n.enis.map((e) => ({ ...e, sourceDestCheck: true })),
    }));
    const plan = planCluster({ ...obs, nodes }, { maxAddresses: 10 });
    expect(plan.decision).toBe("partial");
    expect(plan.skips).toEqual([
      expect.objectContaining({ resource: "10.99.0.10", reason: "no-eligible-target" }),
    ]);
  });

  it("/32 mode: tables that disagree are repaired to the healthy target most tables use", () => {
    const obs = observation({
      nodes: [
        { state: "running", failing: false, limit: 15 },
        { state: "running", failing: false, limit: 15 },
      ],
      secondaryOwners: [],
      routeOwners: [0],
      rebalance: false,
    });
    const routes = obs.routes.filter((r) => r.routeTableId === TABLES[0]);
    const plan = planCluster({ ...obs, routes }, { maxAddresses: 10 });
    expect(plan.actions[0]?.params).toEqual({
      kind: "routes",
      cluster: "c",
      changes: [
        {
          routeTableId: TABLES[1],
          destination: "10.99.0.10/32",
          address: "10.99.0.10",
          networkInterfaceId: eniId(0),
          instanceId: nodeId(0),
          operation: "create",
          previousTarget: undefined,
        },
      ],
    });
    expect(plan.moves).toEqual([
      expect.objectContaining({ reason: "route-repair", from: nodeId(0), to: nodeId(0) }),
    ]);
  });
});

describe("expandAddresses", () => {
  it("expands ranges, deduplicates and sorts numerically", () => {
    expect(expandAddresses(["10.0.0.9", "10.0.0.8/30", "10.0.0.10"])).toEqual([
      "10.0.0.8",
      "10.0.0.9",
      "10.0.0.10",
      "10.0.0.11",
    ]);
    expect(expandAddresses(["10.0.1.0/24"])).toHaveLength(256);
  });

  it("refuses a range with host bits set", () => {
    expect(() => expandAddresses(["10.0.0.9/30"])).toThrow(/host bits/);
  });
});
