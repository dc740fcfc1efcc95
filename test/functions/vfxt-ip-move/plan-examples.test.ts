import { describe, expect, it } from "vitest";
import { expandAddresses } from "../../../functions/vfxt-ip-move/addresses";
import {
  type ClusterObservation,
  type ClusterPolicy,
  type NodeState,
  planCluster,
} from "../../../functions/vfxt-ip-move/plan";

/** The pure plan of vfxt-ip-move on hand-written clusters: one rule per example. */

const NOW = Date.parse("2026-03-02T09:00:00Z");
const DAY = 86_400_000;
const S1 = { id: "subnet-00000001", cidr: "10.0.1.0/24" };
const S2 = { id: "subnet-00000002", cidr: "10.0.2.0/24" };
const TABLES = ["rtb-00000001", "rtb-00000002"];

const node = (
  k: number,
  overrides: Partial<NodeState> & { subnet?: typeof S1; secondary?: string[] } = {},
): NodeState => {
  const { subnet = S1, secondary = [], ...rest } = overrides;
  return {
    instanceId: `i-0000000${k}`,
    state: "running",
    checks: { instance: "ok", system: "ok" },
    launchedAt: NOW - DAY,
    addressLimit: 15,
    enis: [
      {
        id: `eni-0000000${k}`,
        subnetId: subnet.id,
        deviceIndex: 0,
        primaryIp: `${subnet.cidr.split(".").slice(0, 3).join(".")}.${10 + k}`,
        secondaryIps: secondary,
        sourceDestCheck: false,
      },
    ],
    ...rest,
  };
};

const cluster = (nodes: NodeState[], overrides: Partial<ClusterObservation> = {}): ClusterObservation => ({
  name: "c",
  vpcId: "vpc-00000001",
  vpcCidrs: ["10.0.0.0/16"],
  subnets: [S1, S2],
  addresses: nodes.flatMap((n) => n.enis.flatMap((e) => e.secondaryIps)),
  retired: [],
  routeTableIds: TABLES,
  nodes,
  otherHolders: {},
  routes: [],
  ...overrides,
});

const policy = (overrides: Partial<ClusterPolicy> = {}): ClusterPolicy => ({
  mode: "auto",
  graceMs: 60_000,
  bootGraceMs: 300_000,
  rebalance: false,
  homeNodes: {},
  maxAddresses: 64,
  cleanup: false,
  now: NOW,
  triggerAt: NOW - 120_000,
  ...overrides,
});

const three = (first: Partial<NodeState> = {}) => [
  node(1, { secondary: ["10.0.1.101", "10.0.1.102"], ...first }),
  node(2, { secondary: ["10.0.1.103", "10.0.1.104"] }),
  node(3, { secondary: ["10.0.1.105", "10.0.1.106"] }),
];

const movesOf = (obs: ClusterObservation, p: ClusterPolicy = policy()) =>
  planCluster(obs, p).moves.map((m) => [m.address, m.to, m.reason]);

describe("planCluster: the cluster's grace", () => {
  it("a node stopped 30 s ago with a 60 s grace: nothing moves yet, the plan says when it may", () => {
    const plan = planCluster(cluster(three({ state: "stopped", unhealthySince: NOW - 30_000 })), policy());
    expect(plan.decision).toBe("waiting-for-cluster");
    expect(plan.actions).toEqual([]);
    expect(plan.waitUntil).toBe(NOW + 30_000);
    expect(plan.skips.map((s) => [s.resource, s.reason])).toEqual([
      ["10.0.1.101", "within-grace"],
      ["10.0.1.102", "within-grace"],
    ]);
  });

  it("the grace passed: the addresses go to the least loaded healthy nodes, ties to the lower id", () => {
    const obs = cluster(three({ state: "stopped", unhealthySince: NOW - 61_000 }));
    expect(movesOf(obs)).toEqual([
      ["10.0.1.101", "i-00000002", "unhealthy-owner"],
      ["10.0.1.102", "i-00000003", "unhealthy-owner"],
    ]);
  });

  it("no time of its own (e.g. no transition reason): the grace counts from the trigger", () => {
    const obs = cluster(three({ state: "stopped" }));
    expect(planCluster(obs, policy({ triggerAt: NOW - 10_000 })).waitUntil).toBe(NOW + 50_000);
    expect(planCluster(obs, policy({ triggerAt: NOW - 60_000 })).decision).toBe("move");
  });

  it("within the grace but nowhere to go: reported at once (no waiting)", () => {
    const obs = cluster(
      three({ state: "stopped", unhealthySince: NOW - 1000 }).map((n) => ({ ...n, addressLimit: 3 })),
    );
    const plan = planCluster(obs, policy());
    expect(plan.waitUntil).toBeUndefined();
    expect(plan.skips.map((s) => s.reason)).toEqual(["no-capacity", "no-capacity"]);
  });
});

