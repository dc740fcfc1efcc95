import { isCidr } from "../../shared/net/cidr";
import * as z from "../../shared/runtime/zod";
import { DEFAULT_POLICY, type FailoverPolicy } from "./failover/plan/decide";
import { GROUP_TAG } from "./failover/state";
import type { ProbeLoopOptions } from "./probe/loop";
import { parseTarget } from "./probe/tcp";

export const CAPABILITY = "dx-failover";
export const PROBE_CAPABILITY = "dx-probe";

/**
 * dx-failover configuration (`dxFailover` in config/<stage>.json). Membership is by tag: the production
 * route tables of a group carry `<groupTagKey>=<group name>`; `routeTableIds` only narrows that set.
 * Every knob has a default.
 */

const Cidr = z
  .string()
  .check(z.refine((value) => isCidr(value, { version: 4, hostBits: "mask" }), "must be an IPv4 CIDR"));

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

export const DxProbeConfigSchema = z
  .object({
    /** On-premises targets reached through Direct Connect (from the probe subnet). Any answering = healthy. */
    directConnect: z.array(Target).check(z.minLength(1)),
    /** On-premises targets reached through the VPN appliance. */
    vpn: z.array(Target).check(z.minLength(1)),
    /** Probe interval; the issue asks for ≤ 2 s by default. */
    intervalMs: z._default(z.int().check(z.minimum(100), z.maximum(10_000)), 1000),
    /** Connect timeout per probe; at most the interval. */
    timeoutMs: z._default(z.int().check(z.minimum(50), z.maximum(10_000)), 800),
    /** M: consecutive DX failures that trigger the failover function (and make DX down). */
    failureThreshold: z._default(z.int().check(z.minimum(1), z.maximum(20)), 2),
    /** Consecutive DX successes that end an outage for the probe's trigger. */
    rearmAfter: z._default(z.int().check(z.minimum(1), z.maximum(100)), 3),
  })
  .check(
    z.refine((p) => p.timeoutMs <= p.intervalMs, {
      message: "timeoutMs must not exceed intervalMs",
      path: ["timeoutMs"],
    }),
  );

export const DxFailoverGroupSchema = z.object({
  /** The group name: the value of the group tag on its route tables. */
  name: z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9_.:/=+@-]+$/)),
  /** Optional narrowing of the tagged route tables; empty: every table carrying the group tag. */
  routeTableIds: z._default(
    z.array(z.string().check(z.regex(/^rtb-([0-9a-f]{8}|[0-9a-f]{17})$/))).check(unique("routeTableIds")),
    [],
  ),
  /** On-premises CIDRs failed over (static route per table × CIDR). */
  cidrs: z.array(Cidr).check(z.minLength(1), z.maxLength(50), unique("cidrs")),
  /** The VPN appliance's ENI: the static routes' target. */
  applianceEniId: z.string().check(z.regex(/^eni-([0-9a-f]{8}|[0-9a-f]{17})$/)),
  /** The group's Direct Connect virtual interfaces (BGP status). */
  virtualInterfaceIds: z._default(
    z.array(z.string().check(z.regex(/^dxvif-[0-9a-z]{8,}$/))).check(unique("virtualInterfaceIds")),
    [],
  ),
  probe: DxProbeConfigSchema,
  /** DX must be healthy this long before a failback. */
  restoreWindowSeconds: z._default(z.int().check(z.minimum(0), z.maximum(86_400)), 300),
  /** Minimum time between two switches. */
  minDwellSeconds: z._default(z.int().check(z.minimum(0), z.maximum(86_400)), 60),
  /** Probe samples older than this are stale: the decision relies on alarms. */
  probeStaleSeconds: z._default(z.int().check(z.minimum(1), z.maximum(3600)), 30),
});

export const DxFailoverConfigSchema = z.object({
  groupTagKey: z._default(z.string().check(z.minLength(1), z.maxLength(128)), GROUP_TAG),
  /** The group's alarms are `<alarmNamePrefix><group>-dx-down|-dx-restored|-vpn-down|-probe-missing`. */
  alarmNamePrefix: z._default(z.string().check(z.minLength(1), z.maxLength(200)), "ops-dx-failover-"),
  /** CloudWatch namespace of the probe's high-resolution metrics (IAM conditions key on it). */
  metricsNamespace: z._default(z.string().check(z.minLength(1), z.maxLength(255)), "OpsToolkit/DxFailover"),
  /** Probe Lambda: time kept back from the invocation deadline; each invocation probes at most 59 s. */
  probeMarginMs: z._default(z.int().check(z.minimum(0), z.maximum(60_000)), 2000),
  /**
   * The probe Lambda's VPC placement: a subnet whose route table keeps the propagated DX route (never a
   * production table of a group) and a security group allowing the probe ports outbound. Empty: the
   * probe function is packaged without a VPC (it then cannot reach on-premises targets).
   */
  probeVpc: z._default(
    z.object({
      subnetIds: z._default(z.array(z.string().check(z.regex(/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/))), []),
      securityGroupIds: z._default(z.array(z.string().check(z.regex(/^sg-([0-9a-f]{8}|[0-9a-f]{17})$/))), []),
    }),
    { subnetIds: [], securityGroupIds: [] },
  ),
  /** Failover: read back created/deleted routes this long at most (also bounded by the deadline). */
  verifyTimeoutMs: z._default(z.int().check(z.minimum(0), z.maximum(60_000)), 5000),
  /** Longest game-day force accepted (the command's `minutes` is capped by it). */
  gameDayMaxMinutes: z._default(z.int().check(z.minimum(1), z.maximum(1440)), 240),
  groups: z._default(
    z.array(DxFailoverGroupSchema).check(
      z.refine((groups) => new Set(groups.map((g) => g.name)).size === groups.length, {
        message: "group names must be unique",
      }),
    ),
    [],
  ),
});

export type DxFailoverConfig = z.infer<typeof DxFailoverConfigSchema>;
export type DxFailoverGroupConfig = z.infer<typeof DxFailoverGroupSchema>;

/** The decision policy of a group. */
export const policyOf = (group: DxFailoverGroupConfig): FailoverPolicy => ({
  ...DEFAULT_POLICY,
  failureThreshold: group.probe.failureThreshold,
  restoreWindowMs: group.restoreWindowSeconds * 1000,
  minDwellMs: group.minDwellSeconds * 1000,
  probeStaleMs: group.probeStaleSeconds * 1000,
});

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
