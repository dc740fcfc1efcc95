import { compareIps } from "../addresses";
import { moveActions } from "./actions";
import { cleanupActions } from "./cleanup";
import { type Current, currentOf } from "./holders";
import { addLoad, addSkip, healthOfNode, type Ledger, newLedger, record } from "./ledger";
import { type AddressSpec, isSpec, specOf } from "./modes";
import { rebalance } from "./rebalance";
import { routeRepairs } from "./routes";
import { chooseTarget, noTargetReason } from "./targets";
import {
  type ClusterDecision,
  type ClusterObservation,
  type ClusterPlan,
  type ClusterPolicy,
  isAlarm,
  type MoveReason,
  type NodeState,
} from "./types";

export * from "./types";

/**
 * The pure planning function of vfxt-ip-move: (observed cluster, policy) → plan. No SDK call, no clock
 * (the time is an input), no randomness: unit- and property-tested (test/functions/vfxt-ip-move/plan.test.ts).
 *
 * The function is the cluster's backstop, not a second controller: the cluster software moves its own
 * addresses. So an address moves only when it is on no healthy node (on a node that is stopped,
 * terminated or impaired, or on no ENI of the cluster's VPC), and only once the cluster's grace has passed
 * since the node failed; an address on a healthy node is never touched unless `rebalance` is on. Targets:
 * the address's home node when healthy, else the least loaded healthy node (see targets.ts, health.ts,
 * modes.ts for the rules).
 */

interface Pending {
  spec: AddressSpec;
  from?: NodeState;
  fromEni?: string;
  /** When the cluster's grace for this address started. */
  since: number;
  reason: MoveReason;
}

/** The valid addresses by address; the others are skipped with the rule they break. */
const classify = (ledger: Ledger): Map<string, AddressSpec> => {
  const specs = new Map<string, AddressSpec>();
  for (const address of [...ledger.obs.addresses].sort(compareIps)) {
    const spec = specOf(ledger.obs, ledger.policy, address);
    if (!isSpec(spec)) {
      ledger.skips.push(spec);
      continue;
    }
    specs.set(address, spec);
    ledger.modes[address] = spec.mode;
    if (spec.mode === "secondary") ledger.subnets[address] = spec.subnetId;
  }
  return specs;
};

/**
 * When the last failure EC2 reports for a node happened: an address on no ENI whose last holder is unknown
 * (its ENI deleted with its terminated node) was released then, not when some later event or reconcile ran.
 */
const lastFailure = (ledger: Ledger): number | undefined => {
  const times = ledger.nodes.flatMap((n) =>
    healthOfNode(ledger, n.instanceId) === "unhealthy" && n.unhealthySince !== undefined
      ? [n.unhealthySince]
      : [],
  );
  return times.length === 0 ? undefined : Math.max(...times);
};

const pendingOf = (ledger: Ledger, spec: AddressSpec, current: Current): Pending => {
  const { now, triggerAt } = ledger.policy;
  if (current.kind === "node") {
    const since = Math.min(now, current.node.unhealthySince ?? triggerAt);
    return { spec, from: current.node, fromEni: current.eniId, since, reason: "unhealthy-owner" };
  }
  const previous = current.kind === "none" ? current.previous : undefined;
  const failedAt = previous === undefined ? lastFailure(ledger) : previous.unhealthySince;
  const since = Math.min(now, failedAt ?? triggerAt);
  const fromEni = current.kind === "cluster-eni" ? current.eniId : undefined;
  return {
    spec,
    from: previous,
    fromEni,
    since,
    reason: previous === undefined ? "no-owner" : "unhealthy-owner",
  };
};

/** Where each address is: held by a healthy node (kept), left alone, or pending a move. */
const locate = (ledger: Ledger, specs: ReadonlyMap<string, AddressSpec>): Pending[] => {
  const pending: Pending[] = [];
  for (const spec of specs.values()) {
    const current = currentOf(ledger, spec);
    const address = spec.address;
    if (current.kind === "foreign") {
      addSkip(
        ledger,
        address,
        "held-by-foreign-eni",
        `${address} is on ${current.eniId}, which is not an ENI of cluster ${ledger.obs.name}: never taken`,
      );
      continue;
    }
    if (current.kind === "node" && healthOfNode(ledger, current.node.instanceId) !== "unhealthy") {
      ledger.owners[address] = current.node.instanceId;
      if (healthOfNode(ledger, current.node.instanceId) === "healthy") {
        addLoad(ledger, current.node.instanceId, 1);
        ledger.serving.add(current.node.instanceId);
        if (spec.mode === "route")
          ledger.routeTargets.set(address, { eni: current.eniId, instanceId: current.node.instanceId });
      } else {
        addSkip(
          ledger,
          address,
          "holder-unproven",
          `${address} stays on ${current.node.instanceId}: not proven healthy, not proven failed`,
        );
      }
      continue;
    }
    pending.push(pendingOf(ledger, spec, current));
  }
  return pending;
};