describe("planCluster: health", () => {
  it("a node just started (status checks initializing) is not a target", () => {
    const nodes = three({ state: "stopped", unhealthySince: NOW - DAY });
    nodes[1] = { ...(nodes[1] as NodeState), checks: { instance: "initializing", system: "initializing" } };
    expect(movesOf(cluster(nodes)).map(([, to]) => to)).toEqual(["i-00000003", "i-00000003"]);
  });

  it("a node inside its boot grace (checks ok, started 2 min ago) is not a target either", () => {
    const nodes = three({ state: "stopped", unhealthySince: NOW - DAY });
    nodes[1] = { ...(nodes[1] as NodeState), launchedAt: NOW - 120_000 };
    expect(movesOf(cluster(nodes)).map(([, to]) => to)).toEqual(["i-00000003", "i-00000003"]);
  });

  it("impaired: its addresses move; insufficient-data: they stay (missing evidence is no verdict)", () => {
    const impaired = three({ checks: { instance: "impaired", system: "ok" }, unhealthySince: NOW - DAY });
    expect(planCluster(cluster(impaired), policy()).decision).toBe("move");
    const unknown = three({ checks: { instance: "insufficient-data", system: "ok" } });
    const plan = planCluster(cluster(unknown), policy());
    expect(plan.actions).toEqual([]);
    expect(plan.skips.map((s) => s.reason)).toEqual(["holder-unproven", "holder-unproven"]);
  });

  it("no healthy node: nothing moves, no-healthy-node for every address that needs a home", () => {
    const nodes = three({ state: "stopped" }).map((n) => ({ ...n, state: "stopped" }));
    const plan = planCluster(cluster(nodes), policy());
    expect(plan.decision).toBe("no-healthy-node");
    expect(plan.skips.map((s) => s.reason)).toEqual(Array(6).fill("no-healthy-node"));
  });
});

