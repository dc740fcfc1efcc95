/**
 * The invariants of vfxt-ip-move (functions/vfxt-ip-move/README.md, "Invariants"), as pure checks over a
 * simulated account's state, for the capability's own sim tests and for the chaos campaign (issue 14):
 *
 * 1. `one-eni-per-vpc`: a configured address is never on two ENIs of one VPC (always).
 * 1b. `never-two`: a configured /32 address is never routed to two healthy nodes by its cluster's route
 *    tables (always: clients behind one table would reach one node, those behind another a second). A
 *    split between a healthy node and a failed one is the middle of a move, judged by `served`.
 * 2. `served`: once the grace and the detection time have passed (`settled`), every configured address of a
 *    cluster is on exactly one healthy node of the cluster: a secondary address on one node ENI, a /32
 *    address routed to one node ENI by every route table of the cluster — where some healthy node can take
 *    it (an ENI in its subnet, or one with source/dest check off for a route; per-ENI limits are the
 *    driver's to keep large).
 * 3. `no-move-from-healthy`: with `rebalance` off, no write of the function took an address from a node that
 *    was healthy (judged on a view taken before the writes).
 *
 * Health is restated here from the issue (running, both status checks `ok`, out of the boot grace), not
 * imported from the capability, so that the checker does not share the code it checks.
 */

import { expandAddresses } from "../../../functions/vfxt-ip-move/addresses";
import type { VfxtClusterConfig, VfxtIpMoveConfig } from "../../../functions/vfxt-ip-move/config";
import { containsAddress } from "../../../shared/net/cidr";
import type { CallRecord, RegionState } from "../../../sim";
import { tookEffect } from "./calls";

export interface Violation {
  invariant:
    | "one-eni-per-vpc"
    | "never-two"
    | "served"
    | "no-move-from-healthy"
    | "touched-outside-configuration";
  message: string;
}

/** A `served` violation, with the address it is about (`<cluster> <address>`). */
interface Unserved extends Violation {
  address: string;
}

/** What the checks need to know of the account at one moment. */
export interface VfxtView {
  at: number;
  /** Instance id → healthy, per cluster membership. */
  healthy: ReadonlySet<string>;
  /** ENI id → the instance it is attached to. */
  eniOwner: ReadonlyMap<string, string>;
  /** `<vpc>|<address>` → ENIs holding it. */
  holders: ReadonlyMap<string, readonly string[]>;
  /** `<table>|<destination>` → the static route's target. */
  routes: ReadonlyMap<string, string>;
}

const isHealthy = (state: RegionState, id: string, now: number, bootGraceMs: number): boolean => {
  const inst = state.instances.get(id);
  if (inst === undefined || inst.state !== "running") return false;
  if (inst.status?.instance !== "ok" || inst.status?.system !== "ok") return false;
  return now - inst.launchTime.getTime() >= bootGraceMs;
};

/** The cluster's nodes: tagged with its name and, when it lists `instanceIds`, listed (safety rule 9). */
const membersOf = (state: RegionState, config: VfxtIpMoveConfig, cluster: VfxtClusterConfig): string[] =>
  [...state.instances.values()]
    .filter((i) => i.tags.get(config.clusterTagKey) === cluster.name)
    .filter((i) => cluster.instanceIds.length === 0 || cluster.instanceIds.includes(i.id))
    .map((i) => i.id);

export const vfxtView = (state: RegionState, config: VfxtIpMoveConfig, now: number): VfxtView => {
  const healthy = new Set<string>();
  for (const cluster of config.clusters) {
    for (const id of membersOf(state, config, cluster)) {
      if (isHealthy(state, id, now, cluster.bootGraceSeconds * 1000)) healthy.add(id);
    }
  }
  const eniOwner = new Map<string, string>();
  const holders = new Map<string, string[]>();
  for (const eni of state.networkInterfaces.values()) {
    if (eni.attachment !== undefined) eniOwner.set(eni.id, eni.attachment.instanceId);
    for (const ip of [eni.privateIpAddress, ...eni.secondaryPrivateIpAddresses]) {
      const key = `${eni.vpcId}|${ip}`;
      holders.set(key, [...(holders.get(key) ?? []), eni.id]);
    }
  }
  const routes = new Map<string, string>();
  for (const table of state.routeTables.values()) {
    for (const route of table.routes) {
      if (route.origin === "CreateRoute")
        routes.set(`${table.id}|${route.destinationCidrBlock}`, route.target);
    }
  }
  return { at: now, healthy, eniOwner, holders, routes };
};

