import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bgpDownFamilies } from "../../../../functions/dx-failover/failover/plan/assess";
import {
  type AlarmSignal,
  type AlarmState,
  DEFAULT_POLICY,
  type Decision,
  decidePath,
  type FailoverPolicy,
  type FailoverState,
  nextState,
  type PathName,
  type Signals,
} from "../../../../functions/dx-failover/failover/plan/decide";
import { requiredRestoreWindowMs } from "../../../../functions/dx-failover/failover/plan/hysteresis";

/** The failover decision: one example per rule, then properties over generated signals (fast-check). */

const NOW = Date.parse("2026-11-21T12:00:00Z");
const MIN = 60_000;
const CIDRS = ["10.10.0.0/16", "10.20.0.0/16", "172.16.0.0/12"];
const familyOfCidr = (cidr: string) => (cidr.includes(":") ? "ipv6" : "ipv4");
const ok = (since = NOW - 3600_000): AlarmSignal => ({ state: "OK", since });
const alarm = (since = NOW - 60_000): AlarmSignal => ({ state: "ALARM", since });
const up = (id: string, families: ("ipv4" | "ipv6")[] = ["ipv4"]) => ({
  id,
  state: "available",
  peers: families.map((family) => ({ family, status: "up" as const })),
});

/** Everything healthy, on fresh probes, DX healthy for an hour. */
const healthy = (): Signals => ({
  probes: {
    directConnect: {
      consecutiveFailures: 0,
      consecutiveSuccesses: 3600,
      lastSampleAt: NOW - 1000,
      healthySince: NOW - 3600_000,
      recentFailures: 0,
    },
    vpn: {
      consecutiveFailures: 0,
      consecutiveSuccesses: 3600,
      lastSampleAt: NOW - 1000,
      healthySince: NOW - 3600_000,
      recentFailures: 0,
    },
  },
  alarms: { dxDown: ok(), dxNotRestored: ok(NOW - 3000_000), vpnDown: ok(), probeMissing: ok() },
  virtualInterfaces: [up("dxvif-1"), up("dxvif-2")],
  families: ["ipv4"],
  appliance: { attached: true, instanceRunning: true, sourceDestCheck: false },
  failbackReady: Object.fromEntries(CIDRS.map((c) => [c, true])),
});

const dxFailing = (s: Signals, failures = 2): Signals => ({
  ...s,
  probes: {
    ...s.probes,
    directConnect: {
      consecutiveFailures: failures,
      consecutiveSuccesses: 0,
      lastSampleAt: NOW - 1000,
      recentFailures: failures,
    },
  },
});
/** `failures` of the VPN's last five probes failed, the last one among them. */
const vpnFailing = (s: Signals, failures = 3): Signals => ({
  ...s,
  probes: {
    ...s.probes,
    vpn: {
      consecutiveFailures: 1,
      consecutiveSuccesses: 0,
      lastSampleAt: NOW - 1000,
      recentFailures: failures,
    },
  },
});
const dxHealthyFor = (s: Signals, ms: number): Signals => ({
  ...s,
  probes: {
    ...s.probes,
    directConnect: {
      consecutiveFailures: 0,
      consecutiveSuccesses: Math.floor(ms / 1000),
      lastSampleAt: NOW - 1000,
      healthySince: NOW - ms,
      recentFailures: 0,
    },
  },
});
const stale = (s: Signals): Signals => ({
  ...s,
  probes: {
    directConnect: { ...s.probes.directConnect, lastSampleAt: NOW - 10 * MIN },
    vpn: { ...s.probes.vpn, lastSampleAt: NOW - 10 * MIN },
  },
});

const onDx: FailoverState = {
  activePath: "direct-connect",
  since: NOW - 86_400_000,
  lastSwitchAt: NOW - 86_400_000,
  flaps: 0,
};
const onVpn = (switchedAgo = 3600_000, flaps = 0): FailoverState => ({
  activePath: "vpn",
  since: NOW - switchedAgo,
  lastSwitchAt: NOW - switchedAgo,
  flaps,
});
const P = DEFAULT_POLICY;
const decide = (s: Signals, st: FailoverState, now = NOW, policy: FailoverPolicy = P) =>
  decidePath(s, st, policy, now);

