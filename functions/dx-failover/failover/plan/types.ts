import type { BackoffPolicy, HysteresisState } from "./hysteresis";

/** The vocabulary of the failover decision (decide.ts): its signals, state, policy and output. */

export type PathName = "direct-connect" | "vpn";
export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";
export type Health = "up" | "down" | "unknown";
export type AddressFamily = "ipv4" | "ipv6";

export interface AlarmSignal {
  state: AlarmState;
  /** StateUpdatedTimestamp (ms epoch). */
  since: number;
}

/** Probe evidence of one path, from the latest samples (metric history or the probe's own event). */
export interface PathProbeSignals {
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** Time of the latest sample (ms epoch); undefined: no sample at all. */
  lastSampleAt?: number;
  /** Start of the current uninterrupted run of successful samples (from the metric history). */
  healthySince?: number;
  /** Failed samples among the last N (policy.vpnDown.of); a lower bound when only counters are known. */
  recentFailures?: number;
}

export interface VirtualInterfaceSignal {
  id: string;
  /** virtualInterfaceState: available, testing, down… */
  state: string;
  /** One BGP session per address family. */
  peers: ReadonlyArray<{ family: AddressFamily; status: "up" | "down" | "unknown" }>;
}

export interface ApplianceSignal {
  attached: boolean;
  instanceRunning: boolean;
  sourceDestCheck: boolean;
}

export interface Signals {
  probes: {
    /** Direct Connect path-wide (every family of its targets answered). */
    directConnect: PathProbeSignals;
    vpn: PathProbeSignals;
    /**
     * Direct Connect per address family, for the families among its targets (their own series, or the
     * path-wide one from a probe older than the per-family contract). A family absent here has no probe
     * evidence of its own: another family's loss never fails it over. Undefined: the path-wide evidence
     * stands for every family (what a caller without the targets' families knows).
     */
    directConnectFamilies?: Partial<Record<AddressFamily, PathProbeSignals>>;
  };
  alarms: {
    /** DX path failing (M of N, missing data = missing: a dead probe does not fail over). */
    dxDown?: AlarmSignal;
    /** A failed DX probe within the last K minutes (K = the restore window), missing = breaching: OK = restored. */
    dxNotRestored?: AlarmSignal;
    vpnDown?: AlarmSignal;
    /** No probe datapoints (missing = breaching). */
    probeMissing?: AlarmSignal;
  };
  /** DescribeVirtualInterfaces of the group's VIFs; empty: not known. */
  virtualInterfaces: readonly VirtualInterfaceSignal[];
  /** The address families of the group's CIDRs. */
  families: readonly AddressFamily[];
  appliance?: ApplianceSignal;
  /** Per group CIDR: Direct Connect would carry it in every table where a route of ours holds it. */
  failbackReady: Readonly<Record<string, boolean>>;
  /**
   * Every CIDR is carried (our routes set aside) by an active propagated route in every table: what the
   * gateway learns over some DX session now, whichever interfaces are configured.
   */
  dxRoutesShown?: boolean;
}

export interface GameDayOverride {
  force: PathName;
  /** ms epoch; at or after it the override has expired and the normal rules revert. */
  until: number;
}

/** What the route tables' tags say (AWS cannot hold it elsewhere). */
export interface FailoverState extends HysteresisState {
  activePath: PathName;
  /** Since when the active path is active (ms epoch). */
  since?: number;
  override?: GameDayOverride;
}

export interface FailoverPolicy {
  /** M: consecutive probe failures that make DX down. */
  failureThreshold: number;
  /** DX must be healthy this long before a failback (before back-off). */
  restoreWindowMs: number;
  /** Minimum time between a switch and a failback. */
  minDwellMs: number;
  /** Probe samples older than this are stale: decide on alarms, not probes. */
  probeStaleMs: number;
  /** The VPN is down when `failures` of its last `of` probes failed. */
  vpnDown: { failures: number; of: number };
  backoff: BackoffPolicy;
  /** DX restored and a route of ours still cannot fail back this long: stuck-on-vpn. */
  stuckOnVpnAfterMs: number;
}