/** The ENI a route target means (an instance target: its primary ENI). */
const targetEni = (state: RegionState, target: string | undefined): string | undefined => {
  if (target === undefined || !target.startsWith("i-")) return target;
  return [...state.networkInterfaces.values()].find(
    (e) => e.attachment?.instanceId === target && e.attachment.deviceIndex === 0,
  )?.id;
};

const clusterVpc = (
  state: RegionState,
  config: VfxtIpMoveConfig,
  cluster: VfxtClusterConfig,
): string | undefined =>
  cluster.vpcId ??
  membersOf(state, config, cluster)
    .map((id) => state.instances.get(id)?.vpcId)
    .find((v) => v !== undefined);

const oneEniPerVpc = (view: VfxtView, config: VfxtIpMoveConfig): Violation[] => {
  const configured = new Set(config.clusters.flatMap((c) => expandAddresses(c.addresses)));
  const out: Violation[] = [];
  for (const [key, enis] of view.holders) {
    const address = key.split("|")[1] ?? "";
    if (configured.has(address) && enis.length > 1) {
      out.push({ invariant: "one-eni-per-vpc", message: `${key} is on ${enis.join(", ")}` });
    }
  }
  return out;
};

/** Can some healthy node of the cluster take this secondary address (an ENI in its subnet)? */
const canServe = (
  state: RegionState,
  view: VfxtView,
  members: readonly string[],
  subnetId: string,
): boolean =>
  members.some(
    (id) =>
      view.healthy.has(id) &&
      [...state.networkInterfaces.values()].some(
        (eni) => eni.attachment?.instanceId === id && eni.subnetId === subnetId,
      ),
  );

const servedSecondary = (
  state: RegionState,
  view: VfxtView,
  cluster: VfxtClusterConfig,
  members: string[],
  vpcId: string,
  address: string,
  excuse: boolean,
): Unserved[] => {
  const subnet = [...state.subnets.values()].find(
    (s) => s.vpcId === vpcId && containsAddress(s.cidrBlock, address),
  );
  if (subnet === undefined) return [];
  const enis = view.holders.get(`${vpcId}|${address}`) ?? [];
  const onHealthy = enis.filter(
    (e) => view.healthy.has(view.eniOwner.get(e) ?? "") && members.includes(view.eniOwner.get(e) ?? ""),
  );
  if (onHealthy.length === 1 && enis.length === 1) return [];
  if (excuse && onHealthy.length === 0 && !canServe(state, view, members, subnet.id)) return [];
  return [
    {
      invariant: "served",
      address: `${cluster.name} ${address}`,
      message: `${cluster.name} ${address} is on [${enis.join(", ")}], ${onHealthy.length} of them a healthy node's`,
    },
  ];
};

const servedRoute = (
  state: RegionState,
  view: VfxtView,
  config: VfxtIpMoveConfig,
  cluster: VfxtClusterConfig,
  members: string[],
  address: string,
  excuse: boolean,
): Unserved[] => {
  const owners = new Set(
    tablesOf(cluster, config, state).map(
      (t) => view.eniOwner.get(targetEni(state, view.routes.get(`${t}|${address}/32`)) ?? "") ?? "(none)",
    ),
  );
  const [owner] = [...owners];
  if (owners.size === 1 && owner !== undefined && view.healthy.has(owner) && members.includes(owner))
    return [];
  const anyRouter =
    !excuse ||
    members.some(
      (id) =>
        view.healthy.has(id) &&
        [...state.networkInterfaces.values()].some(
          (e) => e.attachment?.instanceId === id && !e.sourceDestCheck,
        ),
    );
  return anyRouter
    ? [
        {
          invariant: "served",
          address: `${cluster.name} ${address}`,
          message: `${cluster.name} ${address}/32 routes to [${[...owners].join(", ")}]`,
        },
      ]
    : [];
};

/**
 * The configured addresses not on exactly one healthy node. With `excuse` (the invariant) an address no
 * healthy node of its cluster could take is left out: the function cannot act; the measure counts it.
 */
const served = (
  state: RegionState,
  view: VfxtView,
  config: VfxtIpMoveConfig,
  excuse = true,
  judged: (cluster: string) => boolean = () => true,
): Unserved[] => {
  const out: Unserved[] = [];
  for (const cluster of config.clusters) {
    if (!judged(cluster.name)) continue;
    const vpcId = clusterVpc(state, config, cluster);
    const vpc = vpcId === undefined ? undefined : state.vpcs.get(vpcId);
    if (vpcId === undefined || vpc === undefined) continue;
    const members = membersOf(state, config, cluster);
    const blocks = [vpc.cidrBlock, ...vpc.secondaryCidrBlocks];
    for (const address of expandAddresses(cluster.addresses)) {
      if (blocks.some((b) => containsAddress(b, address)))
        out.push(...servedSecondary(state, view, cluster, members, vpcId, address, excuse));
      else if (tablesOf(cluster, config, state).length > 0)
        out.push(...servedRoute(state, view, config, cluster, members, address, excuse));
    }
  }
  return out;
};

