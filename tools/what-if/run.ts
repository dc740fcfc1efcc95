/**
 * Runs a what-if: the account and configuration go to the chaos driver (tools/chaos/driver.ts) as a model
 * with one scripted incident and no faults. The run steps finely from the start; the incident is injected
 * by the model's tick as soon as the account is ready for it (nothing under way, the target in a state it
 * can happen to), then the toolkit's functions respond to what AWS emits and to their schedules until the
 * account is quiet (nothing queued, nothing changing for QUIET_MS, nothing under way, the scenario's
 * response complete) or the scenario's cap. The recording becomes the timeline (timeline.ts renders it).
 */
import { parseStageConfig, type StageConfig } from "../../functions/config";
import type { SimulatedAccount } from "../../sim/account/index";
import type { Harness } from "../../sim/harness";
import { CHAOS_START, type RunResult, runTrace } from "../chaos/driver";
import { DAY_MS } from "../chaos/generate";
import { modelOf } from "../chaos/models";
import type { CapabilityModel, Violation, World } from "../chaos/types";
import { checkerOf, INVARIANTS, type WhatIfChecker } from "./checks";
import { dxProbes, SAMPLE_MS } from "./dx-probes";
import { Recorder } from "./record";
import { finalState, invocationEntries, readCount } from "./result";
import { SCENARIOS, type Scenario, type ScenarioOptions, settled } from "./scenarios";
import { type CheckResult, type ScenarioName, WhatIfError, type WhatIfResult } from "./types";

/** Nothing changed for this long: the account is quiet. */
export const QUIET_MS = 5 * 60_000;
/** Violations kept per check in the result. */
const VIOLATIONS_KEPT = 20;
/** The longest the account may take to be ready for the incident. */
export const SETTLE_CAP_MS = 30 * 60_000;

export interface WhatIfInput {
  scenario: ScenarioName;
  options: ScenarioOptions;
  /** The account fixture (raw JSON) and where it came from. */
  account: unknown;
  accountPath: string;
  /** The stage configuration (raw JSON) and where it came from. */
  config: unknown;
  configPath: string;
}

const NOT_DRIVEN: Record<string, string> = {
  "dx-probe": "it probes over sockets: every group's probe samples and trigger are simulated instead",
  "outposts-capacity": "a read-only capacity report",
};

/** One run's moving parts, created when the driver loads the account. */
interface Live {
  account: SimulatedAccount;
  scenario: Scenario;
  recorder: Recorder;
  checker: WhatIfChecker;
  probes?: ReturnType<typeof dxProbes>;
  injectedAt?: number;
  incident: Array<{ at: number; what: string }>;
  later: Scenario["later"];
  end?: WhatIfResult["end"];
}

const parseConfig = (raw: unknown, path: string): StageConfig => {
  try {
    return parseStageConfig(raw, path);
  } catch (error) {
    const issues = (error as { context?: { issues?: string[] } }).context?.issues ?? [];
    throw new WhatIfError(
      `invalid configuration ${path}: ${(error as Error).message}\n  ${issues.join("\n  ")}`,
    );
  }
};

/** The tick: the probes sample, the incident is injected once the account is ready, later changes happen. */
const tick = async (live: Live, world: World): Promise<unknown[]> => {
  const account = world.account;
  const now = live.recorder.now;
  const triggers = (await live.probes?.tick(account.clock.nowMs())) ?? [];
  if (live.injectedAt === undefined && live.scenario.blocker(account) === undefined) {
    live.injectedAt = now;
    live.recorder.incident();
    live.incident.push({ at: now, what: await live.scenario.inject(account) });
  }
  const since = live.injectedAt === undefined ? -1 : now - live.injectedAt;
  for (const step of live.later.filter((l) => since >= l.afterMs)) {
    live.incident.push({ at: now, what: step.apply(account) });
  }
  live.later = live.later.filter((l) => since < l.afterMs);
  for (const t of triggers) live.recorder.event(t);
  return triggers;
};

/** Whether the run is over (quiet or capped); records why in `live.end`. */
const over = (live: Live, queued: boolean): boolean => {
  const now = live.recorder.now;
  if (live.injectedAt === undefined) {
    if (now < SETTLE_CAP_MS) return false;
    live.end = {
      at: now,
      quiet: false,
      reason: `the account was not ready for the incident after ${SETTLE_CAP_MS / 60_000} min: ${live.scenario.blocker(live.account)}`,
    };
    return true;
  }
  const since = now - live.injectedAt;
  if (since >= live.scenario.capMs) {
    live.end = {
      at: now,
      quiet: false,
      reason: `not quiet ${Math.round(since / 60_000)} min after the incident (the cap)`,
    };
    return true;
  }
  const quiet =
    !queued &&
    live.later.length === 0 &&
    now - live.recorder.lastActivity >= QUIET_MS &&
    live.scenario.done(live.account, since) &&
    settled(live.account.snapshot(), live.recorder.watched);
  if (quiet)
    live.end = { at: now, quiet: true, reason: `quiet: nothing changed for ${QUIET_MS / 60_000} min` };
  return quiet;
};

