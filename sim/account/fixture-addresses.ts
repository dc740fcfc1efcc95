/**
 * Fixture collections for address ownership (vfxt-ip-move, issue 11): Elastic IPs, subnet CIDR
 * reservations and addresses EC2 refuses without naming them; plus the reference checks of the
 * issue-11 fields declared in fixture.ts (VPC secondary CIDR blocks, instance status checks).
 * All optional with defaults, so existing fixtures stay valid (see docs/simulated-account.md).
 */
import * as z from "zod/mini";
import {
  type Cidr,
  cidrContains,
  cidrsOverlap,
  cidrWithin,
  isCidr,
  parseCidr,
  parseIp,
} from "../../shared/net/cidr";
import { derivedId } from "./ids";
import type { StatusCheckName } from "./status-checks";

function doc<T extends z.ZodMiniType>(schema: T, description: string): T {
  return schema.check(z.core.describe(description));
}

const idOf = (prefix: string, example: string) =>
  z
    .string()
    .check(z.regex(new RegExp(`^${prefix}-(?:[0-9a-f]{8}|[0-9a-f]{17})$`), `must look like ${example}`));
const Ipv4 = z
  .string()
  .check(z.refine((value) => parseIp(value, 4) !== undefined, "must be an IPv4 address"));
const Cidr4 = z
  .string()
  .check(
    z.refine(
      (value) => isCidr(value, { version: 4 }),
      "must be an IPv4 CIDR block with no host bits set, e.g. 10.0.1.96/28",
    ),
  );
const TagMap = z._default(z.record(z.string(), z.string()), {});

export const ElasticIpFixture = z.strictObject({
  allocationId: idOf("eipalloc", "eipalloc-0123456789abcdef0"),
  publicIp: Ipv4,
  association: doc(
    z.optional(
      z.strictObject({
        networkInterfaceId: idOf("eni", "eni-0123456789abcdef0"),
        privateIpAddress: doc(Ipv4, "The ENI's primary or one of its secondary addresses."),
        associationId: z.optional(idOf("eipassoc", "eipassoc-0123456789abcdef0")),
      }),
    ),
    "The private address the Elastic IP is associated with; it follows that address when it is reassigned.",
  ),
  tags: TagMap,
});

export const SubnetCidrReservationFixture = z.strictObject({
  id: z.optional(idOf("scr", "scr-0123456789abcdef0")),
  subnetId: idOf("subnet", "subnet-0123456789abcdef0"),
  cidr: doc(Cidr4, "Inside the subnet's CIDR block; reservations of one VPC do not overlap."),
  reservationType: doc(
    z.enum(["prefix", "explicit"]),
    "explicit: AWS assigns none of these addresses, you assign them yourself; prefix: kept for prefix delegation.",
  ),
  description: z.optional(z.string()),
  tags: TagMap,
});

export const AddressRefusalFixture = z.strictObject({
  subnetId: idOf("subnet", "subnet-0123456789abcdef0"),
  privateIpAddress: Ipv4,
});

export type ElasticIpFixtureOutput = z.output<typeof ElasticIpFixture>;
export type SubnetCidrReservationFixtureOutput = z.output<typeof SubnetCidrReservationFixture>;
export type AddressRefusalFixtureOutput = z.output<typeof AddressRefusalFixture>;

/** The additive top-level members of the account fixture. */
export const ADDRESS_FIXTURE_MEMBERS = {
  elasticIps: doc(
    z._default(z.array(ElasticIpFixture), []),
    "Elastic IPs (VPC domain), optionally associated with a private address of an ENI (DescribeAddresses).",
  ),
  subnetCidrReservations: doc(
    z._default(z.array(SubnetCidrReservationFixture), []),
    "Subnet CIDR reservations (GetSubnetCidrReservations): automatic address assignment skips them.",
  ),
  addressRefusals: doc(
    z._default(z.array(AddressRefusalFixture), []),
    "Addresses EC2 refuses to assign without naming them: AssignPrivateIpAddresses / CreateNetworkInterface with one of them fail as a whole with InvalidParameterValue `secondary-addresses`.",
  ),
};

/** The parts of a fixture the checks read (structural, so this module does not import fixture.ts). */
export interface AddressFixtureView {
  vpcs: { id: string; cidrBlock: string; secondaryCidrBlocks: string[] }[];
  subnets: { id: string; vpcId: string; cidrBlock: string }[];
  instances: {
    id: string;
    state: string;
    privateIpAddress: string;
    primaryNetworkInterfaceId?: string | undefined;
    status?: { instance?: StatusCheckName | undefined; system?: StatusCheckName | undefined } | undefined;
  }[];
  networkInterfaces: {
    id: string;
    privateIpAddress: string;
    secondaryPrivateIpAddresses: string[];
    attachment?: { instanceId: string; deviceIndex: number; status: string } | undefined;
  }[];
  elasticIps: ElasticIpFixtureOutput[];
  subnetCidrReservations: SubnetCidrReservationFixtureOutput[];
  addressRefusals: AddressRefusalFixtureOutput[];
}

type Add = (path: string, message: string) => void;

/** Reference checks of the address-ownership fields. */
export function checkAddressReferences(f: AddressFixtureView, add: Add): void {
  checkVpcBlocks(f, add);
  checkInstanceStatuses(f, add);
  checkElasticIps(f, add);
  checkReservations(f, add);
  const subnets = new Map(f.subnets.map((s) => [s.id, s]));
  f.addressRefusals.forEach((r, i) => {
    const subnet = subnets.get(r.subnetId);
    if (subnet === undefined) add(`addressRefusals.${i}.subnetId`, `unknown subnet ${r.subnetId}`);
    else if (!inBlock(subnet.cidrBlock, r.privateIpAddress))
      add(`addressRefusals.${i}.privateIpAddress`, `${r.privateIpAddress} is not inside ${subnet.cidrBlock}`);
  });
}

