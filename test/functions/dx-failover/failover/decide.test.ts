import fc from "fast-check";
import { describe, expect, it } from "vitest";
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

/** The failover decision: one example per rule, then properties over generated signals (fast-check). */

const NOW = Date.parse("2026-11-21T12:00:00Z");
const MIN = 60_000;
const CIDRS = ["10.10.0.0/16", "10.20.0.0/16", "172.16.0.0/12"];
const ok = (since = NOW - 3600_000): AlarmSignal => ({ state: "OK", since });
const alarm = (since = NOW - 60_000): AlarmSignal => ({ state: "ALARM", since });

/** Everything healthy, on fresh probes, DX healthy for an hour. */
const healthy = (): Signals => ({
  probes: {
    directConnect: {
      consecutiveFailures: 0,
      consecutiveSuccesses: 3600,
      lastSampleAt: NOW - 1000,
      healthySince: NOW - 3600_000,
    },
    vpn: {
      consecutiveFailures: 0,
      consecutiveSuccesses: 3600,
      lastSampleAt: NOW - 1000,
      healthySince: NOW - 3600_000,
    },
  },
  alarms: { dxDown: ok(), dxRestored: alarm(NOW - 3000_000), vpnDown: ok(), probeMissing: ok() },
  virtualInterfaces: [
    { id: "dxvif-1", state: "available", bgpStatus: "up" },
    { id: "dxvif-2", state: "available", bgpStatus: "up" },
  ],
  appliance: { attached: true, instanceRunning: true, sourceDestCheck: false },
  propagatedRoutes: Object.fromEntries(CIDRS.map((c) => [c, true])),
});

