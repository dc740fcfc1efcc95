/**
 * `npm run chaos -- [--capability <name>] [--days N] [--seed S] [--run-days N] [--minutes M]
 *                  [--workers N] [--transport memory|loopback] [--out DIR] [--results FILE] [--json]`
 * `npm run chaos -- --replay <dir>/trace.json [--transport memory|loopback] [--json]`
 *
 * Runs the real handlers against the simulated account on its manual clock with random, seeded incidents
 * and faults (tools/chaos/*), checking every capability's invariants after every step. Exit code 1 when an
 * invariant broke; the seed, the minimized trace and its artifacts are printed (docs/chaos.md).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { FUNCTIONS } from "../../functions/index";
import { Harness, type HarnessTransport } from "../../sim/harness";
import { readTrace } from "./artifacts";
import { type CapabilityResult, type RunSummary, runCampaign } from "./campaign";
import { runTrace } from "./driver";
import { formatMeasures } from "./measures";
import { MODELS, modelOf } from "./models";
import { runCampaignOnWorkers } from "./workers";

const USAGE = `usage: npm run chaos -- [--capability <${MODELS.map((m) => m.capability).join("|")}>] [--days N] [--seed S]
                        [--run-days N] [--minutes M] [--workers N] [--transport memory|loopback] [--out DIR]
                        [--results FILE] [--json]
       npm run chaos -- --replay <trace.json> [--transport memory|loopback] [--json]`;

const { values } = parseArgs({
  options: {
    capability: { type: "string" },
    days: { type: "string", default: "1" },
    seed: { type: "string", default: "1" },
    "run-days": { type: "string", default: "1" },
    minutes: { type: "string" },
    workers: { type: "string", default: "1" },
    transport: { type: "string", default: "memory" },
    out: { type: "string", default: ".chaos" },
    results: { type: "string" },
    replay: { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

const positive = (name: string, text: string | undefined): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`--${name} must be a positive number\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
};

const transport = (): HarnessTransport => {
  const t = values.transport;
  if (t === "memory" || t === "loopback") return t;
  process.stderr.write(`--transport must be memory or loopback\n${USAGE}\n`);
  process.exit(2);
};

const replay = async (path: string): Promise<number> => {
  const trace = readTrace(path);
  const model = modelOf(trace.capability);
  const harness = await Harness.start({ functions: FUNCTIONS, clock: "manual", transport: transport() });
  try {
    const result = await runTrace(harness, model, trace, { stopOnViolation: false });
    const text = values.json
      ? JSON.stringify({ violations: result.violations, stats: result.stats, log: result.log }, null, 2)
      : [...result.log, "", `${result.violations.length} violation(s)`].join("\n");
    process.stdout.write(`${text}\n`);
    return result.violations.length > 0 ? 1 : 0;
  } finally {
    await harness.close();
  }
};

const summary = (r: CapabilityResult): string =>
  [
    `${r.capability}: ${r.days.toFixed(2)} simulated day(s) in ${r.runs} run(s)${r.stoppedByTime ? " (stopped by --minutes)" : ""}, ${r.incidents} incidents, ${r.invocations} invocations, ${r.kept} kept by the on-failure queue, ${r.lostByFault} events lost by injected faults; ${r.daysPerSecond.toFixed(3)} days/s; ${r.violations.length} violation(s)`,
    ...r.violations.map(
      (v) =>
        `  seed ${v.seed}: ${v.invariant}: ${v.message} (trace shrunk from ${v.items} to ${v.shrunkTo} item(s)${v.artifacts ? `; ${v.artifacts}` : ""})`,
    ),
    ...formatMeasures(r.measures),
  ].join("\n");

const campaign = async (): Promise<number> => {
  const models = values.capability === undefined ? MODELS : [modelOf(values.capability)];
  const file = values.results ?? join(values.out ?? ".chaos", "results.json");
  mkdirSync(join(file, ".."), { recursive: true });
  const done: CapabilityResult[] = [];
  const options = {
    days: positive("days", values.days),
    seed: Math.trunc(Number(values.seed)),
    runDays: positive("run-days", values["run-days"]),
    ...(values.minutes === undefined ? {} : { minutes: positive("minutes", values.minutes) }),
    transport: transport(),
    out: values.out,
    workers: Math.trunc(positive("workers", values.workers)),
  };
  const reportOf = (results: CapabilityResult[]) => ({
    at: new Date().toISOString(),
    node: process.version,
    ...options,
    results,
  });
  const onRun = (capability: string, run: RunSummary, totals: CapabilityResult) => {
    process.stderr.write(
      `${capability} seed ${run.seed}: ${(run.simulatedMs / 86_400_000).toFixed(2)} day(s), ${run.invocations} invocations, ${run.violation === undefined ? "ok" : `VIOLATION ${run.violation.invariant} (shrunk)`}\n`,
    );
    // Written after every run: a long campaign that is stopped keeps what it ran.
    writeFileSync(file, `${JSON.stringify(reportOf([...done, totals]), null, 2)}\n`);
  };
  const onCapability = (totals: CapabilityResult) => done.push(totals);
  const results =
    options.workers > 1
      ? await runCampaignOnWorkers(models, { ...options, onRun, onCapability }, options.workers)
      : await runCampaign(models, { ...options, onRun, onCapability });
  const report = reportOf(results);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `${values.json ? JSON.stringify(report, null, 2) : report.results.map(summary).join("\n")}\n`,
  );
  return report.results.some((r) => r.violations.length > 0) ? 1 : 0;
};

if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const code = await (values.replay === undefined ? campaign() : replay(values.replay));
process.exitCode = code;
