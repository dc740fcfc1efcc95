/**
 * Private address ownership in a VPC: which ENI holds an address, which addresses are free for AWS to
 * pick, which an explicit request may take, and what happens to Elastic IPs when an address moves or
 * is released. Used by the address operations (ec2-addresses.ts, ec2-vpcs.ts) and settle.ts.
 *
 * - An address is (VPC, address): another VPC reusing the same CIDR never collides (VPC User Guide,
 *   overlapping CIDR blocks are allowed between VPCs that are not peered).
 * - AWS reserves the first four addresses and the last one of every subnet ("Subnet CIDR blocks").
 * - Automatic assignment skips subnet CIDR reservations of both types; an explicit address inside an
 *   `explicit` reservation is allowed ("You manually assign the IP addresses"), inside a `prefix`
 *   reservation per `behaviour.prefixReservationAssignment`.
 * - An Elastic IP follows its private address when it is reassigned and is disassociated when the
 *   address is unassigned or its ENI deleted (EC2 User Guide, "Multiple IP addresses").
 */
import { cidrContains, formatIp, parseCidr, parseIp, subnetUsableRange } from "../../shared/net/cidr";
import { awsError } from "./errors";
import { addressKey, type SubnetCidrReservationModel } from "./network-models";
import type { EniModel, RegionState, SubnetModel, VpcModel } from "./state";

/** The VPC's IPv4 CIDR blocks, the primary first. */
export function vpcCidrBlocks(vpc: VpcModel): string[] {
  return [vpc.cidrBlock, ...vpc.secondaryCidrBlocks];
}

export function subnetOf(state: RegionState, subnetId: string): SubnetModel {
  const subnet = state.subnets.get(subnetId);
  if (subnet === undefined)
    throw awsError("InvalidSubnetID.NotFound", `The subnet ID '${subnetId}' does not exist`);
  return subnet;
}

/** The ENI of the VPC holding an address now (primary or secondary), if any. */
export function holderInVpc(
  state: RegionState,
  vpcId: string,
  ip: string,
): { eni: EniModel; primary: boolean } | undefined {
  for (const eni of state.networkInterfaces.values()) {
    if (eni.vpcId !== vpcId) continue;
    if (eni.privateIpAddress === ip) return { eni, primary: true };
    if (eni.secondaryPrivateIpAddresses.includes(ip)) return { eni, primary: false };
  }
  return undefined;
}

/** The addresses of a VPC that are taken: on an ENI, or on their way to one. */
export function takenInVpc(state: RegionState, vpcId: string): Set<string> {
  const taken = new Set<string>();
  for (const eni of state.networkInterfaces.values()) {
    if (eni.vpcId !== vpcId) continue;
    taken.add(eni.privateIpAddress);
    for (const ip of eni.secondaryPrivateIpAddresses) taken.add(ip);
  }
  for (const move of state.pendingAddressMoves) if (move.vpcId === vpcId) taken.add(move.ip);
  return taken;
}

/** The subnet CIDR reservation of the subnet that contains an address, if any. */
export function reservationCovering(
  state: RegionState,
  subnetId: string,
  ip: string,
): SubnetCidrReservationModel | undefined {
  const address = parseIp(ip, 4);
  if (address === undefined) return undefined;
  for (const r of state.subnetCidrReservations.values()) {
    const block = parseCidr(r.cidr, { version: 4 });
    if (r.subnetId === subnetId && block !== undefined && cidrContains(block, address)) return r;
  }
  return undefined;
}

/**
 * Checks an address an explicit request names for an ENI of `subnet`, in EC2's order: syntax, inside
 * the subnet, not reserved by AWS, not refused, not in a `prefix` reservation (unless allowed).
 * Messages as EC2 writes them for RunInstances / CreateNetworkInterface (docs/aws-behaviour.md).
 */
export function checkExplicitAddress(state: RegionState, subnet: SubnetModel, ip: string): void {
  const address = parseIp(ip, 4);
  if (address === undefined)
    throw awsError("InvalidParameterValue", `Value (${ip}) for parameter privateIpAddress is invalid.`);
  const block = parseCidr(subnet.cidrBlock, { version: 4 });
  if (block === undefined || !cidrContains(block, address))
    throw awsError("InvalidParameterValue", `Address ${ip} does not fall within the subnet's address range`);
  const usable = subnetUsableRange(block);
  if (usable === undefined || address.value < usable.first.value || address.value > usable.last.value)
    throw awsError("InvalidParameterValue", `Address ${ip} is in subnet's reserved address range`);
  if (state.refusedAddresses.has(addressKey(subnet.id, ip)))
    throw awsError("InvalidParameterValue", "secondary-addresses");
  const reservation = reservationCovering(state, subnet.id, ip);
  if (reservation?.type === "prefix" && state.behaviour.prefixReservationAssignment === "refuse") {
    throw awsError(
      "InvalidParameterValue",
      `Address ${ip} is in the prefix reservation ${reservation.id} (${reservation.cidr}) of subnet ${subnet.id}.`,
    );
  }
}