function inBlock(cidr: string, ip: string): boolean {
  const block = parseCidr(cidr, { version: 4 });
  const address = parseIp(ip, 4);
  return block !== undefined && address !== undefined && cidrContains(block, address);
}

/** VPC User Guide, "VPC CIDR blocks": /16 to /28; the blocks of one VPC do not overlap. */
function checkVpcBlocks(f: AddressFixtureView, add: Add): void {
  f.vpcs.forEach((v, i) => {
    const seen: Cidr[] = [];
    const primary = parseCidr(v.cidrBlock, { version: 4 });
    if (primary !== undefined) seen.push(primary);
    v.secondaryCidrBlocks.forEach((text, j) => {
      const path = `vpcs.${i}.secondaryCidrBlocks.${j}`;
      const block = parseCidr(text, { version: 4 });
      if (block === undefined) return;
      if (block.prefix < 16 || block.prefix > 28) add(path, `${text}: a VPC CIDR block is /16 to /28`);
      if (seen.some((other) => cidrsOverlap(other, block)))
        add(path, `${text} overlaps another CIDR block of ${v.id}`);
      seen.push(block);
    });
  });
}

/** A running instance's checks are never `not-applicable`; any other state's always are. */
function checkInstanceStatuses(f: AddressFixtureView, add: Add): void {
  f.instances.forEach((inst, i) => {
    for (const kind of ["instance", "system"] as const) {
      const value = inst.status?.[kind];
      if (value === undefined) continue;
      const running = inst.state === "running";
      if (running && value === "not-applicable")
        add(`instances.${i}.status.${kind}`, "a running instance's checks are never not-applicable");
      if (!running && value !== "not-applicable")
        add(`instances.${i}.status.${kind}`, `a ${inst.state} instance's checks are not-applicable`);
    }
  });
}

/** ENI id → its addresses, including the primary ENIs the loader generates for instances. */
function addressesByEni(f: AddressFixtureView): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const listedPrimary = new Set(
    f.networkInterfaces.filter((n) => n.attachment?.deviceIndex === 0).map((n) => n.attachment?.instanceId),
  );
  for (const inst of f.instances) {
    if (listedPrimary.has(inst.id) || inst.state === "terminated") continue;
    const id = inst.primaryNetworkInterfaceId ?? derivedId("eni", `primary|${inst.id}`);
    out.set(id, [inst.privateIpAddress]);
  }
  for (const n of f.networkInterfaces) out.set(n.id, [n.privateIpAddress, ...n.secondaryPrivateIpAddresses]);
  return out;
}

function checkElasticIps(f: AddressFixtureView, add: Add): void {
  const enis = addressesByEni(f);
  const allocations = new Set<string>();
  const publicIps = new Set<string>();
  const associated = new Set<string>();
  f.elasticIps.forEach((e, i) => {
    const path = `elasticIps.${i}`;
    if (allocations.has(e.allocationId)) add(`${path}.allocationId`, `duplicate id ${e.allocationId}`);
    allocations.add(e.allocationId);
    if (publicIps.has(e.publicIp)) add(`${path}.publicIp`, `duplicate public IP ${e.publicIp}`);
    publicIps.add(e.publicIp);
    const a = e.association;
    if (a === undefined) return;
    const addresses = enis.get(a.networkInterfaceId);
    if (addresses === undefined)
      add(`${path}.association.networkInterfaceId`, `unknown ENI ${a.networkInterfaceId}`);
    else if (!addresses.includes(a.privateIpAddress))
      add(
        `${path}.association.privateIpAddress`,
        `${a.privateIpAddress} is not an address of ${a.networkInterfaceId}`,
      );
    const key = `${a.networkInterfaceId}|${a.privateIpAddress}`;
    if (associated.has(key))
      add(
        `${path}.association`,
        `${a.privateIpAddress} of ${a.networkInterfaceId} already has an Elastic IP`,
      );
    associated.add(key);
  });
}

function checkReservations(f: AddressFixtureView, add: Add): void {
  const subnets = new Map(f.subnets.map((s) => [s.id, s]));
  const byVpc = new Map<string, Cidr[]>();
  const ids = new Set<string>();
  f.subnetCidrReservations.forEach((r, i) => {
    const path = `subnetCidrReservations.${i}`;
    if (r.id !== undefined && ids.has(r.id)) add(`${path}.id`, `duplicate id ${r.id}`);
    if (r.id !== undefined) ids.add(r.id);
    const subnet = subnets.get(r.subnetId);
    const block = parseCidr(r.cidr, { version: 4 });
    if (subnet === undefined) {
      add(`${path}.subnetId`, `unknown subnet ${r.subnetId}`);
      return;
    }
    const outer = parseCidr(subnet.cidrBlock, { version: 4 });
    if (block === undefined || outer === undefined) return;
    if (!cidrWithin(block, outer)) add(`${path}.cidr`, `${r.cidr} is not inside ${subnet.cidrBlock}`);
    const others = byVpc.get(subnet.vpcId) ?? [];
    if (others.some((o) => cidrsOverlap(o, block)))
      add(`${path}.cidr`, `${r.cidr} overlaps another reservation of ${subnet.vpcId}`);
    byVpc.set(subnet.vpcId, [...others, block]);
  });
}