describe("decidePath: failover", () => {
  it("stays on DX while everything is healthy", () => {
    expect(decide(healthy(), onDx)).toMatchObject({
      desired: "direct-connect",
      reason: "dx-healthy",
      switch: false,
    });
  });

  it("fails over when DX failed M consecutive probes and the VPN is healthy", () => {
    const d = decide(dxFailing(healthy()), onDx);
    expect(d).toMatchObject({
      desired: "vpn",
      reason: "dx-down",
      switch: true,
      activePath: "direct-connect",
    });
    expect(d.alarm).toBeUndefined();
    expect(d.cidrs).toEqual([]);
  });

  it("does not switch on one lost probe (below M)", () => {
    expect(decide(dxFailing(healthy(), 1), onDx)).toMatchObject({
      desired: "direct-connect",
      reason: "dx-suspect",
      switch: false,
    });
  });

  it("honours the policy's M", () => {
    expect(decide(dxFailing(healthy(), 2), onDx, NOW, { ...P, failureThreshold: 3 }).switch).toBe(false);
    expect(decide(dxFailing(healthy(), 3), onDx, NOW, { ...P, failureThreshold: 3 }).switch).toBe(true);
  });

  it("DX fails 30 s after a failback: fails over at once (no dwell on a failover)", () => {
    const justFailedBack: FailoverState = {
      activePath: "direct-connect",
      since: NOW - 30_000,
      lastSwitchAt: NOW - 30_000,
      lastFailbackAt: NOW - 30_000,
      flaps: 0,
    };
    expect(decide(dxFailing(healthy()), justFailedBack)).toMatchObject({
      desired: "vpn",
      reason: "dx-down",
      switch: true,
    });
  });

  it("never fails over to an unhealthy VPN: both down → hold and alarm", () => {
    expect(decide(vpnFailing(dxFailing(healthy())), onDx)).toMatchObject({
      desired: "hold",
      reason: "both-down",
      alarm: "both-paths-down",
      switch: false,
    });
  });

  it("does not fail over onto a VPN whose last probe failed, even once (suspect, not healthy)", () => {
    expect(decide(vpnFailing(dxFailing(healthy()), 1), onDx)).toMatchObject({
      desired: "hold",
      alarm: "vpn-unhealthy",
      switch: false,
    });
  });

  it.each([
    [
      "the VPN alarm is in ALARM",
      (s: Signals): Signals => ({ ...s, alarms: { ...s.alarms, vpnDown: alarm() } }),
    ],
    [
      "the appliance ENI is detached",
      (s: Signals): Signals => ({
        ...s,
        appliance: { attached: false, instanceRunning: true, sourceDestCheck: false },
      }),
    ],
    [
      "the appliance instance is stopped",
      (s: Signals): Signals => ({
        ...s,
        appliance: { attached: true, instanceRunning: false, sourceDestCheck: false },
      }),
    ],
    [
      "source/dest check is on",
      (s: Signals): Signals => ({
        ...s,
        appliance: { attached: true, instanceRunning: true, sourceDestCheck: true },
      }),
    ],
    ["the appliance was not observed", (s: Signals): Signals => ({ ...s, appliance: undefined })],
  ])("holds instead of failing over when %s", (_name, mutate) => {
    expect(decide(mutate(dxFailing(healthy())), onDx)).toMatchObject({ desired: "hold", switch: false });
  });

  it("fails over when BGP is down on every virtual interface, even with stale probes", () => {
    const s = stale(healthy());
    s.virtualInterfaces = [
      { id: "dxvif-1", state: "down", peers: [{ family: "ipv4", status: "down" }] },
      { id: "dxvif-2", state: "available", peers: [{ family: "ipv4", status: "down" }] },
    ];
    expect(decide(s, onDx)).toMatchObject({ desired: "vpn", reason: "dx-down", switch: true });
    expect(decide(s, onDx).assessment.bgp).toBe("down");
  });

  it("judges BGP per address family: an IPv6 session up does not hide the IPv4 one down", () => {
    const s = stale(healthy());
    s.families = ["ipv4", "ipv6"];
    s.virtualInterfaces = [
      {
        id: "dxvif-1",
        state: "available",
        peers: [
          { family: "ipv4", status: "down" },
          { family: "ipv6", status: "up" },
        ],
      },
    ];
    const d = decide(s, onDx);
    expect(d).toMatchObject({ desired: "vpn", reason: "dx-down", switch: true, families: ["ipv4"] });
    expect(d.assessment.evidence.join(" ")).toMatch(/BGP ipv4 down/);
    s.families = ["ipv6"];
    expect(decide(s, onDx)).toMatchObject({ desired: "direct-connect", switch: false });
  });

  it("a failover test (interface testing, its sessions down) is BGP down for the tested family", () => {
    const s = stale(healthy());
    s.virtualInterfaces = [{ id: "dxvif-1", state: "testing", peers: [{ family: "ipv4", status: "down" }] }];
    expect(decide(s, onDx)).toMatchObject({ desired: "vpn", reason: "dx-down" });
  });

  it("does not switch on stale probes alone, but does on the DX-down alarm", () => {
    const s = stale(dxFailing(healthy(), 10));
    expect(decide(s, onDx)).toMatchObject({ desired: "direct-connect", switch: false });
    s.alarms = { ...s.alarms, dxDown: alarm() };
    expect(decide(s, onDx)).toMatchObject({ desired: "vpn", reason: "dx-down", switch: true });
  });

  it("ignores probes while the probe-missing alarm is in ALARM, and reports it", () => {
    const s = dxFailing(healthy(), 5);
    s.alarms = { ...s.alarms, probeMissing: alarm() };
    expect(decide(s, onDx)).toMatchObject({
      desired: "direct-connect",
      switch: false,
      alarm: "probe-missing",
    });
  });

  it("trusts fresh probes over a lagging DX-down alarm", () => {
    const s = healthy();
    s.alarms = { ...s.alarms, dxDown: alarm() };
    expect(decide(s, onDx)).toMatchObject({ desired: "direct-connect", switch: false });
  });
});