/** The chaos model of the what-if: the account, its configuration, one start item, the live parts. */
const modelFor = (
  input: WhatIfInput,
  config: StageConfig,
  scenario: Scenario,
  onLive: (l: Live) => void,
): CapabilityModel => {
  const base = modelOf(scenario.capability);
  let live: Live | undefined;
  const stepMs = scenario.capability === "dx-failover" ? SAMPLE_MS : 10_000;
  return {
    capability: scenario.capability,
    variants: ["what-if"],
    fixture: () => structuredClone(input.account),
    stage: () => input.config as Record<string, unknown>,
    notDriven: Object.fromEntries(
      Object.entries(base.notDriven).map(([name, why]) => [name, NOT_DRIVEN[name] ?? why]),
    ),
    incidents: [{ name: "start", weight: 1, draw: () => ({}), apply: () => "the simulation starts" }],
    apiFaults: [],
    incidentsPerDay: [0, 0],
    stepMs,
    // Fine steps all along: an event is delivered within a step of its time, a schedule at its time.
    activeWindowMs: SETTLE_CAP_MS + scenario.capMs + stepMs,
    timeoutMs: base.timeoutMs,
    checker: (world) => {
      // The probes' history first: anything below settles the account (its alarms evaluate).
      const probes =
        scenario.capability === "dx-failover"
          ? dxProbes(world.account, config.dxFailover, world.start)
          : undefined;
      const current = SCENARIOS[scenario.name](world.account, config, input.options);
      const checker = checkerOf(scenario.capability, world.account, config);
      const recorder = new Recorder(world.account, config, {
        capability: scenario.capability,
        watch: current.watch,
        notDriven: NOT_DRIVEN,
      });
      live = {
        account: world.account,
        scenario: current,
        recorder,
        checker,
        ...(probes === undefined ? {} : { probes }),
        incident: [],
        later: current.later,
      };
      onLive(live);
      return {
        beforeInvocation: () => {
          recorder.beforeInvocation();
          checker.beforeInvocation?.();
        },
        invocation: (report) => {
          recorder.invocation(report);
          return checker.invocation(report);
        },
        step: () => {
          recorder.step();
          return checker.step();
        },
      };
    },
    tick: (world) => (live === undefined ? Promise.resolve([]) : tick(live, world)),
  };
};

/** The checks of the run: the capability's invariants and every event accounted for. */
const checksOf = (
  live: Live,
  result: RunResult,
  finalViolations: Violation[],
  shift: number,
): CheckResult[] => {
  const all = [...result.violations, ...finalViolations.map((v) => ({ ...v, at: live.recorder.now }))];
  const meanings: Record<string, string> = {
    ...INVARIANTS[live.scenario.capability],
    "every-event-accounted":
      "every event is acted on, ignored with a reason, or kept by the on-failure queue",
  };
  return Object.entries(meanings).map(([invariant, meaning]) => {
    const found = all.filter((v) => v.invariant === invariant);
    return {
      invariant,
      meaning,
      holds: found.length === 0,
      violations: found
        .slice(0, VIOLATIONS_KEPT)
        .map((v) => ({ at: (v.at ?? 0) - shift, message: v.message })),
      violationCount: found.length,
    };
  });
};

/** Runs the what-if on a harness started with the function registry and the manual clock. */
export const runWhatIf = async (harness: Harness, input: WhatIfInput): Promise<WhatIfResult> => {
  const config = parseConfig(input.config, input.configPath);
  let probe: SimulatedAccount;
  try {
    probe = harness.load(structuredClone(input.account), { now: CHAOS_START });
  } catch (error) {
    throw new WhatIfError(`invalid account fixture ${input.accountPath}: ${(error as Error).message}`);
  }
  const scenario = SCENARIOS[input.scenario](probe, config, input.options);
  let live: Live | undefined;
  const model = modelFor(input, config, scenario, (l) => {
    live = l;
  });
  const days = (SETTLE_CAP_MS + scenario.capMs + 60_000) / DAY_MS;
  const trace = {
    capability: scenario.capability,
    seed: 0,
    days,
    variant: "what-if",
    items: [{ at: 0, kind: "incident:start", params: {} }],
  };
  const result = await runTrace(harness, model, trace, {
    stopOnViolation: false,
    until: (_now, queued) => live !== undefined && over(live, queued),
  });
  if (live === undefined) throw new Error("the driver did not build the what-if's checker");
  const done: Live = live;
  if (done.injectedAt === undefined)
    throw new WhatIfError(`${done.end?.reason ?? "the incident was never injected"}`);
  const shift = done.injectedAt;
  const finalViolations = done.end?.quiet === true ? done.checker.final() : [];
  const invocations = invocationEntries(done.recorder.invocations, result.delivered, shift);
  return {
    scenario: {
      name: scenario.name,
      capability: scenario.capability,
      target: scenario.target,
      description: scenario.description,
    },
    account: input.accountPath,
    config: input.configPath,
    start: CHAOS_START.toISOString(),
    settledMs: shift,
    incident: done.incident.map((i) => ({ at: i.at - shift, what: i.what })),
    events: done.recorder.events.map((e) => ({ ...e, at: e.at - shift })),
    invocations,
    changes: done.recorder.changes.map((c) => ({ ...c, at: c.at - shift })),
    calls: readCount(invocations),
    final: finalState(done.account, config, done.scenario),
    checks: checksOf(done, result, finalViolations, shift),
    end:
      done.end === undefined
        ? { at: done.recorder.now - shift, quiet: false, reason: "the run ended" }
        : { ...done.end, at: done.end.at - shift },
    notDriven: model.notDriven,
  };
};
