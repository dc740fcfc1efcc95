import { byDevice, type Ledger, loadOf } from "./ledger";
import type { AddressSpec } from "./modes";
import type { EniState, NodeState } from "./types";

/**
 * Where an address may go: a healthy node's ENI that can hold it (secondary: in the address's subnet,
 * below the instance type's `Ipv4AddressesPerInterface`, primary included; route: source/dest check off,
 * lowest device index). The cluster's home node for the address first, the least loaded node otherwise
 * (the cluster's own default spreads addresses evenly; nodes it serves on first), ties by instance id.
 */

const roomOn = (ledger: Ledger, node: NodeState, eni: EniState): boolean =>
  node.addressLimit === undefined ||
  1 + eni.secondaryIps.length + (ledger.delta.get(eni.id) ?? 0) < node.addressLimit;

export const targetEni = (ledger: Ledger, node: NodeState, spec: AddressSpec): EniState | undefined => {
  const enis = [...node.enis].sort(byDevice);
  if (spec.mode === "route") return enis.find((eni) => !eni.sourceDestCheck);
  return enis.find((eni) => eni.subnetId === spec.subnetId && roomOn(ledger, node, eni));
};

export interface Target {
  node: NodeState;
  eni: EniState;
}

const leastLoaded = (ledger: Ledger, candidates: readonly NodeState[]): NodeState | undefined =>
  [...candidates].sort(
    (a, b) =>
      loadOf(ledger, a.instanceId) - loadOf(ledger, b.instanceId) || (a.instanceId < b.instanceId ? -1 : 1),
  )[0];

/**
 * The cluster spreads its addresses over every node that serves ("balances … across all healthy nodes"):
 * with at least as many addresses as healthy nodes, a healthy node holding none is one the cluster does not
 * serve on (suspended, offline, not yet joined). It is a target only when no serving node can take the address.
 */
const servingFirst = (ledger: Ledger, candidates: readonly NodeState[]): readonly NodeState[] => {
  if (ledger.obs.addresses.length < ledger.healthy.length) return candidates;
  const serving = candidates.filter((n) => ledger.serving.has(n.instanceId));
  return serving.length > 0 ? serving : candidates;
};

export const chooseTarget = (ledger: Ledger, spec: AddressSpec): Target | undefined => {
  const candidates = ledger.healthy.filter((n) => targetEni(ledger, n, spec) !== undefined);
  const home = ledger.policy.homeNodes[spec.address];
  const node =
    candidates.find((n) => n.instanceId === home) ?? leastLoaded(ledger, servingFirst(ledger, candidates));
  const eni = node === undefined ? undefined : targetEni(ledger, node, spec);
  return node === undefined || eni === undefined ? undefined : { node, eni };
};

/** Why no healthy node can take the address (a healthy node exists). */
export const noTargetReason = (ledger: Ledger, spec: AddressSpec): { reason: string; detail: string } => {
  if (spec.mode === "route") {
    return {
      reason: "no-eligible-target",
      detail: "no healthy node has an ENI with source/dest check off for a /32 route",
    };
  }
  const inSubnet = ledger.healthy.some((n) => n.enis.some((e) => e.subnetId === spec.subnetId));
  return inSubnet
    ? {
        reason: "no-capacity",
        detail: "every healthy node's ENI in the address's subnet is at its Ipv4AddressesPerInterface limit",
      }
    : {
        reason: "no-healthy-node-in-subnet",
        detail: `no healthy node has an ENI in ${spec.subnetId}: the address stays a secondary address (never a /32 route inside the VPC)`,
      };
};