describe("decidePath: failback", () => {
  it("waits for the whole restore window, and says when it ends", () => {
    expect(decide(dxHealthyFor(healthy(), 4 * MIN), onVpn())).toMatchObject({
      desired: "vpn",
      reason: "dx-not-restored",
      switch: false,
      restoreAt: NOW + MIN,
    });
  });

  it("fails back once DX has been healthy for the restore window, per CIDR", () => {
    const d = decide(dxHealthyFor(healthy(), 5 * MIN), onVpn());
    expect(d).toMatchObject({ desired: "direct-connect", reason: "dx-restored", switch: true });
    expect(d.cidrs.map((c) => c.failback)).toEqual([true, true, true]);
  });

  it("makes only the CIDRs Direct Connect can carry again eligible", () => {
    const s = dxHealthyFor(healthy(), 10 * MIN);
    s.failbackReady = { "10.10.0.0/16": true, "10.20.0.0/16": false, "172.16.0.0/12": true };
    const d = decide(s, onVpn());
    expect(d.cidrs).toEqual([
      { cidr: "10.10.0.0/16", failback: true, reason: "direct-connect-ready" },
      { cidr: "10.20.0.0/16", failback: false, reason: "direct-connect-not-ready" },
      { cidr: "172.16.0.0/12", failback: true, reason: "direct-connect-ready" },
    ]);
  });

  it("stays on the VPN while Direct Connect can carry no CIDR", () => {
    const s = dxHealthyFor(healthy(), 10 * MIN);
    s.failbackReady = Object.fromEntries(CIDRS.map((c) => [c, false]));
    expect(decide(s, onVpn())).toMatchObject({
      desired: "vpn",
      reason: "awaiting-propagated-routes",
      switch: false,
    });
  });

  it("does not fail back while the DX-down alarm is still in ALARM", () => {
    const s = dxHealthyFor(healthy(), 10 * MIN);
    s.alarms = { ...s.alarms, dxDown: alarm() };
    expect(decide(s, onVpn()).desired).toBe("vpn");
  });

  it("with stale probes, fails back only on the not-restored alarm being OK", () => {
    const s = stale(healthy());
    expect(decide(s, onVpn())).toMatchObject({ desired: "direct-connect", reason: "dx-restored" });
    s.alarms = { ...s.alarms, dxNotRestored: alarm() };
    expect(decide(s, onVpn())).toMatchObject({ desired: "vpn", switch: false });
    s.alarms = { ...s.alarms, dxNotRestored: ok(), probeMissing: alarm() };
    expect(decide(s, onVpn())).toMatchObject({ desired: "vpn", switch: false, alarm: "probe-missing" });
  });

  it("one lost VPN probe right after DX returns: no failback", () => {
    const s = vpnFailing(dxHealthyFor(healthy(), 10_000), 1);
    expect(decide(s, onVpn())).toMatchObject({ desired: "hold", switch: false });
    expect(decide(s, onVpn()).desired).not.toBe("direct-connect");
  });

  it("fails back without the window when the VPN is dead (its last M probes failed) while DX is up on M probes; a lossy VPN waits", () => {
    const dead = (s: Signals): Signals => {
      const v = vpnFailing(s);
      return { ...v, probes: { ...v.probes, vpn: { ...v.probes.vpn, consecutiveFailures: 3 } } };
    };
    expect(decide(dead(dxHealthyFor(healthy(), 30_000)), onVpn())).toMatchObject({
      desired: "direct-connect",
      reason: "vpn-down-dx-up",
      switch: true,
    });
    // DX up on one probe only: not proven.
    expect(decide(dead(dxHealthyFor(healthy(), 1000)), onVpn()).switch).toBe(false);
    // Lossy (3 of 5 lost, the last one answered... or one failure in a row): the window holds.
    expect(decide(vpnFailing(dxHealthyFor(healthy(), 30_000)), onVpn()).switch).toBe(false);
  });

  it("holds and alarms when on the VPN and both paths are down", () => {
    expect(decide(vpnFailing(dxFailing(healthy())), onVpn())).toMatchObject({
      desired: "hold",
      reason: "both-down",
      alarm: "both-paths-down",
    });
  });

  it("backs off: after two recent flaps, the window is four times as long", () => {
    const s = dxHealthyFor(healthy(), 10 * MIN);
    expect(decide(s, onVpn(3600_000, 2))).toMatchObject({
      desired: "vpn",
      reason: "dx-not-restored",
      requiredWindowMs: 20 * MIN,
      restoreAt: NOW + 10 * MIN,
    });
    expect(decide(dxHealthyFor(healthy(), 20 * MIN), onVpn(3600_000, 2))).toMatchObject({
      desired: "direct-connect",
      switch: true,
    });
  });
});

