import { cidrsOverlap, formatCidr, parseCidr } from "../../shared/net/cidr";
import * as z from "../../shared/runtime/zod";
import type { FailoverPolicy } from "./failover/plan/decide";
import { GROUP_TAG } from "./failover/state";
import type { ProbeLoopOptions } from "./probe/loop";
import { parseTarget } from "./probe/tcp";

export const CAPABILITY = "dx-failover";
export const PROBE_CAPABILITY = "dx-probe";

/**
 * dx-failover configuration (`dxFailover` in config/<stage>.json). Membership is by tag: the production
 * route tables of a group carry `<groupTagKey>=<group name>` (or a space-separated list of names when
 * groups share a table); `routeTableIds` only narrows that set. Every knob has a default.
 */

const Cidr = z
  .string()
  .check(
    z.refine((value) => parseCidr(value, { hostBits: "mask" }) !== undefined, "must be an IPv4 or IPv6 CIDR"),
  );

const Target = z.string().check(
  z.refine(
    (s) => {
      try {
        parseTarget(s);
        return true;
      } catch {
        return false;
      }
    },
    { message: "must be host:port (IPv6: [addr]:port) with a port in 1..65535" },
  ),
);

const unique = (what: string) =>
  z.refine<string[]>((xs) => new Set(xs).size === xs.length, { message: `${what} must be unique` });

/** The VPN is down on `failures` of its last `of` probes (never on one probe). */
export const DEFAULT_VPN_DOWN = { failures: 3, of: 5 } as const;
/** Each failover within an hour of a failback doubles the restore window, up to an hour. */
export const DEFAULT_FLAP_BACKOFF = {
  multiplier: 2,
  maxRestoreWindowSeconds: 3600,
  memorySeconds: 3600,
} as const;

const seconds = (min: number, max: number, fallback: number) =>
  z._default(z.int().check(z.minimum(min), z.maximum(max)), fallback);

export const DxProbeConfigSchema = z
  .object({
    /** On-premises targets reached through Direct Connect (from the probe's subnet). Any answering = healthy. */
    directConnect: z.array(Target).check(z.minLength(1)),
    /** On-premises targets reached through the VPN appliance. */
    vpn: z.array(Target).check(z.minLength(1)),
    intervalMs: z._default(z.int().check(z.minimum(100), z.maximum(10_000)), 1000),
    /** Connect timeout per probe; at most the interval. */
    timeoutMs: z._default(z.int().check(z.minimum(50), z.maximum(10_000)), 800),
    /** M: consecutive DX failures that trigger the failover function (and make DX down). */
    failureThreshold: z._default(z.int().check(z.minimum(1), z.maximum(20)), 2),
    /** Consecutive DX successes that end an outage for the probe's trigger. */
    rearmAfter: z._default(z.int().check(z.minimum(1), z.maximum(100)), 3),
    /** The VPN is judged down when `failures` of its last `of` probes failed (never on one probe). */
    /** Default `DEFAULT_VPN_DOWN`, applied where it is read (defaults left out keep OPS_CONFIG within 4 KB). */
    vpnDown: z.optional(
      z
        .object({
          failures: z._default(z.int().check(z.minimum(2), z.maximum(100)), DEFAULT_VPN_DOWN.failures),
          of: z._default(z.int().check(z.minimum(2), z.maximum(300)), DEFAULT_VPN_DOWN.of),
        })
        .check(
          z.refine((v) => v.failures <= v.of, { message: "failures must not exceed of", path: ["failures"] }),
        ),
    ),
  })
  .check(
    z.refine((p) => p.timeoutMs <= p.intervalMs, {
      message: "timeoutMs must not exceed intervalMs",
      path: ["timeoutMs"],
    }),
  );

const EniId = z.string().check(z.regex(/^eni-([0-9a-f]{8}|[0-9a-f]{17})$/));

