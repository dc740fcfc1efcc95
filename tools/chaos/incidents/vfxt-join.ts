/**
 * vFXT nodes joining a cluster, as AvereSDK adds them (github:Azure/AvereSDK, vFXT/aws.py
 * `add_cluster_nodes`, vFXT/cluster.py `add_nodes`, as of the last version with AWS support) and the cluster
 * then serves on them:
 *
 * - `node-joins`: a new instance like the cluster's first node — its tags copied (`'tags': instance.tags`:
 *   the cluster tag included, so the node is a member by tag), its instance type, the next of the cluster's
 *   subnets (`cycle(subnets)`), `Name` `<cluster>-NN`. It is `pending`, then `running` and its status
 *   checks `initializing`, then `ok`, on the account's timings. Its primary ENI carries the cluster tag as
 *   this project asks operators to (README "Membership and tags"; AvereSDK tags the instance and its
 *   volumes, not ENIs), with source/dest check off in a `/32` cluster (it routes client addresses).
 * - `cluster-rebalances`: the cluster serves on its healthy nodes. `add_nodes` extends each vserver's
 *   client-facing range to one address per node, so a healthy node holding none of the cluster's client
 *   addresses is given a new one (not among the configured addresses: the function must not touch it); and
 *   "the cluster automatically balances the client-facing IP addresses across all healthy nodes" (Avere OS
 *   4.7 operations guide, "Setting Home Nodes"): one configured address moves from the most to the least
 *   loaded healthy node when they differ by two or more (AssignPrivateIpAddresses with reassignment;
 *   ReplaceRoute in its tables for a `/32` cluster, an instance target as `add_instance_address` writes).
 */
import { addressAt, cidrSize, formatIp, parseCidr } from "../../../shared/net/cidr";
import { derivedId, derivedMac } from "../../../sim/account/ids";
import type { SimulatedAccount } from "../../../sim/account/index";
import { defaultLaunchDetails } from "../../../sim/account/instance-details";
import type { EniModel, InstanceModel, RegionState } from "../../../sim/account/state";
import { statusOnStateChange } from "../../../sim/account/status-checks";
import type { IncidentKind, Params, World } from "../types";
import { clusterAddRoute } from "./vfxt-cluster-ec2";

export const TAG = "ops:vfxt-cluster";
const CLUSTERS = ["vfxt-a", "vfxt-b"] as const;
/** The `/32` cluster: its client addresses are routes in these tables (the cluster's own tables). */
const ROUTE_CLUSTER = "vfxt-b";
const ROUTE_PREFIX = "10.250.0.";

type Ec2 = (account: SimulatedAccount, operation: string, input: Record<string, unknown>) => Promise<unknown>;

/** The cluster's nodes (by tag, as the function and the invariants know them), in id order. */
export const nodesOf = (account: SimulatedAccount, cluster?: string): string[] =>
  [...account.state().instances.values()]
    .filter((i) => (cluster === undefined ? i.tags.has(TAG) : i.tags.get(TAG) === cluster))
    .map((i) => i.id)
    .sort();

export const primaryEniOf = (state: RegionState, instanceId: string): EniModel | undefined =>
  [...state.networkInterfaces.values()].find(
    (e) => e.attachment?.instanceId === instanceId && e.attachment.deviceIndex === 0,
  );

/** The first address of the subnet no ENI or instance uses (AWS reserves the first four and the last). */
const freeAddress = (state: RegionState, subnetId: string, from = 4n): string => {
  const cidr = parseCidr(state.subnets.get(subnetId)?.cidrBlock ?? "", { version: 4 });
  if (cidr === undefined) throw new Error(`subnet ${subnetId} has no IPv4 block`);
  const used = new Set<string>();
  for (const eni of state.networkInterfaces.values())
    for (const ip of [eni.privateIpAddress, ...eni.secondaryPrivateIpAddresses]) used.add(ip);
  for (const i of state.instances.values()) used.add(i.privateIpAddress);
  for (let offset = from; offset < cidrSize(cidr) - 1n; offset += 1n) {
    const address = addressAt(cidr, offset);
    const text = address === undefined ? undefined : formatIp(address);
    if (text !== undefined && !used.has(text)) return text;
  }
  throw new Error(`subnet ${subnetId} has no free address`);
};

