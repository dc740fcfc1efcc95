/**
 * A campaign: for each capability, runs of `runDays` simulated days with the seeds `seed`, `seed + 1`, …
 * until `days` days have run; a violating run is shrunk and written out (artifacts.ts). Measures simulated
 * incident-days per wall-clock second.
 */
import { FUNCTIONS } from "../../functions/index";
import { Harness, type HarnessTransport } from "../../sim/harness";
import { writeArtifacts } from "./artifacts";
import { type RunResult, runTrace } from "./driver";
import { generateTrace } from "./generate";
import { addMeasures, emptyMeasures, type MeasureSummary, type RunMeasures, summarize } from "./measures";
import { idsIn, shrinkTrace } from "./shrink";
import type { CapabilityModel, Trace } from "./types";

export interface CampaignOptions {
  days: number;
  seed: number;
  runDays: number;
  /** Where violations are written; none when undefined. */
  out?: string;
  /** Wall-clock minutes per capability after which no new run starts (the days run are reported). */
  minutes?: number;
  /** How the handlers reach the simulated account (default `memory`: no sockets, the same bytes). */
  transport?: HarnessTransport;
  /** Child processes the runs are shared among (default 1: the runs in this process; workers.ts). */
  workers?: number;
  /** Called after each run (progress), with the capability's totals so far. */
  onRun?: (capability: string, run: RunSummary, totals: CapabilityResult) => void;
  /** Called after each capability's campaign. */
  onCapability?: (totals: CapabilityResult) => void;
}

export interface FoundViolation {
  seed: number;
  invariant: string;
  message: string;
  /** Items of the trace before and after shrinking. */
  items: number;
  shrunkTo: number;
  artifacts?: string;
}

export interface CapabilityResult {
  capability: string;
  days: number;
  runs: number;
  incidents: number;
  invocations: number;
  kept: number;
  lostByFault: number;
  wallSeconds: number;
  daysPerSecond: number;
  violations: FoundViolation[];
  /** Durations measured by the runs (tools/chaos/measures.ts). */
  measures: Record<string, MeasureSummary>;
  /** Whether `minutes` ran out before `days`. */
  stoppedByTime: boolean;
}

/** One run of a campaign: its place in the campaign, its seed and its simulated days. */
export interface PlannedRun {
  index: number;
  seed: number;
  days: number;
}

/** What a campaign keeps of a run (plain JSON: a worker sends it to the campaign's process). */
export interface RunSummary {
  index: number;
  seed: number;
  simulatedMs: number;
  incidents: number;
  invocations: number;
  kept: number;
  lostByFault: number;
  measures?: RunMeasures;
  /** The first violation, shrunk and written out. */
  violation?: FoundViolation;
  /** Wall-clock ms spent shrinking (not counted in the campaign's rate). */
  shrinkMs: number;
}

/** The runs of a campaign: whole trace days with the seeds `seed`, `seed + 1`, … until `days` days. */
export const planRuns = (options: Pick<CampaignOptions, "days" | "seed" | "runDays">): PlannedRun[] => {
  const runs: PlannedRun[] = [];
  for (let index = 0, planned = 0; planned < options.days; index++) {
    const days = Math.min(options.runDays, options.days - planned);
    planned += days;
    runs.push({ index, seed: options.seed + index, days });
  }
  return runs;
};

const shrinkAndWrite = async (
  harness: Harness,
  model: CapabilityModel,
  result: RunResult,
  out: string | undefined,
): Promise<FoundViolation> => {
  const shrunk = await shrinkTrace(
    result.trace,
    async (t: Trace) => (await runTrace(harness, model, t)).violations,
    undefined,
    { knownIds: idsIn(model.fixture(result.trace.variant)) },
  );
  const rerun = await runTrace(harness, model, shrunk.trace, { stopOnViolation: false });
  // The failure that was shrunk (shrinkTrace puts it first), not whichever the re-run met first.
  const first = shrunk.violations[0] ?? result.violations[0];
  return {
    seed: result.trace.seed,
    invariant: first?.invariant ?? "",
    message: first?.message ?? "",
    items: result.trace.items.length,
    shrunkTo: shrunk.trace.items.length,
    ...(out === undefined ? {} : { artifacts: writeArtifacts(out, model, rerun) }),
  };
};

