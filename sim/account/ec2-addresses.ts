/**
 * EC2 operations of the simulated account for addresses: secondary private IPs
 * (`AssignPrivateIpAddresses`, `UnassignPrivateIpAddresses`) and `DescribeSubnets` (routes:
 * sim/account/ec2-routes.ts). Inputs and outputs are SDK v3 shaped.
 *
 * Faithfulness notes (sources in docs/simulated-account.md, "Secondary private IPs and routes"):
 * - an address must lie inside the ENI's subnet and not be one of the five addresses AWS reserves;
 * - an address held by another ENI needs `AllowReassignment: true` (else `PrivateIpAddressInUse`) and
 *   then **moves**: it leaves the old ENI when it shows on the new one;
 * - the (re)assignment is asynchronous: the address shows after `behaviour.privateIpRemapMs`;
 * - the per-ENI limit is the instance type's `Ipv4AddressesPerInterface` (primary included), counted
 *   with the assignments in flight → `PrivateIpAddressLimitExceeded`.
 */
import type { AssignPrivateIpAddressesResult, DescribeSubnetsResult, Subnet } from "@aws-sdk/client-ec2";
import {
  type Cidr,
  cidrContains,
  formatIp,
  type IpAddress,
  parseCidr,
  parseIp,
  subnetUsableRange,
} from "../../shared/net/cidr";
import type { OpContext, ServiceModel } from "./context";
import { awsError, dryRunOperation, ec2ParamErrors } from "./errors";
import { derivedId, ID_PATTERNS, type IdKind } from "./ids";
import { applyFilters, compareStrings, type Params, paginate, readFilters, toTagList } from "./query";
import { type EniModel, prune, type RegionState, type RouteTableModel } from "./state";

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

/** The ENI holding an address now (primary or secondary), if any. */
function holderOf(state: RegionState, ip: string): { eni: EniModel; primary: boolean } | undefined {
  for (const eni of state.networkInterfaces.values()) {
    if (eni.privateIpAddress === ip) return { eni, primary: true };
    if (eni.secondaryPrivateIpAddresses.includes(ip)) return { eni, primary: false };
  }
  return undefined;
}

/** The instance type's `Ipv4AddressesPerInterface` for an attached ENI; no limit for an unattached one. */
function addressLimit(state: RegionState, eni: EniModel): number | undefined {
  const instanceId = eni.attachment?.instanceId;
  if (instanceId === undefined) return undefined;
  const type = state.instances.get(instanceId)?.instanceType;
  return type === undefined ? undefined : state.instanceTypes.get(type)?.ipv4AddressesPerInterface;
}

/**
 * The subnet's usable range: AWS reserves the first four addresses and the last one of every subnet
 * (none is usable in a block of five addresses or fewer).
 */
function subnetRange(
  c: OpContext,
  eni: EniModel,
): { usable?: { first: IpAddress; last: IpAddress }; cidr: Cidr; text: string } {
  const subnet = c.state.subnets.get(eni.subnetId);
  const cidr = subnet === undefined ? undefined : parseCidr(subnet.cidrBlock, { version: 4 });
  if (subnet === undefined || cidr === undefined) {
    throw awsError("InvalidSubnetID.NotFound", `The subnet ID '${eni.subnetId}' does not exist`);
  }
  const usable = subnetUsableRange(cidr);
  return { ...(usable !== undefined ? { usable } : {}), cidr, text: subnet.cidrBlock };
}

function checkInSubnet(c: OpContext, eni: EniModel, ip: string): void {
  const address = parseIp(ip, 4);
  if (address === undefined) {
    throw awsError("InvalidParameterValue", `Value (${ip}) for parameter privateIpAddress is invalid.`);
  }
  const range = subnetRange(c, eni);
  if (!cidrContains(range.cidr, address)) {
    throw awsError(
      "InvalidParameterValue",
      `Address ${ip} does not fall within the subnet's address range (${range.text}).`,
    );
  }
  const { usable } = range;
  if (usable === undefined || address.value < usable.first.value || address.value > usable.last.value) {
    throw awsError(
      "InvalidParameterValue",
      `Address ${ip} is reserved by AWS in subnet ${eni.subnetId} (${range.text}).`,
    );
  }
}

function inFlightTo(state: RegionState, eni: EniModel): string[] {
  return state.pendingAddressMoves
    .filter((m) => m.toEniId === eni.id && !eni.secondaryPrivateIpAddresses.includes(m.ip))
    .map((m) => m.ip);
}

