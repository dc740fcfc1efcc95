/**
 * Models of the address-ownership resources a region holds beside its ENIs (sim/account/state.ts):
 * Elastic IPs and subnet CIDR reservations. Kept apart from state.ts, which only registers them.
 */

/** An Elastic IP (VPC domain) and the private address it is associated with, if any. */
export interface ElasticIpModel {
  allocationId: string;
  publicIp: string;
  association?: { associationId: string; networkInterfaceId: string; privateIpAddress: string };
  tags: Map<string, string>;
}

export type ReservationTypeName = "prefix" | "explicit";

/** A subnet CIDR reservation (`CreateSubnetCidrReservation`): AWS assigns no address of it on its own. */
export interface SubnetCidrReservationModel {
  id: string;
  subnetId: string;
  vpcId: string;
  cidr: string;
  type: ReservationTypeName;
  description?: string;
  tags: Map<string, string>;
}

/** The identity of a private address: addresses are unique per VPC, not per region. */
export function addressKey(vpcId: string, ip: string): string {
  return `${vpcId}|${ip}`;
}
