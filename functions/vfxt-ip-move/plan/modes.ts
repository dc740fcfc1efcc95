import { containsAddress } from "../../../shared/net/cidr";
import type { Skip } from "../../../shared/pipeline/types";
import { placeInSubnet } from "../addresses";
import type { AddressMode, ClusterObservation, ClusterPolicy } from "./types";

/**
 * The mode of each address, declared or derived once from the VPC's CIDR blocks and subnets (never from
 * which ENIs are alive), checked against the AWS rules: a secondary address lies in a subnet and is not
 * one of its five reserved addresses; a /32 route lies outside every VPC CIDR block (AWS accepts a route
 * more specific than the local route only when its destination is exactly a subnet's CIDR); no address is a
 * node's primary address. An address that breaks a rule is never sent to AWS.
 */
export type AddressSpec =
  | { address: string; mode: "secondary"; subnetId: string }
  | { address: string; mode: "route" };

const skip = (address: string, reason: string, detail: string): Skip => ({
  resource: address,
  reason,
  detail,
});

const asSecondary = (obs: ClusterObservation, address: string): AddressSpec | Skip => {
  const subnet = obs.subnets.find((s) => containsAddress(s.cidr, address, { version: 4 }));
  if (subnet === undefined) {
    return skip(
      address,
      "outside-every-subnet",
      `${address} is in no subnet of ${obs.vpcId ?? "the cluster's VPC"}`,
    );
  }
  if (placeInSubnet(subnet.cidr, address) === "reserved") {
    return skip(
      address,
      "reserved-address",
      `${address} is reserved by AWS in ${subnet.id} (${subnet.cidr}: the first four and the last address)`,
    );
  }
  return { address, mode: "secondary", subnetId: subnet.id };
};

const asRoute = (obs: ClusterObservation, address: string): AddressSpec | Skip => {
  const block = obs.vpcCidrs.find((cidr) => containsAddress(cidr, address, { version: 4 }));
  if (block !== undefined) {
    return skip(
      address,
      "route-inside-vpc",
      `${address} is inside the VPC CIDR ${block}: AWS refuses a /32 route there (only a subnet's CIDR may be more specific than the local route)`,
    );
  }
  if (obs.routeTableIds.length === 0) {
    return skip(address, "no-route-tables", "route mode and no route table configured or discovered");
  }
  return { address, mode: "route" };
};

const derive = (obs: ClusterObservation, address: string): AddressSpec | Skip => {
  if (obs.subnets.some((s) => containsAddress(s.cidr, address, { version: 4 })))
    return asSecondary(obs, address);
  const block = obs.vpcCidrs.find((cidr) => containsAddress(cidr, address, { version: 4 }));
  if (block !== undefined) {
    return skip(
      address,
      "in-vpc-not-in-subnet",
      `${address} is inside the VPC CIDR ${block} but in no subnet`,
    );
  }
  return asRoute(obs, address);
};

/** The spec of an address, or the skip that explains why it is left alone. */
export const specOf = (
  obs: ClusterObservation,
  policy: Pick<ClusterPolicy, "mode">,
  address: string,
): AddressSpec | Skip => {
  const primaryOf = obs.nodes.find((n) => n.enis.some((e) => e.primaryIp === address));
  if (primaryOf !== undefined) {
    return skip(
      address,
      "address-is-primary-ip",
      `${address} is the primary private IP of ${primaryOf.instanceId}: it cannot move`,
    );
  }
  if (obs.vpcCidrs.length === 0) {
    return skip(address, "vpc-unknown", "the cluster's VPC is not known (no vpcId, no node with a VPC)");
  }
  if (policy.mode === "secondary") return asSecondary(obs, address);
  if (policy.mode === "route") return asRoute(obs, address);
  return derive(obs, address);
};

export const isSpec = (value: AddressSpec | Skip): value is AddressSpec => "mode" in value;

export type { AddressMode };
