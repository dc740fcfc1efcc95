/**
 * EC2 operations of the simulated account for addresses: secondary private IPs
 * (`AssignPrivateIpAddresses`, `UnassignPrivateIpAddresses`) and `DescribeSubnets` (routes:
 * sim/account/ec2-routes.ts). Inputs and outputs are SDK v3 shaped.
 *
 * Faithfulness notes (sources in docs/simulated-account.md, "Secondary private IPs and routes"):
 * - an address is (VPC, address): only ENIs of the same VPC hold, refuse or lose it;
 * - an address must lie inside the ENI's subnet and not be one of the five addresses AWS reserves;
 *   every address is checked before anything changes, so one refused address fails the whole call;
 * - an address held by another ENI needs `AllowReassignment: true` (else `behaviour.addressInUseCode`)
 *   and then **moves**: it leaves the old ENI when it shows on the new one, with its Elastic IP;
 * - the (re)assignment is asynchronous: the address shows after `behaviour.privateIpRemapMs`;
 * - the per-ENI limit is the instance type's `Ipv4AddressesPerInterface` (primary included), counted
 *   with the assignments in flight → `PrivateIpAddressLimitExceeded`.
 */
import type { AssignPrivateIpAddressesResult, DescribeSubnetsResult, Subnet } from "@aws-sdk/client-ec2";
import type { SimAwsError } from "../types";
import type { OpContext, ServiceModel } from "./context";
import { awsError, dryRunOperation, ec2ParamErrors } from "./errors";
import { derivedId, ID_PATTERNS, type IdKind } from "./ids";
import { applyFilters, compareStrings, type Params, paginate, readFilters, toTagList } from "./query";
import { type EniModel, prune, type RegionState, type RouteTableModel } from "./state";
import {
  checkExplicitAddress,
  disassociateElasticIps,
  holderInVpc,
  pickFreeAddresses,
  releaseAddresses,
  subnetOf,
} from "./vpc-addresses";

export function checkId(
  id: string,
  kind: IdKind,
  malformed: string,
  notFound: string,
  noun: string,
  exists: boolean,
) {
  if (!ID_PATTERNS[kind].test(id)) throw awsError(malformed, `Invalid id: "${id}"`);
  if (!exists) throw awsError(notFound, `The ${noun} ID '${id}' does not exist`);
}

export function eniOf(c: OpContext, id: string): EniModel {
  const eni = c.state.networkInterfaces.get(id);
  checkId(
    id,
    "networkInterface",
    "InvalidNetworkInterfaceId.Malformed",
    "InvalidNetworkInterfaceID.NotFound",
    "networkInterface",
    eni !== undefined,
  );
  return eni as EniModel;
}

export function routeTableOf(c: OpContext, id: string): RouteTableModel {
  const table = c.state.routeTables.get(id);
  checkId(
    id,
    "routeTable",
    "InvalidRouteTableId.Malformed",
    "InvalidRouteTableID.NotFound",
    "routeTable",
    table !== undefined,
  );
  return table as RouteTableModel;
}

export function dryRun(p: Params): void {
  if (p.bool("DryRun") === true) throw dryRunOperation();
}

// ---------------------------------------------------------------------------------------------
// Secondary private IPs

/** The instance type's `Ipv4AddressesPerInterface` for an attached ENI; no limit for an unattached one. */
function addressLimit(state: RegionState, eni: EniModel): number | undefined {
  const instanceId = eni.attachment?.instanceId;
  if (instanceId === undefined) return undefined;
  const type = state.instances.get(instanceId)?.instanceType;
  return type === undefined ? undefined : state.instanceTypes.get(type)?.ipv4AddressesPerInterface;
}

function inFlightTo(state: RegionState, eni: EniModel): string[] {
  return state.pendingAddressMoves
    .filter((m) => m.toEniId === eni.id && !eni.secondaryPrivateIpAddresses.includes(m.ip))
    .map((m) => m.ip);
}

/** An accepted reassignment of the address (same VPC) to another ENI is still under way. */
function movingElsewhere(state: RegionState, eni: EniModel, ip: string): boolean {
  return state.pendingAddressMoves.some((m) => m.ip === ip && m.vpcId === eni.vpcId && m.toEniId !== eni.id);
}

/** Drops the in-flight moves of an address of a VPC (a newer call decides where it goes). */
function cancelMoves(state: RegionState, vpcId: string, ip: string): void {
  const moves = state.pendingAddressMoves;
  for (let i = moves.length - 1; i >= 0; i -= 1) {
    const move = moves[i];
    if (move?.ip === ip && move.vpcId === vpcId) moves.splice(i, 1);
  }
}

/** The refusal of an address another ENI of the VPC holds (code per `behaviour.addressInUseCode`). */
function inUse(c: OpContext, ip: string, detail = ""): SimAwsError {
  return awsError(c.state.behaviour.addressInUseCode, `Address ${ip} is in use.${detail}`);
}

