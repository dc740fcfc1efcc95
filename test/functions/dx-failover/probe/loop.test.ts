import { afterEach, describe, expect, it } from "vitest";
import {
  ProbeLoop,
  type ProbeLoopOptions,
  type ProbeSample,
  type ProbeTrigger,
} from "../../../../functions/dx-failover/probe/loop";
import type { ProbeFn } from "../../../../functions/dx-failover/probe/tcp";
import type { Clock } from "../../../../shared/runtime/clock";
import { closeAll, type Listening, listen } from "./sockets";

/**
 * The probe loop: its logic in virtual time (injected clock and connect function, no waiting), then the real
 * thing against servers on 127.0.0.1 that the tests stop and start.
 */

const INTERVAL = 1000;

/** Virtual time: sleep advances the clock at once. */
const virtualClock = (): Clock & { sleeps: number[] } => {
  let t = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms, signal) => {
      if (signal?.aborted) return;
      sleeps.push(ms);
      t += Math.max(0, ms);
    },
  };
};

/** Per-round scripted health of each path: "1" = up, "0" = down; the last character repeats. */
const scripted = (clock: Clock, dx: string, vpn: string): ProbeFn => {
  const at = (s: string, k: number) => (s[Math.min(k, s.length - 1)] ?? "1") === "1";
  return async (target) => {
    const k = Math.floor(clock.now() / INTERVAL);
    const up = at(target.host === "dx" ? dx : vpn, k);
    return up
      ? { target: target.host, ok: true, latencyMs: 3 }
      : { target: target.host, ok: false, latencyMs: 800, error: "ETIMEDOUT" };
  };
};

const runScript = async (
  dx: string,
  vpn: string,
  extra: Partial<ProbeLoopOptions> = {},
): Promise<{ samples: ProbeSample[]; triggers: ProbeTrigger[]; events: string[]; rounds: number }> => {
  const clock = virtualClock();
  const samples: ProbeSample[] = [];
  const triggers: ProbeTrigger[] = [];
  const events: string[] = [];
  const loop = new ProbeLoop({
    dx: [{ host: "dx", port: 1 }],
    vpn: [{ host: "vpn", port: 1 }],
    intervalMs: INTERVAL,
    clock,
    probe: scripted(clock, dx, vpn),
    maxRounds: Math.max(dx.length, vpn.length),
    onSample: (s) => {
      samples.push(s);
      events.push(`sample:${s.seq}`);
    },
    onTrigger: (t) => {
      triggers.push(t);
      events.push(`trigger:${t.seq}`);
    },
    ...extra,
  });
  const summary = await loop.run();
  expect(summary.triggers).toBe(triggers.length);
  return { samples, triggers, events, rounds: summary.rounds };
};

