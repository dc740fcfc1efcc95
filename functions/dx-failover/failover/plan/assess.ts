import type {
  AddressFamily,
  Assessment,
  FailoverPolicy,
  Health,
  PathProbeSignals,
  Signals,
  VirtualInterfaceSignal,
} from "./types";

/**
 * Rule 1 of the decision: the health of each path from the freshest evidence. BGP is judged per address
 * family (a session carries one family: an IPv6 session up says nothing of the IPv4 prefixes); probes when
 * fresh; the alarms when the probes are stale or missing (never a switch on the probes' absence alone).
 */

const isFresh = (p: PathProbeSignals, policy: FailoverPolicy, now: number, probeMissing: boolean): boolean =>
  !probeMissing &&
  p.lastSampleAt !== undefined &&
  now - p.lastSampleAt <= policy.probeStaleMs &&
  p.lastSampleAt - now <= policy.probeStaleMs;

/** The sessions of one family: up on some usable interface, down on all, or unknown. */
export const bgpOfFamily = (vifs: readonly VirtualInterfaceSignal[], family: AddressFamily): Health => {
  const sessions = vifs.flatMap((v) =>
    v.peers.filter((p) => p.family === family).map((p) => ({ vif: v, p })),
  );
  if (sessions.length === 0) return "unknown";
  const usable = (v: VirtualInterfaceSignal) => v.state === "available" || v.state === "testing";
  if (sessions.some(({ vif, p }) => usable(vif) && p.status === "up")) return "up";
  const gone = (v: VirtualInterfaceSignal) =>
    v.state === "down" || v.state === "deleted" || v.state === "deleting";
  return sessions.every(({ vif, p }) => p.status === "down" || gone(vif)) ? "down" : "unknown";
};

/**
 * Direct Connect's probe evidence per family of the group's CIDRs: each family's own series; without
 * per-family signals, the path-wide series stands for every family. A family without a probe target of
 * its own is absent: only its BGP sessions judge it.
 */
export const dxProbesOf = (signals: Signals): Partial<Record<AddressFamily, PathProbeSignals>> => {
  const own = signals.probes.directConnectFamilies;
  return Object.fromEntries(
    signals.families.flatMap((f) => {
      const p = own === undefined ? signals.probes.directConnect : own[f];
      return p === undefined ? [] : [[f, p]];
    }),
  );
};

/** The families' evidence as one path: failing when one fails, healthy when all are, since the latest. */
export const combinedProbe = (probes: readonly PathProbeSignals[]): PathProbeSignals => {
  if (probes.length === 0) return { consecutiveFailures: 0, consecutiveSuccesses: 0 };
  const sampled = probes.map((p) => p.lastSampleAt);
  const since = probes.map((p) => p.healthySince);
  const defined = (xs: (number | undefined)[]) => xs.every((x) => x !== undefined);
  return {
    consecutiveFailures: Math.max(...probes.map((p) => p.consecutiveFailures)),
    consecutiveSuccesses: Math.min(...probes.map((p) => p.consecutiveSuccesses)),
    ...(defined(sampled) ? { lastSampleAt: Math.min(...(sampled as number[])) } : {}),
    ...(defined(since) ? { healthySince: Math.max(...(since as number[])) } : {}),
    recentFailures: Math.max(...probes.map((p) => p.recentFailures ?? 0)),
  };
};

/** The families of the group's CIDRs whose sessions are down on every interface. */
export const bgpDownFamilies = (signals: Signals): AddressFamily[] =>
  signals.virtualInterfaces.length === 0
    ? []
    : signals.families.filter((f) => bgpOfFamily(signals.virtualInterfaces, f) === "down");

/** The group's BGP: down when a family its CIDRs use is down everywhere, up when every such family is up. */
export const bgpOf = (signals: Signals): { health: Health; evidence?: string } => {
  if (signals.virtualInterfaces.length === 0) return { health: "unknown" };
  const per = signals.families.map((f) => ({ f, h: bgpOfFamily(signals.virtualInterfaces, f) }));
  const down = per.filter((x) => x.h === "down").map((x) => x.f);
  if (down.length > 0)
    return { health: "down", evidence: `BGP ${down.join("+")} down on every virtual interface` };
  return { health: per.length > 0 && per.every((x) => x.h === "up") ? "up" : "unknown" };
};

/**
 * BGP down on the configured interfaces while the tables still show active propagated routes for every
 * CIDR and fresh probes answer: the interfaces configured are not (or no longer) the ones carrying the
 * prefixes (a migration, a VIF added on the gateway). The routes and the probes are direct evidence; BGP of
 * the configured interfaces is not trusted, and the conflict is raised.
 */
