import { type EC2Client, GetSubnetCidrReservationsCommand } from "@aws-sdk/client-ec2";
import { awsCall } from "../../shared/aws/errors";
import { containsAddress } from "../../shared/net/cidr";
import { compareIps } from "./addresses";
import type { VfxtClusterConfig } from "./config";
import type { ClusterPlan } from "./plan";

/**
 * "Keep the addresses ours" (reconcile, `reservation: "check"`): AWS hands a released address to any new
 * ENI of its subnet unless a subnet CIDR reservation of type `explicit` covers it (VPC User Guide, "Subnet
 * CIDR reservations": AWS does not use the addresses of an explicit reservation; you assign them). Every
 * secondary-mode address outside such a reservation is reported.
 */

export interface ReservationCheck {
  cluster: string;
  /** Secondary-mode addresses no explicit reservation of their subnet covers. */
  notReserved: string[];
}

/** The CIDRs of the subnet's `explicit` reservations (prefix reservations are AWS's to assign from). */
const loadExplicitReservations = async (ec2: EC2Client, subnetId: string): Promise<string[]> => {
  const out: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall("ec2", "GetSubnetCidrReservations", () =>
      ec2.send(
        new GetSubnetCidrReservationsCommand({
          SubnetId: subnetId,
          Filters: [{ Name: "reservationType", Values: ["explicit"] }],
          NextToken: nextToken,
        }),
      ),
    );
    for (const r of page.SubnetIpv4CidrReservations ?? []) if (r.Cidr !== undefined) out.push(r.Cidr);
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
};

/** Addresses (address → subnet) that no explicit reservation of their subnet covers. */
const unreserved = (
  subnets: Readonly<Record<string, string>>,
  reservations: ReadonlyMap<string, readonly string[]>,
): string[] =>
  Object.entries(subnets)
    .filter(
      ([address, subnet]) => !(reservations.get(subnet) ?? []).some((cidr) => containsAddress(cidr, address)),
    )
    .map(([address]) => address)
    .sort(compareIps);

export const checkReservations = async (
  ec2: EC2Client,
  clusters: readonly VfxtClusterConfig[],
  plans: readonly ClusterPlan[],
): Promise<ReservationCheck[]> => {
  const out: ReservationCheck[] = [];
  for (const config of clusters.filter((c) => c.reservation === "check")) {
    const plan = plans.find((p) => p.cluster === config.name);
    if (plan === undefined || Object.keys(plan.subnets).length === 0) continue;
    const reservations = new Map<string, string[]>();
    for (const subnet of new Set(Object.values(plan.subnets))) {
      reservations.set(subnet, await loadExplicitReservations(ec2, subnet));
    }
    out.push({ cluster: config.name, notReserved: unreserved(plan.subnets, reservations) });
  }
  return out;
};