describe("planCluster: targets", () => {
  it("the cluster's home node wins over the least loaded one while it is healthy", () => {
    const obs = cluster(three({ state: "stopped", unhealthySince: NOW - DAY }));
    const homes = { "10.0.1.101": "i-00000003", "10.0.1.102": "i-00000003" };
    expect(movesOf(obs, policy({ homeNodes: homes })).map(([, to]) => to)).toEqual([
      "i-00000003",
      "i-00000003",
    ]);
  });

  it("a healthy node holding none of the cluster's addresses (drained, not joined) is a target only when no serving node has room", () => {
    const nodes = [
      node(1, { secondary: ["10.0.1.101", "10.0.1.102"], state: "stopped", unhealthySince: NOW - DAY }),
      node(2, { secondary: ["10.0.1.103", "10.0.1.104", "10.0.1.105", "10.0.1.106"] }),
      node(3),
    ];
    expect(movesOf(cluster(nodes)).map(([, to]) => to)).toEqual(["i-00000002", "i-00000002"]);
    const full = nodes.map((n) => (n.instanceId === "i-00000002" ? { ...n, addressLimit: 6 } : n));
    expect(movesOf(cluster(full)).map(([, to]) => to)).toEqual(["i-00000002", "i-00000003"]);
  });

  it("rebalance on: addresses go back to a healthy home node first", () => {
    const nodes = [
      node(1),
      node(2, { secondary: ["10.0.1.101", "10.0.1.103"] }),
      node(3, { secondary: ["10.0.1.102"] }),
    ];
    const obs = cluster(nodes, { addresses: ["10.0.1.101", "10.0.1.102", "10.0.1.103"] });
    const p = policy({ rebalance: true, homeNodes: { "10.0.1.102": "i-00000001" } });
    expect(movesOf(obs, p)).toEqual([
      ["10.0.1.102", "i-00000001", "home"],
      ["10.0.1.103", "i-00000003", "rebalance"],
    ]);
  });

  it("two subnets: when every node of one subnet is gone, its addresses stay secondary (no /32 route), reported", () => {
    const nodes = [
      node(1, { state: "stopped", secondary: ["10.0.1.101"] }),
      node(2, { subnet: S2, secondary: ["10.0.2.101"] }),
    ];
    const plan = planCluster(cluster(nodes), policy());
    expect(plan.modes).toEqual({ "10.0.1.101": "secondary", "10.0.2.101": "secondary" });
    expect(plan.actions).toEqual([]);
    expect(plan.skips).toEqual([
      expect.objectContaining({ resource: "10.0.1.101", reason: "no-healthy-node-in-subnet" }),
    ]);
    expect(plan.decision).toBe("partial");
  });

  it("/32 mode: a node with source/dest check on is not a target", () => {
    const nodes = [node(1, { state: "stopped" }), node(2)].map((n) => ({
      ...n,
      enis: n.enis.map((e) => ({ ...e, sourceDestCheck: true })),
    }));
    const routes = TABLES.map((t) => ({
      routeTableId: t,
      destination: "10.99.0.10/32",
      target: "eni-00000001",
      origin: "CreateRoute",
      state: "blackhole" as const,
    }));
    const plan = planCluster(
      cluster(nodes, { addresses: ["10.99.0.10"], routes }),
      policy({ triggerAt: NOW - DAY }),
    );
    expect(plan.skips).toEqual([
      expect.objectContaining({ resource: "10.99.0.10", reason: "no-eligible-target" }),
    ]);
  });

  it("/32 mode: tables that disagree are repaired to the healthy target most tables use", () => {
    const routes = [
      {
        routeTableId: TABLES[0] as string,
        destination: "10.99.0.10/32",
        target: "eni-00000001",
        origin: "CreateRoute",
        state: "active" as const,
      },
    ];
    const plan = planCluster(cluster([node(1), node(2)], { addresses: ["10.99.0.10"], routes }), policy());
    expect(plan.actions[0]?.params).toEqual({
      kind: "routes",
      cluster: "c",
      changes: [
        {
          routeTableId: TABLES[1],
          destination: "10.99.0.10/32",
          address: "10.99.0.10",
          networkInterfaceId: "eni-00000001",
          instanceId: "i-00000001",
          operation: "create",
          previousTarget: undefined,
        },
      ],
    });
    expect(plan.moves).toEqual([
      expect.objectContaining({ reason: "route-repair", from: "i-00000001", to: "i-00000001" }),
    ]);
  });

  it("/32 mode: tables routing to two healthy nodes (the cluster moved its own table) → nothing written, routes-disagree; rebalance on settles them", () => {
    const route = (table: string, target: string) => ({
      routeTableId: table,
      destination: "10.99.0.10/32",
      target,
      origin: "CreateRoute",
      state: "active" as const,
    });
    const obs = cluster([node(1), node(2)], {
      addresses: ["10.99.0.10"],
      routeTableIds: [...TABLES, "rtb-00000003"],
      routes: [
        route("rtb-00000001", "i-00000002"),
        route("rtb-00000002", "eni-00000001"),
        route("rtb-00000003", "eni-00000001"),
      ],
    });
    const plan = planCluster(obs, policy());
    expect(plan.actions).toEqual([]);
    expect(plan.skips).toEqual([
      expect.objectContaining({ resource: "10.99.0.10", reason: "routes-disagree" }),
    ]);
    expect(plan.decision).toBe("partial");
    expect(planCluster(obs, policy({ rebalance: true })).actions).not.toEqual([]);
  });
});