describe("ProbeLoop in virtual time", () => {
  it("triggers at once after exactly M=2 consecutive DX failures while the VPN is healthy", async () => {
    const { samples, triggers, events } = await runScript("11100000", "1");
    expect(triggers).toHaveLength(1);
    const t = triggers[0];
    expect(t).toMatchObject({
      reason: "dx-down",
      seq: 5,
      consecutiveFailures: 2,
      at: 4000,
      dxFailingSince: 3000,
    });
    // The trigger is fired before the sample of the same round is reported, not after the loop.
    expect(events.indexOf("trigger:5")).toBeLessThan(events.indexOf("sample:5"));
    expect(samples.map((s) => s.status)).toEqual([
      "healthy",
      "healthy",
      "healthy",
      "dx-failing",
      "dx-down",
      "dx-down",
      "dx-down",
      "dx-down",
    ]);
    expect(samples.filter((s) => s.triggered).map((s) => s.seq)).toEqual([5]);
    expect(samples[7]?.dx.consecutiveFailures).toBe(5);
  });

  it("honours another threshold M", async () => {
    const { triggers } = await runScript("1000000", "1", { threshold: 4 });
    expect(triggers.map((t) => t.seq)).toEqual([5]);
  });

  it("does not trigger on one lost probe (a single failure, then success)", async () => {
    const { samples, triggers } = await runScript("1101111011", "1");
    expect(triggers).toHaveLength(0);
    expect(samples.map((s) => s.status)).toContain("dx-failing");
    expect(samples.every((s) => s.status !== "dx-down")).toBe(true);
  });

  it("does not trigger when both paths are down, reports both-down, and triggers once the VPN is back", async () => {
    const { samples, triggers } = await runScript("1000000", "1000011");
    expect(samples.slice(1, 5).map((s) => s.status)).toEqual([
      "both-down",
      "both-down",
      "both-down",
      "both-down",
    ]);
    expect(triggers.map((t) => t.seq)).toEqual([6]);
    expect(triggers[0]?.consecutiveFailures).toBe(5);
  });

  it("never triggers while the VPN stays down", async () => {
    const { samples, triggers } = await runScript("100000000", "0");
    expect(triggers).toHaveLength(0);
    expect(samples[0]?.status).toBe("vpn-down");
    expect(samples.slice(1).every((s) => s.status === "both-down")).toBe(true);
  });

  it("gives at most one trigger per outage while DX flaps (re-armed only after 3 successes)", async () => {
    const { triggers } = await runScript("1001001001100100", "1");
    expect(triggers).toHaveLength(1);
  });

  it("re-arms after DX recovers and triggers once per outage", async () => {
    const { samples, triggers } = await runScript("1001110011100", "1");
    expect(triggers.map((t) => t.seq)).toEqual([3, 8, 13]);
    expect(samples.find((s) => s.seq === 3)?.armed).toBe(false);
    expect(samples.find((s) => s.seq === 6)?.armed).toBe(true);
  });

  it("probes at a fixed rate: one round per interval", async () => {
    const { samples } = await runScript("11111", "1");
    expect(samples.map((s) => s.at)).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it("skips missed slots after an overrun instead of bursting", async () => {
    const clock = virtualClock();
    const ats: number[] = [];
    let k = 0;
    const loop = new ProbeLoop({
      dx: [{ host: "dx", port: 1 }],
      vpn: [{ host: "vpn", port: 1 }],
      intervalMs: INTERVAL,
      clock,
      maxRounds: 4,
      probe: async () => ({ target: "x", ok: true, latencyMs: 1 }),
      onSample: async (s) => {
        ats.push(s.at);
        // The second sample's callback stalls for 2.5 intervals.
        if (++k === 2) await clock.sleep(2500);
      },
    });
    await loop.run();
    expect(ats).toEqual([0, 1000, 3500, 4500]);
  });

  it("stops before a round that could not finish by stopAt (the Lambda deadline)", async () => {
    const { rounds, samples } = await runScript("1", "1", {
      maxRounds: undefined,
      stopAt: 10_500,
      timeoutMs: 800,
    });
    // Rounds at 0…9000 finish by 9800; the round at 10000 would end at 10800 > 10500.
    expect(rounds).toBe(10);
    expect(samples.at(-1)?.at).toBe(9000);
  });

  it("stops on an AbortSignal, within the current wait", async () => {
    const controller = new AbortController();
    const { rounds } = await runScript("1", "1", {
      maxRounds: 1000,
      signal: controller.signal,
      onSample: (s) => {
        if (s.seq === 3) controller.abort();
      },
    });
    expect(rounds).toBe(3);
  });

  it("re-arms and retries when the trigger callback fails, and awaits triggers in flight", async () => {
    const clock = virtualClock();
    const calls: number[] = [];
    const errors: string[] = [];
    const loop = new ProbeLoop({
      dx: [{ host: "dx", port: 1 }],
      vpn: [{ host: "vpn", port: 1 }],
      intervalMs: INTERVAL,
      clock,
      probe: scripted(clock, "10000", "1"),
      maxRounds: 5,
      onTrigger: async (t) => {
        calls.push(t.seq);
        if (calls.length === 1) throw new Error("PutEvents throttled");
      },
      onError: (err, where) => errors.push(`${where}: ${(err as Error).message}`),
    });
    const summary = await loop.run();
    // seq 3 fails; the rejection re-arms (microtask) before round 4, which triggers again and succeeds.
    expect(calls).toEqual([3, 4]);
    expect(summary).toMatchObject({ triggers: 2, triggerErrors: 1 });
    expect(errors).toEqual(["trigger: PutEvents throttled"]);
    expect(loop.isArmed).toBe(false);
  });

  it("keeps probing when the sample callback throws", async () => {
    const errors: string[] = [];
    const { rounds } = await runScript("1", "1", {
      maxRounds: 3,
      onSample: () => {
        throw new Error("metrics down");
      },
      onError: (err, where) => errors.push(`${where}: ${(err as Error).message}`),
    });
    expect(rounds).toBe(3);
    expect(errors).toHaveLength(3);
  });

  it("rejects a configuration that cannot work", () => {
    const base = { dx: [{ host: "a", port: 1 }], vpn: [{ host: "b", port: 1 }] };
    expect(() => new ProbeLoop({ ...base, intervalMs: 500, timeoutMs: 800 })).toThrow(/must not exceed/);
    expect(() => new ProbeLoop({ ...base, threshold: 0 })).toThrow(/threshold/);
    expect(() => new ProbeLoop({ ...base, dx: [] })).toThrow(/Direct Connect/);
    expect(() => new ProbeLoop({ ...base, vpn: [] })).toThrow(/VPN/);
    const loop = new ProbeLoop(base);
    expect([loop.intervalMs, loop.timeoutMs, loop.threshold, loop.rearmAfter]).toEqual([1000, 800, 2, 3]);
  });
});

describe("ProbeLoop per address family", () => {
  it("counts each family of the DX targets apart and puts them in the sample and the trigger", async () => {
    const clock = virtualClock();
    const samples: ProbeSample[] = [];
    const triggers: ProbeTrigger[] = [];
    // IPv4 answers throughout; IPv6 from round 2 on does not.
    const probe: ProbeFn = async (target) => {
      const up = !target.host.includes(":") || clock.now() < 2 * INTERVAL;
      return up
        ? { target: target.host, ok: true, latencyMs: 3 }
        : { target: target.host, ok: false, latencyMs: 800, error: "ETIMEDOUT" };
    };
    const loop = new ProbeLoop({
      dx: [
        { host: "10.0.0.1", port: 1 },
        { host: "fd00::1", port: 1 },
      ],
      vpn: [{ host: "vpn", port: 1 }],
      intervalMs: INTERVAL,
      clock,
      probe,
      maxRounds: 4,
      onSample: (s) => {
        samples.push(s);
      },
      onTrigger: (t) => {
        triggers.push(t);
      },
    });
    await loop.run();
    expect(samples.map((s) => s.dx.families)).toEqual([
      {
        ipv4: { ok: true, consecutiveFailures: 0, consecutiveSuccesses: 1 },
        ipv6: { ok: true, consecutiveFailures: 0, consecutiveSuccesses: 1 },
      },
      {
        ipv4: { ok: true, consecutiveFailures: 0, consecutiveSuccesses: 2 },
        ipv6: { ok: true, consecutiveFailures: 0, consecutiveSuccesses: 2 },
      },
      {
        ipv4: { ok: true, consecutiveFailures: 0, consecutiveSuccesses: 3 },
        ipv6: { ok: false, consecutiveFailures: 1, consecutiveSuccesses: 0 },
      },
      {
        ipv4: { ok: true, consecutiveFailures: 0, consecutiveSuccesses: 4 },
        ipv6: { ok: false, consecutiveFailures: 2, consecutiveSuccesses: 0 },
      },
    ]);
    // The path-wide judgment is unchanged: every family must answer.
    expect(samples.map((s) => s.dx.ok)).toEqual([true, true, false, false]);
    expect(triggers).toHaveLength(1);
    expect(triggers[0]?.dx.families?.ipv6).toEqual({
      ok: false,
      consecutiveFailures: 2,
      consecutiveSuccesses: 0,
    });
    expect(samples[0]?.vpn.families).toEqual({
      ipv4: { ok: true, consecutiveFailures: 0, consecutiveSuccesses: 1 },
    });
  });
});

describe("ProbeLoop against real sockets on 127.0.0.1", () => {
  afterEach(closeAll);

  const REAL_INTERVAL = 200;
  const REAL_TIMEOUT = 150;

  interface Run {
    samples: ProbeSample[];
    triggers: ProbeTrigger[];
    triggerSamples: number[];
  }

  /** Runs a bounded loop; `step(seq)` runs after each sample (stop/start servers there). */
  const run = async (
    dx: () => number,
    vpn: () => number,
    rounds: number,
    step: (seq: number) => Promise<void> | void,
  ): Promise<Run> => {
    const samples: ProbeSample[] = [];
    const triggers: ProbeTrigger[] = [];
    const loop = new ProbeLoop({
      dx: [{ host: "127.0.0.1", port: dx() }],
      vpn: [{ host: "127.0.0.1", port: vpn() }],
      intervalMs: REAL_INTERVAL,
      timeoutMs: REAL_TIMEOUT,
      maxRounds: rounds,
      onSample: async (s) => {
        samples.push(s);
        await step(s.seq);
      },
      onTrigger: (t) => {
        triggers.push(t);
      },
    });
    await loop.run();
    return { samples, triggers, triggerSamples: samples.filter((s) => s.triggered).map((s) => s.seq) };
  };

  it("DX server stopped at T0: triggers after exactly M=2 failed probes while the VPN server is up", async () => {
    const dx = await listen();
    const vpn = await listen();
    let t0 = 0;
    const r = await run(
      () => dx.port,
      () => vpn.port,
      8,
      async (seq) => {
        if (seq === 3) {
          await dx.stop();
          t0 = Date.now();
        }
      },
    );
    expect(r.samples.slice(0, 3).every((s) => s.status === "healthy")).toBe(true);
    expect(r.samples[3]).toMatchObject({ status: "dx-failing", triggered: false });
    expect(r.samples[3]?.dx.results[0]?.error).toBe("ECONNREFUSED");
    expect(r.triggerSamples).toEqual([5]);
    expect(r.triggers).toHaveLength(1);
    expect(r.triggers[0]?.consecutiveFailures).toBe(2);
    expect(r.triggers[0]?.vpn.ok).toBe(true);
    // T0 → trigger within two intervals (plus scheduling slack).
    expect((r.triggers[0]?.at ?? 0) - t0).toBeLessThan(2 * REAL_INTERVAL + 400);
  });

  it("one lost probe (the DX server stops for one probe, then is back on the same port): no trigger", async () => {
    let dx: Listening = await listen();
    const port = dx.port;
    const vpn = await listen();
    const r = await run(
      () => port,
      () => vpn.port,
      7,
      async (seq) => {
        if (seq === 2) await dx.stop();
        if (seq === 3) dx = await listen(port);
      },
    );
    expect(r.samples.map((s) => s.dx.ok)).toEqual([true, true, false, true, true, true, true]);
    expect(r.triggers).toHaveLength(0);
  });

  it("both servers down: no trigger, both-down samples", async () => {
    const dx = await listen();
    const vpn = await listen();
    const r = await run(
      () => dx.port,
      () => vpn.port,
      6,
      async (seq) => {
        if (seq === 1) await Promise.all([dx.stop(), vpn.stop()]);
      },
    );
    expect(r.triggers).toHaveLength(0);
    expect(r.samples.slice(1).map((s) => s.status)).toEqual([
      "both-down",
      "both-down",
      "both-down",
      "both-down",
      "both-down",
    ]);
  });

  it("flapping DX server: at most one trigger per outage", async () => {
    let dx: Listening = await listen();
    const port = dx.port;
    const vpn = await listen();
    let up = true;
    // Down for two probes, up for one, down for two, up for one…: one outage (never 3 successes in a row).
    const r = await run(
      () => port,
      () => vpn.port,
      12,
      async (seq) => {
        const wantUp = seq % 3 === 0;
        if (wantUp && !up) dx = await listen(port);
        if (!wantUp && up) await dx.stop();
        up = wantUp;
      },
    );
    expect(r.samples.filter((s) => s.status === "dx-down").length).toBeGreaterThan(1);
    expect(r.triggers).toHaveLength(1);
  });
});