/** Addresses whose grace has passed; the others wait (when some node could take them) or are reported. */
const applyGrace = (ledger: Ledger, pending: readonly Pending[]): Pending[] => {
  const ready: Pending[] = [];
  for (const p of pending) {
    const actAt = p.since + ledger.policy.graceMs;
    ledger.owners[p.spec.address] = p.from?.instanceId;
    if (actAt <= ledger.policy.now) {
      ready.push(p);
    } else if (chooseTarget(ledger, p.spec) === undefined) {
      const { reason, detail } = noTargetReason(ledger, p.spec);
      addSkip(ledger, p.spec.address, reason, detail);
    } else {
      addSkip(
        ledger,
        p.spec.address,
        "within-grace",
        `the cluster may still move it itself: not before ${new Date(actAt).toISOString()}`,
      );
      ledger.waitUntil = Math.min(ledger.waitUntil ?? actAt, actAt);
      if (p.fromEni !== undefined) ledger.waiting.push({ address: p.spec.address, eniId: p.fromEni });
    }
  }
  return ready;
};

const assign = (ledger: Ledger, ready: readonly Pending[]): void => {
  for (const p of ready) {
    const address = p.spec.address;
    if (ledger.budget <= 0) {
      addSkip(
        ledger,
        address,
        "max-addresses-per-invocation",
        `limit of ${ledger.policy.maxAddresses} address move(s) per invocation reached; the next invocation continues`,
      );
      continue;
    }
    const target = chooseTarget(ledger, p.spec);
    if (target === undefined) {
      const { reason, detail } = noTargetReason(ledger, p.spec);
      addSkip(ledger, address, reason, detail);
      continue;
    }
    const move = {
      address,
      mode: p.spec.mode,
      from: p.from?.instanceId,
      to: target.node.instanceId,
      toEni: target.eni.id,
      reason: p.reason,
    };
    record(ledger, move, p.fromEni);
  }
};

const noHealthyNode = (ledger: Ledger, pending: readonly Pending[]): void => {
  for (const p of pending) {
    ledger.owners[p.spec.address] = p.from?.instanceId;
    addSkip(
      ledger,
      p.spec.address,
      "no-healthy-node",
      `cluster ${ledger.obs.name} has no healthy node (${ledger.nodes.length} node(s), none running with status checks ok out of its boot grace)`,
    );
  }
};

const decide = (ledger: Ledger, actions: number): ClusterDecision => {
  const short = ledger.skips.some((s) => isAlarm(s) || s.reason === "max-addresses-per-invocation");
  if (ledger.skips.some((s) => s.reason === "no-healthy-node")) return "no-healthy-node";
  if (actions > 0) return short ? "partial" : "move";
  if (ledger.waitUntil !== undefined) return "waiting-for-cluster";
  return short ? "partial" : "nothing-to-do";
};

export const planCluster = (obs: ClusterObservation, policy: ClusterPolicy): ClusterPlan => {
  const ledger = newLedger(obs, policy);
  const specs = classify(ledger);
  const pending = locate(ledger, specs);
  if (pending.length > 0 && ledger.healthy.length === 0) noHealthyNode(ledger, pending);
  else assign(ledger, applyGrace(ledger, pending));
  const repairs = routeRepairs(ledger);
  if (policy.rebalance) rebalance(ledger, specs);
  for (const address of repairs) {
    const target = ledger.routeTargets.get(address);
    if (target === undefined || ledger.moves.some((m) => m.address === address)) continue;
    ledger.moves.push({
      address,
      mode: "route",
      from: target.instanceId,
      to: target.instanceId,
      toEni: target.eni,
      reason: "route-repair",
    });
  }
  const actions = [...moveActions(ledger, repairs), ...cleanupActions(ledger)];
  return {
    decision: decide(ledger, actions.length),
    cluster: obs.name,
    actions,
    skips: ledger.skips,
    moves: ledger.moves.sort((a, b) => compareIps(a.address, b.address)),
    owners: ledger.owners,
    loads: Object.fromEntries(ledger.loads),
    healthy: ledger.healthy.map((n) => n.instanceId),
    modes: ledger.modes,
    subnets: ledger.subnets,
    ...(ledger.waitUntil === undefined ? {} : { waitUntil: ledger.waitUntil }),
    waiting: ledger.waiting,
  };
};
