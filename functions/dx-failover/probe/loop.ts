import { type Clock, systemClock } from "../../../shared/runtime/clock";
import type { AddressFamily, FamilyCounters } from "../evidence";
import { type PathResult, type ProbeFn, type ProbeTarget, probePath, probeTcp } from "./tcp";

/**
 * The continuous probe of one failover group: every `intervalMs`, probe the Direct Connect path and the VPN
 * path in parallel, keep per-path consecutive failure/success counts, report each sample, and trigger the
 * failover function at once when the DX path has failed `threshold` (M) consecutive probes while the VPN path
 * is healthy. The trigger fires once per outage: it is re-armed only after DX has succeeded `rearmAfter`
 * consecutive probes, so a flapping DX path gives at most one trigger per outage (the failover function's
 * dwell time is the second guard). A single lost probe never triggers (M ≥ 2 by default).
 *
 * The same loop runs inside the scheduled Lambda (stopAt = the invocation's deadline) and in the CLI agent
 * (until SIGTERM). Clock, timers and the connect function are injected, so the logic is unit-tested in
 * virtual time; the real socket code is tested against real sockets on 127.0.0.1.
 */

export type PathName = "direct-connect" | "vpn";

export interface PathSample extends Omit<PathResult, "families"> {
  path: PathName;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** Per address family among the path's targets: its answer and its own run counters. */
  families?: Partial<Record<AddressFamily, FamilyCounters>>;
}

/**
 * healthy: both paths answer. dx-failing: DX failed fewer than M consecutive probes (a lost probe, or the
 * start of an outage). dx-down: DX failed ≥ M consecutive probes, VPN healthy. vpn-down: DX healthy, VPN not.
 * both-down: neither path answers (no trigger: failing over to a dead VPN would not help; alarm instead).
 */
export type SampleStatus = "healthy" | "dx-failing" | "dx-down" | "vpn-down" | "both-down";

export interface ProbeSample {
  seq: number;
  /** Start of the round (clock ms). */
  at: number;
  durationMs: number;
  dx: PathSample;
  vpn: PathSample;
  status: SampleStatus;
  /** This sample fired the trigger. */
  triggered: boolean;
  /** Whether a DX failure can (still) trigger, after this sample. */
  armed: boolean;
}

export interface ProbeTrigger {
  reason: "dx-down";
  seq: number;
  at: number;
  /** Start of the first failed DX probe of this outage. */
  dxFailingSince: number;
  consecutiveFailures: number;
  dx: PathSample;
  vpn: PathSample;
}

export interface ProbeLoopOptions {
  dx: readonly ProbeTarget[];
  vpn: readonly ProbeTarget[];
  /** Default 1000; must be ≥ timeoutMs. */
  intervalMs?: number;
  /** Connect timeout per probe; default min(800, intervalMs). */
  timeoutMs?: number;
  /** M: consecutive DX failures that trigger; default 2. */
  threshold?: number;
  /** Consecutive DX successes that end an outage and re-arm the trigger; default 3. */
  rearmAfter?: number;
  /** Stop before a round that could not finish by this time (clock ms), e.g. the Lambda deadline. */
  stopAt?: number;
  /** Stop after this many rounds (--once, tests). */
  maxRounds?: number;
  signal?: AbortSignal;
  clock?: Clock;
  /** The connect function of one probe (default: TCP). */
  probe?: ProbeFn;
  /** Per-path probe functions, when they differ (the agent may use ICMP for one path). */
  probes?: Partial<Record<PathName, ProbeFn>>;
  onSample?: (sample: ProbeSample) => void | Promise<void>;
  /** Called at once (not awaited by the loop) when the DX outage condition is met. */
  onTrigger?: (trigger: ProbeTrigger) => void | Promise<void>;
  /** A callback failed (the loop keeps probing). */
  onError?: (error: unknown, where: "sample" | "trigger") => void;
}

export interface ProbeLoopSummary {
  rounds: number;
  triggers: number;
  triggerErrors: number;
  stoppedBy: "signal" | "deadline" | "max-rounds";
  last?: ProbeSample;
}

interface Counters {
  failures: number;
  successes: number;
}

const tally = (c: Counters, ok: boolean): Counters => {
  if (ok) {
    c.successes += 1;
    c.failures = 0;
  } else {
    c.failures += 1;
    c.successes = 0;
  }
  return c;
};

export const PROBE_DEFAULTS = { intervalMs: 1000, timeoutMs: 800, threshold: 2, rearmAfter: 3 } as const;