export const bgpContradicted = (signals: Signals, policy: FailoverPolicy, fresh: boolean): boolean => {
  const probe = combinedProbe(Object.values(dxProbesOf(signals)));
  return (
    bgpOf(signals).health === "down" &&
    signals.dxRoutesShown === true &&
    fresh &&
    probe.consecutiveFailures === 0 &&
    probe.consecutiveSuccesses >= Math.max(1, policy.failureThreshold)
  );
};

const dxHealth = (signals: Signals, policy: FailoverPolicy, fresh: boolean, evidence: string[]): Health => {
  const bgp = bgpOf(signals);
  if (bgp.health === "down" && bgpContradicted(signals, policy, fresh))
    evidence.push(
      `${bgp.evidence ?? "BGP down"}, but every table shows active propagated routes and the probes answer: evidence conflict, the probes decide`,
    );
  else if (bgp.health === "down") {
    evidence.push(bgp.evidence ?? "BGP down");
    return "down";
  }
  const probes = Object.values(dxProbesOf(signals));
  const probe = combinedProbe(probes);
  const m = Math.max(1, policy.failureThreshold);
  if (probes.length === 0) {
    // No family of the group's CIDRs has a probe target: the probes (and their path-wide alarm) judge none.
    evidence.push("no Direct Connect probe target of the CIDRs' families: BGP alone judges DX");
    return bgp.health === "up" ? "up" : "unknown";
  }
  if (fresh) {
    if (probe.consecutiveFailures >= m) {
      evidence.push(`DX probe failed ${probe.consecutiveFailures} consecutive times (M=${m})`);
      return "down";
    }
    if (probe.consecutiveFailures === 0 && probe.consecutiveSuccesses > 0) return "up";
    evidence.push(`DX probe failed ${probe.consecutiveFailures} time(s), below M=${m}`);
    return "unknown";
  }
  const a = signals.alarms.dxDown?.state;
  evidence.push(`DX probes stale: DX-down alarm ${a ?? "absent"}`);
  return a === "ALARM" ? "down" : a === "OK" ? "up" : "unknown";
};

/** One family's DX health on its own evidence: its BGP sessions, then its own probes (or their alarm when stale). */
const familyHealth = (
  signals: Signals,
  policy: FailoverPolicy,
  family: AddressFamily,
  judge: { fresh: (p: PathProbeSignals) => boolean; conflict: boolean },
): Health => {
  const bgp =
    signals.virtualInterfaces.length === 0 ? "unknown" : bgpOfFamily(signals.virtualInterfaces, family);
  if (bgp === "down" && !judge.conflict) return "down";
  const p = dxProbesOf(signals)[family];
  if (p === undefined) return bgp === "up" ? "up" : "unknown";
  if (!judge.fresh(p)) {
    const a = signals.alarms.dxDown?.state;
    return a === "ALARM" ? "down" : a === "OK" ? "up" : "unknown";
  }
  if (p.consecutiveFailures >= Math.max(1, policy.failureThreshold)) return "down";
  return p.consecutiveFailures === 0 && p.consecutiveSuccesses > 0 ? "up" : "unknown";
};

/** Each family of the group's CIDRs judged on its own evidence, and those proven up (M probes of its own). */
export const familiesOfDx = (
  signals: Signals,
  policy: FailoverPolicy,
  judge: { fresh: (p: PathProbeSignals) => boolean; conflict: boolean },
): { health: Partial<Record<AddressFamily, Health>>; proven: AddressFamily[] } => {
  const probes = dxProbesOf(signals);
  const m = Math.max(1, policy.failureThreshold);
  const health = Object.fromEntries(
    signals.families.map((f) => [f, familyHealth(signals, policy, f, judge)]),
  );
  const proven = signals.families.filter((f) => {
    const p = probes[f];
    return health[f] === "up" && (p === undefined || !judge.fresh(p) || p.consecutiveSuccesses >= m);
  });
  return { health, proven };
};

const applianceReady = (signals: Signals, evidence: string[]): boolean => {
  const a = signals.appliance;
  const ready = a?.attached === true && a.instanceRunning && !a.sourceDestCheck;
  if (!ready)
    evidence.push(
      a === undefined
        ? "appliance not observed"
        : `appliance not ready (attached=${a.attached}, running=${a.instanceRunning}, sourceDestCheck=${a.sourceDestCheck})`,
    );
  return ready;
};