export const DEFAULT_POLICY: FailoverPolicy = {
  failureThreshold: 2,
  restoreWindowMs: 5 * 60_000,
  minDwellMs: 60_000,
  probeStaleMs: 30_000,
  vpnDown: { failures: 3, of: 5 },
  backoff: { multiplier: 2, maxRestoreWindowMs: 3600_000, memoryMs: 3600_000 },
  stuckOnVpnAfterMs: 15 * 60_000,
};

export type DecisionReason =
  | "dx-healthy"
  | "dx-suspect"
  | "dx-down"
  | "dx-restored"
  | "dx-not-restored"
  | "vpn-down-dx-up"
  | "both-down"
  | "dwell"
  | "awaiting-propagated-routes"
  | "game-day-force";

export type GameDayRefusal = "vpn-unhealthy" | "dx-down";

export type DecisionAlarm =
  | "both-paths-down"
  | "switch-delayed-by-dwell"
  | "game-day-refused"
  | "probe-missing"
  | "vpn-unhealthy"
  | "evidence-conflict";

export interface CidrEligibility {
  cidr: string;
  /** Our static routes for this CIDR may go (failback allowed and Direct Connect carries it everywhere). */
  failback: boolean;
  reason: "direct-connect-ready" | "direct-connect-not-ready" | "failback-not-allowed";
}

export interface Assessment {
  dx: Health;
  vpn: Health;
  /**
   * The VPN carries nothing: its alarm, the appliance not ready, or its last `vpnDown.failures` probes all
   * failed. A VPN down on M of N but still answering is lossy, not dead.
   */
  vpnDead: boolean;
  /** DX up on at least M consecutive probes (or on its alarm with stale probes). */
  dxProven: boolean;
  /** DX healthy for the whole (backed-off) restore window. */
  dxRestored: boolean;
  dxHealthySince?: number;
  /** When the window was (or will be) complete. */
  dxRestoredSince?: number;
  probesFresh: { directConnect: boolean; vpn: boolean };
  bgp: Health;
  /** BGP down on the configured interfaces, but the tables show DX routes and the probes answer. */
  evidenceConflict: boolean;
  /**
   * When DX is down on BGP alone: the address families whose sessions are down everywhere (a session
   * carries one family; the others' CIDRs still have their DX route). Undefined: every family is down.
   */
  dxDownFamilies?: AddressFamily[];
  /** Direct Connect per family of the group's CIDRs, each on its own evidence (BGP of the family, its probes). */
  dxFamilies: Partial<Record<AddressFamily, Health>>;
  /** The families on which DX is up on at least M consecutive probes of their own (or their BGP alone). */
  dxProvenFamilies: AddressFamily[];
  applianceReady: boolean;
  evidence: string[];
}

export interface Decision {
  desired: PathName | "hold";
  reason: DecisionReason;
  activePath: PathName;
  /** desired is a path different from the active one. */
  switch: boolean;
  alarm?: DecisionAlarm;
  assessment: Assessment;
  /** Per group CIDR (sorted), when desired is "direct-connect"; empty otherwise. */
  cidrs: CidrEligibility[];
  /**
   * When desired is "vpn" for some families only (DX down for them alone): the CIDRs of those fail over.
   * When desired is "direct-connect" for some families only (the VPN dead, DX proven on those alone): only
   * their CIDRs may fail back.
   */
  families?: AddressFamily[];
  /** Earliest time the dwell allows the next failback (ms epoch). */
  dwellUntil?: number;
  /** The restore window in force (after back-off). */
  requiredWindowMs: number;
  /** Earliest time a failback could happen on the probe evidence, when waiting for it. */
  restoreAt?: number;
  override?: { force: PathName; until: number; active: boolean; expired: boolean; refused?: GameDayRefusal };
}
