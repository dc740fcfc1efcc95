/**
 * Fixture members added for route tables as AWS has them (dx-failover, issue 10): route destinations of
 * the three kinds, managed prefix lists, tag policies, and the checks of routes against the VPC's blocks.
 * All optional with defaults, so existing fixtures stay valid (see docs/simulated-account.md).
 */
import * as z from "zod/mini";
import { type Cidr, cidrsOverlap, cidrWithin, isCidr, parseCidr } from "../../shared/net/cidr";
import {
  canonicalDestination,
  destinationCidr,
  moreSpecificRouteRefusal,
  targetKindOf,
} from "./route-destination";

function doc<T extends z.ZodMiniType>(schema: T, description: string): T {
  return schema.check(z.core.describe(description));
}

export const Ipv6Cidr = z
  .string()
  .check(
    z.refine(
      (value) => isCidr(value, { version: 6 }),
      "must be an IPv6 CIDR block with no host bits set, e.g. 2600:1f14:abc:de00::/56",
    ),
  );
export const PrefixListId = z
  .string()
  .check(z.regex(/^pl-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, "must look like pl-0123456789abcdef0"));
const AnyCidr = z
  .string()
  .check(z.refine((value) => isCidr(value), "must be an IPv4 or IPv6 CIDR block with no host bits set"));

const ManagedPrefixListFixture = z.strictObject({
  id: PrefixListId,
  name: z.string().check(z.minLength(1), z.maxLength(255)),
  addressFamily: z.enum(["IPv4", "IPv6"]),
  maxEntries: doc(
    z.int().check(z.gte(1), z.lte(1000)),
    "MaxEntries: a route to the list counts this many routes against the table's quota.",
  ),
  entries: z._default(
    z.array(z.strictObject({ cidr: AnyCidr, description: z.optional(z.string().check(z.maxLength(255))) })),
    [],
  ),
  version: doc(z._default(z.int().check(z.gte(1)), 1), "The current version (a change of entries adds one)."),
  ownerId: doc(z.optional(z.string().check(z.regex(/^\d{12}$/))), "Default: the account."),
  tags: z._default(z.record(z.string(), z.string()), {}),
});

const TagPolicyFixture = z.strictObject({
  key: doc(
    z.string().check(z.minLength(1), z.maxLength(128)),
    "The policy's tag key with its required capitalization (`tag_key`): a tag whose key matches it ignoring case but is written otherwise is non-compliant.",
  ),
  allowedValues: doc(
    z.optional(z.array(z.string())),
    "`tag_value`: the compliant values (a trailing `*` matches any suffix); any value when omitted.",
  ),
  enforcedFor: doc(
    z._default(z.array(z.string().check(z.regex(/^[a-z0-9-]+:([A-Za-z0-9-]+|ALL_SUPPORTED)$/))), [
      "ec2:ALL_SUPPORTED",
    ]),
    "`enforced_for`: resource types (`ec2:route-table`, `ec2:instance`, `ec2:ALL_SUPPORTED`) on which a non-compliant tagging call is refused.",
  ),
});

type ManagedPrefixListFixtureOutput = z.output<typeof ManagedPrefixListFixture>;

/** The additive top-level members of the account fixture. */
export const ROUTE_FIXTURE_MEMBERS = {
  managedPrefixLists: doc(
    z._default(z.array(ManagedPrefixListFixture), []),
    "Customer-managed prefix lists (DescribeManagedPrefixLists, GetManagedPrefixListEntries, route destinations).",
  ),
  tagPolicies: doc(
    z._default(z.array(TagPolicyFixture), []),
    "AWS Organizations tag policies in enforcement mode: a non-compliant CreateTags → UnauthorizedOperation.",
  ),
};

/** The fixture route fields (structural, so this module stays below fixture.ts). */
interface RouteFields {
  destinationCidrBlock?: string | undefined;
  destinationIpv6CidrBlock?: string | undefined;
  destinationPrefixListId?: string | undefined;
  target: string;
  origin: string;
}

/** The destination text the route model keeps (undefined when the fixture gives none). */
export function routeDestinationOf(r: RouteFields): string | undefined {
  const given = [r.destinationCidrBlock, r.destinationIpv6CidrBlock, r.destinationPrefixListId].find(
    (d) => d !== undefined,
  );
  return given === undefined ? undefined : canonicalDestination(given);
}

interface RouteCheckInput {
  vpcs: { id: string; cidrBlock: string; secondaryCidrBlocks: string[]; ipv6CidrBlocks: string[] }[];
  subnets: { vpcId: string; cidrBlock: string; ipv6CidrBlock?: string | undefined }[];
  routeTables: { vpcId: string; routes: RouteFields[] }[];
  managedPrefixLists: ManagedPrefixListFixtureOutput[];
}

