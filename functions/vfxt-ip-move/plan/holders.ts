import { healthOfNode, type Ledger } from "./ledger";
import type { AddressSpec } from "./modes";
import { rankedTargets } from "./routes";
import type { NodeState } from "./types";

/**
 * Where an address is now, in the cluster's VPC only (addresses are unique per VPC, not per Region):
 * on a node's ENI (secondary mode) or behind the /32 routes most of the cluster's tables agree on (route
 * mode); on an ENI of the VPC that is not a node's; or nowhere.
 */
export type Current =
  | { kind: "node"; node: NodeState; eniId: string }
  | { kind: "cluster-eni"; eniId: string }
  | { kind: "foreign"; eniId: string }
  | { kind: "none"; previous?: NodeState };

const secondaryHolder = (ledger: Ledger, address: string): Current => {
  for (const node of ledger.nodes) {
    const eni = node.enis.find((e) => e.secondaryIps.includes(address));
    if (eni !== undefined) return { kind: "node", node, eniId: eni.id };
  }
  const other = ledger.obs.otherHolders[address];
  return other === undefined ? { kind: "none" } : { kind: other.kind, eniId: other.eniId };
};

/**
 * The node the routes point to: the first (most agreeing) target on a healthy node whose ENI can route
 * (source/dest check off), else the first target on a node that is not proven unhealthy (left alone),
 * else none (the previous node, if the top target was one, is where the address comes from).
 */
const routeHolder = (ledger: Ledger, address: string): Current => {
  const ranked = rankedTargets(ledger, address);
  const onNode = ranked.flatMap((eniId) => {
    const node = ledger.nodeOfEni.get(eniId);
    return node === undefined ? [] : [{ node, eniId }];
  });
  const serving = onNode.find(
    (t) =>
      healthOfNode(ledger, t.node.instanceId) === "healthy" &&
      ledger.eniById.get(t.eniId)?.sourceDestCheck === false,
  );
  const kept = serving ?? onNode.find((t) => healthOfNode(ledger, t.node.instanceId) === "unproven");
  if (kept !== undefined) return { kind: "node", ...kept };
  const first = ranked[0];
  const top =
    first === undefined
      ? undefined
      : (ledger.nodeOfEni.get(first) ?? ledger.nodes.find((n) => n.instanceId === first));
  return { kind: "none", previous: top };
};

export const currentOf = (ledger: Ledger, spec: AddressSpec): Current =>
  spec.mode === "secondary" ? secondaryHolder(ledger, spec.address) : routeHolder(ledger, spec.address);
