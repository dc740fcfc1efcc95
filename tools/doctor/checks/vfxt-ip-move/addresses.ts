/**
 * Pure judgements of a vFXT cluster's nodes and client-facing addresses: the nodes the function finds, each
 * address against the AWS rules (the capability's own `specOf`), against the subnet's CIDR reservations,
 * and where it is now (on exactly one node).
 */
import type { VfxtClusterConfig } from "../../../../functions/vfxt-ip-move/config";
import type { ClusterObservation, NodeState } from "../../../../functions/vfxt-ip-move/plan";
import { type AddressSpec, isSpec, specOf } from "../../../../functions/vfxt-ip-move/plan/modes";
import { containsAddress, parseCidr, parseIp } from "../../../../shared/net/cidr";
import type { Finding } from "../../types";
import { nodeHealth } from "./health";
import type { ClusterFacts } from "./read";
import { CHECK, finding, SOURCES } from "./sources";

export const nodeFindings = (facts: ClusterFacts, cluster: VfxtClusterConfig, tagKey: string): Finding[] => {
  const out: Finding[] = [];
  if (facts.problem !== undefined) {
    out.push(
      finding(
        CHECK.nodes,
        "error",
        cluster.name,
        facts.problem.message,
        facts.problem.fix,
        SOURCES.vfxtNodes,
      ),
    );
  }
  if (facts.nodes.length === 0) {
    out.push(
      finding(
        CHECK.nodes,
        "error",
        cluster.name,
        `no node of cluster ${cluster.name}: no instance is tagged ${tagKey}=${cluster.name}${cluster.instanceIds.length > 0 ? " among its instanceIds" : ""}, so nothing can take over a failed node's addresses`,
        `aws ec2 create-tags --resources <node-instance-id> --tags Key=${tagKey},Value=${cluster.name}`,
        SOURCES.vfxtNodes,
      ),
    );
  }
  const found = new Set(facts.nodes.map((n) => n.id));
  for (const id of cluster.instanceIds.filter((x) => !found.has(x))) {
    out.push(
      finding(
        CHECK.nodes,
        "warning",
        id,
        `${id} is in instanceIds of ${cluster.name} but is not an instance tagged ${tagKey}=${cluster.name}: it is no node`,
        `tag it (${tagKey}=${cluster.name}) or remove it from instanceIds (a replaced node needs a redeploy)`,
        SOURCES.vfxtNodes,
      ),
    );
  }
  for (const stray of facts.tagged.filter((i) => !found.has(i.id))) {
    out.push(
      finding(
        CHECK.nodes,
        "warning",
        stray.id,
        `${stray.id} is tagged ${tagKey}=${cluster.name} but not listed in instanceIds: it is no node, and addresses on it count as foreign`,
        `add it to instanceIds if it is a node, otherwise remove the tag`,
        SOURCES.vfxtNodes,
      ),
    );
  }
  return [...out, ...homeNodeFindings(cluster, found)];
};

/** A home node that is no node of the cluster is never chosen: its addresses go to the least loaded node. */
const homeNodeFindings = (cluster: VfxtClusterConfig, nodes: ReadonlySet<string>): Finding[] =>
  Object.entries(cluster.homeNodes)
    .filter(([, node]) => !nodes.has(node))
    .map(([address, node]) =>
      finding(
        CHECK.nodes,
        "warning",
        address,
        `homeNodes of ${cluster.name} sends ${address} to ${node}, which is no node of the cluster: the function moves that address to the least loaded node instead of where the cluster homes it`,
        `set homeNodes.${address} to the node the cluster homes it on (Avere "Setting Home Nodes")`,
        SOURCES.vfxtNodes,
      ),
    );

/** Which reserved address of its subnet an address is, in the VPC user guide's words. */
const reservedRole = (obs: ClusterObservation, address: string): string => {
  const subnet = obs.subnets.find((s) => containsAddress(s.cidr, address, { version: 4 }));
  const cidr = subnet === undefined ? undefined : parseCidr(subnet.cidr, { version: 4 });
  const ip = parseIp(address, 4);
  if (cidr === undefined || ip === undefined) return "reserved";
  const offset = ip.value - cidr.network;
  const roles = [
    "the network address",
    "the VPC router's address",
    "the DNS server's address",
    "reserved for future use",
  ];
  return roles[Number(offset)] ?? "the network broadcast address";
};

