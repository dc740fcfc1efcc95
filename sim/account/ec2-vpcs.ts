/**
 * VPC-level EC2 operations of the simulated account (vfxt-ip-move, issue 11): `DescribeVpcs` (primary and
 * secondary IPv4 CIDR blocks), and the registration of the address-ownership operations: Elastic IPs
 * (`DescribeAddresses`) and subnet CIDR reservations (`CreateNetworkInterface` is registered in ec2.ts,
 * which renders its output). Also loads the fixture's
 * Elastic IPs, reservations and refused addresses into the region state.
 */
import type { DescribeVpcsResult, Vpc } from "@aws-sdk/client-ec2";
import type { OpContext, ServiceModel } from "./context";
import { checkIds, dryRun, maxResults, RULES } from "./ec2-checks";
import { ec2ElasticIpOperations } from "./ec2-elastic-ips";
import { ec2ReservationOperations } from "./ec2-reservations";
import { awsError, ec2ParamErrors } from "./errors";
import type { AccountFixture } from "./fixture";
import { derivedId } from "./ids";
import { addressKey } from "./network-models";
import { applyFilters, compareStrings, type Params, paginate, readFilters, toTagList } from "./query";
import { prune, type RegionState, type VpcModel } from "./state";
import { vpcCidrBlocks } from "./vpc-addresses";

function cidrAssociationId(vpc: VpcModel, block: string): string {
  return derivedId("vpc-cidr-assoc", `${vpc.id}|${block}`);
}

function toVpc(c: OpContext, vpc: VpcModel): Vpc {
  return prune({
    OwnerId: c.accountId,
    InstanceTenancy: "default" as const,
    CidrBlockAssociationSet: vpcCidrBlocks(vpc).map((CidrBlock) => ({
      AssociationId: cidrAssociationId(vpc, CidrBlock),
      CidrBlock,
      CidrBlockState: { State: "associated" as const },
    })),
    IsDefault: vpc.isDefault,
    Tags: toTagList(vpc.tags),
    VpcId: vpc.id,
    State: "available" as const,
    CidrBlock: vpc.cidrBlock,
    DhcpOptionsId: derivedId("dopt", `dhcp|${c.accountId}`),
  });
}

/** DescribeVpcs: `cidr` matches the primary block only, `cidr-block-association.*` every block. */
function describeVpcs(c: OpContext, p: Params): DescribeVpcsResult {
  const ids = p.strList("VpcIds");
  const max = maxResults(p, 5, 1000);
  const filters = readFilters(p);
  if (ids !== undefined && ids.length > 0) checkIds(ids, RULES.vpc, (id) => c.state.vpcs.has(id));
  dryRun(p);
  const all = [...c.state.vpcs.values()].sort((a, b) => compareStrings(a.id, b.id));
  const candidates = ids !== undefined && ids.length > 0 ? all.filter((v) => ids.includes(v.id)) : all;
  const matched = applyFilters(candidates, filters, {
    fields: {
      "vpc-id": (v) => [v.id],
      cidr: (v) => [v.cidrBlock],
      "cidr-block-association.cidr-block": (v) => vpcCidrBlocks(v),
      "cidr-block-association.association-id": (v) => vpcCidrBlocks(v).map((b) => cidrAssociationId(v, b)),
      "cidr-block-association.state": () => ["associated"],
      "dhcp-options-id": () => [derivedId("dopt", `dhcp|${c.accountId}`)],
      "is-default": (v) => [v.isDefault],
      "owner-id": () => [c.accountId],
      state: () => ["available"],
    },
    tags: (v) => v.tags,
    unknown: (name) => awsError("InvalidParameterValue", `The filter '${name}' is invalid`),
  });
  const { page, nextToken } = paginate(matched, {
    maxResults: max,
    nextToken: p.str("NextToken"),
    key: "DescribeVpcs",
    errors: ec2ParamErrors,
  });
  return prune({ Vpcs: page.map((v) => toVpc(c, v)), NextToken: nextToken });
}

/** Registered in ec2Model (sim/account/ec2.ts). */
export const ec2VpcOperations: ServiceModel = {
  DescribeVpcs: describeVpcs,
  ...ec2ElasticIpOperations,
  ...ec2ReservationOperations,
};

/** The fixture's Elastic IPs, subnet CIDR reservations and refused addresses (sim/account/load.ts). */
export function loadAddressFixture(state: RegionState, f: AccountFixture): void {
  for (const e of f.elasticIps) {
    const a = e.association;
    state.elasticIps.set(e.allocationId, {
      allocationId: e.allocationId,
      publicIp: e.publicIp,
      ...(a === undefined
        ? {}
        : {
            association: {
              associationId:
                a.associationId ?? derivedId("eipassoc", `${e.allocationId}|${a.networkInterfaceId}`),
              networkInterfaceId: a.networkInterfaceId,
              privateIpAddress: a.privateIpAddress,
            },
          }),
      tags: new Map(Object.entries(e.tags)),
    });
  }
  for (const r of f.subnetCidrReservations) {
    const id = r.id ?? derivedId("scr", `${r.subnetId}|${r.cidr}`);
    state.subnetCidrReservations.set(id, {
      id,
      subnetId: r.subnetId,
      vpcId: state.subnets.get(r.subnetId)?.vpcId ?? "",
      cidr: r.cidr,
      type: r.reservationType,
      ...(r.description !== undefined ? { description: r.description } : {}),
      tags: new Map(Object.entries(r.tags)),
    });
  }
  for (const r of f.addressRefusals) state.refusedAddresses.add(addressKey(r.subnetId, r.privateIpAddress));
}