describe("planCluster: addresses checked against AWS rules (never sent when they break one)", () => {
  it.each([
    ["a subnet's reserved address", "auto", "10.0.1.255", "reserved-address"],
    ["a node's primary address", "auto", "10.0.1.11", "address-is-primary-ip"],
    ["inside the VPC but in no subnet", "auto", "10.0.9.9", "in-vpc-not-in-subnet"],
    ["a /32 route inside the VPC CIDR", "route", "10.0.1.200", "route-inside-vpc"],
    ["a /32 route inside a secondary VPC CIDR", "route", "10.30.0.5", "route-inside-vpc"],
    ["secondary mode outside every subnet", "secondary", "10.250.0.1", "outside-every-subnet"],
  ] as const)("%s: %s %s → %s", (_case, mode, address, reason) => {
    const obs = cluster(three({ state: "stopped", unhealthySince: NOW - DAY }), {
      vpcCidrs: ["10.0.0.0/16", "10.30.0.0/16"],
      addresses: [address, "10.0.1.101"],
    });
    const plan = planCluster(obs, policy({ mode }));
    expect(plan.skips).toContainEqual(expect.objectContaining({ resource: address, reason }));
    expect(plan.actions.flatMap((a) => a.resources)).not.toContain(address);
  });

  it("auto mode: derived from the VPC's subnets and blocks, not from which nodes are alive", () => {
    const nodes = three({ state: "stopped" }).map((n) => ({ ...n, state: "stopped" }));
    const plan = planCluster(
      cluster(nodes, { addresses: ["10.0.1.101", "10.0.2.50", "10.250.0.11"] }),
      policy(),
    );
    expect(plan.modes).toEqual({
      "10.0.1.101": "secondary",
      "10.0.2.50": "secondary",
      "10.250.0.11": "route",
    });
    expect(plan.subnets).toEqual({ "10.0.1.101": S1.id, "10.0.2.50": S2.id });
  });

  it("an address on a foreign ENI of the VPC is never taken; on the cluster's spare ENI it is", () => {
    const obs = cluster([node(1), node(2)], {
      addresses: ["10.0.1.101", "10.0.1.102"],
      otherHolders: {
        "10.0.1.101": { eniId: "eni-0f0000001", kind: "foreign" },
        "10.0.1.102": { eniId: "eni-0c0000001", kind: "cluster-eni" },
      },
    });
    const plan = planCluster(obs, policy());
    expect(plan.skips).toEqual([
      expect.objectContaining({ resource: "10.0.1.101", reason: "held-by-foreign-eni" }),
    ]);
    expect(plan.moves).toEqual([expect.objectContaining({ address: "10.0.1.102", reason: "no-owner" })]);
  });
});

describe("planCluster: retired addresses (reconcile clean-up)", () => {
  const retiredCluster = () => {
    const nodes = three();
    nodes[0] = node(1, { secondary: ["10.0.1.101", "10.0.1.102", "10.0.1.150", "10.0.1.151"] });
    (nodes[0].enis[0] as { elasticIpAddresses?: string[] }).elasticIpAddresses = ["10.0.1.151"];
    const routes = TABLES.map((t) => ({
      routeTableId: t,
      destination: "10.99.0.99/32",
      target: "eni-00000002",
      origin: "CreateRoute",
      state: "active" as const,
    }));
    return cluster(nodes, {
      addresses: expandAddresses(["10.0.1.96/28"]).slice(5, 11),
      retired: ["10.0.1.150", "10.0.1.151", "10.99.0.99"],
      routes,
    });
  };

  it("unassigned from the nodes and their /32 routes deleted; one carrying an Elastic IP is reported, never unassigned", () => {
    const plan = planCluster(retiredCluster(), policy({ cleanup: true }));
    expect(plan.actions.map((a) => [a.kind, a.resources])).toEqual([
      ["ec2:unassign-private-ips", ["10.0.1.150"]],
      ["ec2:delete-routes", ["rtb-00000001:10.99.0.99/32", "rtb-00000002:10.99.0.99/32"]],
    ]);
    expect(plan.skips).toContainEqual(
      expect.objectContaining({ resource: "10.0.1.151", reason: "carries-elastic-ip" }),
    );
  });

  it("outside the reconcile (cleanup off): nothing is removed", () => {
    expect(planCluster(retiredCluster(), policy()).actions).toEqual([]);
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
