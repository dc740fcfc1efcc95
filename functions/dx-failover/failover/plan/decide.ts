import { assess } from "./assess";
import { dwellUntil, flapsAfterFailover, requiredRestoreWindowMs } from "./hysteresis";
import type {
  AddressFamily,
  Assessment,
  CidrEligibility,
  Decision,
  DecisionAlarm,
  DecisionReason,
  FailoverPolicy,
  FailoverState,
  GameDayRefusal,
  PathName,
  Signals,
} from "./types";

export * from "./types";

/**
 * The failover decision of one dx-failover group: a pure function of (signals, state, policy, now) → the
 * desired path. No SDK call, no clock of its own, no dependence on which event triggered the invocation:
 * duplicate and out-of-order events converge because every invocation re-reads the signals and decides
 * from them alone. Property-tested in test/functions/dx-failover/failover/decide.test.ts.
 *
 * `desired`: "vpn" (a static route per table × CIDR to the appliance ENI), "direct-connect" (no static route
 * of ours where Direct Connect carries the CIDR again), "hold" (change nothing; the caller alarms).
 *
 * Rules, in order:
 * 1. Health of each path from the freshest evidence (assess.ts): BGP per address family, fresh probes,
 *    alarms when the probes are stale. The VPN is down only on M of its last N probes (never one probe),
 *    its alarm or an unready appliance; up on a fresh success.
 * 2. Never "vpn" when the VPN is not healthy; both down → hold + alarm.
 * 3. A failover is never delayed: DX down and the VPN up is enough, whatever the dwell or the last switch.
 * 4. A failback needs DX healthy for the whole restore window — multiplied by `backoff.multiplier` for each
 *    recent flap (a failover within `backoff.memoryMs` of the failback before it), up to a cap — and the
 *    dwell time since the last switch. Exception: the VPN dead (its alarm, the appliance not ready, or its
 *    last M probes failed) while DX is up on at least M consecutive probes → fail back at once (a path
 *    beats no path); DX proven on some address families only (each on its own evidence) → those
 *    families' CIDRs fail back at once, the others stay. A lossy VPN (down on M of N, still answering) waits like any failback.
 * 5. Game-day override {force, until}: forces a path while now < until, within rules 2–4 (never to an
 *    unhealthy VPN, never back to a DX that is down; a forced failback skips the restore window, not the
 *    dwell). After `until` the normal rules apply again, which reverts automatically.
 */

interface Context {
  signals: Signals;
  state: FailoverState;
  policy: FailoverPolicy;
  now: number;
  assessment: Assessment;
  requiredWindowMs: number;
  dwellUntil?: number;
  override?: Decision["override"];
}

type Extra = {
  alarm?: DecisionAlarm;
  restoreAt?: number;
  failbackAllowed?: boolean;
  /** A failback of these families' CIDRs only. */
  families?: AddressFamily[];
};

const sortedCidrs = (signals: Signals) => Object.keys(signals.failbackReady).sort();

const familyOfCidr = (cidr: string): AddressFamily => (cidr.includes(":") ? "ipv6" : "ipv4");

const eligibility = (signals: Signals, allowed: boolean, families?: AddressFamily[]): CidrEligibility[] =>
  sortedCidrs(signals).map((cidr) => {
    if (!allowed || (families !== undefined && !families.includes(familyOfCidr(cidr))))
      return { cidr, failback: false, reason: "failback-not-allowed" };
    return signals.failbackReady[cidr] === true
      ? { cidr, failback: true, reason: "direct-connect-ready" }
      : { cidr, failback: false, reason: "direct-connect-not-ready" };
  });

const make = (
  ctx: Context,
  wanted: Decision["desired"],
  why: DecisionReason,
  extra: Extra = {},
): Decision => {
  const { assessment, state } = ctx;
  let desired = wanted;
  let reason = why;
  let alarm = extra.alarm;
  // Rule 2 is absolute: whatever path led here, never the VPN when it is not healthy.
  if (desired === "vpn" && assessment.vpn !== "up") {
    desired = "hold";
    reason = assessment.dx === "down" ? "both-down" : reason;
    alarm = assessment.dx === "down" ? "both-paths-down" : "vpn-unhealthy";
  }
  alarm ??= ctx.signals.alarms.probeMissing?.state === "ALARM" ? "probe-missing" : undefined;
  alarm ??= assessment.evidenceConflict ? "evidence-conflict" : undefined;
  return {
    desired,
    reason,
    activePath: state.activePath,
    switch: desired !== "hold" && desired !== state.activePath,
    ...(alarm ? { alarm } : {}),
    assessment,
    cidrs:
      desired === "direct-connect"
        ? eligibility(ctx.signals, extra.failbackAllowed ?? true, extra.families)
        : [],
    ...(desired === "vpn" && assessment.dxDownFamilies ? { families: assessment.dxDownFamilies } : {}),
    ...(desired === "direct-connect" && extra.families ? { families: extra.families } : {}),
    ...(ctx.dwellUntil !== undefined ? { dwellUntil: ctx.dwellUntil } : {}),
    requiredWindowMs: ctx.requiredWindowMs,
    ...(extra.restoreAt !== undefined ? { restoreAt: extra.restoreAt } : {}),
    ...(ctx.override ? { override: ctx.override } : {}),
  };
};