describe("decidePath: where the restore window starts", () => {
  // dx6 (review5 quiet.sim.test.ts): the window counts from the start of DX's current run of answered
  // probes, not from the switch. After 3 flaps (2400 s), DX answered for 2455 s, the switch 2160 s ago.
  it("counts DX's answered probes from before the switch (a switch the probes did not cause restarts nothing)", () => {
    const state = onVpn(2160_000, 3);
    expect(decide(dxHealthyFor(healthy(), 2455_000), state)).toMatchObject({
      desired: "direct-connect",
      reason: "dx-restored",
      requiredWindowMs: 2400_000,
    });
    expect(decide(dxHealthyFor(healthy(), 2395_000), state)).toMatchObject({
      desired: "vpn",
      reason: "dx-not-restored",
      restoreAt: NOW + 5_000,
    });
  });
});

describe("decidePath: dwell time", () => {
  it("does not fail back within the dwell window after a failover", () => {
    expect(decide(dxHealthyFor(healthy(), 10 * MIN), onVpn(30_000))).toMatchObject({
      desired: "vpn",
      reason: "dwell",
      switch: false,
      alarm: "switch-delayed-by-dwell",
      dwellUntil: NOW + 30_000,
    });
  });
});

describe("decidePath: game day", () => {
  const force = (path: PathName, until = NOW + 15 * MIN): FailoverState["override"] => ({
    force: path,
    until,
  });

  it("forces a failover while everything is healthy, and reverts automatically after until", () => {
    let state: FailoverState = { ...onDx, override: force("vpn") };
    const d1 = decide(healthy(), state);
    expect(d1).toMatchObject({ desired: "vpn", reason: "game-day-force", switch: true });
    state = nextState(state, d1, P, NOW);
    expect(state).toMatchObject({ activePath: "vpn", lastSwitchAt: NOW, override: { force: "vpn" } });
    expect(decide(healthy(), state, NOW + 10 * MIN)).toMatchObject({ desired: "vpn", switch: false });
    const later = NOW + 16 * MIN;
    const d2 = decidePath(dxHealthyFor(healthy(), 60 * MIN), state, P, later);
    expect(d2).toMatchObject({
      desired: "direct-connect",
      reason: "dx-restored",
      switch: true,
      override: { expired: true },
    });
    const after = nextState(state, d2, P, later);
    expect(after.override).toBeUndefined();
    expect(after).toMatchObject({ activePath: "direct-connect", lastFailbackAt: later });
  });

  it("refuses to force an unhealthy VPN (normal rules decide, alarm)", () => {
    expect(decide(vpnFailing(healthy()), { ...onDx, override: force("vpn") })).toMatchObject({
      desired: "direct-connect",
      switch: false,
      alarm: "game-day-refused",
      override: { refused: "vpn-unhealthy" },
    });
  });

  it("refuses to force a failback onto a DX that is down", () => {
    expect(decide(dxFailing(healthy()), { ...onVpn(), override: force("direct-connect") })).toMatchObject({
      desired: "vpn",
      switch: false,
      alarm: "game-day-refused",
      override: { refused: "dx-down" },
    });
  });

  it("forces a failback without the restore window, but within the dwell window", () => {
    const s = dxHealthyFor(healthy(), 30_000);
    expect(decide(s, { ...onVpn(), override: force("direct-connect") })).toMatchObject({
      desired: "direct-connect",
      reason: "game-day-force",
      switch: true,
    });
    expect(decide(s, { ...onVpn(10_000), override: force("direct-connect") })).toMatchObject({
      desired: "vpn",
      reason: "dwell",
      switch: false,
    });
  });
});

