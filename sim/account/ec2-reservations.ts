/**
 * Subnet CIDR reservations ("keep the addresses ours", issue 11): `CreateSubnetCidrReservation`,
 * `GetSubnetCidrReservations`, `DeleteSubnetCidrReservation`.
 *
 * VPC User Guide, "Subnet CIDR reservations": a reservation is a range AWS does not assign on its own
 * (`explicit`: "You manually assign the IP addresses"; `prefix`: kept for prefix delegation); it may
 * include addresses in use and unassigns none, nor does deleting it; "When you reserve multiple CIDR
 * ranges within the same VPC, the CIDR ranges cannot overlap" → `InvalidParameterValue` "Reservation CIDR
 * … has overlap with existing reserved CIDR block" (seen: terraform-provider-aws #45304). Automatic
 * assignment skips reservations (sim/account/vpc-addresses.ts).
 */
import type {
  CreateSubnetCidrReservationResult,
  DeleteSubnetCidrReservationResult,
  GetSubnetCidrReservationsResult,
  SubnetCidrReservation,
} from "@aws-sdk/client-ec2";
import { cidrsOverlap, cidrWithin, parseCidr } from "../../shared/net/cidr";
import type { OpContext, ServiceModel } from "./context";
import { checkIds, dryRun, maxResults, RULES, tagsFor } from "./ec2-checks";
import { awsError, ec2ParamErrors } from "./errors";
import type { ReservationTypeName, SubnetCidrReservationModel } from "./network-models";
import { applyFilters, compareStrings, type Params, paginate, readFilters, toTagList } from "./query";
import { prune } from "./state";
import { subnetOf } from "./vpc-addresses";

function toReservation(c: OpContext, r: SubnetCidrReservationModel): SubnetCidrReservation {
  return prune({
    SubnetCidrReservationId: r.id,
    SubnetId: r.subnetId,
    Cidr: r.cidr,
    ReservationType: r.type,
    OwnerId: c.accountId,
    Description: r.description,
    Tags: toTagList(r.tags),
  });
}

function readType(p: Params): ReservationTypeName {
  const type = p.reqStr("ReservationType");
  if (type !== "prefix" && type !== "explicit") {
    throw ec2ParamErrors.invalid("ReservationType", type, "Expecting one of: prefix, explicit.");
  }
  return type;
}

/** The reservation's CIDR, inside the subnet's block (the text for a CIDR outside it is a decision). */
function readCidr(p: Params, subnetCidr: string): string {
  const text = p.reqStr("Cidr");
  const cidr = parseCidr(text, { version: 4 });
  if (cidr === undefined) {
    throw awsError(
      "InvalidParameterValue",
      `Value (${text}) for parameter cidr is invalid. This is not a valid CIDR block.`,
    );
  }
  const subnet = parseCidr(subnetCidr, { version: 4 });
  if (subnet === undefined || !cidrWithin(cidr, subnet)) {
    throw awsError(
      "InvalidParameterValue",
      `Reservation CIDR ${text} is not within the subnet CIDR block ${subnetCidr}`,
    );
  }
  return text;
}

function createSubnetCidrReservation(c: OpContext, p: Params): CreateSubnetCidrReservationResult {
  const subnetId = p.reqStr("SubnetId");
  checkIds([subnetId], RULES.subnet, (id) => c.state.subnets.has(id));
  const subnet = subnetOf(c.state, subnetId);
  const cidr = readCidr(p, subnet.cidrBlock);
  const type = readType(p);
  const tags = tagsFor(p, "subnet-cidr-reservation");
  const description = p.str("Description");
  dryRun(p);
  const block = parseCidr(cidr, { version: 4 });
  for (const other of c.state.subnetCidrReservations.values()) {
    const otherBlock = parseCidr(other.cidr, { version: 4 });
    if (other.vpcId === subnet.vpcId && block && otherBlock && cidrsOverlap(block, otherBlock)) {
      throw awsError(
        "InvalidParameterValue",
        `Reservation CIDR ${cidr} has overlap with existing reserved CIDR block`,
      );
    }
  }
  const reservation: SubnetCidrReservationModel = {
    id: c.ids.next("scr"),
    subnetId,
    vpcId: subnet.vpcId,
    cidr,
    type,
    ...(description !== undefined ? { description } : {}),
    tags,
  };
  c.state.subnetCidrReservations.set(reservation.id, reservation);
  return { SubnetCidrReservation: toReservation(c, reservation) };
}

function getSubnetCidrReservations(c: OpContext, p: Params): GetSubnetCidrReservationsResult {
  const subnetId = p.reqStr("SubnetId");
  const max = maxResults(p, 5, 1000);
  const filters = readFilters(p);
  checkIds([subnetId], RULES.subnet, (id) => c.state.subnets.has(id));
  dryRun(p);
  const candidates = [...c.state.subnetCidrReservations.values()]
    .filter((r) => r.subnetId === subnetId)
    .sort((a, b) => compareStrings(a.id, b.id));
  const matched = applyFilters(candidates, filters, {
    fields: {
      reservationType: (r) => [r.type],
      "subnet-id": (r) => [r.subnetId],
    },
    tags: (r) => r.tags,
    unknown: (name) => awsError("InvalidParameterValue", `The filter '${name}' is invalid`),
  });
  const { page, nextToken } = paginate(matched, {
    maxResults: max,
    nextToken: p.str("NextToken"),
    key: `GetSubnetCidrReservations/${subnetId}`,
    errors: ec2ParamErrors,
  });
  return prune({
    SubnetIpv4CidrReservations: page.map((r) => toReservation(c, r)),
    SubnetIpv6CidrReservations: [],
    NextToken: nextToken,
  });
}

function deleteSubnetCidrReservation(c: OpContext, p: Params): DeleteSubnetCidrReservationResult {
  const id = p.reqStr("SubnetCidrReservationId");
  const reservation = c.state.subnetCidrReservations.get(id);
  if (reservation === undefined) {
    throw awsError(
      "InvalidSubnetCidrReservationID.NotFound",
      `The subnet CIDR reservation ID '${id}' does not exist`,
    );
  }
  dryRun(p);
  c.state.subnetCidrReservations.delete(id);
  return { DeletedSubnetCidrReservation: toReservation(c, reservation) };
}

export const ec2ReservationOperations: ServiceModel = {
  CreateSubnetCidrReservation: createSubnetCidrReservation,
  GetSubnetCidrReservations: getSubnetCidrReservations,
  DeleteSubnetCidrReservation: deleteSubnetCidrReservation,
};