/** The VPN: down on its alarm, an unready appliance, or M of its last N probes failed; up on a fresh success. */
const vpnHealth = (
  signals: Signals,
  policy: FailoverPolicy,
  fresh: boolean,
  ready: boolean,
  evidence: string[],
): Health => {
  if (signals.alarms.vpnDown?.state === "ALARM") {
    evidence.push("VPN alarm in ALARM");
    return "down";
  }
  if (!ready) return "down";
  if (!fresh) {
    const a = signals.alarms.vpnDown?.state;
    evidence.push(`VPN probes stale: VPN alarm ${a ?? "absent"}`);
    return a === "OK" ? "up" : "unknown";
  }
  const probe = signals.probes.vpn;
  const failures = Math.max(probe.recentFailures ?? 0, probe.consecutiveFailures);
  if (failures >= policy.vpnDown.failures) {
    evidence.push(
      `VPN probe failed ${failures} of its last ${policy.vpnDown.of} (down at ${policy.vpnDown.failures})`,
    );
    return "down";
  }
  if (probe.consecutiveFailures === 0 && probe.consecutiveSuccesses > 0) return "up";
  evidence.push(`VPN probe failed ${failures} of its last ${policy.vpnDown.of}: suspect, not down`);
  return "unknown";
};

/** Since when DX has been healthy without interruption (probe history, or the not-restored alarm's OK). */
const healthySince = (signals: Signals, policy: FailoverPolicy, fresh: boolean, probeMissing: boolean) => {
  if (fresh) return combinedProbe(Object.values(dxProbesOf(signals))).healthySince;
  const a = signals.alarms.dxNotRestored;
  // OK = no failed probe for K minutes (K = the base window); missing data is breaching, so OK is evidence.
  return a?.state === "OK" && !probeMissing ? a.since - policy.restoreWindowMs : undefined;
};

/** DX down for some families of the group's CIDRs only: those fail over, the others keep their DX route. */
const partialFamilies = (
  signals: Signals,
  dx: Health,
  conflict: boolean,
  health: Partial<Record<AddressFamily, Health>>,
  evidence: string[],
): AddressFamily[] | undefined => {
  const down = signals.families.filter((f) => health[f] === "down");
  if (dx !== "down" || conflict || down.length === 0 || down.length >= signals.families.length)
    return undefined;
  const kept = signals.families.filter((f) => health[f] !== "down");
  evidence.push(
    `only the ${down.join("+")} CIDRs fail over (Direct Connect still carries ${kept.join("+")})`,
  );
  return down;
};

export const assess = (
  signals: Signals,
  policy: FailoverPolicy,
  now: number,
  requiredWindowMs: number,
): Assessment => {
  const evidence: string[] = [];
  const probeMissing = signals.alarms.probeMissing?.state === "ALARM";
  if (probeMissing) evidence.push("probe-missing alarm in ALARM: probes ignored");
  const judgeFresh = (p: PathProbeSignals) => isFresh(p, policy, now, probeMissing);
  const dxProbe = combinedProbe(Object.values(dxProbesOf(signals)));
  const fresh = { directConnect: judgeFresh(dxProbe), vpn: judgeFresh(signals.probes.vpn) };
  const dx = dxHealth(signals, policy, fresh.directConnect, evidence);
  const conflict = bgpContradicted(signals, policy, fresh.directConnect);
  const families = familiesOfDx(signals, policy, { fresh: judgeFresh, conflict });
  const partial = partialFamilies(signals, dx, conflict, families.health, evidence);
  const ready = applianceReady(signals, evidence);
  const vpn = vpnHealth(signals, policy, fresh.vpn, ready, evidence);
  const vpnDead =
    vpn === "down" &&
    (signals.alarms.vpnDown?.state === "ALARM" ||
      !ready ||
      (fresh.vpn && signals.probes.vpn.consecutiveFailures >= policy.vpnDown.failures));
  const since =
    dx === "up" && signals.alarms.dxDown?.state !== "ALARM"
      ? healthySince(signals, policy, fresh.directConnect, probeMissing)
      : undefined;
  const dxRestoredSince = since !== undefined ? since + requiredWindowMs : undefined;
  const m = Math.max(1, policy.failureThreshold);
  const dxProven = dx === "up" && (!fresh.directConnect || dxProbe.consecutiveSuccesses >= m);
  return {
    dx,
    vpn,
    vpnDead,
    dxProven,
    dxRestored: dxRestoredSince !== undefined && now >= dxRestoredSince,
    ...(since !== undefined ? { dxHealthySince: since } : {}),
    ...(dxRestoredSince !== undefined ? { dxRestoredSince } : {}),
    probesFresh: fresh,
    bgp: conflict ? "unknown" : bgpOf(signals).health,
    evidenceConflict: conflict,
    ...(partial !== undefined ? { dxDownFamilies: partial } : {}),
    dxFamilies: families.health,
    dxProvenFamilies: families.proven,
    applianceReady: ready,
    evidence,
  };
};