export const DxFailoverGroupSchema = z
  .object({
    /** The group name: the value (or one of the space-separated values) of the group tag on its tables. */
    name: z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9_.:/=+@-]+$/)),
    /**
     * Where the group's workloads run. Direct Connect traffic to a Local Zone subnet does not pass through
     * the parent Region, so a Local Zone group is probed by the agent on an instance in the Local Zone.
     */
    location: z._default(z.enum(["region", "local-zone"]), "region"),
    /** The authoritative probe: the Lambda probe (Region groups only) or the agent; default by location. */
    probedBy: z.optional(z.enum(["lambda", "agent"])),
    /** Optional narrowing of the tagged route tables; empty: every table carrying the group tag. */
    routeTableIds: z._default(
      z.array(z.string().check(z.regex(/^rtb-([0-9a-f]{8}|[0-9a-f]{17})$/))).check(unique("routeTableIds")),
      [],
    ),
    /** On-premises CIDRs failed over (IPv4 or IPv6; one static route per table × CIDR). */
    cidrs: z.array(Cidr).check(z.minLength(1), z.maxLength(50), unique("cidrs")),
    /** The VPN appliance's ENI (the static routes' target), or found by `applianceTag`. */
    applianceEniId: z.optional(EniId),
    /** `key=value`: the appliance ENI carries this tag (a replaced appliance is found again by it). */
    applianceTag: z.optional(z.string().check(z.regex(/^[^=]{1,128}=.{0,256}$/))),
    /** The group's Direct Connect virtual interfaces (BGP per address family). */
    virtualInterfaceIds: z._default(
      z.array(z.string().check(z.regex(/^dxvif-[0-9a-z]{8,}$/))).check(unique("virtualInterfaceIds")),
      [],
    ),
    probe: DxProbeConfigSchema,
    /** DX must be healthy this long before a failback (doubled per recent flap, see flapBackoff). */
    restoreWindowSeconds: seconds(0, 86_400, 300),
    /** Minimum time between a switch and a failback (a failover is never delayed). */
    minDwellSeconds: seconds(0, 86_400, 60),
    /** Probe samples older than this are stale: the decision relies on alarms. */
    probeStaleSeconds: seconds(1, 3600, 30),
    /** Repeated flaps: each failover within `memorySeconds` of a failback multiplies the restore window. */
    /** Default `DEFAULT_FLAP_BACKOFF`, applied where it is read (`flapBackoffOf`). */
    flapBackoff: z.optional(
      z.object({
        multiplier: z._default(
          z.number().check(z.minimum(1), z.maximum(10)),
          DEFAULT_FLAP_BACKOFF.multiplier,
        ),
        maxRestoreWindowSeconds: seconds(0, 86_400, DEFAULT_FLAP_BACKOFF.maxRestoreWindowSeconds),
        memorySeconds: seconds(0, 604_800, DEFAULT_FLAP_BACKOFF.memorySeconds),
      }),
    ),
    /** DX restored but a route of ours cannot fail back this long: the `stuck-on-vpn` alarm. */
    stuckOnVpnAfterSeconds: seconds(0, 86_400, 900),
  })
  .check(
    z.refine((g) => g.applianceEniId !== undefined || g.applianceTag !== undefined, {
      message: "applianceEniId or applianceTag is required",
      path: ["applianceEniId"],
    }),
    z.refine((g) => !(g.location === "local-zone" && g.probedBy === "lambda"), {
      message:
        "a Local Zone group is probed by the agent in its Local Zone subnet (Lambda does not run in Local Zone subnets, and the Region's Direct Connect path is not the Local Zone's)",
      path: ["probedBy"],
    }),
  );

/** CIDRs of different groups must not overlap: groups may share a table, never a destination. */
const disjointGroups = (groups: ReadonlyArray<{ name: string; cidrs: readonly string[] }>): boolean => {
  const all = groups.flatMap((g) =>
    g.cidrs.flatMap((c) => {
      const cidr = parseCidr(c, { hostBits: "mask" });
      return cidr === undefined ? [] : [{ group: g.name, cidr }];
    }),
  );
  return all.every((a, i) =>
    all.slice(i + 1).every((b) => a.group === b.group || !cidrsOverlap(a.cidr, b.cidr)),
  );
};