describe("nextState: flaps", () => {
  it("counts a failover within the memory of the last failback as a flap, and forgets after it", () => {
    const failover = decide(dxFailing(healthy()), onDx);
    const recent: FailoverState = { ...onDx, lastFailbackAt: NOW - 10 * MIN, flaps: 1 };
    expect(nextState(recent, failover, P, NOW).flaps).toBe(2);
    const old: FailoverState = { ...onDx, lastFailbackAt: NOW - 2 * 3600_000, flaps: 3 };
    expect(nextState(old, failover, P, NOW).flaps).toBe(0);
  });
});

// ——— properties ———

const alarmStates: AlarmState[] = ["OK", "ALARM", "INSUFFICIENT_DATA"];
const alarmArb = fc.option(
  fc.record({ state: fc.constantFrom(...alarmStates), since: fc.integer({ min: 0, max: 3600_000 }) }),
  { nil: undefined },
);
const probeArb = fc.record({
  failures: fc.nat({ max: 6 }),
  successes: fc.nat({ max: 600 }),
  recent: fc.nat({ max: 5 }),
  age: fc.option(fc.integer({ min: -5000, max: 120_000 }), { nil: undefined }),
  streak: fc.option(fc.integer({ min: 0, max: 7200_000 }), { nil: undefined }),
});
type GenProbe = {
  failures: number;
  successes: number;
  recent: number;
  age: number | undefined;
  streak: number | undefined;
};
const toProbe = (g: GenProbe, now: number) => ({
  consecutiveFailures: g.failures,
  consecutiveSuccesses: g.failures > 0 ? 0 : g.successes,
  recentFailures: Math.max(g.recent, Math.min(g.failures, 5)),
  ...(g.age !== undefined ? { lastSampleAt: now - g.age } : {}),
  ...(g.streak !== undefined ? { healthySince: now - g.streak } : {}),
});
const familyArb = fc.constantFrom("ipv4" as const, "ipv6" as const);
const genSignalsArb = fc.record({
  dx: probeArb,
  vpn: probeArb,
  dxDown: alarmArb,
  dxNotRestored: alarmArb,
  vpnDown: alarmArb,
  probeMissing: alarmArb,
  families: fc.uniqueArray(familyArb, { minLength: 1, maxLength: 2 }),
  vifs: fc.array(
    fc.record({
      state: fc.constantFrom("available", "down", "pending", "testing"),
      peers: fc.array(
        fc.record({
          family: familyArb,
          status: fc.constantFrom("up" as const, "down" as const, "unknown" as const),
        }),
        { maxLength: 2 },
      ),
    }),
    { maxLength: 3 },
  ),
  appliance: fc.option(
    fc.record({ attached: fc.boolean(), instanceRunning: fc.boolean(), sourceDestCheck: fc.boolean() }),
    { nil: undefined },
  ),
  ready: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
});
type GenSignals = typeof genSignalsArb extends fc.Arbitrary<infer T> ? T : never;
const since = (a: { state: AlarmState; since: number } | undefined, now: number) =>
  a ? { ...a, since: now - a.since } : undefined;
