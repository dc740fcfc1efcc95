import type { Skip } from "../../../shared/pipeline/types";
import { type Health, healthOf } from "./health";
import type { AddressMode, ClusterObservation, ClusterPolicy, EniState, Move, NodeState } from "./types";

/**
 * The working state of one plan: who holds what, the loads and per-ENI address counts as the plan
 * changes them, and what was skipped. Built fresh for every plan (the plan stays a pure function).
 */
export interface Ledger {
  obs: ClusterObservation;
  policy: ClusterPolicy;
  /** By instance id. */
  nodes: NodeState[];
  health: Map<string, Health>;
  healthy: NodeState[];
  nodeOfEni: Map<string, NodeState>;
  eniById: Map<string, EniState>;
  skips: Skip[];
  owners: Record<string, string | undefined>;
  modes: Record<string, AddressMode>;
  subnets: Record<string, string>;
  /** Addresses per healthy node under the plan. */
  loads: Map<string, number>;
  /** Healthy nodes holding some of the cluster's addresses as observed: evidence the cluster serves there. */
  serving: Set<string>;
  /** Addresses an ENI gains (+) or loses (−) under the plan, for the per-ENI limit. */
  delta: Map<string, number>;
  /** For route-mode addresses: the ENI each /32 route targets once the plan is applied. */
  routeTargets: Map<string, { eni: string; instanceId: string }>;
  moves: Move[];
  /** The ENI each moved secondary address leaves. */
  leaves: Map<string, string>;
  budget: number;
  waitUntil?: number;
  /** Addresses within the grace, with the ENI of the failed node holding them. */
  waiting: { address: string; eniId: string }[];
}

export const byId = (a: NodeState, b: NodeState): number =>
  a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0;

export const byDevice = (a: EniState, b: EniState): number =>
  a.deviceIndex - b.deviceIndex || (a.id < b.id ? -1 : 1);

export const newLedger = (obs: ClusterObservation, policy: ClusterPolicy): Ledger => {
  const nodes = [...obs.nodes].sort(byId);
  const health = new Map(nodes.map((n) => [n.instanceId, healthOf(n, policy.now, policy.bootGraceMs)]));
  const healthy = nodes.filter((n) => health.get(n.instanceId) === "healthy");
  const nodeOfEni = new Map<string, NodeState>();
  const eniById = new Map<string, EniState>();
  for (const node of nodes) {
    for (const eni of node.enis) {
      nodeOfEni.set(eni.id, node);
      eniById.set(eni.id, eni);
    }
  }
  return {
    obs,
    policy,
    nodes,
    health,
    healthy,
    nodeOfEni,
    eniById,
    skips: [],
    owners: {},
    modes: {},
    subnets: {},
    loads: new Map(healthy.map((n) => [n.instanceId, 0])),
    serving: new Set(),
    delta: new Map(),
    routeTargets: new Map(),
    moves: [],
    leaves: new Map(),
    budget: Math.max(0, policy.maxAddresses),
    waiting: [],
  };
};

export const healthOfNode = (ledger: Ledger, instanceId: string): Health =>
  ledger.health.get(instanceId) ?? "unproven";

export const addLoad = (ledger: Ledger, instanceId: string, by: number): void => {
  const load = ledger.loads.get(instanceId);
  if (load !== undefined) ledger.loads.set(instanceId, load + by);
};

export const loadOf = (ledger: Ledger, instanceId: string): number => ledger.loads.get(instanceId) ?? 0;

const addDelta = (ledger: Ledger, eniId: string, by: number): void => {
  ledger.delta.set(eniId, (ledger.delta.get(eniId) ?? 0) + by);
};

/** Records a move: owner, loads, per-ENI counts, route target, budget. */
export const record = (ledger: Ledger, move: Move, fromEni?: string): void => {
  ledger.moves.push(move);
  ledger.owners[move.address] = move.to;
  addLoad(ledger, move.to, 1);
  if (move.from !== undefined) addLoad(ledger, move.from, -1);
  if (move.mode === "secondary") {
    addDelta(ledger, move.toEni, 1);
    if (fromEni !== undefined) {
      addDelta(ledger, fromEni, -1);
      ledger.leaves.set(move.address, fromEni);
    }
  } else {
    ledger.routeTargets.set(move.address, { eni: move.toEni, instanceId: move.to });
  }
  ledger.budget -= 1;
};

/** Takes back a move recorded earlier in this plan (a rebalance redirects it instead of chaining two). */
export const unrecord = (ledger: Ledger, move: Move): void => {
  ledger.moves.splice(ledger.moves.indexOf(move), 1);
  addLoad(ledger, move.to, -1);
  if (move.from !== undefined) addLoad(ledger, move.from, 1);
  if (move.mode === "secondary") {
    addDelta(ledger, move.toEni, -1);
    const fromEni = ledger.leaves.get(move.address);
    if (fromEni !== undefined) addDelta(ledger, fromEni, 1);
    ledger.leaves.delete(move.address);
  }
  ledger.owners[move.address] = move.from;
  ledger.budget += 1;
};

export const addSkip = (ledger: Ledger, resource: string, reason: string, detail: string): void => {
  ledger.skips.push({ resource, reason, detail });
};