interface AssignRequest {
  explicit: string[];
  count?: number;
  allow: boolean;
}

function readAssignRequest(p: Params): AssignRequest {
  const requested = p.strList("PrivateIpAddresses");
  const count = p.int("SecondaryPrivateIpAddressCount");
  const allow = p.bool("AllowReassignment") === true;
  const explicit = requested !== undefined ? [...new Set(requested)] : [];
  if (explicit.length > 0 && count !== undefined) {
    throw awsError(
      "InvalidParameterCombination",
      "The parameters privateIpAddress and secondaryPrivateIpAddressCount cannot be used together.",
    );
  }
  if (explicit.length === 0 && count === undefined) {
    throw ec2ParamErrors.missing("PrivateIpAddress or SecondaryPrivateIpAddressCount");
  }
  if (count !== undefined && count < 1) {
    throw ec2ParamErrors.invalid("SecondaryPrivateIpAddressCount", count, "Expecting a value of at least 1.");
  }
  return { explicit, ...(count !== undefined ? { count } : {}), allow };
}

/**
 * Checks every explicitly requested address before anything changes (one refused address fails the
 * whole call). Returns the addresses still on this ENI whose accepted move elsewhere this call cancels.
 */
function checkExplicit(c: OpContext, eni: EniModel, request: AssignRequest): string[] {
  const subnet = subnetOf(c.state, eni.subnetId);
  const reclaimed: string[] = [];
  for (const ip of request.explicit) {
    checkExplicitAddress(c.state, subnet, ip);
    const holder = holderInVpc(c.state, eni.vpcId, ip);
    if (holder?.eni === eni) {
      if (holder.primary) {
        throw awsError(
          "InvalidParameterValue",
          `Address ${ip} is the primary private IP address of ${eni.id}.`,
        );
      }
      // Still shown here, but an accepted reassignment is moving it away: asking for it back is a
      // reassignment of its own (the last accepted call decides where the address ends up).
      if (movingElsewhere(c.state, eni, ip)) {
        if (!request.allow) throw inUse(c, ip);
        reclaimed.push(ip);
      }
      continue;
    }
    if (holder?.primary === true) {
      throw inUse(
        c,
        ip,
        ` It is the primary private IP address of ${holder.eni.id}; a primary address cannot be reassigned.`,
      );
    }
    if ((holder !== undefined || movingElsewhere(c.state, eni, ip)) && !request.allow) throw inUse(c, ip);
  }
  return reclaimed;
}

/** `SecondaryPrivateIpAddressCount`: addresses AWS picks (free, unreserved, not refused). */
function autoAssigned(c: OpContext, eni: EniModel, count: number): string[] {
  const picked = pickFreeAddresses(c.state, subnetOf(c.state, eni.subnetId), count);
  if (picked.length < count) {
    throw awsError(
      "InsufficientFreeAddressesInSubnet",
      `The specified subnet ${eni.subnetId} does not have enough free addresses to satisfy the request.`,
    );
  }
  return picked;
}

function checkLimit(c: OpContext, eni: EniModel, adding: readonly string[]): void {
  const limit = addressLimit(c.state, eni);
  const incoming = new Set([...inFlightTo(c.state, eni), ...adding]);
  if (limit !== undefined && 1 + eni.secondaryPrivateIpAddresses.length + incoming.size > limit) {
    throw awsError(
      "PrivateIpAddressLimitExceeded",
      `Number of private addresses will exceed limit of ${limit} for network interface ${eni.id}.`,
    );
  }
}

function assignPrivateIpAddresses(c: OpContext, p: Params): AssignPrivateIpAddressesResult {
  const eni = eniOf(c, p.reqStr("NetworkInterfaceId"));
  const request = readAssignRequest(p);
  const reclaimed = checkExplicit(c, eni, request);
  const ips = request.count === undefined ? request.explicit : autoAssigned(c, eni, request.count);
  const adding = ips.filter((ip) => !eni.secondaryPrivateIpAddresses.includes(ip));
  checkLimit(c, eni, adding);
  const at = c.nowMs() + c.state.behaviour.privateIpRemapMs;
  for (const ip of reclaimed) cancelMoves(c.state, eni.vpcId, ip);
  for (const ip of adding) {
    cancelMoves(c.state, eni.vpcId, ip);
    c.state.pendingAddressMoves.push({ ip, toEniId: eni.id, vpcId: eni.vpcId, at });
  }
  return {
    NetworkInterfaceId: eni.id,
    AssignedPrivateIpAddresses: ips.map((PrivateIpAddress) => ({ PrivateIpAddress })),
  };
}