const toSignals = (g: GenSignals, now: number): Signals => ({
  probes: { directConnect: toProbe(g.dx, now), vpn: toProbe(g.vpn, now) },
  alarms: Object.fromEntries(
    Object.entries({
      dxDown: g.dxDown,
      dxNotRestored: g.dxNotRestored,
      vpnDown: g.vpnDown,
      probeMissing: g.probeMissing,
    }).flatMap(([k, v]) => (v ? [[k, since(v, now)]] : [])),
  ),
  virtualInterfaces: g.vifs.map((v, i) => ({ id: `dxvif-${i}`, ...v })),
  families: g.families,
  ...(g.appliance ? { appliance: g.appliance } : {}),
  failbackReady: Object.fromEntries(CIDRS.map((c, i) => [c, g.ready[i] ?? false])),
});
const policyArb = fc.record({
  failureThreshold: fc.integer({ min: 1, max: 4 }),
  restoreWindowMs: fc.integer({ min: 0, max: 600_000 }),
  minDwellMs: fc.integer({ min: 0, max: 300_000 }),
  probeStaleMs: fc.integer({ min: 1000, max: 60_000 }),
  vpnDown: fc.integer({ min: 2, max: 5 }).map((failures) => ({ failures, of: 5 })),
  backoff: fc.record({
    multiplier: fc.constantFrom(1, 1.5, 2, 3),
    maxRestoreWindowMs: fc.integer({ min: 0, max: 3600_000 }),
    memoryMs: fc.integer({ min: 0, max: 3600_000 }),
  }),
  stuckOnVpnAfterMs: fc.integer({ min: 0, max: 3600_000 }),
});
const pathArb = fc.constantFrom<PathName>("direct-connect", "vpn");
const overrideArb = fc.option(
  fc.record({ force: pathArb, until: fc.integer({ min: -600_000, max: 1_800_000 }) }),
  { nil: undefined },
);
const stateArb = fc.record({
  active: pathArb,
  ago: fc.option(fc.nat({ max: 600_000 }), { nil: undefined }),
  failbackAgo: fc.option(fc.nat({ max: 7200_000 }), { nil: undefined }),
  flaps: fc.nat({ max: 6 }),
});
const toState = (
  g: typeof stateArb extends fc.Arbitrary<infer T> ? T : never,
  now: number,
): FailoverState => ({
  activePath: g.active,
  flaps: g.flaps,
  ...(g.ago !== undefined ? { lastSwitchAt: now - g.ago, since: now - g.ago } : {}),
  ...(g.failbackAgo !== undefined ? { lastFailbackAt: now - g.failbackAgo } : {}),
});

const isFresh = (p: Signals["probes"]["vpn"], s: Signals, policy: FailoverPolicy, now: number) =>
  s.alarms.probeMissing?.state !== "ALARM" &&
  p.lastSampleAt !== undefined &&
  Math.abs(now - p.lastSampleAt) <= policy.probeStaleMs;