/** Whether AWS may pick an address on its own: not reserved in any way, not refused, not taken. */
function pickable(state: RegionState, subnet: SubnetModel, ip: string, taken: ReadonlySet<string>): boolean {
  return (
    !taken.has(ip) &&
    !state.refusedAddresses.has(addressKey(subnet.id, ip)) &&
    reservationCovering(state, subnet.id, ip) === undefined
  );
}

/**
 * Up to `count` addresses AWS would assign in a subnet on its own, in `behaviour.autoAssignOrder`:
 * the lowest free ones, or the most recently released first. Fewer when the subnet runs out.
 */
export function pickFreeAddresses(
  state: RegionState,
  subnet: SubnetModel,
  count: number,
  alsoTaken: ReadonlySet<string> = new Set(),
): string[] {
  const block = parseCidr(subnet.cidrBlock, { version: 4 });
  const usable = block === undefined ? undefined : subnetUsableRange(block);
  if (usable === undefined) return [];
  const taken = new Set([...takenInVpc(state, subnet.vpcId), ...alsoTaken]);
  const picked: string[] = [];
  const take = (ip: string) => {
    if (picked.length < count && !picked.includes(ip) && pickable(state, subnet, ip, taken)) picked.push(ip);
  };
  if (state.behaviour.autoAssignOrder === "recently-released") {
    for (const ip of releasedIn(state, subnet)) take(ip);
  }
  for (let value = usable.first.value; value <= usable.last.value && picked.length < count; value += 1n)
    take(formatIp({ version: 4, value }));
  return picked;
}

/** Released addresses of a subnet's usable range, the most recent first. */
function releasedIn(state: RegionState, subnet: SubnetModel): string[] {
  const block = parseCidr(subnet.cidrBlock, { version: 4 });
  const usable = block === undefined ? undefined : subnetUsableRange(block);
  const prefix = `${subnet.vpcId}|`;
  return [...state.releasedAddresses.entries()]
    .filter(([key]) => key.startsWith(prefix))
    .map(([key, at]) => ({ ip: key.slice(prefix.length), at }))
    .filter(({ ip }) => {
      const address = parseIp(ip, 4);
      return (
        address !== undefined &&
        usable !== undefined &&
        address.value >= usable.first.value &&
        address.value <= usable.last.value
      );
    })
    .sort((a, b) => b.at - a.at)
    .map(({ ip }) => ip);
}

/** Addresses that left every ENI of their VPC (unassigned, ENI deleted) go back to the pool. */
export function releaseAddresses(
  state: RegionState,
  vpcId: string,
  ips: readonly string[],
  at: number,
): void {
  for (const ip of ips) state.releasedAddresses.set(addressKey(vpcId, ip), at);
}

/** An ENI is deleted: its addresses are released and their Elastic IPs disassociated. */
export function releaseInterface(state: RegionState, eni: EniModel, at: number): void {
  const ips = [eni.privateIpAddress, ...eni.secondaryPrivateIpAddresses];
  disassociateElasticIps(state, eni.id, ips);
  releaseAddresses(state, eni.vpcId, ips, at);
}

/** The Elastic IP associated with one address of an ENI, if any. */
export function elasticIpOn(state: RegionState, eniId: string, ip: string) {
  for (const e of state.elasticIps.values()) {
    const a = e.association;
    if (a?.networkInterfaceId === eniId && a.privateIpAddress === ip) return e;
  }
  return undefined;
}

/** A reassigned address arrived on `toEniId`: an Elastic IP on it (on another ENI of the VPC) follows. */
export function moveElasticIps(state: RegionState, vpcId: string, ip: string, toEniId: string): void {
  for (const e of state.elasticIps.values()) {
    const a = e.association;
    if (a === undefined || a.privateIpAddress !== ip || a.networkInterfaceId === toEniId) continue;
    if (state.networkInterfaces.get(a.networkInterfaceId)?.vpcId === vpcId) a.networkInterfaceId = toEniId;
  }
}

/** Unassigned addresses (or a deleted ENI) lose their Elastic IP association; the allocation stays. */
export function disassociateElasticIps(state: RegionState, eniId: string, ips: readonly string[]): void {
  for (const e of state.elasticIps.values()) {
    const a = e.association;
    if (a?.networkInterfaceId === eniId && ips.includes(a.privateIpAddress)) e.association = undefined;
  }
}