const positiveInt = (name: string, v: number, min: number) => {
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer ≥ ${min} (got ${v})`);
  return v;
};

export class ProbeLoop {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly threshold: number;
  readonly rearmAfter: number;
  private readonly clock: Clock;
  private readonly counters: Record<PathName, Counters> = {
    "direct-connect": { failures: 0, successes: 0 },
    vpn: { failures: 0, successes: 0 },
  };
  private readonly familyCounters: Record<PathName, Map<AddressFamily, Counters>> = {
    "direct-connect": new Map(),
    vpn: new Map(),
  };
  private armed = true;
  private dxFailingSince: number | undefined;
  private seq = 0;
  private triggers = 0;
  private triggerErrors = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: ProbeLoopOptions) {
    this.intervalMs = positiveInt("intervalMs", options.intervalMs ?? PROBE_DEFAULTS.intervalMs, 1);
    this.timeoutMs = positiveInt(
      "timeoutMs",
      options.timeoutMs ?? Math.min(PROBE_DEFAULTS.timeoutMs, this.intervalMs),
      1,
    );
    if (this.timeoutMs > this.intervalMs)
      throw new Error(`timeoutMs (${this.timeoutMs}) must not exceed intervalMs (${this.intervalMs})`);
    this.threshold = positiveInt("threshold", options.threshold ?? PROBE_DEFAULTS.threshold, 1);
    this.rearmAfter = positiveInt("rearmAfter", options.rearmAfter ?? PROBE_DEFAULTS.rearmAfter, 1);
    if (options.dx.length === 0) throw new Error("at least one Direct Connect probe target is required");
    if (options.vpn.length === 0) throw new Error("at least one VPN probe target is required");
    this.clock = options.clock ?? systemClock;
  }

  /** Whether a DX outage can trigger now (false between a trigger and DX's recovery). */
  get isArmed(): boolean {
    return this.armed;
  }

  private stopReason(rounds: number): ProbeLoopSummary["stoppedBy"] | undefined {
    if (this.options.signal?.aborted) return "signal";
    if (this.options.maxRounds !== undefined && rounds >= this.options.maxRounds) return "max-rounds";
    if (this.options.stopAt !== undefined && this.clock.now() + this.timeoutMs > this.options.stopAt)
      return "deadline";
    return undefined;
  }

  async run(): Promise<ProbeLoopSummary> {
    let rounds = 0;
    let last: ProbeSample | undefined;
    let next = this.clock.now();
    let stoppedBy: ProbeLoopSummary["stoppedBy"] | undefined;
    for (;;) {
      stoppedBy = this.stopReason(rounds);
      if (stoppedBy) break;
      const wait = next - this.clock.now();
      if (wait > 0) {
        await this.clock.sleep(wait, this.options.signal);
        stoppedBy = this.stopReason(rounds);
        if (stoppedBy) break;
      }
      const started = this.clock.now();
      last = await this.round(started);
      rounds += 1;
      next += this.intervalMs;
      // An overrun (slow callback, event-loop stall) skips the missed slots rather than bursting.
      if (next < this.clock.now()) next = this.clock.now();
    }
    // A trigger still in flight (the failover invocation) must finish before the Lambda returns.
    await Promise.all([...this.pending]);
    return {
      rounds,
      triggers: this.triggers,
      triggerErrors: this.triggerErrors,
      stoppedBy,
      ...(last ? { last } : {}),
    };
  }

  private probeFor(path: PathName): ProbeFn {
    return this.options.probes?.[path] ?? this.options.probe ?? probeTcp;
  }

  private count(path: PathName, result: PathResult): PathSample {
    const c = tally(this.counters[path], result.ok);
    const { families, ...rest } = result;
    const perFamily = Object.entries(families ?? {}).map(([f, ok]) => {
      const family = f as AddressFamily;
      const known = this.familyCounters[path].get(family) ?? { failures: 0, successes: 0 };
      this.familyCounters[path].set(family, known);
      const fc = tally(known, ok === true);
      return [
        family,
        { ok: ok === true, consecutiveFailures: fc.failures, consecutiveSuccesses: fc.successes },
      ];
    });
    return {
      ...rest,
      path,
      consecutiveFailures: c.failures,
      consecutiveSuccesses: c.successes,
      ...(perFamily.length > 0 ? { families: Object.fromEntries(perFamily) } : {}),
    };
  }

  /** One round: both paths in parallel, then counters, trigger and sample. */
  async round(at: number = this.clock.now()): Promise<ProbeSample> {
    const [dxResult, vpnResult] = await Promise.all([
      probePath(this.options.dx, this.timeoutMs, this.probeFor("direct-connect")),
      probePath(this.options.vpn, this.timeoutMs, this.probeFor("vpn")),
    ]);
    this.seq += 1;
    const dx = this.count("direct-connect", dxResult);
    const vpn = this.count("vpn", vpnResult);
    if (dx.ok) this.dxFailingSince = undefined;
    else this.dxFailingSince ??= at;
    if (dx.ok && dx.consecutiveSuccesses >= this.rearmAfter) this.armed = true;

    const dxDown = !dx.ok && dx.consecutiveFailures >= this.threshold;
    const status: SampleStatus = dx.ok
      ? vpn.ok
        ? "healthy"
        : "vpn-down"
      : !vpn.ok
        ? "both-down"
        : dxDown
          ? "dx-down"
          : "dx-failing";
    const triggered = status === "dx-down" && this.armed;
    if (triggered) {
      this.armed = false;
      this.triggers += 1;
      this.fireTrigger({
        reason: "dx-down",
        seq: this.seq,
        at,
        dxFailingSince: this.dxFailingSince ?? at,
        consecutiveFailures: dx.consecutiveFailures,
        dx,
        vpn,
      });
    }
    const sample: ProbeSample = {
      seq: this.seq,
      at,
      durationMs: Math.max(0, this.clock.now() - at),
      dx,
      vpn,
      status,
      triggered,
      armed: this.armed,
    };
    if (this.options.onSample) {
      try {
        await this.options.onSample(sample);
      } catch (err) {
        this.options.onError?.(err, "sample");
      }
    }
    return sample;
  }

  private fireTrigger(trigger: ProbeTrigger): void {
    const onTrigger = this.options.onTrigger;
    if (!onTrigger) return;
    const p = (async () => {
      try {
        await onTrigger(trigger);
      } catch (err) {
        this.triggerErrors += 1;
        // The failover function was not reached: re-arm, so the next failed probe of this outage retries.
        if (this.counters["direct-connect"].failures > 0) this.armed = true;
        this.options.onError?.(err, "trigger");
      }
    })();
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}
