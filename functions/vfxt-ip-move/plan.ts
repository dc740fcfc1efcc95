import { containsAddress } from "../../shared/net/cidr";
import type { Plan, PlannedAction, Skip } from "../../shared/pipeline/types";
import { compareIps } from "./addresses";

/**
 * The pure planning function of vfxt-ip-move: (observed cluster, policy) → plan. No SDK call, no clock,
 * no randomness, so it is unit- and property-tested (test/functions/vfxt-ip-move/plan.test.ts).
 *
 * Rules:
 * - a node is healthy when it is `running` and its status-check alarm is not in ALARM; a `stopping`
 *   node is never healthy, so nothing moves to it;
 * - per address, the mode follows from the topology: inside the subnet of a node's ENI → secondary
 *   private IP; outside every node subnet → /32 route in each configured route table;
 * - an address moves only when its owner is not healthy (or it has none); with `rebalance` on, addresses
 *   also move from the most to the least loaded healthy node until loads differ by at most one;
 * - targets: least loaded healthy node first (load = addresses it owns after the plan), ties broken by
 *   instance id; a secondary IP only to an ENI in a subnet that contains it, within the instance type's
 *   `Ipv4AddressesPerInterface` (primary included); a /32 route only to an ENI with source/dest check off;
 * - an address held by an ENI that is neither a node's nor tagged for the cluster is never taken;
 * - no healthy node → nothing moves, and the decision is `no-healthy-node` (the caller alarms).
 */

export const MOVE_SECONDARY_ACTION = "ec2:assign-private-ips";
export const MOVE_ROUTES_ACTION = "ec2:replace-routes";

export interface EniState {
  id: string;
  subnetId: string;
  /** The subnet's CIDR (undefined when the subnet could not be read: no secondary IP goes there). */
  subnetCidr?: string;
  deviceIndex: number;
  primaryIp: string;
  secondaryIps: readonly string[];
  sourceDestCheck: boolean;
}

export interface NodeState {
  instanceId: string;
  state: string;
  statusCheckFailing: boolean;
  /** The instance type's `Ipv4AddressesPerInterface` (primary included); undefined: not known, no limit. */
  addressLimit?: number;
  enis: readonly EniState[];
}

export interface RouteState {
  routeTableId: string;
  destination: string;
  /** `eni-…` or `i-…` (or another target id). */
  target?: string;
  origin: string;
  state: "active" | "blackhole";
}

export interface ClusterObservation {
  name: string;
  /** Expanded, numerically sorted. */
  addresses: readonly string[];
  routeTableIds: readonly string[];
  rebalance: boolean;
  nodes: readonly NodeState[];
  /** Addresses held by ENIs that are tagged for the cluster but attached to no node (address → ENI). */
  clusterEniHolders: Readonly<Record<string, string>>;
  /** Addresses held by ENIs that are not the cluster's (address → ENI): never taken. */
  foreignHolders: Readonly<Record<string, string>>;
  /** Routes of the configured route tables (any destination; only `<address>/32` ones matter). */
  routes: readonly RouteState[];
}

export interface VfxtPolicy {
  /** At most this many address moves per invocation (all clusters together: the caller splits it). */
  maxAddresses: number;
}

export type AddressMode = "secondary" | "route";
export type MoveReason = "unhealthy-owner" | "no-owner" | "rebalance" | "route-repair";

export interface Move {
  address: string;
  mode: AddressMode;
  /** The owner before (instance id), if any. */
  from?: string;
  to: string;
  toEni: string;
  reason: MoveReason;
}

export interface SecondaryAssignment {
  networkInterfaceId: string;
  instanceId: string;
  addresses: Array<{ address: string; fromInstanceId?: string; fromEniId?: string }>;
}

export interface RouteChange {
  routeTableId: string;
  destination: string;
  address: string;
  networkInterfaceId: string;
  instanceId: string;
  operation: "replace" | "create";
  previousTarget?: string;
}

