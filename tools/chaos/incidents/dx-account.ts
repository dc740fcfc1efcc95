/**
 * The dx-failover chaos account: test/fixtures/accounts/dx-failover.json (the capability's own test account,
 * IPv4 only) made dual-stack and given a prefix-list route, as an operator's Local Zone deployment would be:
 * - the VPC gets an Amazon IPv6 block; each virtual interface an IPv6 BGP session beside its IPv4 one (a
 *   VIF carries one session per family, dual-stack: Direct Connect UG "Add a BGP peer"); the gateway
 *   propagates the on-premises IPv6 prefix (VPC UG "Route propagation": IPv4 and IPv6 routes). AWS
 *   documents IPv6 per Local Zone ("If the Local Zone supports IPv6", VPC UG "Local Zones"): this account
 *   assumes one that does; a Local Zone has no local gateway (that is Outposts), its traffic uses the VPC's
 *   route tables and the gateway as here;
 * - DC2's prefixes (a customer-managed prefix list, MaxEntries 10) are routed to the gateway by a
 *   prefix-list route in both group tables: someone else's route, never the toolkit's to change, whose
 *   MaxEntries count against the tables' route quota;
 * - the agent runs in a Local Zone subnet associated with the probe route table (which keeps the DX route).
 * Kept out of the shared JSON fixture so the capability's own tests keep their IPv4-only account.
 */
import { readFileSync } from "node:fs";

const FIXTURE = "test/fixtures/accounts/dx-failover.json";

export const DX_ACCOUNT = {
  vpc: "vpc-0d0f0000000000a00",
  vgw: "vgw-0d0f0000000000a00",
  vpcIpv6: "2600:1f18:6d0f:a00::/56",
  onPremIpv6: "2001:db8:100::/48",
  prefixList: "pl-0d0f0000000000f02",
  dc2: ["10.102.0.0/16", "10.103.0.0/16"],
  /** What a prefix-list edit may add (outside every configured CIDR). */
  dc2Extra: "10.104.0.0/16",
  agentSubnet: "subnet-0d0f0000000000b08",
  probeTable: "rtb-0d0f0000000000c09",
  groupTables: ["rtb-0d0f0000000000c01", "rtb-0d0f0000000000c02"],
} as const;

type Json = Record<string, unknown> & { [key: string]: unknown };
const list = (f: Json, key: string): Json[] => (f[key] ?? []) as Json[];

const dualStack = (f: Json): void => {
  for (const vpc of list(f, "vpcs")) if (vpc.id === DX_ACCOUNT.vpc) vpc.ipv6CidrBlocks = [DX_ACCOUNT.vpcIpv6];
  for (const vgw of list(f, "virtualPrivateGateways"))
    vgw.propagatedCidrs = [...((vgw.propagatedCidrs as string[]) ?? []), DX_ACCOUNT.onPremIpv6];
  for (const vif of list(f, "virtualInterfaces")) {
    const id = String(vif.id).replace("dxvif-", "");
    vif.bgpPeers = [...list(vif, "bgpPeers"), { bgpPeerId: `dxpeer-${id}v6`, addressFamily: "ipv6" }];
  }
};

const prefixListRoute = (f: Json): void => {
  f.managedPrefixLists = [
    {
      id: DX_ACCOUNT.prefixList,
      name: "dc2",
      addressFamily: "IPv4",
      maxEntries: 10,
      entries: DX_ACCOUNT.dc2.map((cidr) => ({ cidr, description: "DC2, not failed over" })),
    },
  ];
  for (const t of list(f, "routeTables"))
    if ((DX_ACCOUNT.groupTables as readonly string[]).includes(String(t.id)))
      t.routes = [
        ...list(t, "routes"),
        { destinationPrefixListId: DX_ACCOUNT.prefixList, target: DX_ACCOUNT.vgw, origin: "CreateRoute" },
      ];
};

const agentSubnet = (f: Json): void => {
  f.subnets = [
    ...list(f, "subnets"),
    {
      id: DX_ACCOUNT.agentSubnet,
      vpcId: DX_ACCOUNT.vpc,
      availabilityZone: "us-east-1-bos-1a",
      cidrBlock: "10.60.8.0/24",
      tags: { Name: "lz-dx-probe-agent" },
    },
  ];
  for (const t of list(f, "routeTables"))
    if (t.id === DX_ACCOUNT.probeTable)
      t.associations = [...list(t, "associations"), { subnetId: DX_ACCOUNT.agentSubnet }];
};

/** The chaos account (raw fixture JSON). */
export const dxChaosFixture = (): Json => {
  const f = JSON.parse(readFileSync(FIXTURE, "utf8")) as Json;
  dualStack(f);
  prefixListRoute(f);
  agentSubnet(f);
  f.description = `${String(f.description)} Chaos (tools/chaos/incidents/dx-account.ts): dual-stack (IPv6 block, an IPv6 session per VIF, ${DX_ACCOUNT.onPremIpv6} propagated), DC2's prefix list routed to the gateway in both group tables, the agent's Local Zone subnet on the probe table.`;
  return f;
};