const RULE_FIXES: Readonly<Record<string, string>> = {
  "reserved-address":
    "choose an address from the subnet's usable range (its fifth to its second-last address)",
  "outside-every-subnet":
    "choose an address inside a subnet of the cluster's VPC (secondary mode), or use route mode with an address outside every VPC CIDR block",
  "in-vpc-not-in-subnet":
    "choose an address inside a subnet, or outside every VPC CIDR block for a /32 route",
  "route-inside-vpc":
    "choose a /32 address outside every CIDR block of the VPC (AWS refuses a /32 route inside it), or use secondary mode",
  "no-route-tables": "set routeTableIds or discoverRouteTables for the cluster",
  "vpc-unknown": "declare the cluster's vpcId, or tag its nodes",
  "address-is-primary-ip": "remove the node's primary address from the cluster's addresses: it cannot move",
};

/** Each configured address against the AWS rules, as the capability itself reads them. */
export const addressRuleFindings = (facts: ClusterFacts, cluster: VfxtClusterConfig): Finding[] => {
  const obs = facts.observation;
  if (obs === undefined) return [];
  return obs.addresses.flatMap((address) => {
    const spec = specOf(obs, cluster, address);
    if (isSpec(spec)) return [];
    // Without a node nor a vpcId the VPC is unknown: vfxt-ip-move/nodes already says so, once.
    if (spec.reason === "vpc-unknown" && facts.nodes.length === 0) return [];
    const detail =
      spec.reason === "reserved-address"
        ? `${spec.detail}: it is ${reservedRole(obs, address)}`
        : spec.detail;
    const source =
      spec.reason.startsWith("route") || spec.reason === "no-route-tables"
        ? SOURCES.routeMoreSpecific
        : spec.reason === "reserved-address"
          ? SOURCES.subnetReserved
          : SOURCES.assignPrivateIps;
    return [
      finding(
        CHECK.addressRules,
        "error",
        address,
        `${cluster.name}: ${detail}; the function never sends it to AWS (${spec.reason})`,
        RULE_FIXES[spec.reason] ?? "fix the address in the configuration",
        source,
      ),
    ];
  });
};

/** The addresses the function would serve, with their mode (those that break an AWS rule left out). */
export const specsOf = (obs: ClusterObservation, cluster: VfxtClusterConfig): AddressSpec[] =>
  obs.addresses.flatMap((address) => {
    const spec = specOf(obs, cluster, address);
    return isSpec(spec) ? [spec] : [];
  });

