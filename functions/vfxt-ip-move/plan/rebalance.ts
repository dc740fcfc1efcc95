import { compareIps } from "../addresses";
import { byId, healthOfNode, type Ledger, loadOf, record, unrecord } from "./ledger";
import type { AddressSpec } from "./modes";
import { targetEni } from "./targets";
import type { EniState, Move, NodeState } from "./types";

/**
 * `rebalance: true` only: moves between healthy nodes. First every address whose home node (the
 * cluster's placement) is healthy goes home; then addresses go from the most to the least loaded healthy
 * node until loads differ by at most one (an address at its home stays).
 */

/** Moves the address to `node`; an address this plan moved already is retargeted instead of moved twice. */
const moveTo = (
  ledger: Ledger,
  spec: AddressSpec,
  node: NodeState,
  eni: EniState,
  reason: Move["reason"],
) => {
  const earlier = ledger.moves.find((m) => m.address === spec.address);
  if (earlier !== undefined) {
    const fromEni = ledger.leaves.get(spec.address);
    unrecord(ledger, earlier);
    record(ledger, { ...earlier, to: node.instanceId, toEni: eni.id }, fromEni);
    return;
  }
  const from = ledger.owners[spec.address];
  const fromNode = ledger.nodes.find((n) => n.instanceId === from);
  const fromEni =
    spec.mode === "secondary"
      ? fromNode?.enis.find((e) => e.secondaryIps.includes(spec.address))?.id
      : ledger.routeTargets.get(spec.address)?.eni;
  record(
    ledger,
    { address: spec.address, mode: spec.mode, from, to: node.instanceId, toEni: eni.id, reason },
    fromEni,
  );
};

/** Addresses owned by a healthy node, not skipped: the ones a rebalance may move. */
const movable = (ledger: Ledger, specs: ReadonlyMap<string, AddressSpec>): AddressSpec[] => {
  const skipped = new Set(ledger.skips.map((s) => s.resource));
  return [...specs.values()].filter((spec) => {
    const owner = ledger.owners[spec.address];
    return owner !== undefined && healthOfNode(ledger, owner) === "healthy" && !skipped.has(spec.address);
  });
};

const returnHome = (ledger: Ledger, specs: ReadonlyMap<string, AddressSpec>): void => {
  for (const spec of movable(ledger, specs)) {
    const home = ledger.healthy.find((n) => n.instanceId === ledger.policy.homeNodes[spec.address]);
    if (home === undefined || ledger.owners[spec.address] === home.instanceId || ledger.budget <= 0) continue;
    const eni = targetEni(ledger, home, spec);
    if (eni !== undefined) moveTo(ledger, spec, home, eni, "home");
  }
};

/** One move from a node loaded two more than another, or false when loads differ by at most one. */
const evenOnce = (ledger: Ledger, specs: ReadonlyMap<string, AddressSpec>): boolean => {
  const ordered = [...ledger.healthy].sort(
    (a, b) => loadOf(ledger, a.instanceId) - loadOf(ledger, b.instanceId) || byId(a, b),
  );
  const candidates = movable(ledger, specs).sort((a, b) => compareIps(b.address, a.address));
  for (const low of ordered) {
    for (const high of [...ordered].reverse()) {
      if (loadOf(ledger, high.instanceId) - loadOf(ledger, low.instanceId) <= 1) continue;
      const spec = candidates.find(
        (s) =>
          ledger.owners[s.address] === high.instanceId &&
          ledger.policy.homeNodes[s.address] !== high.instanceId &&
          targetEni(ledger, low, s) !== undefined,
      );
      const eni = spec === undefined ? undefined : targetEni(ledger, low, spec);
      if (spec === undefined || eni === undefined) continue;
      moveTo(ledger, spec, low, eni, "rebalance");
      return true;
    }
  }
  return false;
};

export const rebalance = (ledger: Ledger, specs: ReadonlyMap<string, AddressSpec>): void => {
  returnHome(ledger, specs);
  for (let guard = 0; guard < specs.size && ledger.budget > 0; guard += 1) {
    if (!evenOnce(ledger, specs)) break;
  }
};
