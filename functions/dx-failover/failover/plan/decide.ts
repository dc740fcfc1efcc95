/**
 * The failover decision of one dx-failover group: a pure function of (signals, state, policy, now) → the
 * desired path. No SDK call, no clock of its own, no dependence on which event triggered the invocation:
 * duplicate and out-of-order events converge because every invocation re-reads the signals and decides
 * from them alone. Property-tested in test/functions/dx-failover/decide.test.ts.
 *
 * Vocabulary. `desired` is what the route tables should express after this invocation:
 * - "vpn": a static route per (table, CIDR) to the appliance ENI (create the missing ones);
 * - "direct-connect": no static route of ours where the propagated DX route is back (delete ours there);
 * - "hold": change nothing at all (both paths down, a refused game-day command, a switch delayed by the
 *   dwell time while the current path is not healthy). The caller alarms when `alarm` is set.
 * `desired` equal to the active path is a reconcile (repairs, e.g. a manually deleted static route).
 *
 * Rules, in order:
 * 1. Health of each path from the freshest evidence. DX is down when BGP is down on every virtual interface
 *    (propagated routes are withdrawn), or, with fresh probes, after M consecutive probe failures, or, with
 *    stale/missing probes, when the DX-down alarm is in ALARM (alarms are the backstop: probes alone never
 *    switch anything when they are stale). The VPN is healthy only with positive evidence: a fresh
 *    successful probe (or, with stale probes, the VPN alarm OK), no VPN alarm, and an appliance ENI attached
 *    to a running instance with source/dest check off.
 * 2. Never "vpn" when the VPN is not healthy; both down → hold + alarm.
 * 3. Failback only when DX is proven healthy for the whole restore window (a probe success streak from the
 *    metric history, or the restored-for-K-periods alarm when probes are stale) and only for the CIDRs whose
 *    propagated DX route is back (per-CIDR eligibility). Exception: the VPN itself is down while DX is up →
 *    fail back without waiting for the window (a path beats no path), still per CIDR and dwell-bounded.
 * 4. At most one switch per dwell window (minimum time between two switches, either direction, game-day
 *    included).
 * 5. Game-day override {force, until}: forces a path while now < until, within rules 2–4 (never to an
 *    unhealthy VPN, never to a DX that is down, dwell respected; the restore window is waived for a forced
 *    failback). After `until` the normal rules apply again, which reverts automatically.
 */

export type PathName = "direct-connect" | "vpn";
export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";
export type Health = "up" | "down" | "unknown";

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
  /** Start of the current uninterrupted run of successful samples (from the metric history, not one loop). */
  healthySince?: number;
}

export interface VirtualInterfaceSignal {
  id: string;
  /** virtualInterfaceState: available, down, pending… */
  state: string;
  /** bgpPeers[].bgpStatus, any peer up = up. */
  bgpStatus: "up" | "down" | "unknown";
}

export interface ApplianceSignal {
  /** The appliance ENI is attached (status attached). */
  attached: boolean;
  instanceRunning: boolean;
  sourceDestCheck: boolean;
}

export interface Signals {
  probes: { directConnect: PathProbeSignals; vpn: PathProbeSignals };
  alarms: {
    /** DX path failing (M of N, treatMissingData: missing, so a dead probe does not fail over). */
    dxDown?: AlarmSignal;
    /** DX healthy for K consecutive periods (K × period = the restore window): ALARM = restored. */
    dxRestored?: AlarmSignal;
    /** VPN path failing. */
    vpnDown?: AlarmSignal;
    /** No probe datapoints (treatMissingData: breaching). */
    probeMissing?: AlarmSignal;
  };
  /** DescribeVirtualInterfaces of the group's VIFs; empty: not known. */
  virtualInterfaces: readonly VirtualInterfaceSignal[];
  /** Undefined: not observed (the VPN is then not healthy). */
  appliance?: ApplianceSignal;
  /**
   * Every group CIDR → whether its propagated DX route (origin EnableVgwRoutePropagation, active) is present
   * again in every route table of the group. CIDRs missing from the record count as absent.
   */
  propagatedRoutes: Readonly<Record<string, boolean>>;
}