/**
 * A failback, if the dwell allows it and Direct Connect is ready for some CIDR (of `families`, when only
 * those may fail back); else stay on the VPN.
 */
const failback = (
  ctx: Context,
  reason: DecisionReason,
  ignoreDwell = false,
  families?: AddressFamily[],
): Decision => {
  if (!ignoreDwell && ctx.dwellUntil !== undefined && ctx.now < ctx.dwellUntil)
    return make(ctx, "vpn", "dwell", { alarm: "switch-delayed-by-dwell" });
  const inScope = (c: string) => families === undefined || families.includes(familyOfCidr(c));
  if (!sortedCidrs(ctx.signals).some((c) => inScope(c) && ctx.signals.failbackReady[c] === true))
    return make(ctx, "vpn", "awaiting-propagated-routes");
  return make(ctx, "direct-connect", reason, families !== undefined ? { families } : {});
};

/** Rules 1–4 without the override. */
const normal = (ctx: Context): Decision => {
  const { assessment: a } = ctx;
  if (ctx.state.activePath === "direct-connect") {
    if (a.dx === "down")
      return a.vpn === "up"
        ? make(ctx, "vpn", "dx-down")
        : make(ctx, "hold", "both-down", { alarm: a.vpn === "down" ? "both-paths-down" : "vpn-unhealthy" });
    // Completing a partial failback (routes still ours) needs DX up, not a new window.
    return make(ctx, "direct-connect", a.dx === "up" ? "dx-healthy" : "dx-suspect", {
      failbackAllowed: a.dx === "up",
    });
  }
  if (a.vpn === "down") {
    // A dead VPN: a path beats no path, at once. A lossy one (still answering) is still a path: the dwell
    // and the backed-off window hold, or a flap storm would switch on every flap.
    if (a.dxProven && a.vpnDead) return failback(ctx, "vpn-down-dx-up", true);
    // Only some families proven on their own evidence: their CIDRs go back, the others have no path anyway.
    if (a.vpnDead && a.dxProvenFamilies.length > 0)
      return failback(ctx, "vpn-down-dx-up", true, a.dxProvenFamilies);
    if (a.dx === "down") return make(ctx, "hold", "both-down", { alarm: "both-paths-down" });
    if (a.dxRestored) return failback(ctx, "dx-restored");
    return make(ctx, "vpn", "dx-not-restored");
  }
  if (a.dxRestored) return failback(ctx, "dx-restored");
  return make(
    ctx,
    "vpn",
    "dx-not-restored",
    a.dxRestoredSince !== undefined && a.probesFresh.directConnect ? { restoreAt: a.dxRestoredSince } : {},
  );
};

/** Rule 5: a force that would break rule 2 or fail back onto a down DX is refused; the normal rules decide. */
const forced = (ctx: Context, force: PathName): Decision => {
  const { assessment: a } = ctx;
  const refused: GameDayRefusal | undefined =
    force === "vpn" && a.vpn !== "up"
      ? "vpn-unhealthy"
      : force === "direct-connect" && a.dx === "down"
        ? "dx-down"
        : undefined;
  if (refused !== undefined) {
    const d = normal(ctx);
    const alarm: DecisionAlarm = d.alarm === "both-paths-down" ? d.alarm : "game-day-refused";
    return { ...d, alarm, ...(d.override ? { override: { ...d.override, refused } } : {}) };
  }
  if (force === "vpn" || force === ctx.state.activePath) return make(ctx, force, "game-day-force");
  return failback(ctx, "game-day-force");
};

export const decidePath = (
  signals: Signals,
  state: FailoverState,
  policy: FailoverPolicy,
  now: number,
): Decision => {
  const requiredWindowMs = requiredRestoreWindowMs(policy.restoreWindowMs, policy.backoff, state.flaps);
  const until = dwellUntil(state, policy.minDwellMs);
  const o = state.override;
  const ctx: Context = {
    signals,
    state,
    policy,
    now,
    assessment: assess(signals, policy, now, requiredWindowMs),
    requiredWindowMs,
    ...(until !== undefined ? { dwellUntil: until } : {}),
    ...(o !== undefined
      ? { override: { force: o.force, until: o.until, active: now < o.until, expired: now >= o.until } }
      : {}),
  };
  return ctx.override?.active && o !== undefined ? forced(ctx, o.force) : normal(ctx);
};

/** The state the route-table tags should carry once the decision is applied (pure, for the caller and tests). */
export const nextState = (
  state: FailoverState,
  decision: Decision,
  policy: FailoverPolicy,
  now: number,
): FailoverState => {
  const next: FailoverState = { ...state };
  if (decision.override?.expired) delete next.override;
  if (!decision.switch || decision.desired === "hold") return next;
  if (decision.desired === "vpn")
    return {
      ...next,
      activePath: "vpn",
      since: now,
      lastSwitchAt: now,
      flaps: flapsAfterFailover(state, policy.backoff, now),
    };
  return { ...next, activePath: "direct-connect", since: now, lastSwitchAt: now, lastFailbackAt: now };
};