/** Secondary addresses against their subnet's CIDR reservations. */
export const reservationFindings = (facts: ClusterFacts, cluster: VfxtClusterConfig): Finding[] => {
  const obs = facts.observation;
  if (obs === undefined) return [];
  const out: Finding[] = [];
  const unreserved: Array<{ address: string; subnetId: string }> = [];
  for (const spec of specsOf(obs, cluster)) {
    if (spec.mode !== "secondary") continue;
    const reservations = facts.reservations.get(spec.subnetId) ?? [];
    const covering = reservations.filter((r) => containsAddress(r.cidr, spec.address, { version: 4 }));
    const prefix = covering.find((r) => r.type === "prefix");
    if (prefix !== undefined) {
      out.push(
        finding(
          CHECK.reservations,
          "error",
          spec.address,
          `${spec.address} is inside the prefix reservation ${prefix.cidr} of ${spec.subnetId}: AWS assigns the addresses of a prefix reservation to prefix-delegation ENIs itself, so the address can be taken from the cluster as part of a prefix (and the simulated account refuses assigning it explicitly, its decision 12: AWS does not document that case)`,
          `use an explicit reservation for the cluster's addresses (aws ec2 create-subnet-cidr-reservation --subnet-id ${spec.subnetId} --cidr <block> --reservation-type explicit) and keep them out of prefix reservations`,
          SOURCES.cidrReservations,
        ),
      );
    } else if (!covering.some((r) => r.type === "explicit")) {
      unreserved.push({ address: spec.address, subnetId: spec.subnetId });
    }
  }
  for (const subnetId of new Set(unreserved.map((u) => u.subnetId))) {
    const addresses = unreserved.filter((u) => u.subnetId === subnetId).map((u) => u.address);
    out.push(
      finding(
        CHECK.reservations,
        cluster.reservation === "check" ? "warning" : "info",
        subnetId,
        `${cluster.name}: ${addresses.join(", ")} ${addresses.length === 1 ? "is" : "are"} in no explicit subnet CIDR reservation of ${subnetId}: once released (a node terminated), AWS may give ${addresses.length === 1 ? "it" : "them"} to any new ENI of the subnet, where the function never takes ${addresses.length === 1 ? "it" : "them"} back`,
        `aws ec2 create-subnet-cidr-reservation --subnet-id ${subnetId} --cidr <block covering the addresses> --reservation-type explicit`,
        SOURCES.cidrReservations,
      ),
    );
  }
  return out;
};

/** Nodes holding the address on one of their ENIs (secondary). */
const holdersOf = (nodes: readonly NodeState[], address: string) =>
  nodes.flatMap((node) =>
    node.enis.filter((e) => e.secondaryIps.includes(address)).map((e) => ({ node, eniId: e.id })),
  );

/** Each secondary address on exactly one node, and a healthy one; never on a foreign ENI. */
export const placementFindings = (facts: ClusterFacts, cluster: VfxtClusterConfig): Finding[] => {
  const obs = facts.observation;
  if (obs === undefined) return [];
  return specsOf(obs, cluster).flatMap((spec): Finding[] => {
    if (spec.mode !== "secondary") return [];
    const holders = holdersOf(obs.nodes, spec.address);
    const other = obs.otherHolders[spec.address];
    const resource = spec.address;
    if (other?.kind === "foreign") {
      return [
        finding(
          CHECK.placement,
          "error",
          resource,
          `${spec.address} (${cluster.name}) is held by ${other.eniId}, an ENI of the VPC that is no node's: the function never takes it, so clients of that address reach the wrong host`,
          `free it by hand (aws ec2 unassign-private-ip-addresses --network-interface-id ${other.eniId} --private-ip-addresses ${spec.address}), then reserve the cluster's addresses (explicit subnet CIDR reservation)`,
          SOURCES.cidrReservations,
        ),
      ];
    }
    if (holders.length > 1) {
      return [
        finding(
          CHECK.placement,
          "error",
          resource,
          `${spec.address} (${cluster.name}) is on ${holders.length} node ENIs (${holders.map((h) => h.eniId).join(", ")})`,
          "leave it on one node only",
          SOURCES.assignPrivateIps,
        ),
      ];
    }
    const holder = holders[0];
    if (holder === undefined) {
      return other?.kind === "cluster-eni"
        ? []
        : [
            finding(
              CHECK.placement,
              "warning",
              resource,
              `${spec.address} (${cluster.name}) is on no ENI: unserved now; the function assigns it to a healthy node once the cluster's grace (${cluster.graceSeconds} s) has passed`,
              "check the cluster's own failover (its EC2 API access), or wait for the reconcile",
              SOURCES.assignPrivateIps,
            ),
          ];
    }
    if (nodeHealth(holder.node) !== "unhealthy") return [];
    return [
      finding(
        CHECK.placement,
        "warning",
        resource,
        `${spec.address} (${cluster.name}) is on ${holder.node.instanceId}, which is ${holder.node.state}${holder.node.state === "running" ? " with a status check impaired" : ""}: unserved now; the function moves it after the cluster's grace`,
        "check why the node failed and why the cluster did not move its addresses",
        SOURCES.assignPrivateIps,
      ),
    ];
  });
};