const newInstance = (
  state: RegionState,
  first: InstanceModel,
  subnetId: string,
  name: string,
  now: number,
) => {
  const subnet = state.subnets.get(subnetId);
  if (subnet === undefined) throw new Error(`no subnet ${subnetId}`);
  const seed = `vfxt-join|${name}`;
  const instance: InstanceModel = {
    ...first,
    id: derivedId("i", seed),
    state: "pending",
    stateSince: now,
    stateReason: { code: "pending", message: "pending" },
    stateTransitionReason: "",
    transition: { to: "running", at: now + state.behaviour.pendingToRunningMs },
    launchTime: new Date(now),
    subnetId,
    vpcId: subnet.vpcId,
    availabilityZone: subnet.availabilityZone,
    privateIpAddress: freeAddress(state, subnetId),
    tags: new Map([...first.tags, ["Name", name]]),
    reservationId: derivedId("r", `reservation|${seed}`),
    amiLaunchIndex: 0,
    status: statusOnStateChange(false, now, state.behaviour.statusInitializingMs),
    launchDetails: defaultLaunchDetails(derivedId("vol", `root|${seed}`)),
  };
  return instance;
};

const newPrimaryEni = (
  instance: InstanceModel,
  template: EniModel | undefined,
  cluster: string,
  now: number,
) => {
  const id = derivedId("eni", `primary|${instance.id}`);
  const eni: EniModel = {
    ...(template as EniModel),
    id,
    subnetId: instance.subnetId,
    vpcId: instance.vpcId,
    availabilityZone: instance.availabilityZone,
    description: `${String(instance.tags.get("Name"))} primary`,
    privateIpAddress: instance.privateIpAddress,
    secondaryPrivateIpAddresses: [],
    macAddress: derivedMac(id),
    tags: new Map([[TAG, cluster]]),
    attachment: {
      attachmentId: derivedId("eni-attach", `attach|${id}|${instance.id}`),
      instanceId: instance.id,
      deviceIndex: 0,
      networkCardIndex: 0,
      status: "attached",
      deleteOnTermination: true,
      attachTime: new Date(now),
    },
  };
  return eni;
};

/** AvereSDK `add_cluster_nodes`: one more node like the first, in the next of the cluster's subnets. */
const joinNode = (world: World, params: Params): string => {
  const account = world.account;
  const state = account.state();
  const cluster = CLUSTERS[Number(params.cluster) % CLUSTERS.length] ?? "vfxt-a";
  const nodes = nodesOf(account, cluster);
  const first = state.instances.get(nodes[0] ?? "");
  if (first === undefined) return `${cluster} has no node to copy`;
  const subnets = [...new Set(nodes.map((id) => state.instances.get(id)?.subnetId ?? ""))].sort();
  const subnetId = subnets[nodes.length % subnets.length] ?? first.subnetId;
  const name = `${cluster}-${String(nodes.length + 1).padStart(2, "0")}`;
  const now = account.clock.nowMs();
  const instance = newInstance(state, first, subnetId, name, now);
  if (state.instances.has(instance.id)) return `${name} exists`;
  state.instances.set(instance.id, instance);
  const eni = newPrimaryEni(instance, primaryEniOf(state, first.id), cluster, now);
  eni.sourceDestCheck = cluster !== ROUTE_CLUSTER;
  state.networkInterfaces.set(eni.id, eni);
  return `${instance.id} (${name}) pending in ${subnetId}`;
};

/**
 * The cluster serves on a node once it has joined: AvereSDK waits up to `join_wait` (500 s for one node)
 * for it (`wait_for_nodes_to_join`); 10 minutes after launch, also beyond the function's boot grace.
 */
const JOINED_AFTER_MS = 10 * 60_000;

const serving = (account: SimulatedAccount, id: string): boolean => {
  const i = account.state().instances.get(id);
  if (i?.state !== "running" || i.status?.instance !== "ok" || i.status?.system !== "ok") return false;
  return account.clock.nowMs() - i.launchTime.getTime() >= JOINED_AFTER_MS;
};

/** Client addresses per healthy node: secondary addresses (`vfxt-a`) or `/32` routes of the first table. */
const loads = (
  account: SimulatedAccount,
  cluster: string,
  tables: readonly string[],
): Map<string, string[]> => {
  const state = account.state();
  const out = new Map(
    nodesOf(account, cluster)
      .filter((id) => serving(account, id))
      .map((id) => [id, [] as string[]]),
  );
  if (cluster !== ROUTE_CLUSTER) {
    for (const id of out.keys())
      out.set(id, [...(primaryEniOf(state, id)?.secondaryPrivateIpAddresses ?? [])]);
    return out;
  }
  for (const route of state.routeTables.get(tables[0] ?? "")?.routes ?? []) {
    const target = route.target.startsWith("i-")
      ? route.target
      : state.networkInterfaces.get(route.target)?.attachment?.instanceId;
    if (route.origin === "CreateRoute" && target !== undefined)
      out.get(target)?.push(route.destinationCidrBlock);
  }
  return out;
};