function assignPrivateIpAddresses(c: OpContext, p: Params): AssignPrivateIpAddressesResult {
  const eni = eniOf(c, p.reqStr("NetworkInterfaceId"));
  const requested = p.strList("PrivateIpAddresses");
  const count = p.int("SecondaryPrivateIpAddressCount");
  const allow = p.bool("AllowReassignment") === true;
  if (requested !== undefined && requested.length > 0 && count !== undefined) {
    throw awsError(
      "InvalidParameterCombination",
      "The parameters privateIpAddress and secondaryPrivateIpAddressCount cannot be used together.",
    );
  }
  if ((requested === undefined || requested.length === 0) && count === undefined) {
    throw ec2ParamErrors.missing("PrivateIpAddress or SecondaryPrivateIpAddressCount");
  }
  if (count !== undefined && count < 1) {
    throw ec2ParamErrors.invalid("SecondaryPrivateIpAddressCount", count, "Expecting a value of at least 1.");
  }
  const ips = requested !== undefined && requested.length > 0 ? [...new Set(requested)] : [];
  /** Addresses still on this ENI whose accepted move elsewhere this call cancels (once every check passed). */
  const reclaimed: string[] = [];
  for (const ip of ips) {
    checkInSubnet(c, eni, ip);
    const holder = holderOf(c.state, ip);
    if (holder?.eni === eni) {
      if (holder.primary) {
        throw awsError(
          "InvalidParameterValue",
          `Address ${ip} is the primary private IP address of ${eni.id}.`,
        );
      }
      // Still shown here, but an accepted reassignment is moving it away: asking for it back is a
      // reassignment of its own (the last accepted call decides where the address ends up).
      if (c.state.pendingAddressMoves.some((m) => m.ip === ip && m.toEniId !== eni.id)) {
        if (!allow) throw awsError("PrivateIpAddressInUse", `Address ${ip} is in use.`);
        reclaimed.push(ip);
      }
      continue;
    }
    if (holder?.primary === true) {
      throw awsError(
        "PrivateIpAddressInUse",
        `Address ${ip} is the primary private IP address of ${holder.eni.id}; a primary address cannot be reassigned.`,
      );
    }
    const pendingElsewhere = c.state.pendingAddressMoves.some((m) => m.ip === ip && m.toEniId !== eni.id);
    if ((holder !== undefined || pendingElsewhere) && !allow) {
      throw awsError("PrivateIpAddressInUse", `Address ${ip} is in use.`);
    }
  }
  if (count !== undefined) {
    const range = subnetRange(c, eni);
    const used = new Set<string>([
      ...[...c.state.networkInterfaces.values()].flatMap((n) => [
        n.privateIpAddress,
        ...n.secondaryPrivateIpAddresses,
      ]),
      ...c.state.pendingAddressMoves.map((m) => m.ip),
    ]);
    const { first, last } = range.usable ?? { first: { value: 1n }, last: { value: 0n } };
    for (let value = first.value; value <= last.value && ips.length < count; value += 1n) {
      const ip = formatIp({ version: 4, value });
      if (!used.has(ip)) ips.push(ip);
    }
    if (ips.length < count) {
      throw awsError(
        "InsufficientFreeAddressesInSubnet",
        `The specified subnet ${eni.subnetId} does not have enough free addresses to satisfy the request.`,
      );
    }
  }
  const adding = ips.filter((ip) => !eni.secondaryPrivateIpAddresses.includes(ip));
  const limit = addressLimit(c.state, eni);
  const incoming = new Set([...inFlightTo(c.state, eni), ...adding]);
  if (limit !== undefined && 1 + eni.secondaryPrivateIpAddresses.length + incoming.size > limit) {
    throw awsError(
      "PrivateIpAddressLimitExceeded",
      `Number of private addresses will exceed limit of ${limit} for network interface ${eni.id}.`,
    );
  }
  const at = c.nowMs() + c.state.behaviour.privateIpRemapMs;
  for (const ip of reclaimed) {
    const moves = c.state.pendingAddressMoves;
    for (let i = moves.length - 1; i >= 0; i -= 1) if (moves[i]?.ip === ip) moves.splice(i, 1);
  }
  for (const ip of adding) {
    const moves = c.state.pendingAddressMoves;
    for (let i = moves.length - 1; i >= 0; i -= 1) if (moves[i]?.ip === ip) moves.splice(i, 1);
    moves.push({ ip, toEniId: eni.id, at });
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
  const drop = new Set(ips);
  eni.secondaryPrivateIpAddresses = eni.secondaryPrivateIpAddresses.filter((ip) => !drop.has(ip));
  const moves = c.state.pendingAddressMoves;
  for (let i = moves.length - 1; i >= 0; i -= 1) {
    const move = moves[i];
    if (move === undefined || move.toEniId !== eni.id || !drop.has(move.ip)) continue;
    // The accepted reassignment already took the address from its old ENI: it ends up on none.
    moves.splice(i, 1);
    for (const other of c.state.networkInterfaces.values()) {
      other.secondaryPrivateIpAddresses = other.secondaryPrivateIpAddresses.filter((ip) => ip !== move.ip);
    }
  }
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
