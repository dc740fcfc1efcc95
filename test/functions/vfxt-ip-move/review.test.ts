import { describe, expect, it } from "vitest";
import {
  type ClusterObservation,
  type ClusterPolicy,
  type NodeState,
  planCluster,
  type RouteState,
} from "../../../functions/vfxt-ip-move/plan";

/**
 * Review of the pure plan of vfxt-ip-move (issue 11): each test failed before the fix (it was `it.fails`); now
 * a plain `it`. Findings and sources: /work/notes/review-vfxt-ip-move.md.
 */

const NOW = Date.parse("2026-03-02T09:00:00Z");
const DAY = 86_400_000;
const GRACE_MS = 60_000;
const TABLES = ["rtb-00000001", "rtb-00000002"];
const ADDRESS = "10.250.0.13";

/** A multi-AZ node (one subnet each, source/dest check off: a /32 route target). */
const node = (k: number, overrides: Partial<NodeState> = {}): NodeState => ({
  instanceId: `i-0000000${k}`,
  state: "running",
  checks: { instance: "ok", system: "ok" },
  launchedAt: NOW - DAY,
  addressLimit: 15,
  enis: [
    {
      id: `eni-0000000${k}`,
      subnetId: `subnet-0000000${k}`,
      deviceIndex: 0,
      primaryIp: `10.0.${k}.10`,
      secondaryIps: [],
      sourceDestCheck: false,
    },
  ],
  ...overrides,
});

const routesTo = (target: string): RouteState[] =>
  TABLES.map((routeTableId) => ({
    routeTableId,
    destination: `${ADDRESS}/32`,
    target,
    origin: "CreateRoute",
    state: "blackhole",
  }));

const cluster = (nodes: NodeState[], routes: RouteState[]): ClusterObservation => ({
  name: "c",
  vpcId: "vpc-00000001",
  vpcCidrs: ["10.0.0.0/16"],
  subnets: [1, 2, 3].map((k) => ({ id: `subnet-0000000${k}`, cidr: `10.0.${k}.0/24` })),
  addresses: [ADDRESS],
  retired: [],
  routeTableIds: TABLES,
  nodes,
  otherHolders: {},
  routes,
});

const policy = (overrides: Partial<ClusterPolicy> = {}): ClusterPolicy => ({
  mode: "auto",
  graceMs: GRACE_MS,
  bootGraceMs: 300_000,
  rebalance: false,
  homeNodes: {},
  maxAddresses: 64,
  cleanup: false,
  now: NOW,
  triggerAt: NOW,
  ...overrides,
});

describe("review: the grace of a /32 address whose node was terminated", () => {
  it("review: the grace counts from the trigger's time, not from the termination: a retried or redriven event skips the cluster's grace", () => {
    // Node 3 was terminated 5 s ago (StateTransitionReason): EC2 deleted its ENI, so the observation has
    // no ENI for it, and the cluster's /32 routes (instance target, as AvereSDK writes them) are
    // blackholes. The invocation is a Lambda retry / failed-events redrive of an event of 10 min ago.
    const terminated = node(3, { state: "terminated", unhealthySince: NOW - 5_000, enis: [] });
    const obs = cluster([node(1), node(2), terminated], routesTo("i-00000003"));
    const plan = planCluster(obs, policy({ triggerAt: NOW - 600_000 }));
    expect(plan.moves).toEqual([]);
    expect(plan.skips).toContainEqual(expect.objectContaining({ resource: ADDRESS, reason: "within-grace" }));
    expect(plan.waitUntil).toBe(NOW - 5_000 + GRACE_MS);
  });
});