export interface RebalanceContext {
  /** The cluster software's EC2 calls (retried as AvereSDK's `_aws_do` retries them). */
  ec2: Ec2;
  tables: readonly string[];
  configured: ReadonlySet<string>;
  /** Told each configured address the cluster moves (a move the function must not be blamed for). */
  moved: (world: World, address: string) => void;
}

/** The vserver's range extended by one address for a node without any (add_nodes: one per node). */
const extendRange = async (world: World, cluster: string, node: string, ctx: RebalanceContext) => {
  const state = world.account.state();
  if (cluster !== ROUTE_CLUSTER) {
    const eni = primaryEniOf(state, node);
    if (eni === undefined) return "no ENI";
    const address = freeAddress(state, eni.subnetId, 200n);
    await ctx.ec2(world.account, "AssignPrivateIpAddresses", {
      NetworkInterfaceId: eni.id,
      PrivateIpAddresses: [address],
    });
    return `new client address ${address} → ${node}`;
  }
  const taken = new Set(
    ctx.tables.flatMap((t) => (state.routeTables.get(t)?.routes ?? []).map((r) => r.destinationCidrBlock)),
  );
  let last = 11;
  while (taken.has(`${ROUTE_PREFIX}${last}/32`)) last += 1;
  const destination = `${ROUTE_PREFIX}${last}/32`;
  for (const table of ctx.tables)
    await clusterAddRoute(world.account, {
      RouteTableId: table,
      DestinationCidrBlock: destination,
      InstanceId: node,
    });
  return `new client address ${destination} → ${node}`;
};

/** One configured address from the most to the least loaded healthy node (Avere's even spread). */
const balanceOne = async (
  world: World,
  cluster: string,
  load: Map<string, string[]>,
  ctx: RebalanceContext,
): Promise<{ what: string; to?: string }> => {
  const ranked = [...load].sort((a, b) => a[1].length - b[1].length || a[0].localeCompare(b[0]));
  const [least, most] = [ranked[0], ranked.at(-1)];
  if (least === undefined || most === undefined || most[1].length - least[1].length < 2)
    return { what: "balanced" };
  const address = most[1].map((a) => a.replace("/32", "")).find((a) => ctx.configured.has(a));
  if (address === undefined) return { what: "balanced" };
  ctx.moved(world, address);
  const eni = primaryEniOf(world.account.state(), least[0]);
  if (cluster !== ROUTE_CLUSTER)
    await ctx.ec2(world.account, "AssignPrivateIpAddresses", {
      NetworkInterfaceId: eni?.id,
      PrivateIpAddresses: [address],
      AllowReassignment: true,
    });
  else
    for (const table of ctx.tables)
      await ctx.ec2(world.account, "ReplaceRoute", {
        RouteTableId: table,
        DestinationCidrBlock: `${address}/32`,
        InstanceId: least[0],
      });
  return { what: `${address}: ${most[0]} → ${least[0]}`, to: least[0] };
};

const rebalance = async (world: World, params: Params, ctx: RebalanceContext): Promise<string> => {
  const cluster = CLUSTERS[Number(params.cluster) % CLUSTERS.length] ?? "vfxt-a";
  const balanced = await balanceOne(world, cluster, loads(world.account, cluster, ctx.tables), ctx);
  const done = [balanced.what];
  // The remap of a move is asynchronous: the node the cluster just gave an address to holds one.
  for (const [node, addresses] of loads(world.account, cluster, ctx.tables))
    if (addresses.length === 0 && node !== balanced.to)
      done.push(await extendRange(world, cluster, node, ctx));
  return `${cluster}: ${done.join("; ")}`;
};

export const joinIncidents = (ctx: RebalanceContext): IncidentKind[] => [
  { name: "node-joins", weight: 1, draw: (rng) => ({ cluster: rng.int(0, 1) }), apply: joinNode },
  {
    name: "cluster-rebalances",
    weight: 2,
    draw: (rng) => ({ cluster: rng.int(0, 1) }),
    apply: (world, params) => rebalance(world, params, ctx),
  },
];