type Add = (path: string, message: string) => void;

const blocksOf = (texts: readonly string[]): Cidr[] => texts.flatMap((t) => parseCidr(t) ?? []);

function checkVpcBlocks(f: RouteCheckInput, add: Add): void {
  f.vpcs.forEach((v, i) => {
    const seen: Cidr[] = [];
    for (const text of [v.cidrBlock, ...v.secondaryCidrBlocks, ...v.ipv6CidrBlocks]) {
      const block = parseCidr(text);
      if (block === undefined) continue;
      if (seen.some((b) => cidrsOverlap(b, block)))
        add(`vpcs.${i}`, `block ${text} overlaps another block of ${v.id}`);
      seen.push(block);
    }
  });
  const vpcs = new Map(f.vpcs.map((v) => [v.id, v]));
  f.subnets.forEach((s, i) => {
    const vpc = vpcs.get(s.vpcId);
    const inner = s.ipv6CidrBlock === undefined ? undefined : parseCidr(s.ipv6CidrBlock);
    if (vpc === undefined || inner === undefined) return;
    if (!blocksOf(vpc.ipv6CidrBlocks).some((b) => cidrWithin(inner, b)))
      add(`subnets.${i}.ipv6CidrBlock`, `${s.ipv6CidrBlock} is not inside an IPv6 block of ${s.vpcId}`);
  });
}

function checkPrefixLists(f: RouteCheckInput, add: Add): void {
  const ids = new Set<string>();
  f.managedPrefixLists.forEach((pl, i) => {
    const path = `managedPrefixLists.${i}`;
    if (ids.has(pl.id)) add(`${path}.id`, `duplicate id ${pl.id}`);
    ids.add(pl.id);
    if (pl.entries.length > pl.maxEntries)
      add(`${path}.entries`, `${pl.entries.length} entries exceed maxEntries ${pl.maxEntries}`);
    const version = pl.addressFamily === "IPv4" ? 4 : 6;
    pl.entries.forEach((e, j) => {
      if (parseCidr(e.cidr)?.version !== version)
        add(`${path}.entries.${j}.cidr`, `${e.cidr} is not an ${pl.addressFamily} block`);
    });
  });
}

/** Destinations, prefix-list references and the more-specific rule for every fixture route. */
function checkRoutes(f: RouteCheckInput, add: Add): void {
  const vpcs = new Map(f.vpcs.map((v) => [v.id, v]));
  const lists = new Set(f.managedPrefixLists.map((pl) => pl.id));
  f.routeTables.forEach((rt, i) => {
    const vpc = vpcs.get(rt.vpcId);
    const vpcBlocks =
      vpc === undefined ? [] : blocksOf([vpc.cidrBlock, ...vpc.secondaryCidrBlocks, ...vpc.ipv6CidrBlocks]);
    const subnetBlocks = blocksOf(
      f.subnets
        .filter((s) => s.vpcId === rt.vpcId)
        .flatMap((s) => (s.ipv6CidrBlock === undefined ? [s.cidrBlock] : [s.cidrBlock, s.ipv6CidrBlock])),
    );
    rt.routes.forEach((r, j) => {
      const path = `routeTables.${i}.routes.${j}`;
      const given = [r.destinationCidrBlock, r.destinationIpv6CidrBlock, r.destinationPrefixListId];
      if (given.filter((d) => d !== undefined).length !== 1) {
        add(
          path,
          "needs exactly one of destinationCidrBlock, destinationIpv6CidrBlock, destinationPrefixListId",
        );
        return;
      }
      if (r.destinationPrefixListId !== undefined && !lists.has(r.destinationPrefixListId))
        add(`${path}.destinationPrefixListId`, `unknown prefix list ${r.destinationPrefixListId}`);
      const cidr = destinationCidr(routeDestinationOf(r) ?? "");
      if (cidr === undefined || r.target === "local" || r.origin !== "CreateRoute") return;
      const refusal = moreSpecificRouteRefusal(cidr, vpcBlocks, subnetBlocks, targetKindOf(r.target));
      if (refusal !== undefined) add(path, `EC2 refuses this route: ${refusal}`);
    });
  });
}

/** Cross-resource checks of the members above and of the routes' destinations. */
export function checkRouteFixture(f: RouteCheckInput, add: Add): void {
  checkVpcBlocks(f, add);
  checkPrefixLists(f, add);
  checkRoutes(f, add);
}