function unassignPrivateIpAddresses(c: OpContext, p: Params): Record<string, never> {
  const eni = eniOf(c, p.reqStr("NetworkInterfaceId"));
  const ips = p.strList("PrivateIpAddresses");
  if (ips === undefined || ips.length === 0) throw ec2ParamErrors.missing("PrivateIpAddress");
  for (const ip of ips) {
    if (ip === eni.privateIpAddress) {
      throw awsError(
        "InvalidParameterValue",
        `Address ${ip} is the primary private IP address of ${eni.id} and cannot be unassigned.`,
      );
    }
    const pending = c.state.pendingAddressMoves.some((m) => m.ip === ip && m.toEniId === eni.id);
    if (!eni.secondaryPrivateIpAddresses.includes(ip) && !pending) {
      throw awsError(
        "InvalidParameterValue",
        `Some of the specified addresses are not assigned to interface ${eni.id}`,
      );
    }
  }
  const drop = [...new Set(ips)];
  eni.secondaryPrivateIpAddresses = eni.secondaryPrivateIpAddresses.filter((ip) => !drop.includes(ip));
  disassociateElasticIps(c.state, eni.id, drop);
  const moves = c.state.pendingAddressMoves;
  for (let i = moves.length - 1; i >= 0; i -= 1) {
    const move = moves[i];
    if (move === undefined || move.toEniId !== eni.id || !drop.includes(move.ip)) continue;
    // The accepted reassignment already took the address from its old ENI: it ends up on none.
    moves.splice(i, 1);
    for (const other of c.state.networkInterfaces.values()) {
      if (other.vpcId !== eni.vpcId || !other.secondaryPrivateIpAddresses.includes(move.ip)) continue;
      other.secondaryPrivateIpAddresses = other.secondaryPrivateIpAddresses.filter((ip) => ip !== move.ip);
      disassociateElasticIps(c.state, other.id, [move.ip]);
    }
  }
  releaseAddresses(c.state, eni.vpcId, drop, c.nowMs());
  return {};
}

// ---------------------------------------------------------------------------------------------
// Subnets

function describeSubnets(c: OpContext, p: Params): DescribeSubnetsResult {
  const ids = p.strList("SubnetIds");
  const filters = readFilters(p);
  for (const id of ids ?? []) {
    checkId(
      id,
      "subnet",
      "InvalidSubnetID.Malformed",
      "InvalidSubnetID.NotFound",
      "subnet",
      c.state.subnets.has(id),
    );
  }
  dryRun(p);
  const all = [...c.state.subnets.values()].sort((a, b) => compareStrings(a.id, b.id));
  const candidates = ids !== undefined && ids.length > 0 ? all.filter((s) => ids.includes(s.id)) : all;
  const matched = applyFilters(candidates, filters, {
    fields: {
      "subnet-id": (s) => [s.id],
      "vpc-id": (s) => [s.vpcId],
      "availability-zone": (s) => [s.availabilityZone],
      "cidr-block": (s) => [s.cidrBlock],
      cidrBlock: (s) => [s.cidrBlock],
      "outpost-arn": (s) => [s.outpostArn],
      state: () => ["available"],
      "owner-id": () => [c.accountId],
    },
    tags: (s) => s.tags,
    unknown: (name) => awsError("InvalidParameterValue", `The filter '${name}' is invalid`),
  });
  const { page, nextToken } = paginate(matched, {
    maxResults: p.int("MaxResults"),
    nextToken: p.str("NextToken"),
    key: "DescribeSubnets",
    errors: ec2ParamErrors,
  });
  return prune({
    Subnets: page.map(
      (s): Subnet =>
        prune({
          SubnetId: s.id,
          SubnetArn: `arn:aws:ec2:${c.region}:${c.accountId}:subnet/${s.id}`,
          VpcId: s.vpcId,
          CidrBlock: s.cidrBlock,
          Ipv6CidrBlockAssociationSet:
            s.ipv6CidrBlock === undefined
              ? undefined
              : [
                  {
                    AssociationId: derivedId("subnet-cidr-assoc", `${s.id}|${s.ipv6CidrBlock}`),
                    Ipv6CidrBlock: s.ipv6CidrBlock,
                    Ipv6CidrBlockState: { State: "associated" as const },
                  },
                ],
          AvailabilityZone: s.availabilityZone,
          OutpostArn: s.outpostArn,
          OwnerId: c.accountId,
          State: "available" as const,
          Tags: toTagList(s.tags) ?? [],
        }),
    ),
    NextToken: nextToken,
  });
}

/** Registered in ec2Model (sim/account/ec2.ts). */
export const ec2AddressOperations: ServiceModel = {
  AssignPrivateIpAddresses: assignPrivateIpAddresses,
  UnassignPrivateIpAddresses: unassignPrivateIpAddresses,
  DescribeSubnets: describeSubnets,
};
