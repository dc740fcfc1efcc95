import { isCidr, parseCidr, parseIp } from "../../shared/net/cidr";
import * as z from "../../shared/runtime/zod";
import { staticAddressIssues, tryExpand } from "./addresses";

/** vfxt-ip-move configuration (`vfxtIpMove` in config/<stage>.json). Every knob has a default. */

export const CAPABILITY = "vfxt-ip-move";

/** EventBridge refuses an event pattern longer than this (PutRule `EventPattern`, 4096 characters). */
export const EVENT_PATTERN_MAX_CHARS = 4096;

/** EC2 states that make a node unhealthy (its addresses may move away) or bring it back (`running`). */
export const NODE_STATES = ["stopping", "stopped", "shutting-down", "terminated", "running"] as const;

const positiveInt = (max: number) => z.int().check(z.minimum(1), z.maximum(max));
const seconds = (max: number, fallback: number) =>
  z._default(z.int().check(z.minimum(0), z.maximum(max)), fallback);
const INSTANCE_ID = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/;

/** A client-facing address of a vFXT cluster: one IPv4 address, or a range as a CIDR from /24 to /32. */
const VfxtAddress = z.string().check(
  z.refine((value) => {
    if (!value.includes("/")) return parseIp(value, 4) !== undefined;
    const range = parseCidr(value, { version: 4, hostBits: "mask" });
    return range !== undefined && range.prefix >= 24;
  }, "must be an IPv4 address or a CIDR from /24 to /32"),
  z.refine((value) => !value.includes("/") || !isCidr(value, { hostBits: "mask" }) || isCidr(value), {
    message: "a range must be a CIDR block (no host bits set), e.g. 10.0.1.96/28",
  }),
);

const ClusterFields = z.object({
  /** The value of the cluster tag on the nodes (and, for IAM, on their ENIs and the route tables). */
  name: z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9._:/+=@-]+$/)),
  /** The client-facing addresses (or ranges) the function keeps served. */
  addresses: z.array(VfxtAddress).check(z.minLength(1), z.maxLength(64)),
  /**
   * How the addresses are reached: `secondary` private IPs of the nodes' ENIs, `/32` `route`s, or `auto`:
   * derived from the VPC's subnet CIDRs (inside a subnet → secondary, outside every VPC CIDR → route),
   * never from which nodes are alive.
   */
  mode: z._default(z.enum(["auto", "secondary", "route"]), "auto"),
  /** Secondary mode: the subnet holding the addresses; declared, it is checked before any run. */
  subnetCidr: z.optional(
    z.string().check(z.refine((v) => isCidr(v, { version: 4 }), "must be an IPv4 CIDR (no host bits)")),
  ),
  /** The cluster's VPC; by default the VPC of its nodes (they must share one). */
  vpcId: z.optional(z.string().check(z.regex(/^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/))),
  /** Route tables holding the /32 routes of route-mode addresses. */
  routeTableIds: z._default(z.array(z.string().check(z.regex(/^rtb-([0-9a-f]{8}|[0-9a-f]{17})$/))), []),
  /** Also the tables of the nodes' subnets (explicit associations, else the VPC's main table). */
  discoverRouteTables: z._default(z.boolean(), false),
  /** Seconds the cluster has to move a failed node's addresses itself before the function does. */
  graceSeconds: seconds(900, 60),
  /**
   * Added to a non-zero grace: a move the cluster makes just before its grace ends shows only once EC2's
   * asynchronous remap completes ("Remapping an IP address is an asynchronous operation").
   */
  remapSeconds: seconds(60, 5),
  /** A node is a target only this long after its (re)start, status checks `ok` as well. */
  bootGraceSeconds: seconds(3600, 300),
  /** The cluster's own placement: address → preferred node (instance id), used while that node is healthy. */
  homeNodes: z._default(z.record(z.string(), z.string().check(z.regex(INSTANCE_ID))), {}),
  /** Move addresses between healthy nodes too: home nodes first, then even loads (off: the cluster's job). */
  rebalance: z._default(z.boolean(), false),
  /** On the reconcile: check that an `explicit` subnet CIDR reservation covers each secondary address. */
  reservation: z._default(z.enum(["off", "check"]), "check"),
  /** Addresses removed from `addresses`: the reconcile removes them from the cluster's nodes and tables. */
  retiredAddresses: z._default(z.array(VfxtAddress).check(z.maxLength(64)), []),
  /** The cluster's node ids, when known: the EventBridge rule then matches only their state changes. */
  instanceIds: z._default(z.array(z.string().check(z.regex(INSTANCE_ID))).check(z.maxLength(150)), []),
});

