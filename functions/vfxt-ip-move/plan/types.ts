import type { Plan, Skip } from "../../../shared/pipeline/types";

/** The observed state and the plan of one cluster: what plan/index.ts reads and returns. */

export const MOVE_SECONDARY_ACTION = "ec2:assign-private-ips";
export const MOVE_ROUTES_ACTION = "ec2:replace-routes";
export const UNASSIGN_ACTION = "ec2:unassign-private-ips";
export const DELETE_ROUTES_ACTION = "ec2:delete-routes";

export interface EniState {
  id: string;
  subnetId: string;
  deviceIndex: number;
  primaryIp: string;
  secondaryIps: readonly string[];
  sourceDestCheck: boolean;
  /** This ENI's private addresses that carry an Elastic IP (read only when a cleanup needs it). */
  elasticIpAddresses?: readonly string[];
}

export interface NodeState {
  instanceId: string;
  state: string;
  /** `DescribeInstanceStatus` summaries (`ok`, `impaired`, `initializing`, `insufficient-data`…). */
  checks: { instance?: string; system?: string };
  /** The last (re)start: EC2 updates `LaunchTime` whenever a stopped instance starts (ms). */
  launchedAt: number;
  /** When EC2 last saw it become unhealthy: `ImpairedSince`, or the time of a stop or termination (ms). */
  unhealthySince?: number;
  /** The instance type's `Ipv4AddressesPerInterface` (primary included); undefined: not known, no limit. */
  addressLimit?: number;
  enis: readonly EniState[];
}

export interface SubnetState {
  id: string;
  cidr: string;
}

export interface RouteState {
  routeTableId: string;
  destination: string;
  /** `eni-…` or `i-…` (or another target id). */
  target?: string;
  origin: string;
  state: "active" | "blackhole";
}

/** An ENI of the cluster's VPC that is not a node's and holds a configured address. */
export interface OtherHolder {
  eniId: string;
  /** Tagged for the cluster and attached to no node: its addresses may be taken; any other is foreign. */
  kind: "cluster-eni" | "foreign";
}

export interface ClusterObservation {
  name: string;
  /** The cluster's VPC (declared, or its nodes'); undefined when no node tells it. */
  vpcId?: string;
  /** The VPC's IPv4 CIDR blocks, primary and secondary. */
  vpcCidrs: readonly string[];
  /** Every subnet of the VPC (the mode of an address is derived from these, never from live ENIs). */
  subnets: readonly SubnetState[];
  /** Expanded, numerically sorted. */
  addresses: readonly string[];
  /** Retired addresses (expanded), cleaned up where the cluster's nodes or tables still have them. */
  retired: readonly string[];
  /** Configured and discovered route tables of the /32 routes. */
  routeTableIds: readonly string[];
  nodes: readonly NodeState[];
  /** Configured addresses held by ENIs of the VPC that are not the nodes' (address → holder). */
  otherHolders: Readonly<Record<string, OtherHolder>>;
  /** Routes of the route tables (any destination; only `<address>/32` ones matter). */
  routes: readonly RouteState[];
  /** Elastic IPs on the private addresses of nodes shutting down (their ENIs are about to be deleted). */
  elasticIps?: readonly {
    allocationId: string;
    publicIp: string;
    networkInterfaceId?: string;
    privateIp?: string;
  }[];
}

export interface ClusterPolicy {
  mode: "auto" | "secondary" | "route";
  graceMs: number;
  bootGraceMs: number;
  rebalance: boolean;
  homeNodes: Readonly<Record<string, string>>;
  /** At most this many address moves (all clusters together: the caller splits it). */
  maxAddresses: number;
  /** Plan the clean-up of retired addresses (the reconcile does). */
  cleanup: boolean;
  /** The time of the plan, and of the event that triggered it (the grace of an unhealthy node with no time of its own). */
  now: number;
  triggerAt: number;
}

export type AddressMode = "secondary" | "route";
export type MoveReason = "unhealthy-owner" | "no-owner" | "rebalance" | "home" | "route-repair";

export interface Move {
  address: string;
  mode: AddressMode;
  /** The owner before (instance id), if any. */
  from?: string;
  to: string;
  toEni: string;
  reason: MoveReason;
}

export interface SecondaryAssignment {
  networkInterfaceId: string;
  instanceId: string;
  addresses: Array<{ address: string; fromInstanceId?: string; fromEniId?: string }>;
}

export interface RouteChange {
  routeTableId: string;
  destination: string;
  address: string;
  networkInterfaceId: string;
  instanceId: string;
  operation: "replace" | "create";
  previousTarget?: string;
}

export interface Unassignment {
  networkInterfaceId: string;
  instanceId: string;
  addresses: string[];
}

export interface RouteDeletion {
  routeTableId: string;
  destination: string;
  address: string;
}

export type VfxtParams =
  | { kind: "secondary"; cluster: string; vpcId: string; assignments: SecondaryAssignment[] }
  | { kind: "routes"; cluster: string; changes: RouteChange[] }
  | { kind: "unassign"; cluster: string; unassignments: Unassignment[] }
  | { kind: "delete-routes"; cluster: string; deletions: RouteDeletion[] };

export type ClusterDecision =
  | "nothing-to-do"
  | "move"
  | "waiting-for-cluster"
  | "partial"
  | "no-healthy-node";

const SEVERITY: readonly ClusterDecision[] = [
  "nothing-to-do",
  "move",
  "waiting-for-cluster",
  "partial",
  "no-healthy-node",
];

/** The most severe of some decisions (`nothing-to-do` for none). */
export const mostSevere = (decisions: readonly ClusterDecision[]): ClusterDecision =>
  decisions.reduce<ClusterDecision>(
    (a, b) => (SEVERITY.indexOf(b) > SEVERITY.indexOf(a) ? b : a),
    "nothing-to-do",
  );

export interface ClusterPlan extends Plan<VfxtParams> {
  decision: ClusterDecision;
  cluster: string;
  moves: Move[];
  /** The owner (instance id) of every address once the plan is applied; undefined: none. */
  owners: Record<string, string | undefined>;
  /** Addresses per healthy node once the plan is applied. */
  loads: Record<string, number>;
  healthy: string[];
  modes: Record<string, AddressMode>;
  /** The subnet of each secondary-mode address. */
  subnets: Record<string, string>;
  /** The earliest time an address within the cluster's grace may move; undefined: none waits. */
  waitUntil?: number;
  /** Addresses within the grace and the failed node's ENI holding them (its Elastic IPs are watched). */
  waiting: { address: string; eniId: string }[];
}

/** Skips that mean an address is left unserved or misconfigured: reported as alarms. */
const ALARM_REASONS = new Set([
  "no-healthy-node",
  "no-healthy-node-in-subnet",
  "no-capacity",
  "no-eligible-target",
  "held-by-foreign-eni",
  "address-is-primary-ip",
  "reserved-address",
  "outside-every-subnet",
  "in-vpc-not-in-subnet",
  "route-inside-vpc",
  "no-route-tables",
  "vpc-unknown",
  "routes-disagree",
]);

/** Skips that an operator must fix in the configuration (the address is never sent to AWS). */
export const INVALID_ADDRESS_REASONS = new Set([
  "address-is-primary-ip",
  "reserved-address",
  "outside-every-subnet",
  "in-vpc-not-in-subnet",
  "route-inside-vpc",
  "no-route-tables",
  "vpc-unknown",
]);

export const isAlarm = (skip: Skip): boolean => ALARM_REASONS.has(skip.reason);