/** An independent statement of "the VPN is healthy" (rule 1), for the safety property. */
const vpnHealthyOracle = (s: Signals, policy: FailoverPolicy, now: number): boolean => {
  const a = s.appliance;
  if (a?.attached !== true || !a.instanceRunning || a.sourceDestCheck) return false;
  if (s.alarms.vpnDown?.state === "ALARM") return false;
  const p = s.probes.vpn;
  if (isFresh(p, s, policy, now))
    return (
      p.consecutiveFailures === 0 &&
      p.consecutiveSuccesses > 0 &&
      (p.recentFailures ?? 0) < policy.vpnDown.failures
    );
  return s.alarms.vpnDown?.state === "OK";
};

/** "The VPN is dead": its alarm, the appliance, or its last M probes all failed (never one probe, never lossy). */
const vpnDeadOracle = (s: Signals, policy: FailoverPolicy, now: number): boolean => {
  const a = s.appliance;
  if (a?.attached !== true || !a.instanceRunning || a.sourceDestCheck) return true;
  if (s.alarms.vpnDown?.state === "ALARM") return true;
  const p = s.probes.vpn;
  return isFresh(p, s, policy, now) && p.consecutiveFailures >= policy.vpnDown.failures;
};

describe("decidePath properties", () => {
  it("never desires the VPN when the VPN is not healthy; never fails back onto BGP down", () => {
    fc.assert(
      fc.property(genSignalsArb, stateArb, overrideArb, policyArb, (g, st, ov, policy) => {
        const signals = toSignals(g, NOW);
        const state = {
          ...toState(st, NOW),
          ...(ov ? { override: { force: ov.force, until: NOW + ov.until } } : {}),
        };
        const d = decidePath(signals, state, policy, NOW);
        if (!vpnHealthyOracle(signals, policy, NOW)) expect(d.desired).not.toBe("vpn");
        // BGP down for a family: a failback is of the other families' CIDRs only (each judged on its own).
        if (d.assessment.bgp === "down" && d.switch && d.desired === "direct-connect") {
          const down = bgpDownFamilies(signals);
          expect(d.families?.some((f) => down.includes(f))).toBe(false);
          for (const c of d.cidrs) if (c.failback) expect(down).not.toContain(familyOfCidr(c.cidr));
        }
        for (const c of d.cidrs) if (c.failback) expect(signals.failbackReady[c.cidr]).toBe(true);
        if (d.switch) expect(d.desired).not.toBe(state.activePath);
      }),
      { numRuns: 2000 },
    );
  });

  it("a failover is never delayed: DX down on M fresh probes and a healthy VPN fail over, whatever the state", () => {
    fc.assert(
      fc.property(
        stateArb,
        policyArb,
        fc.integer({ min: 0, max: 10 }),
        fc.nat({ max: 600 }),
        (st, policy, extra, vpnOk) => {
          const state = { ...toState(st, NOW), activePath: "direct-connect" as const };
          const s = healthy();
          s.probes.directConnect = {
            consecutiveFailures: policy.failureThreshold + extra,
            consecutiveSuccesses: 0,
            lastSampleAt: NOW,
            recentFailures: 5,
          };
          s.probes.vpn = {
            consecutiveFailures: 0,
            consecutiveSuccesses: vpnOk + 1,
            lastSampleAt: NOW,
            recentFailures: 0,
          };
          const d = decidePath(s, state, policy, NOW);
          expect(d).toMatchObject({ desired: "vpn", switch: true, reason: "dx-down" });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("a failback needs DX healthy for the whole (backed-off) window, or the VPN dead (its last M probes failed) — never one probe, never a lossy VPN", () => {
    fc.assert(
      fc.property(genSignalsArb, stateArb, policyArb, (g, st, policy) => {
        const signals = toSignals(g, NOW);
        const state = { ...toState(st, NOW), activePath: "vpn" as const };
        const d = decidePath(signals, state, policy, NOW);
        fc.pre(d.switch && d.desired === "direct-connect");
        const window = requiredRestoreWindowMs(policy.restoreWindowMs, policy.backoff, state.flaps);
        const dx = signals.probes.directConnect;
        if (d.reason === "dx-restored") {
          if (isFresh(dx, signals, policy, NOW))
            expect(NOW - (dx.healthySince ?? NOW + 1)).toBeGreaterThanOrEqual(window);
          else {
            const a = signals.alarms.dxNotRestored;
            expect(a?.state).toBe("OK");
            expect(NOW - (a?.since ?? NOW) + policy.restoreWindowMs).toBeGreaterThanOrEqual(window);
          }
          expect(NOW - (state.lastSwitchAt ?? Number.NEGATIVE_INFINITY)).toBeGreaterThanOrEqual(
            policy.minDwellMs,
          );
        } else {
          expect(d.reason).toBe("vpn-down-dx-up");
          expect(vpnDeadOracle(signals, policy, NOW)).toBe(true);
          if (isFresh(dx, signals, policy, NOW))
            expect(dx.consecutiveSuccesses).toBeGreaterThanOrEqual(policy.failureThreshold);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("repeated flaps back off exponentially: each flap multiplies the window, up to the cap, and is forgotten after the memory", () => {
    /** Fresh probes at `t`: DX failing, or healthy for `healthyMs`; the VPN healthy; no alarm. */
    const at = (t: number, healthyMs?: number): Signals => {
      const s = healthy();
      s.alarms = {};
      s.probes.vpn = { consecutiveFailures: 0, consecutiveSuccesses: 60, lastSampleAt: t, recentFailures: 0 };
      s.probes.directConnect =
        healthyMs === undefined
          ? { consecutiveFailures: 5, consecutiveSuccesses: 0, lastSampleAt: t, recentFailures: 5 }
          : {
              consecutiveFailures: 0,
              consecutiveSuccesses: 60,
              lastSampleAt: t,
              healthySince: t - healthyMs,
              recentFailures: 0,
            };
      return s;
    };
    fc.assert(
      fc.property(
        policyArb,
        fc.array(fc.integer({ min: 1000, max: 7200_000 }), { minLength: 1, maxLength: 8 }),
        (policy0, gaps) => {
          const policy = {
            ...policy0,
            restoreWindowMs: Math.max(1000, policy0.restoreWindowMs),
            minDwellMs: 0,
          };
          let now = NOW;
          let state: FailoverState = { activePath: "direct-connect", flaps: 0 };
          for (const gap of gaps) {
            const down = decidePath(at(now), state, policy, now);
            const expectedFlaps =
              state.lastFailbackAt !== undefined && now - state.lastFailbackAt < policy.backoff.memoryMs
                ? state.flaps + 1
                : 0;
            state = nextState(state, down, policy, now);
            expect(state.flaps).toBe(expectedFlaps);
            const window = requiredRestoreWindowMs(policy.restoreWindowMs, policy.backoff, state.flaps);
            const cap = Math.max(policy.restoreWindowMs, policy.backoff.maxRestoreWindowMs);
            expect(window).toBe(
              Math.min(cap, policy.restoreWindowMs * policy.backoff.multiplier ** state.flaps),
            );
            now += window;
            // Healthy a millisecond short of the window: no failback; for the window: failback.
            expect(decidePath(at(now, window - 1), state, policy, now).switch).toBe(false);
            const back = decidePath(at(now, window), state, policy, now);
            expect(back).toMatchObject({ desired: "direct-connect", switch: true, requiredWindowMs: window });
            state = nextState(state, back, policy, now);
            now += gap;
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("converges: deciding again on the same signals after applying a decision never switches (no dwell)", () => {
    fc.assert(
      fc.property(genSignalsArb, stateArb, overrideArb, policyArb, (g, st, ov, policy0) => {
        const policy = { ...policy0, minDwellMs: 0 };
        const signals = toSignals(g, NOW);
        let state: FailoverState = {
          ...toState(st, NOW),
          ...(ov ? { override: { force: ov.force, until: NOW + ov.until } } : {}),
        };
        const d1: Decision = decidePath(signals, state, policy, NOW);
        state = nextState(state, d1, policy, NOW);
        const d2 = decidePath(signals, state, policy, NOW);
        expect(d2.switch).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it("depends only on its inputs (no hidden clock or state)", () => {
    fc.assert(
      fc.property(genSignalsArb, stateArb, policyArb, (g, st, policy) => {
        const signals = toSignals(g, NOW);
        const state = toState(st, NOW);
        expect(decidePath(structuredClone(signals), structuredClone(state), policy, NOW)).toEqual(
          decidePath(signals, state, policy, NOW),
        );
      }),
      { numRuns: 300 },
    );
  });
});
