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
import { addMeasures, emptyMeasures, type MeasureSummary, summarize } from "./measures";
import { shrinkTrace } from "./shrink";
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
  /** Called after each run (progress), with the capability's totals so far. */
  onRun?: (capability: string, result: RunResult, totals: CapabilityResult) => void;
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

const shrinkAndWrite = async (
  harness: Harness,
  model: CapabilityModel,
  result: RunResult,
  out: string | undefined,
): Promise<FoundViolation> => {
  const shrunk = await shrinkTrace(
    result.trace,
    async (t: Trace) => (await runTrace(harness, model, t)).violations,
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

export const runCapability = async (
  harness: Harness,
  model: CapabilityModel,
  options: CampaignOptions,
): Promise<CapabilityResult> => {
  const started = performance.now();
  const total: CapabilityResult = {
    capability: model.capability,
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
  const measured = emptyMeasures();
  const budgetMs = options.minutes === undefined ? Number.POSITIVE_INFINITY : options.minutes * 60_000;
  let shrinkMs = 0;
  // Runs are planned in whole trace days: a run may end a little past its last day (a sleeping handler).
  for (let k = 0, planned = 0; planned < options.days; k++) {
    if (performance.now() - started >= budgetMs) {
      total.stoppedByTime = true;
      break;
    }
    const days = Math.min(options.runDays, options.days - planned);
    planned += days;
    const result = await runTrace(harness, model, generateTrace(model, options.seed + k, days));
    total.days += result.stats.simulatedMs / 86_400_000;
    total.runs += 1;
    total.incidents += result.stats.incidents;
    total.invocations += result.stats.invocations;
    total.kept += result.stats.kept;
    total.lostByFault += result.stats.lostByFault;
    addMeasures(measured, result.measures);
    if (result.violations.length > 0) {
      const t0 = performance.now();
      total.violations.push(await shrinkAndWrite(harness, model, result, options.out));
      shrinkMs += performance.now() - t0;
    }
    total.wallSeconds = (performance.now() - started - shrinkMs) / 1000;
    total.daysPerSecond = total.days / Math.max(total.wallSeconds, 1e-9);
    options.onRun?.(model.capability, result, total);
  }
  total.measures = summarize(measured);
  return total;
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