export interface GameDayOverride {
  force: PathName;
  /** ms epoch; at or after it the override has expired and the normal rules revert. */
  until: number;
  by?: string;
}

/** What the route tables' tags say (AWS cannot hold it elsewhere). */
export interface FailoverState {
  activePath: PathName;
  /** Since when the active path is active (ms epoch). */
  since?: number;
  /** The last switch (ms epoch); the dwell time counts from here. */
  lastSwitchAt?: number;
  override?: GameDayOverride;
}

export interface FailoverPolicy {
  /** M: consecutive probe failures that make DX down. */
  failureThreshold: number;
  /** DX must be healthy this long before a failback. */
  restoreWindowMs: number;
  /** Minimum time between two switches. */
  minDwellMs: number;
  /** Probe samples older than this are stale: decide on alarms, not probes. */
  probeStaleMs: number;
}

export const DEFAULT_POLICY: FailoverPolicy = {
  failureThreshold: 2,
  restoreWindowMs: 5 * 60_000,
  minDwellMs: 60_000,
  probeStaleMs: 30_000,
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
  | "vpn-unhealthy";

export interface CidrEligibility {
  cidr: string;
  /** Our static route for this CIDR may be deleted (propagated route back and failback allowed). */
  failback: boolean;
  reason: "propagated-route-present" | "propagated-route-absent" | "failback-not-allowed";
}

export interface Assessment {
  dx: Health;
  vpn: Health;
  /** DX proven healthy for the whole restore window. */
  dxRestored: boolean;
  probesFresh: { directConnect: boolean; vpn: boolean };
  bgp: "up" | "down" | "unknown";
  applianceReady: boolean;
  /** Human-readable evidence behind dx and vpn, for the decision log. */
  evidence: string[];
}

export interface Decision {
  desired: PathName | "hold";
  reason: DecisionReason;
  activePath: PathName;
  /** desired is a path different from the active one. */
  switch: boolean;
  /** Set when the caller should raise an alarm / emit an event. */
  alarm?: DecisionAlarm;
  assessment: Assessment;
  /** Per group CIDR (sorted), when desired is "direct-connect"; empty otherwise. */
  cidrs: CidrEligibility[];
  /** Earliest time the dwell window allows the next switch (ms epoch). */
  dwellUntil?: number;
  /** Earliest time a failback could happen on the probe evidence (restore window), when waiting for it. */
  restoreAt?: number;
  override?: { force: PathName; until: number; active: boolean; expired: boolean; refused?: GameDayRefusal };
}

const isFresh = (p: PathProbeSignals, policy: FailoverPolicy, now: number, probeMissing: boolean): boolean =>
  !probeMissing &&
  p.lastSampleAt !== undefined &&
  now - p.lastSampleAt <= policy.probeStaleMs &&
  p.lastSampleAt - now <= policy.probeStaleMs;

const bgpOf = (vifs: readonly VirtualInterfaceSignal[]): Assessment["bgp"] => {
  if (vifs.length === 0) return "unknown";
  if (vifs.some((v) => v.bgpStatus === "up" && v.state === "available")) return "up";
  if (vifs.every((v) => v.bgpStatus === "down" || v.state === "down" || v.state === "deleted")) return "down";
  return "unknown";
};

/** Rule 1: the health of each path from the freshest evidence. */
export const assess = (signals: Signals, policy: FailoverPolicy, now: number): Assessment => {
  const evidence: string[] = [];
  const { alarms } = signals;
  const probeMissing = alarms.probeMissing?.state === "ALARM";
  if (probeMissing) evidence.push("probe-missing alarm in ALARM: probes ignored");
  const dxProbe = signals.probes.directConnect;
  const vpnProbe = signals.probes.vpn;
  const fresh = {
    directConnect: isFresh(dxProbe, policy, now, probeMissing),
    vpn: isFresh(vpnProbe, policy, now, probeMissing),
  };
  const bgp = bgpOf(signals.virtualInterfaces);
  const m = Math.max(1, policy.failureThreshold);

  let dx: Health;
  if (bgp === "down") {
    dx = "down";
    evidence.push("BGP down on every virtual interface");
  } else if (fresh.directConnect) {
    if (dxProbe.consecutiveFailures >= m) {
      dx = "down";
      evidence.push(`DX probe failed ${dxProbe.consecutiveFailures} consecutive times (M=${m})`);
    } else if (dxProbe.consecutiveFailures === 0 && dxProbe.consecutiveSuccesses > 0) dx = "up";
    else {
      dx = "unknown";
      evidence.push(`DX probe failed ${dxProbe.consecutiveFailures} time(s), below M=${m}`);
    }
  } else {
    const a = alarms.dxDown?.state;
    dx = a === "ALARM" ? "down" : a === "OK" ? "up" : "unknown";
    evidence.push(`DX probes stale: DX-down alarm ${a ?? "absent"}`);
  }

  const appliance = signals.appliance;
  const applianceReady =
    appliance?.attached === true && appliance.instanceRunning && !appliance.sourceDestCheck;
  if (!applianceReady)
    evidence.push(
      appliance === undefined
        ? "appliance not observed"
        : `appliance not ready (attached=${appliance.attached}, running=${appliance.instanceRunning}, sourceDestCheck=${appliance.sourceDestCheck})`,
    );
  let vpn: Health;
  if (alarms.vpnDown?.state === "ALARM") {
    vpn = "down";
    evidence.push("VPN alarm in ALARM");
  } else if (fresh.vpn) {
    if (vpnProbe.consecutiveFailures > 0) {
      vpn = "down";
      evidence.push(`VPN probe failed ${vpnProbe.consecutiveFailures} time(s)`);
    } else vpn = vpnProbe.consecutiveSuccesses > 0 ? "up" : "unknown";
  } else {
    const a = alarms.vpnDown?.state;
    vpn = a === "OK" ? "up" : "unknown";
    evidence.push(`VPN probes stale: VPN alarm ${a ?? "absent"}`);
  }
  if (!applianceReady && vpn === "up") vpn = "down";

  let dxRestored = false;
  if (dx === "up" && alarms.dxDown?.state !== "ALARM") {
    if (fresh.directConnect)
      dxRestored = dxProbe.healthySince !== undefined && now - dxProbe.healthySince >= policy.restoreWindowMs;
    else dxRestored = alarms.dxRestored?.state === "ALARM" && !probeMissing;
  }
  return { dx, vpn, dxRestored, probesFresh: fresh, bgp, applianceReady, evidence };
};

const sortedCidrs = (signals: Signals) => Object.keys(signals.propagatedRoutes).sort();

const eligibility = (signals: Signals, allowed: boolean): CidrEligibility[] =>
  sortedCidrs(signals).map((cidr) => {
    if (!allowed) return { cidr, failback: false, reason: "failback-not-allowed" };
    return signals.propagatedRoutes[cidr] === true
      ? { cidr, failback: true, reason: "propagated-route-present" }
      : { cidr, failback: false, reason: "propagated-route-absent" };
  });

export const decidePath = (
  signals: Signals,
  state: FailoverState,
  policy: FailoverPolicy,
  now: number,
): Decision => {
  const assessment = assess(signals, policy, now);
  const current = state.activePath;
  const lastSwitch = state.lastSwitchAt ?? state.since;
  const dwellUntil = lastSwitch !== undefined ? lastSwitch + policy.minDwellMs : undefined;
  const dwellOk = dwellUntil === undefined || now >= dwellUntil;
  const vpnUp = assessment.vpn === "up";
  const dxDown = assessment.dx === "down";
  const dxUp = assessment.dx === "up";
  const anyPropagated = sortedCidrs(signals).some((c) => signals.propagatedRoutes[c] === true);
  const probeAlarm: DecisionAlarm | undefined =
    signals.alarms.probeMissing?.state === "ALARM" ? "probe-missing" : undefined;

  const override =
    state.override !== undefined
      ? {
          force: state.override.force,
          until: state.override.until,
          active: now < state.override.until,
          expired: now >= state.override.until,
        }
      : undefined;

  const make = (
    desired: Decision["desired"],
    reason: DecisionReason,
    extra: { alarm?: DecisionAlarm; restoreAt?: number; failbackAllowed?: boolean } = {},
  ): Decision => {
    // Rule 2 is absolute: whatever path led here, never the VPN when it is not healthy.
    if (desired === "vpn" && !vpnUp) {
      desired = "hold";
      reason = dxDown ? "both-down" : reason;
      extra = { ...extra, alarm: dxDown ? "both-paths-down" : "vpn-unhealthy" };
    }
    const alarm = extra.alarm ?? probeAlarm;
    return {
      desired,
      reason,
      activePath: current,
      switch: desired !== "hold" && desired !== current,
      ...(alarm ? { alarm } : {}),
      assessment,
      cidrs: desired === "direct-connect" ? eligibility(signals, extra.failbackAllowed ?? true) : [],
      ...(dwellUntil !== undefined ? { dwellUntil } : {}),
      ...(extra.restoreAt !== undefined ? { restoreAt: extra.restoreAt } : {}),
      ...(override ? { override } : {}),
    };
  };

  /** A switch to `target`, if the dwell window and the per-CIDR routes allow it; else stay or hold. */
  const switchTo = (target: PathName, reason: DecisionReason): Decision => {
    const currentUsable = current === "vpn" ? vpnUp : !dxDown;
    if (!dwellOk)
      return currentUsable
        ? make(current, "dwell", { alarm: "switch-delayed-by-dwell" })
        : make("hold", "dwell", { alarm: "switch-delayed-by-dwell" });
    if (target === "direct-connect" && !anyPropagated)
      return currentUsable
        ? make(current, "awaiting-propagated-routes")
        : make("hold", "awaiting-propagated-routes");
    return make(target, reason);
  };

  /** Rules 1–4 without the override. */
  const normal = (): Decision => {
    if (current === "direct-connect") {
      if (!dxDown)
        return make("direct-connect", dxUp ? "dx-healthy" : "dx-suspect", { failbackAllowed: dxUp });
      if (!vpnUp) return make("hold", "both-down", { alarm: "both-paths-down" });
      return switchTo("vpn", "dx-down");
    }
    if (!vpnUp) {
      if (dxUp) return switchTo("direct-connect", "vpn-down-dx-up");
      return make("hold", "both-down", { alarm: "both-paths-down" });
    }
    if (assessment.dxRestored) return switchTo("direct-connect", "dx-restored");
    const since = signals.probes.directConnect.healthySince;
    const restoreAt =
      dxUp && assessment.probesFresh.directConnect && since !== undefined
        ? since + policy.restoreWindowMs
        : undefined;
    return make("vpn", "dx-not-restored", restoreAt !== undefined ? { restoreAt } : {});
  };

  // Rule 5: game day. A force that would break rule 2 or fail back onto a down DX is refused: the normal
  // rules decide, and the caller alarms.
  if (override?.active) {
    const want = override.force;
    const refused: GameDayRefusal | undefined =
      want === "vpn" && !vpnUp
        ? "vpn-unhealthy"
        : want === "direct-connect" && dxDown
          ? "dx-down"
          : undefined;
    if (refused !== undefined) {
      const d = normal();
      // Both paths down outranks the refusal; any other alarm of the normal rules is superseded by it.
      const alarm: DecisionAlarm = d.alarm === "both-paths-down" ? d.alarm : "game-day-refused";
      return { ...d, alarm, override: { ...override, refused } };
    }
    if (want === current) return make(current, "game-day-force");
    return switchTo(want, "game-day-force");
  }
  return normal();
};

/** The state the route-table tags should carry once the decision is applied (pure, for the caller and tests). */
export const nextState = (state: FailoverState, decision: Decision, now: number): FailoverState => {
  const next: FailoverState = { ...state };
  if (decision.override?.expired) delete next.override;
  if (!decision.switch || decision.desired === "hold") return next;
  return { ...next, activePath: decision.desired, since: now, lastSwitchAt: now };
};