/** Runs one planned run (and shrinks and writes out its violation). */
export const runPlanned = async (
  harness: Harness,
  model: CapabilityModel,
  run: PlannedRun,
  out: string | undefined,
): Promise<RunSummary> => {
  const result = await runTrace(harness, model, generateTrace(model, run.seed, run.days));
  const summary: RunSummary = {
    index: run.index,
    seed: run.seed,
    simulatedMs: result.stats.simulatedMs,
    incidents: result.stats.incidents,
    invocations: result.stats.invocations,
    kept: result.stats.kept,
    lostByFault: result.stats.lostByFault,
    shrinkMs: 0,
    ...(result.measures === undefined ? {} : { measures: result.measures }),
  };
  if (result.violations.length > 0) {
    const t0 = performance.now();
    summary.violation = await shrinkAndWrite(harness, model, result, out);
    summary.shrinkMs = performance.now() - t0;
  }
  return summary;
};

/** A capability's totals, from its runs' summaries in campaign order. */
export class CampaignTotals {
  readonly result: CapabilityResult;
  readonly #measured = emptyMeasures();
  readonly #started = performance.now();
  #shrinkMs = 0;

  constructor(capability: string) {
    this.result = {
      capability,
      days: 0,
      runs: 0,
      incidents: 0,
      invocations: 0,
      kept: 0,
      lostByFault: 0,
      wallSeconds: 0,
      daysPerSecond: 0,
      violations: [],
      measures: {},
      stoppedByTime: false,
    };
  }

  add(run: RunSummary): void {
    const total = this.result;
    total.days += run.simulatedMs / 86_400_000;
    total.runs += 1;
    total.incidents += run.incidents;
    total.invocations += run.invocations;
    total.kept += run.kept;
    total.lostByFault += run.lostByFault;
    addMeasures(this.#measured, run.measures);
    if (run.violation !== undefined) total.violations.push(run.violation);
    this.#shrinkMs += run.shrinkMs;
    this.tick();
  }

  /** Brings the wall-clock figures up to now. */
  tick(): void {
    const total = this.result;
    total.wallSeconds = (performance.now() - this.#started - this.#shrinkMs) / 1000;
    total.daysPerSecond = total.days / Math.max(total.wallSeconds, 1e-9);
  }

  finish(): CapabilityResult {
    this.tick();
    this.result.measures = summarize(this.#measured);
    return this.result;
  }
}

export const runCapability = async (
  harness: Harness,
  model: CapabilityModel,
  options: CampaignOptions,
): Promise<CapabilityResult> => {
  const started = performance.now();
  const totals = new CampaignTotals(model.capability);
  const budgetMs = options.minutes === undefined ? Number.POSITIVE_INFINITY : options.minutes * 60_000;
  for (const run of planRuns(options)) {
    if (performance.now() - started >= budgetMs) {
      totals.result.stoppedByTime = true;
      break;
    }
    const summary = await runPlanned(harness, model, run, options.out);
    totals.add(summary);
    options.onRun?.(model.capability, summary, totals.result);
  }
  return totals.finish();
};

/** Runs the campaign of each model on one harness. */
export const runCampaign = async (
  models: readonly CapabilityModel[],
  options: CampaignOptions,
): Promise<CapabilityResult[]> => {
  const harness = await Harness.start({
    functions: FUNCTIONS,
    clock: "manual",
    transport: options.transport ?? "memory",
  });
  try {
    const results: CapabilityResult[] = [];
    for (const model of models) {
      const totals = await runCapability(harness, model, options);
      options.onCapability?.(totals);
      results.push(totals);
    }
    return results;
  } finally {
    await harness.close();
  }
};