/** `never-two`: a /32 address its cluster's tables route to two healthy nodes, at any moment. */
const neverTwo = (state: RegionState, view: VfxtView, config: VfxtIpMoveConfig): Violation[] => {
  const out: Violation[] = [];
  for (const cluster of config.clusters) {
    const tables = tablesOf(cluster, config, state);
    if (tables.length < 2) continue;
    const members = membersOf(state, config, cluster);
    for (const address of expandAddresses(cluster.addresses)) {
      const healthyOwners = new Set(
        tables
          .map((t) => view.eniOwner.get(targetEni(state, view.routes.get(`${t}|${address}/32`)) ?? ""))
          .filter((o): o is string => o !== undefined && view.healthy.has(o) && members.includes(o)),
      );
      if (healthyOwners.size > 1)
        out.push({
          invariant: "never-two",
          message: `${cluster.name} ${address}/32 routes to the healthy nodes ${[...healthyOwners].sort().join(", ")}`,
        });
    }
  }
  return out;
};

export interface CheckOptions {
  now?: number;
  /**
   * Every address must be served: the grace and the detection time have passed since the last failure,
   * for every cluster (`true`) or for the clusters this answers true for (each cluster on its own clock).
   */
  settled?: boolean | ((cluster: string) => boolean);
}

/** Invariants 1 and (when settled) 2 on the account's current state. */
export const checkVfxtInvariants = (
  state: RegionState,
  config: VfxtIpMoveConfig,
  options: CheckOptions = {},
): Violation[] => {
  const view = vfxtView(state, config, options.now ?? Date.now());
  const { settled } = options;
  const judged = typeof settled === "function" ? settled : () => settled === true;
  const unserved = config.clusters.some((c) => judged(c.name))
    ? served(state, view, config, true, judged).map(({ invariant, message }) => ({ invariant, message }))
    : [];
  return [...oneEniPerVpc(view, config), ...neverTwo(state, view, config), ...unserved];
};

/**
 * The configured addresses (`<cluster> <address>`) not on exactly one healthy node now, whether or not a
 * healthy node of their cluster could take them (the measure `vfxt-unserved-s`: a cluster wholly down is
 * its worst outage).
 */
export const unservedAddresses = (state: RegionState, config: VfxtIpMoveConfig, now: number): string[] =>
  served(state, vfxtView(state, config, now), config, false).map((u) => u.address);

/** Invariant 3: the function's writes against a view taken before them. */
export const checkVfxtMoves = (
  before: VfxtView,
  writes: readonly CallRecord[],
  config: VfxtIpMoveConfig,
): Violation[] => {
  if (config.clusters.some((c) => c.rebalance)) return [];
  const out: Violation[] = [];
  const holderOf = (address: string) =>
    [...before.holders].filter(([key]) => key.endsWith(`|${address}`)).flatMap(([, enis]) => enis);
  for (const call of writes.filter(tookEffect)) {
    const moved =
      call.operation === "AssignPrivateIpAddresses"
        ? ((call.input.PrivateIpAddresses as string[] | undefined) ?? []).flatMap((a) =>
            holderOf(a).map((eni) => [a, eni] as const),
          )
        : call.operation === "ReplaceRoute"
          ? [
              [
                String(call.input.DestinationCidrBlock),
                before.routes.get(`${call.input.RouteTableId}|${call.input.DestinationCidrBlock}`) ?? "",
              ] as const,
            ]
          : [];
    for (const [address, fromEni] of moved) {
      const owner = before.eniOwner.get(fromEni) ?? (fromEni.startsWith("i-") ? fromEni : undefined);
      if (owner !== undefined && before.healthy.has(owner) && fromEni !== call.input.NetworkInterfaceId) {
        out.push({
          invariant: "no-move-from-healthy",
          message: `${call.operation} took ${address} from healthy ${owner} (${fromEni})`,
        });
      }
    }
  }
  return out;
};

/**
 * Invariant 3 judged on the state (whatever the operations: DeleteRoute + CreateRoute, an unassign): per
 * cluster with rebalance off, an address whose holder before the invocation was a healthy node's ENI (a
 * secondary address) or whose `/32` route in a cluster table targeted one, has the same holder after it.
 */