const VfxtClusterSchema = ClusterFields.check(
  z.superRefine((cluster, ctx) => {
    for (const issue of staticAddressIssues(cluster)) {
      ctx.addIssue({ code: "custom", message: issue.message, path: issue.path, input: cluster });
    }
  }),
);

export type VfxtClusterConfig = z.infer<typeof VfxtClusterSchema>;

/** How long after a node fails the function may act: the grace, plus the remap of a last-moment move. */
export const effectiveGraceMs = (
  cluster: Pick<VfxtClusterConfig, "graceSeconds" | "remapSeconds">,
): number => (cluster.graceSeconds === 0 ? 0 : (cluster.graceSeconds + cluster.remapSeconds) * 1000);

/** The EventBridge pattern of the EC2 state changes the function takes (node ids when every cluster lists them). */
export const nodeStatePattern = (clusters: readonly Pick<VfxtClusterConfig, "instanceIds">[]) => {
  const known = clusters.length > 0 && clusters.every((c) => c.instanceIds.length > 0);
  const ids = [...new Set(clusters.flatMap((c) => c.instanceIds))].sort();
  return {
    source: ["aws.ec2"],
    "detail-type": ["EC2 Instance State-change Notification"],
    detail: { ...(known ? { "instance-id": ids } : {}), state: [...NODE_STATES] },
  };
};

/** An address belongs to one cluster per VPC: two clusters that may share a VPC share no address. */
const sharedAddresses = (clusters: readonly VfxtClusterConfig[]): string[] => {
  const out: string[] = [];
  clusters.forEach((a, i) => {
    const mine = new Set(tryExpand(a.addresses) ?? []);
    for (const b of clusters.slice(i + 1)) {
      if (a.vpcId !== undefined && b.vpcId !== undefined && a.vpcId !== b.vpcId) continue;
      const both = (tryExpand(b.addresses) ?? []).filter((address) => mine.has(address));
      if (both.length > 0) out.push(`clusters ${a.name} and ${b.name} both list ${both.join(", ")}`);
    }
  });
  return out;
};

const clusterIssues = (
  clusters: readonly VfxtClusterConfig[],
): Array<{ message: string; path: PropertyKey[] }> => {
  const issues: Array<{ message: string; path: PropertyKey[] }> = [];
  for (const shared of sharedAddresses(clusters)) {
    issues.push({ message: `${shared} (declare different vpcIds if they live in different VPCs)`, path: [] });
  }
  if (new Set(clusters.map((c) => c.name)).size !== clusters.length) {
    issues.push({ message: "cluster names must be unique", path: [] });
  }
  const length = JSON.stringify(nodeStatePattern(clusters)).length;
  if (length > EVENT_PATTERN_MAX_CHARS) {
    issues.push({
      message: `the instanceIds make an EventBridge pattern of ${length} characters (at most ${EVENT_PATTERN_MAX_CHARS})`,
      path: [],
    });
  }
  return issues;
};

export const VfxtIpMoveConfigSchema = z.object({
  /** Nodes carry this tag with the cluster name as value. */
  clusterTagKey: z._default(z.string().check(z.minLength(1), z.maxLength(128)), "ops:vfxt-cluster"),
  /** Status-check alarms of the nodes, `<prefix><instance-id>`: their state changes trigger a check. */
  statusAlarmPrefix: z._default(
    z.string().check(z.minLength(1), z.maxLength(200), z.regex(/^[A-Za-z0-9._-]+$/)),
    "ops-vfxt-status-",
  ),
  clusters: z._default(
    z.array(VfxtClusterSchema).check(
      z.superRefine((clusters, ctx) => {
        for (const issue of clusterIssues(clusters)) {
          ctx.addIssue({ code: "custom", message: issue.message, path: issue.path, input: clusters });
        }
      }),
    ),
    [],
  ),
  /** At most this many addresses are moved by one invocation; the rest wait for the next one. */
  maxAddressesPerInvocation: z._default(positiveInt(1024), 64),
  /** How long to read back the addresses and routes after a move (the remap is asynchronous). */
  verifyTimeoutMs: z._default(z.int().check(z.minimum(0), z.maximum(60_000)), 5000),
});

export type VfxtIpMoveConfig = z.infer<typeof VfxtIpMoveConfigSchema>;
