/**
 * Elastic IPs of the simulated account: `DescribeAddresses`. An Elastic IP associated with a secondary
 * private address follows that address when `AssignPrivateIpAddresses` moves it (when the move shows,
 * not before) and is disassociated when the address is unassigned or its ENI deleted
 * (sim/account/vpc-addresses.ts). `DescribeNetworkInterfaces` shows the association per address.
 */
import type { Address, DescribeAddressesResult } from "@aws-sdk/client-ec2";
import { parseIp } from "../../shared/net/cidr";
import type { OpContext, ServiceModel } from "./context";
import { checkIds, dryRun, RULES } from "./ec2-checks";
import { awsError } from "./errors";
import type { ElasticIpModel } from "./network-models";
import { applyFilters, compareStrings, type Params, readFilters, toTagList } from "./query";
import { prune } from "./state";

function toAddress(c: OpContext, e: ElasticIpModel): Address {
  const a = e.association;
  const eni = a === undefined ? undefined : c.state.networkInterfaces.get(a.networkInterfaceId);
  return prune({
    AllocationId: e.allocationId,
    AssociationId: a?.associationId,
    Domain: "vpc" as const,
    InstanceId: eni?.attachment?.instanceId,
    NetworkInterfaceId: a?.networkInterfaceId,
    NetworkInterfaceOwnerId: a === undefined ? undefined : c.accountId,
    PrivateIpAddress: a?.privateIpAddress,
    PublicIp: e.publicIp,
    PublicIpv4Pool: "amazon",
    NetworkBorderGroup: c.region,
    Tags: toTagList(e.tags),
  });
}

/** Unknown public IPs: `InvalidAddress.NotFound` (malformed ones: `InvalidParameterValue`). */
function checkPublicIps(c: OpContext, ips: readonly string[]): void {
  const malformed = ips.find((ip) => parseIp(ip, 4) === undefined);
  if (malformed !== undefined)
    throw awsError(
      "InvalidParameterValue",
      `Invalid value '${malformed}' for PublicIp. Not a valid IP address.`,
    );
  const known = new Set([...c.state.elasticIps.values()].map((e) => e.publicIp));
  const missing = ips.find((ip) => !known.has(ip));
  if (missing !== undefined) throw awsError("InvalidAddress.NotFound", `Address '${missing}' not found.`);
}

function describeAddresses(c: OpContext, p: Params): DescribeAddressesResult {
  const allocationIds = p.strList("AllocationIds") ?? [];
  const publicIps = p.strList("PublicIps") ?? [];
  const filters = readFilters(p);
  checkIds(allocationIds, RULES.allocation, (id) => c.state.elasticIps.has(id));
  checkPublicIps(c, publicIps);
  dryRun(p);
  const candidates = [...c.state.elasticIps.values()]
    .filter((e) => allocationIds.length === 0 || allocationIds.includes(e.allocationId))
    .filter((e) => publicIps.length === 0 || publicIps.includes(e.publicIp))
    .sort((a, b) => compareStrings(a.allocationId, b.allocationId))
    .map((e) => toAddress(c, e));
  const matched = applyFilters(candidates, filters, {
    fields: {
      "allocation-id": (a) => [a.AllocationId],
      "association-id": (a) => [a.AssociationId],
      domain: (a) => [a.Domain],
      "instance-id": (a) => [a.InstanceId],
      "network-border-group": (a) => [a.NetworkBorderGroup],
      "network-interface-id": (a) => [a.NetworkInterfaceId],
      "network-interface-owner-id": (a) => [a.NetworkInterfaceOwnerId],
      "private-ip-address": (a) => [a.PrivateIpAddress],
      "public-ip": (a) => [a.PublicIp],
    },
    tags: (a) => new Map((a.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
    unknown: (name) => awsError("InvalidParameterValue", `The filter '${name}' is invalid`),
  });
  return { Addresses: matched };
}

export const ec2ElasticIpOperations: ServiceModel = {
  DescribeAddresses: describeAddresses,
};
