/**
 * `CreateNetworkInterface`: a new (foreign) ENI in a subnet, with the addresses it names or the ones AWS
 * picks. This is how a test makes "another ENI takes the next free address": a released secondary
 * address returns to the pool and AWS may give it to any new ENI, unless a subnet CIDR reservation
 * covers it (automatic assignment skips reservations; an explicit address is still allowed).
 *
 * - an explicit address another ENI of the VPC holds → `InvalidIPAddress.InUse` "Address … is in use."
 *   (seen on RunInstances: aws/aws-cli #7178, fog/fog #2727);
 * - outside the subnet / reserved by AWS / refused → the texts of sim/account/vpc-addresses.ts;
 * - not enough free addresses → `InsufficientFreeAddressesInSubnet`.
 * The ENI is `available` (unattached) and shows its addresses at once.
 */
import type { CreateNetworkInterfaceResult, NetworkInterface } from "@aws-sdk/client-ec2";
import type { OpContext, Operation } from "./context";
import { checkIds, dryRun, RULES, tagsFor } from "./ec2-checks";
import { awsError, ec2ParamErrors } from "./errors";
import { derivedMac } from "./ids";
import type { Params } from "./query";
import { type EniModel, prune, type SubnetModel } from "./state";
import { checkExplicitAddress, pickFreeAddresses, subnetOf, takenInVpc } from "./vpc-addresses";

interface AddressRequest {
  primary?: string;
  secondaries: string[];
  count: number;
}

/** `PrivateIpAddress`, `PrivateIpAddresses[{ PrivateIpAddress, Primary }]`, `SecondaryPrivateIpAddressCount`. */
function readAddresses(p: Params): AddressRequest {
  const listed = (p.objList("PrivateIpAddresses") ?? []).map((spec, i) => {
    const ip = spec.PrivateIpAddress;
    if (typeof ip !== "string" || ip === "")
      throw ec2ParamErrors.missing(`PrivateIpAddresses.${i + 1}.PrivateIpAddress`);
    return { ip, primary: spec.Primary === true || spec.Primary === "true" };
  });
  const single = p.str("PrivateIpAddress");
  const flagged = listed.filter((a) => a.primary).map((a) => a.ip);
  if (flagged.length > 1 || (single !== undefined && flagged.length > 0 && flagged[0] !== single)) {
    throw awsError("InvalidParameterCombination", "Only one primary private IP address can be specified.");
  }
  const primary = single ?? flagged[0] ?? listed[0]?.ip;
  const secondaries = [...new Set(listed.map((a) => a.ip).filter((ip) => ip !== primary))];
  const count = p.int("SecondaryPrivateIpAddressCount") ?? 0;
  if (count < 0)
    throw ec2ParamErrors.invalid("SecondaryPrivateIpAddressCount", count, "Expecting a value of at least 0.");
  return { ...(primary !== undefined ? { primary } : {}), secondaries, count };
}

/** The ENI's addresses: the explicit ones (checked, free in the VPC), then the ones AWS picks. */
function allocate(
  c: OpContext,
  subnet: SubnetModel,
  request: AddressRequest,
): { primary: string; secondaries: string[] } {
  const explicit = [...(request.primary !== undefined ? [request.primary] : []), ...request.secondaries];
  const taken = takenInVpc(c.state, subnet.vpcId);
  for (const ip of explicit) {
    checkExplicitAddress(c.state, subnet, ip);
    if (taken.has(ip)) throw awsError("InvalidIPAddress.InUse", `Address ${ip} is in use.`);
  }
  const wanted = (request.primary === undefined ? 1 : 0) + request.count;
  const picked = pickFreeAddresses(c.state, subnet, wanted, new Set(explicit));
  if (picked.length < wanted) {
    throw awsError(
      "InsufficientFreeAddressesInSubnet",
      `The specified subnet ${subnet.id} does not have enough free addresses to satisfy the request.`,
    );
  }
  const primary = request.primary ?? (picked.shift() as string);
  return { primary, secondaries: [...request.secondaries, ...picked] };
}

/** The operation, rendering its output with ec2.ts's `toNetworkInterface` (passed in to avoid a cycle). */
export function createNetworkInterfaceWith(
  render: (c: OpContext, eni: EniModel) => NetworkInterface,
): Operation {
  return (c: OpContext, p: Params): CreateNetworkInterfaceResult => {
    const subnetId = p.reqStr("SubnetId");
    checkIds([subnetId], RULES.subnet, (id) => c.state.subnets.has(id));
    const subnet = subnetOf(c.state, subnetId);
    const request = readAddresses(p);
    const tags = tagsFor(p, "network-interface");
    dryRun(p);
    const { primary, secondaries } = allocate(c, subnet, request);
    const id = c.ids.next("eni");
    const eni: EniModel = {
      id,
      subnetId,
      vpcId: subnet.vpcId,
      availabilityZone: subnet.availabilityZone,
      ...(subnet.outpostArn !== undefined ? { outpostArn: subnet.outpostArn } : {}),
      description: p.str("Description") ?? "",
      interfaceType: p.str("InterfaceType") ?? "interface",
      privateIpAddress: primary,
      secondaryPrivateIpAddresses: secondaries,
      sourceDestCheck: true,
      requesterManaged: false,
      macAddress: derivedMac(id),
      tags,
    };
    c.state.networkInterfaces.set(id, eni);
    return prune({ NetworkInterface: render(c, eni), ClientToken: p.str("ClientToken") });
  };
}