export const DxFailoverConfigSchema = z.object({
  groupTagKey: z._default(z.string().check(z.minLength(1), z.maxLength(128)), GROUP_TAG),
  /** The group's alarms are `<alarmNamePrefix><group>-dx-down|-dx-not-restored|-vpn-down|-probe-missing`. */
  alarmNamePrefix: z._default(z.string().check(z.minLength(1), z.maxLength(200)), "ops-dx-failover-"),
  /** CloudWatch namespace of the probes' high-resolution metrics (IAM conditions key on it). */
  metricsNamespace: z._default(z.string().check(z.minLength(1), z.maxLength(255)), "OpsToolkit/DxFailover"),
  /**
   * The event bus of the probes' trigger (the one source of truth: the probe Lambda, the agent, the bus and
   * its policy, the rule and IAM all use it). A dedicated bus whose policy lets only the probe and the
   * agents put events; the failover function's rule sits on it.
   */
  triggerBusName: z._default(
    z.string().check(z.minLength(1), z.maxLength(200), z.regex(/^(?!default$)[A-Za-z0-9_-]+$/)),
    "ops-toolkit-dx-trigger",
  ),
  /** IAM role ARNs of the agents (instance profiles) allowed to put triggers on the bus. */
  agentRoleArns: z._default(
    z.array(z.string().check(z.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/))),
    [],
  ),
  /** A trigger's evidence is used only when this fresh, and at most `maxSkewSeconds` ahead of our clock. */
  trigger: z._default(z.object({ maxAgeSeconds: seconds(1, 300, 30), maxSkewSeconds: seconds(0, 30, 2) }), {
    maxAgeSeconds: 30,
    maxSkewSeconds: 2,
  }),
  /** Probe Lambda: time kept back from the invocation deadline. */
  probeMarginMs: z._default(z.int().check(z.minimum(0), z.maximum(60_000)), 2000),
  /** Probe Lambda: each minute's invocation probes until its schedule time + 60 s + this overlap. */
  probeOverlapMs: z._default(z.int().check(z.minimum(0), z.maximum(5000)), 1000),
  /**
   * The probe Lambda's VPC placement (Region groups): subnets whose route table keeps the propagated DX route
   * (never a production table) and security groups allowing the probe ports outbound. `network`: how it
   * reaches EventBridge for its trigger: `nat` (the subnets route to a NAT gateway you run) or `endpoints`
   * (the stack creates an `events` interface endpoint in `vpcId`). Metrics leave through its logs (EMF).
   */
  probeVpc: z._default(
    z.object({
      subnetIds: z._default(z.array(z.string().check(z.regex(/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/))), []),
      securityGroupIds: z._default(z.array(z.string().check(z.regex(/^sg-([0-9a-f]{8}|[0-9a-f]{17})$/))), []),
      vpcId: z.optional(z.string().check(z.regex(/^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/))),
      network: z._default(z.enum(["nat", "endpoints"]), "nat"),
    }),
    { subnetIds: [], securityGroupIds: [], network: "nat" },
  ),
  /** The account's quota of non-propagated routes per table and family (VPC quotas; 50 unless raised). */
  routesPerTable: z._default(z.int().check(z.minimum(1), z.maximum(1000)), 50),
  /** Failover: read back written routes this long at most (also bounded by the deadline). */
  verifyTimeoutMs: z._default(z.int().check(z.minimum(0), z.maximum(60_000)), 5000),
  /** Longest game-day force accepted (the command's `minutes` is capped by it). */
  gameDayMaxMinutes: z._default(z.int().check(z.minimum(1), z.maximum(1440)), 240),
  groups: z._default(
    z.array(DxFailoverGroupSchema).check(
      z.refine((groups) => new Set(groups.map((g) => g.name)).size === groups.length, {
        message: "group names must be unique",
      }),
      z.refine(disjointGroups, { message: "CIDRs of different groups must not overlap" }),
    ),
    [],
  ),
});

export type DxFailoverConfig = z.infer<typeof DxFailoverConfigSchema>;
export type DxFailoverGroupConfig = z.infer<typeof DxFailoverGroupSchema>;
export type ProbedBy = "lambda" | "agent";

/** The group's authoritative probe (the agent for a Local Zone group). */
export const probedByOf = (group: Pick<DxFailoverGroupConfig, "location" | "probedBy">): ProbedBy =>
  group.probedBy ?? (group.location === "local-zone" ? "agent" : "lambda");

/** The group's CIDRs in canonical form (IPv6 compressed, host bits masked). */
export const canonicalCidrs = (group: Pick<DxFailoverGroupConfig, "cidrs">): string[] =>
  group.cidrs.flatMap((c) => {
    const cidr = parseCidr(c, { hostBits: "mask" });
    return cidr === undefined ? [] : [formatCidr(cidr)];
  });

/** The group's flap back-off, its default filled in. */
export const flapBackoffOf = (group: Pick<DxFailoverGroupConfig, "flapBackoff">) =>
  group.flapBackoff ?? DEFAULT_FLAP_BACKOFF;

/** The group's VPN-down rule (M of N), its default filled in. */
export const vpnDownOf = (group: Pick<DxFailoverGroupConfig, "probe">) =>
  group.probe.vpnDown ?? DEFAULT_VPN_DOWN;

/** The decision policy of a group. */
export const policyOf = (group: DxFailoverGroupConfig): FailoverPolicy => {
  const backoff = flapBackoffOf(group);
  const vpnDown = vpnDownOf(group);
  return {
    failureThreshold: group.probe.failureThreshold,
    restoreWindowMs: group.restoreWindowSeconds * 1000,
    minDwellMs: group.minDwellSeconds * 1000,
    probeStaleMs: group.probeStaleSeconds * 1000,
    vpnDown: { failures: vpnDown.failures, of: vpnDown.of },
    backoff: {
      multiplier: backoff.multiplier,
      maxRestoreWindowMs: Math.max(group.restoreWindowSeconds, backoff.maxRestoreWindowSeconds) * 1000,
      memoryMs: backoff.memorySeconds * 1000,
    },
    stuckOnVpnAfterMs: group.stuckOnVpnAfterSeconds * 1000,
  };
};

/** The ProbeLoop options of a group (callbacks, clock and stop conditions are the caller's). */
export const probeOptionsOf = (
  group: DxFailoverGroupConfig,
): Pick<ProbeLoopOptions, "dx" | "vpn" | "intervalMs" | "timeoutMs" | "threshold" | "rearmAfter"> => ({
  dx: group.probe.directConnect.map(parseTarget),
  vpn: group.probe.vpn.map(parseTarget),
  intervalMs: group.probe.intervalMs,
  timeoutMs: group.probe.timeoutMs,
  threshold: group.probe.failureThreshold,
  rearmAfter: group.probe.rearmAfter,
});