export type VfxtParams =
  | { kind: "secondary"; cluster: string; assignments: SecondaryAssignment[] }
  | { kind: "routes"; cluster: string; changes: RouteChange[] };

export type ClusterDecision = "nothing-to-do" | "move" | "partial" | "no-healthy-node";

export interface ClusterPlan extends Plan<VfxtParams> {
  decision: ClusterDecision;
  cluster: string;
  moves: Move[];
  /** The owner (instance id) of every address once the plan is applied; undefined: none. */
  owners: Record<string, string | undefined>;
  /** Addresses per healthy node once the plan is applied. */
  loads: Record<string, number>;
  healthy: string[];
  modes: Record<string, AddressMode>;
}

export const isHealthy = (node: NodeState): boolean => node.state === "running" && !node.statusCheckFailing;

const byId = (a: NodeState, b: NodeState) =>
  a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0;
const byDevice = (a: EniState, b: EniState) => a.deviceIndex - b.deviceIndex || (a.id < b.id ? -1 : 1);

/** The ENI a /32 route can target on this node: source/dest check off, lowest device index. */
const routeEniOf = (node: NodeState): EniState | undefined =>
  [...node.enis].sort(byDevice).find((eni) => !eni.sourceDestCheck);

export const planCluster = (obs: ClusterObservation, policy: VfxtPolicy): ClusterPlan => {
  const nodes = [...obs.nodes].sort(byId);
  const healthy = nodes.filter(isHealthy);
  const healthyIds = new Set(healthy.map((n) => n.instanceId));
  const nodeOfEni = new Map<string, NodeState>();
  const eniById = new Map<string, EniState>();
  for (const node of nodes) {
    for (const eni of node.enis) {
      nodeOfEni.set(eni.id, node);
      eniById.set(eni.id, eni);
    }
  }
  const primaryEniOf = (instanceId: string) =>
    nodes.find((n) => n.instanceId === instanceId)?.enis.find((e) => e.deviceIndex === 0);
  const skips: Skip[] = [];
  const owners: Record<string, string | undefined> = {};
  const modes: Record<string, AddressMode> = {};
  /** Addresses an ENI gains (+) or loses (−) under the plan, for the per-ENI limit. */
  const delta = new Map<string, number>();
  const loads = new Map<string, number>(healthy.map((n) => [n.instanceId, 0]));
  const addLoad = (instanceId: string, by: number) => {
    if (loads.has(instanceId)) loads.set(instanceId, (loads.get(instanceId) ?? 0) + by);
  };

  interface Pending {
    address: string;
    mode: AddressMode;
    from?: string;
    fromEni?: string;
    reason: MoveReason;
  }
  const pending: Pending[] = [];
  /** Current /32 route per configured table, per address (static routes only: propagated ones are not ours). */
  const staticRoute = (table: string, destination: string) =>
    obs.routes.find(
      (r) => r.routeTableId === table && r.destination === destination && r.origin === "CreateRoute",
    );
  const routeTargetEni = (target: string | undefined): string | undefined => {
    if (target === undefined) return undefined;
    if (target.startsWith("i-")) return primaryEniOf(target)?.id;
    return target;
  };
  /** For route-mode addresses: the ENI each route should target once the plan is applied. */
  const routeTargets = new Map<string, { eni: string; instanceId: string }>();

  for (const address of [...obs.addresses].sort(compareIps)) {
    const inSubnet = nodes.some((n) =>
      n.enis.some((e) => e.subnetCidr !== undefined && containsAddress(e.subnetCidr, address)),
    );
    const mode: AddressMode = inSubnet ? "secondary" : "route";
    modes[address] = mode;
    if (mode === "secondary") {
      const primaryOf = nodes.find((n) => n.enis.some((e) => e.primaryIp === address));
      if (primaryOf !== undefined) {
        skips.push({
          resource: address,
          reason: "address-is-primary-ip",
          detail: `${address} is the primary private IP of a node of ${primaryOf.instanceId}: it cannot move`,
        });
        owners[address] = primaryOf.instanceId;
        continue;
      }
      const foreign = obs.foreignHolders[address];
      if (foreign !== undefined) {
        skips.push({
          resource: address,
          reason: "held-by-foreign-eni",
          detail: `${address} is on ${foreign}, which is not an ENI of cluster ${obs.name}: not taken`,
        });
        owners[address] = undefined;
        continue;
      }
      const holderEni = nodes.flatMap((n) => n.enis).find((e) => e.secondaryIps.includes(address));
      const holder = holderEni === undefined ? undefined : nodeOfEni.get(holderEni.id);
      if (holder !== undefined && healthyIds.has(holder.instanceId)) {
        owners[address] = holder.instanceId;
        addLoad(holder.instanceId, 1);
        continue;
      }
      pending.push({
        address,
        mode,
        from: holder?.instanceId,
        fromEni: holderEni?.id ?? obs.clusterEniHolders[address],
        reason: holder === undefined ? "no-owner" : "unhealthy-owner",
      });
      continue;
    }
    // /32 route mode: the target that the most tables agree on, if it is a healthy node's ENI.
    const destination = `${address}/32`;
    const counts = new Map<string, number>();
    for (const table of obs.routeTableIds) {
      const eni = routeTargetEni(staticRoute(table, destination)?.target);
      if (eni !== undefined) counts.set(eni, (counts.get(eni) ?? 0) + 1);
    }
    const ranked = [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
    const healthyTarget = ranked.find(([eni]) => {
      const node = nodeOfEni.get(eni);
      return (
        node !== undefined && healthyIds.has(node.instanceId) && eniById.get(eni)?.sourceDestCheck === false
      );
    });
    if (healthyTarget !== undefined) {
      const node = nodeOfEni.get(healthyTarget[0]) as NodeState;
      owners[address] = node.instanceId;
      addLoad(node.instanceId, 1);
      routeTargets.set(address, { eni: healthyTarget[0], instanceId: node.instanceId });
      continue;
    }
    const previous = ranked[0] === undefined ? undefined : nodeOfEni.get(ranked[0][0]);
    pending.push({
      address,
      mode,
      from: previous?.instanceId,
      fromEni: ranked[0]?.[0],
      reason: previous === undefined ? "no-owner" : "unhealthy-owner",
    });
  }

  const moves: Move[] = [];
  let budget = Math.max(0, policy.maxAddresses);
  const roomOn = (node: NodeState, eni: EniState): boolean => {
    if (node.addressLimit === undefined) return true;
    return 1 + eni.secondaryIps.length + (delta.get(eni.id) ?? 0) < node.addressLimit;
  };
  /** The ENI of `node` an address may go to, or undefined. */
  const targetEni = (node: NodeState, address: string, mode: AddressMode): EniState | undefined => {
    if (mode === "route") return routeEniOf(node);
    return [...node.enis]
      .sort(byDevice)
      .find((e) => e.subnetCidr !== undefined && containsAddress(e.subnetCidr, address) && roomOn(node, e));
  };
  const leastLoaded = (candidates: NodeState[]): NodeState | undefined =>
    [...candidates].sort(
      (a, b) => (loads.get(a.instanceId) ?? 0) - (loads.get(b.instanceId) ?? 0) || byId(a, b),
    )[0];
  const record = (move: Move, fromEni?: string) => {
    moves.push(move);
    owners[move.address] = move.to;
    addLoad(move.to, 1);
    if (move.from !== undefined) addLoad(move.from, -1);
    if (move.mode === "secondary") {
      delta.set(move.toEni, (delta.get(move.toEni) ?? 0) + 1);
      if (fromEni !== undefined) delta.set(fromEni, (delta.get(fromEni) ?? 0) - 1);
    } else {
      routeTargets.set(move.address, { eni: move.toEni, instanceId: move.to });
    }
    budget -= 1;
  };

  let decision: ClusterDecision = "nothing-to-do";
  if (pending.length > 0 && healthy.length === 0) {
    decision = "no-healthy-node";
    for (const p of pending) {
      owners[p.address] = p.from;
      skips.push({
        resource: p.address,
        reason: "no-healthy-node",
        detail: `cluster ${obs.name} has no healthy node (${nodes.length} node(s), none running with passing status checks)`,
      });
    }
    return {
      decision,
      cluster: obs.name,
      actions: [],
      skips,
      moves,
      owners,
      loads: Object.fromEntries(loads),
      healthy: [],
      modes,
    };
  }

  let capacityShort = false;
  for (const p of pending) {
    if (budget <= 0) {
      owners[p.address] = p.from;
      skips.push({
        resource: p.address,
        reason: "max-addresses-per-invocation",
        detail: `limit of ${policy.maxAddresses} address move(s) per invocation reached; the next invocation continues`,
      });
      capacityShort = true;
      continue;
    }
    const candidates = healthy.filter((n) => targetEni(n, p.address, p.mode) !== undefined);
    const chosen = leastLoaded(candidates);
    if (chosen === undefined) {
      owners[p.address] = p.from;
      capacityShort = true;
      const inSubnet = healthy.some((n) =>
        n.enis.some((e) => e.subnetCidr !== undefined && containsAddress(e.subnetCidr, p.address)),
      );
      skips.push(
        p.mode === "route"
          ? {
              resource: p.address,
              reason: "no-eligible-target",
              detail: "no healthy node has an ENI with source/dest check off for a /32 route",
            }
          : inSubnet
            ? {
                resource: p.address,
                reason: "no-capacity",
                detail:
                  "every healthy node's ENI in the address's subnet is at its Ipv4AddressesPerInterface limit",
              }
            : {
                resource: p.address,
                reason: "no-healthy-node-in-subnet",
                detail: "no healthy node has an ENI in the address's subnet",
              },
      );
      continue;
    }
    const eni = targetEni(chosen, p.address, p.mode) as EniState;
    record(
      {
        address: p.address,
        mode: p.mode,
        from: p.from,
        to: chosen.instanceId,
        toEni: eni.id,
        reason: p.reason,
      },
      p.fromEni,
    );
  }

  // /32 routes whose tables disagree with the target that holds (a table missing the route, or one
  // pointing elsewhere): repaired, not moved.
  const routeRepairs: string[] = [];
  for (const [address, target] of routeTargets) {
    if (moves.some((m) => m.address === address)) continue;
    const destination = `${address}/32`;
    const stale = obs.routeTableIds.some(
      (table) => routeTargetEni(staticRoute(table, destination)?.target) !== target.eni,
    );
    if (stale) routeRepairs.push(address);
  }

  if (obs.rebalance) {
    for (let guard = 0; guard < obs.addresses.length && budget > 0; guard += 1) {
      const ordered = [...healthy].sort(
        (a, b) => (loads.get(a.instanceId) ?? 0) - (loads.get(b.instanceId) ?? 0) || byId(a, b),
      );
      let moved = false;
      for (const low of ordered) {
        for (const high of [...ordered].reverse()) {
          if ((loads.get(high.instanceId) ?? 0) - (loads.get(low.instanceId) ?? 0) <= 1) continue;
          const owned = Object.keys(owners)
            .filter((a) => owners[a] === high.instanceId && !skips.some((s) => s.resource === a))
            .sort(compareIps)
            .reverse();
          const address = owned.find((a) => targetEni(low, a, modes[a] as AddressMode) !== undefined);
          if (address === undefined) continue;
          const mode = modes[address] as AddressMode;
          const fromEni =
            mode === "secondary"
              ? high.enis.find((e) => e.secondaryIps.includes(address))?.id
              : routeTargets.get(address)?.eni;
          const eni = targetEni(low, address, mode) as EniState;
          const earlier = moves.findIndex((m) => m.address === address);
          if (earlier >= 0) {
            // Moved by this plan already: retarget that move instead of chaining two.
            const previous = moves[earlier] as Move;
            moves.splice(earlier, 1);
            if (previous.mode === "secondary")
              delta.set(previous.toEni, (delta.get(previous.toEni) ?? 0) - 1);
            addLoad(previous.to, -1);
            budget += 1;
            record({ ...previous, to: low.instanceId, toEni: eni.id }, undefined);
          } else {
            record(
              {
                address,
                mode,
                from: high.instanceId,
                to: low.instanceId,
                toEni: eni.id,
                reason: "rebalance",
              },
              fromEni,
            );
          }
          moved = true;
          break;
        }
        if (moved) break;
      }
      if (!moved) break;
    }
  }

  const actions: PlannedAction<VfxtParams>[] = [];
  const secondaryMoves = moves.filter((m) => m.mode === "secondary");
  if (secondaryMoves.length > 0) {
    const byEni = new Map<string, SecondaryAssignment>();
    for (const move of secondaryMoves) {
      let assignment = byEni.get(move.toEni);
      if (assignment === undefined) {
        assignment = { networkInterfaceId: move.toEni, instanceId: move.to, addresses: [] };
        byEni.set(move.toEni, assignment);
      }
      const fromEni =
        move.from === undefined
          ? obs.clusterEniHolders[move.address]
          : nodes
              .find((n) => n.instanceId === move.from)
              ?.enis.find((e) => e.secondaryIps.includes(move.address))?.id;
      assignment.addresses.push({ address: move.address, fromInstanceId: move.from, fromEniId: fromEni });
    }
    const assignments = [...byEni.values()].sort((a, b) =>
      a.networkInterfaceId < b.networkInterfaceId ? -1 : 1,
    );
    for (const a of assignments) a.addresses.sort((x, y) => compareIps(x.address, y.address));
    actions.push({
      id: `move-secondary-ips:${obs.name}`,
      kind: MOVE_SECONDARY_ACTION,
      resources: secondaryMoves.map((m) => m.address).sort(compareIps),
      description: assignments
        .map(
          (a) =>
            `${a.addresses.map((x) => x.address).join(", ")} → ${a.networkInterfaceId} (${a.instanceId})`,
        )
        .join("; "),
      params: { kind: "secondary", cluster: obs.name, assignments },
    });
  }
  const changes: RouteChange[] = [];
  const routeAddresses = [
    ...moves.filter((m) => m.mode === "route").map((m) => m.address),
    ...routeRepairs,
  ].sort(compareIps);
  for (const address of routeAddresses) {
    const target = routeTargets.get(address);
    if (target === undefined) continue;
    const destination = `${address}/32`;
    for (const table of obs.routeTableIds) {
      const route = staticRoute(table, destination);
      if (route !== undefined && routeTargetEni(route.target) === target.eni) continue;
      changes.push({
        routeTableId: table,
        destination,
        address,
        networkInterfaceId: target.eni,
        instanceId: target.instanceId,
        operation: route === undefined ? "create" : "replace",
        previousTarget: route?.target,
      });
    }
  }
  for (const address of routeRepairs) {
    const target = routeTargets.get(address);
    if (target !== undefined && !moves.some((m) => m.address === address)) {
      moves.push({
        address,
        mode: "route",
        to: target.instanceId,
        from: target.instanceId,
        toEni: target.eni,
        reason: "route-repair",
      });
    }
  }
  if (changes.length > 0) {
    actions.push({
      id: `move-routes:${obs.name}`,
      kind: MOVE_ROUTES_ACTION,
      resources: changes.map((c) => `${c.routeTableId}:${c.destination}`),
      description: changes
        .map((c) => `${c.routeTableId} ${c.destination} → ${c.networkInterfaceId} (${c.operation})`)
        .join("; "),
      params: { kind: "routes", cluster: obs.name, changes },
    });
  }
  decision = actions.length === 0 ? "nothing-to-do" : capacityShort ? "partial" : "move";
  if (actions.length === 0 && capacityShort) decision = "partial";
  return {
    decision,
    cluster: obs.name,
    actions,
    skips,
    moves: moves.sort((a, b) => compareIps(a.address, b.address)),
    owners,
    loads: Object.fromEntries(loads),
    healthy: healthy.map((n) => n.instanceId),
    modes,
  };
};