const dxFailing = (s: Signals, failures = 2): Signals => ({
  ...s,
  probes: {
    ...s.probes,
    directConnect: { consecutiveFailures: failures, consecutiveSuccesses: 0, lastSampleAt: NOW - 1000 },
  },
});
const vpnFailing = (s: Signals): Signals => ({
  ...s,
  probes: { ...s.probes, vpn: { consecutiveFailures: 1, consecutiveSuccesses: 0, lastSampleAt: NOW - 1000 } },
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
};
const onVpn = (switchedAgo = 3600_000): FailoverState => ({
  activePath: "vpn",
  since: NOW - switchedAgo,
  lastSwitchAt: NOW - switchedAgo,
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

  it("never fails over to an unhealthy VPN: both down → hold and alarm", () => {
    const d = decide(vpnFailing(dxFailing(healthy())), onDx);
    expect(d).toMatchObject({
      desired: "hold",
      reason: "both-down",
      alarm: "both-paths-down",
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
      { id: "dxvif-1", state: "down", bgpStatus: "down" },
      { id: "dxvif-2", state: "available", bgpStatus: "down" },
    ];
    s.alarms = { ...s.alarms, dxDown: ok() };
    // Stale probes: the VPN's health comes from its alarm (OK).
    expect(decide(s, onDx)).toMatchObject({ desired: "vpn", reason: "dx-down", switch: true });
    expect(decide(s, onDx).assessment.bgp).toBe("down");
  });

  it("does not switch on stale probes alone, but does on the DX-down alarm", () => {
    const s = stale(dxFailing(healthy(), 10));
    expect(decide(s, onDx)).toMatchObject({ desired: "direct-connect", switch: false });
    expect(decide(s, onDx).assessment.probesFresh.directConnect).toBe(false);
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
    const d = decide(dxHealthyFor(healthy(), 4 * MIN), onVpn());
    expect(d).toMatchObject({
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

  it("makes only the CIDRs whose propagated route is back eligible", () => {
    const s = dxHealthyFor(healthy(), 10 * MIN);
    s.propagatedRoutes = { "10.10.0.0/16": true, "10.20.0.0/16": false, "172.16.0.0/12": true };
    const d = decide(s, onVpn());
    expect(d.desired).toBe("direct-connect");
    expect(d.cidrs).toEqual([
      { cidr: "10.10.0.0/16", failback: true, reason: "propagated-route-present" },
      { cidr: "10.20.0.0/16", failback: false, reason: "propagated-route-absent" },
      { cidr: "172.16.0.0/12", failback: true, reason: "propagated-route-present" },
    ]);
  });

  it("stays on the VPN while no propagated route is back", () => {
    const s = dxHealthyFor(healthy(), 10 * MIN);
    s.propagatedRoutes = Object.fromEntries(CIDRS.map((c) => [c, false]));
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

  it("with stale probes, fails back on the restored-for-K-periods alarm only", () => {
    const s = stale(healthy());
    expect(decide(s, onVpn())).toMatchObject({ desired: "direct-connect", reason: "dx-restored" });
    s.alarms = { ...s.alarms, dxRestored: ok() };
    expect(decide(s, onVpn())).toMatchObject({ desired: "vpn", switch: false });
    s.alarms = { ...s.alarms, dxRestored: alarm(), probeMissing: alarm() };
    expect(decide(s, onVpn())).toMatchObject({ desired: "vpn", switch: false, alarm: "probe-missing" });
  });

  it("fails back without the window when the VPN itself fails while DX is up", () => {
    const s = vpnFailing(dxHealthyFor(healthy(), 30_000));
    expect(decide(s, onVpn())).toMatchObject({
      desired: "direct-connect",
      reason: "vpn-down-dx-up",
      switch: true,
    });
  });

  it("holds and alarms when on the VPN and both paths are down", () => {
    expect(decide(vpnFailing(dxFailing(healthy())), onVpn())).toMatchObject({
      desired: "hold",
      reason: "both-down",
      alarm: "both-paths-down",
    });
  });
});

describe("decidePath: dwell time", () => {
  it("does not fail back within the dwell window after a failover", () => {
    const d = decide(dxHealthyFor(healthy(), 10 * MIN), onVpn(30_000));
    expect(d).toMatchObject({
      desired: "vpn",
      reason: "dwell",
      switch: false,
      alarm: "switch-delayed-by-dwell",
      dwellUntil: NOW + 30_000,
    });
  });

  it("holds (does not reconcile a down DX) when a failover is delayed by the dwell window", () => {
    const justFailedBack: FailoverState = {
      activePath: "direct-connect",
      since: NOW - 10_000,
      lastSwitchAt: NOW - 10_000,
    };
    const d = decide(dxFailing(healthy()), justFailedBack);
    expect(d).toMatchObject({ desired: "hold", reason: "dwell", switch: false });
    const later = dxFailing(healthy(), 20);
    later.probes.directConnect.lastSampleAt = NOW + 49_000;
    later.probes.vpn.lastSampleAt = NOW + 49_000;
    expect(decide(later, justFailedBack, NOW + 50_000)).toMatchObject({ desired: "vpn", switch: true });
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
    state = nextState(state, d1, NOW);
    expect(state).toMatchObject({ activePath: "vpn", lastSwitchAt: NOW, override: { force: "vpn" } });
    // Still forced ten minutes later, although DX is healthy.
    expect(decide(healthy(), state, NOW + 10 * MIN)).toMatchObject({ desired: "vpn", switch: false });
    // After until: the normal rules fail back (DX healthy for the window), and the override is cleared.
    const later = NOW + 16 * MIN;
    const s = dxHealthyFor(healthy(), 60 * MIN);
    const d2 = decidePath(s, state, P, later);
    expect(d2).toMatchObject({
      desired: "direct-connect",
      reason: "dx-restored",
      switch: true,
      override: { expired: true },
    });
    const after = nextState(state, d2, later);
    expect(after.override).toBeUndefined();
    expect(after.activePath).toBe("direct-connect");
  });

  it("refuses to force an unhealthy VPN (normal rules decide, alarm)", () => {
    const d = decide(vpnFailing(healthy()), { ...onDx, override: force("vpn") });
    expect(d).toMatchObject({
      desired: "direct-connect",
      switch: false,
      alarm: "game-day-refused",
      override: { refused: "vpn-unhealthy" },
    });
  });

  it("refuses to force a failback onto a DX that is down", () => {
    const d = decide(dxFailing(healthy()), { ...onVpn(), override: force("direct-connect") });
    expect(d).toMatchObject({
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

describe("decidePath: convergence", () => {
  it("is a function of its inputs only: same inputs, same decision; inputs untouched", () => {
    const s = dxFailing(healthy());
    const frozen = structuredClone(s);
    const a = decide(s, onDx);
    const b = decide(structuredClone(s), structuredClone(onDx));
    expect(a).toEqual(b);
    expect(s).toEqual(frozen);
  });

  it("duplicate triggers after a switch do not switch again", () => {
    const s = dxFailing(healthy());
    const d1 = decide(s, onDx);
    const st = nextState(onDx, d1, NOW);
    for (const dt of [0, 1000, 5000])
      expect(decide(s, st, NOW + dt)).toMatchObject({ desired: "vpn", switch: false });
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
  age: fc.option(fc.integer({ min: -5000, max: 120_000 }), { nil: undefined }),
  streak: fc.option(fc.integer({ min: 0, max: 1800_000 }), { nil: undefined }),
});
type GenProbe = { failures: number; successes: number; age: number | undefined; streak: number | undefined };
const toProbe = (g: GenProbe, now: number) => ({
  consecutiveFailures: g.failures,
  consecutiveSuccesses: g.successes,
  ...(g.age !== undefined ? { lastSampleAt: now - g.age } : {}),
  ...(g.streak !== undefined ? { healthySince: now - g.streak } : {}),
});
const genSignalsArb = fc.record({
  dx: probeArb,
  vpn: probeArb,
  dxDown: alarmArb,
  dxRestored: alarmArb,
  vpnDown: alarmArb,
  probeMissing: alarmArb,
  vifs: fc.array(
    fc.record({
      state: fc.constantFrom("available", "down", "pending"),
      bgpStatus: fc.constantFrom("up" as const, "down" as const, "unknown" as const),
    }),
    { maxLength: 3 },
  ),
  appliance: fc.option(
    fc.record({ attached: fc.boolean(), instanceRunning: fc.boolean(), sourceDestCheck: fc.boolean() }),
    { nil: undefined },
  ),
  propagated: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
});
type GenSignals = typeof genSignalsArb extends fc.Arbitrary<infer T> ? T : never;
const toSignals = (g: GenSignals, now: number): Signals => ({
  probes: { directConnect: toProbe(g.dx, now), vpn: toProbe(g.vpn, now) },
  alarms: {
    ...(g.dxDown ? { dxDown: { ...g.dxDown, since: now - g.dxDown.since } } : {}),
    ...(g.dxRestored ? { dxRestored: { ...g.dxRestored, since: now - g.dxRestored.since } } : {}),
    ...(g.vpnDown ? { vpnDown: { ...g.vpnDown, since: now - g.vpnDown.since } } : {}),
    ...(g.probeMissing ? { probeMissing: { ...g.probeMissing, since: now - g.probeMissing.since } } : {}),
  },
  virtualInterfaces: g.vifs.map((v, i) => ({ id: `dxvif-${i}`, ...v })),
  ...(g.appliance ? { appliance: g.appliance } : {}),
  propagatedRoutes: Object.fromEntries(CIDRS.map((c, i) => [c, g.propagated[i] ?? false])),
});
const policyArb = fc.record({
  failureThreshold: fc.integer({ min: 1, max: 4 }),
  restoreWindowMs: fc.integer({ min: 0, max: 600_000 }),
  minDwellMs: fc.integer({ min: 0, max: 300_000 }),
  probeStaleMs: fc.integer({ min: 1000, max: 60_000 }),
});
const pathArb = fc.constantFrom<PathName>("direct-connect", "vpn");
const overrideArb = fc.option(
  fc.record({ force: pathArb, until: fc.integer({ min: -600_000, max: 1_800_000 }) }),
  { nil: undefined },
);

/** An independent statement of "the VPN is healthy" (rule 1), for the safety property. */
const vpnHealthyOracle = (s: Signals, policy: FailoverPolicy, now: number): boolean => {
  const a = s.appliance;
  if (a?.attached !== true || !a.instanceRunning || a.sourceDestCheck) return false;
  if (s.alarms.vpnDown?.state === "ALARM") return false;
  const p = s.probes.vpn;
  const fresh =
    s.alarms.probeMissing?.state !== "ALARM" &&
    p.lastSampleAt !== undefined &&
    Math.abs(now - p.lastSampleAt) <= policy.probeStaleMs;
  if (fresh) return p.consecutiveFailures === 0 && p.consecutiveSuccesses > 0;
  return s.alarms.vpnDown?.state === "OK";
};

describe("decidePath properties", () => {
  it("never desires the VPN when the VPN is not healthy", () => {
    fc.assert(
      fc.property(
        genSignalsArb,
        pathArb,
        overrideArb,
        policyArb,
        fc.option(fc.nat({ max: 600_000 }), { nil: undefined }),
        (g, active, ov, policy, ago) => {
          const signals = toSignals(g, NOW);
          const state: FailoverState = {
            activePath: active,
            ...(ago !== undefined ? { lastSwitchAt: NOW - ago, since: NOW - ago } : {}),
            ...(ov ? { override: { force: ov.force, until: NOW + ov.until } } : {}),
          };
          const d = decidePath(signals, state, policy, NOW);
          if (!vpnHealthyOracle(signals, policy, NOW)) expect(d.desired).not.toBe("vpn");
          // And never onto a DX whose BGP is down everywhere.
          if (d.assessment.bgp === "down") expect(d.switch && d.desired === "direct-connect").toBe(false);
          // Failback eligibility only for CIDRs whose propagated route is back.
          for (const c of d.cidrs) if (c.failback) expect(signals.propagatedRoutes[c.cidr]).toBe(true);
          if (d.switch) expect(d.desired).not.toBe(active);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("no sequence of signals switches more than once per dwell window (game-day commands included)", () => {
    const stepArb = fc.record({
      dt: fc.integer({ min: 0, max: 90_000 }),
      signals: genSignalsArb,
      command: fc.option(fc.record({ force: pathArb, forMs: fc.integer({ min: 0, max: 600_000 }) }), {
        nil: undefined,
        freq: 6,
      }),
    });
    fc.assert(
      fc.property(
        pathArb,
        policyArb,
        fc.array(stepArb, { minLength: 1, maxLength: 40 }),
        (start, policy, steps) => {
          let now = NOW;
          let state: FailoverState = { activePath: start };
          const switches: number[] = [];
          for (const step of steps) {
            now += step.dt;
            if (step.command)
              state = { ...state, override: { force: step.command.force, until: now + step.command.forMs } };
            const d = decidePath(toSignals(step.signals, now), state, policy, now);
            if (d.switch) switches.push(now);
            state = nextState(state, d, now);
          }
          for (let i = 1; i < switches.length; i++)
            expect((switches[i] ?? 0) - (switches[i - 1] ?? 0)).toBeGreaterThanOrEqual(policy.minDwellMs);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("converges: deciding again on the same signals after applying a decision never switches (no dwell)", () => {
    fc.assert(
      fc.property(genSignalsArb, pathArb, overrideArb, policyArb, (g, active, ov, policy0) => {
        const policy = { ...policy0, minDwellMs: 0 };
        const signals = toSignals(g, NOW);
        let state: FailoverState = {
          activePath: active,
          ...(ov ? { override: { force: ov.force, until: NOW + ov.until } } : {}),
        };
        const d1: Decision = decidePath(signals, state, policy, NOW);
        state = nextState(state, d1, NOW);
        const d2 = decidePath(signals, state, policy, NOW);
        expect(d2.switch).toBe(false);
        if (d1.desired !== "hold") expect(d2.desired).toBe(d1.desired);
      }),
      { numRuns: 2000 },
    );
  });

  it("depends only on its inputs (no hidden clock or state)", () => {
    fc.assert(
      fc.property(genSignalsArb, pathArb, policyArb, (g, active, policy) => {
        const signals = toSignals(g, NOW);
        const state = { activePath: active };
        expect(decidePath(structuredClone(signals), state, policy, NOW)).toEqual(
          decidePath(signals, state, policy, NOW),
        );
      }),
      { numRuns: 300 },
    );
  });
});
