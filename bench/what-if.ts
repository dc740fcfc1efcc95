/**
 * what-if: the wall-clock time of each scenario on the demo account (events/accounts/demo.json +
 * config/dev.json), in process, one harness for all runs (as `npm run what-if` runs one scenario on a fresh
 * harness, add its start-up: the tsx and module load of the command). Per scenario: the runs' wall times
 * (min and median), the simulated time the run covered (settling + incident to quiet), the invocations and
 * the AWS calls. `benchWhatIf()` is wired into `npm run bench` by bench/run.ts; `npx tsx bench/what-if.ts`
 * runs it alone. Knob: BENCH_WHATIF_RUNS (default 3).
 */
import { readFileSync } from "node:fs";
import { FUNCTIONS } from "../functions/index";
import { Harness } from "../sim/harness";
import { runWhatIf } from "../tools/what-if/run";
import type { ScenarioOptions } from "../tools/what-if/scenarios";
import type { ScenarioName } from "../tools/what-if/types";

const ACCOUNT = "events/accounts/demo.json";
const CONFIG = "config/dev.json";

const CASES: ReadonlyArray<{ args: string; scenario: ScenarioName; options: ScenarioOptions }> = [
  {
    args: "dx-down --group lz-prod --for 10m",
    scenario: "dx-down",
    options: { group: "lz-prod", forMs: 600_000 },
  },
  {
    args: "node-stop --instance i-0af7c0de000000a02",
    scenario: "node-stop",
    options: { instance: "i-0af7c0de000000a02" },
  },
  { args: "firewall-replace --group fw-asg", scenario: "firewall-replace", options: { group: "fw-asg" } },
  {
    args: "firewall-replace --group fw-asg --launch-before-terminate",
    scenario: "firewall-replace",
    options: { group: "fw-asg", launchBeforeTerminate: true },
  },
  {
    args: "idle --instance i-0123456789abcdef0",
    scenario: "idle",
    options: { instance: "i-0123456789abcdef0" },
  },
];

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
};

export async function benchWhatIf(
  runs = Number(process.env.BENCH_WHATIF_RUNS ?? 3),
): Promise<Record<string, unknown>> {
  const account = JSON.parse(readFileSync(ACCOUNT, "utf8")) as unknown;
  const config = JSON.parse(readFileSync(CONFIG, "utf8")) as unknown;
  const harness = await Harness.start({ functions: FUNCTIONS, clock: "manual" });
  const scenarios: Record<string, unknown>[] = [];
  try {
    for (const c of CASES) {
      const wallMs: number[] = [];
      let last: Awaited<ReturnType<typeof runWhatIf>> | undefined;
      for (let k = 0; k < Math.max(1, runs); k++) {
        const started = performance.now();
        last = await runWhatIf(harness, {
          scenario: c.scenario,
          options: c.options,
          account,
          accountPath: ACCOUNT,
          config,
          configPath: CONFIG,
        });
        wallMs.push(Math.round(performance.now() - started));
      }
      scenarios.push({
        scenario: c.args,
        wallMsMin: Math.min(...wallMs),
        wallMsMedian: median(wallMs),
        simulatedMinutes: last === undefined ? 0 : Math.round((last.settledMs + last.end.at) / 6000) / 10,
        invocations: last?.invocations.length ?? 0,
        writes: last?.calls.writes ?? 0,
        reads: last?.calls.reads ?? 0,
        checksHold: last?.checks.every((check) => check.holds) ?? false,
      });
    }
  } finally {
    await harness.close();
  }
  return {
    account: ACCOUNT,
    config: CONFIG,
    runs,
    note: "wall time of runWhatIf in process (no tsx start-up)",
    scenarios,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  const out = await benchWhatIf();
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}