export const checkVfxtHolders = (
  before: VfxtView,
  after: VfxtView,
  state: RegionState,
  config: VfxtIpMoveConfig,
): Violation[] => {
  const out: Violation[] = [];
  const healthyEni = (eni: string | undefined) =>
    eni !== undefined && before.healthy.has(before.eniOwner.get(eni) ?? (eni.startsWith("i-") ? eni : ""));
  for (const cluster of config.clusters.filter((c) => !c.rebalance)) {
    const vpcId = clusterVpc(state, config, cluster);
    for (const address of expandAddresses(cluster.addresses)) {
      for (const eni of before.holders.get(`${vpcId}|${address}`) ?? [])
        if (healthyEni(eni) && !(after.holders.get(`${vpcId}|${address}`) ?? []).includes(eni))
          out.push({
            invariant: "no-move-from-healthy",
            message: `${cluster.name} ${address} left healthy ${before.eniOwner.get(eni)} (${eni})`,
          });
      for (const table of tablesOf(cluster, config, state)) {
        const key = `${table}|${address}/32`;
        const target = before.routes.get(key);
        if (healthyEni(target) && after.routes.get(key) !== target)
          out.push({
            invariant: "no-move-from-healthy",
            message: `${cluster.name} ${address}/32 in ${table} moved from healthy ${target} to ${after.routes.get(key) ?? "nothing"}`,
          });
      }
    }
  }
  return out;
};

const ADDRESS_WRITES = new Set(["AssignPrivateIpAddresses", "UnassignPrivateIpAddresses"]);
const ROUTE_WRITES = new Set(["ReplaceRoute", "CreateRoute", "DeleteRoute"]);

/**
 * The route tables of a cluster's /32 routes: its `routeTableIds`, and with `discoverRouteTables` the table
 * of each node's subnet (its explicit association, else the VPC's main table: README, as the cluster's own
 * software does), known only with the account's state.
 */
const tablesOf = (
  cluster: VfxtClusterConfig,
  config: VfxtIpMoveConfig,
  state: RegionState | undefined,
): string[] => {
  const tables = new Set(cluster.routeTableIds);
  if (cluster.discoverRouteTables && state !== undefined) {
    const vpcId = clusterVpc(state, config, cluster);
    const inVpc = [...state.routeTables.values()].filter((t) => t.vpcId === vpcId);
    const main = inVpc.find((t) => t.main);
    for (const id of membersOf(state, config, cluster)) {
      const node = state.instances.get(id);
      if (node === undefined || node.state === "terminated") continue;
      const table = inVpc.find((t) => t.associations.some((a) => a.subnetId === node.subnetId)) ?? main;
      if (table !== undefined) tables.add(table.id);
    }
  }
  return [...tables].sort();
};

/**
 * "Nothing touched outside configuration" (issue 14, all capabilities): the function's address and route
 * writes name only configured addresses (a cluster's other client addresses, e.g. those it gave a node
 * that joined, are the cluster's), and its route writes go only to a route table of a cluster that
 * configures the address (another team's table, or another VPC's, is outside configuration whatever the
 * destination).
 */
export const checkVfxtScope = (
  writes: readonly CallRecord[],
  config: VfxtIpMoveConfig,
  state?: RegionState,
): Violation[] => {
  const configured = new Set(config.clusters.flatMap((c) => expandAddresses(c.addresses)));
  const out: Violation[] = [];
  for (const call of writes.filter(tookEffect)) {
    if (ROUTE_WRITES.has(call.operation)) {
      const address = String(call.input.DestinationCidrBlock).replace(/\/32$/, "");
      const table = String(call.input.RouteTableId);
      const owners = config.clusters.filter((c) => expandAddresses(c.addresses).includes(address));
      if (owners.length === 0)
        out.push({
          invariant: "touched-outside-configuration",
          message: `${call.operation} wrote ${address}, which no cluster configures`,
        });
      else if (!owners.some((c) => tablesOf(c, config, state).includes(table)))
        out.push({
          invariant: "touched-outside-configuration",
          message: `${call.operation} wrote ${address}/32 in ${table}, a route table of no cluster that configures it`,
        });
      continue;
    }
    const named = ADDRESS_WRITES.has(call.operation)
      ? ((call.input.PrivateIpAddresses as string[] | undefined) ?? [])
      : [];
    for (const address of named.filter((a) => !configured.has(a)))
      out.push({
        invariant: "touched-outside-configuration",
        message: `${call.operation} wrote ${address}, which no cluster configures`,
      });
  }
  return out;
};
