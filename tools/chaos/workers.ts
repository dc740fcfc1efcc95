/**
 * `npm run chaos -- --workers N`: each capability's planned runs are shared among N child processes
 * (tools/chaos/worker.ts, one harness each), run `index mod N` going to worker `index mod N`. A run
 * depends only on its seed and days (the harness cold-starts for every run), so it is the same in a
 * worker as in a one-process campaign; the campaign adds the runs' summaries in campaign order, so the
 * totals, measures and violations are those of a one-process campaign (only the wall-clock figures differ).
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { HarnessTransport } from "../../sim/harness";
import {
  type CampaignOptions,
  CampaignTotals,
  type CapabilityResult,
  type PlannedRun,
  planRuns,
  type RunSummary,
} from "./campaign";
import type { CapabilityModel } from "./types";

/** What the campaign sends a worker: its share of one capability's runs. */
export interface WorkerTask {
  capability: string;
  runs: PlannedRun[];
  transport: HarnessTransport;
  out?: string;
  /** Wall-clock ms after which the worker starts no new run. */
  budgetMs?: number;
}

/** What a worker sends back: a run's summary, that its budget stopped it, or why it failed. */
export type WorkerMessage =
  | { kind: "run"; summary: RunSummary }
  | { kind: "stopped" }
  | { kind: "failed"; message: string };

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));

/** Runs one worker's task; calls `onMessage` for each message; resolves when the worker has exited. */
const runWorker = (task: WorkerTask, onMessage: (m: WorkerMessage) => void): Promise<void> =>
  new Promise((resolve, reject) => {
    // The worker's stdout goes to our stderr: our stdout carries the report (`--json`).
    const child: ChildProcess = fork(WORKER, [], {
      execArgv: process.execArgv,
      stdio: ["ignore", 2, 2, "ipc"],
    });
    let failure: string | undefined;
    child.on("message", (m: WorkerMessage) => {
      if (m.kind === "failed") failure = m.message;
      onMessage(m);
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (failure !== undefined || code !== 0)
        reject(new Error(`chaos worker for ${task.capability}: ${failure ?? `exit code ${code}`}`));
      else resolve();
    });
    child.send(task);
  });

/** Adds the summaries to the totals in campaign order, as they become contiguous. */
class InOrder {
  readonly #waiting = new Map<number, RunSummary>();
  #next = 0;

  constructor(readonly add: (run: RunSummary) => void) {}

  take(run: RunSummary): void {
    this.#waiting.set(run.index, run);
    for (let r = this.#waiting.get(this.#next); r !== undefined; r = this.#waiting.get(this.#next)) {
      this.#waiting.delete(this.#next);
      this.#next += 1;
      this.add(r);
    }
  }

  /** The runs after a gap (a worker stopped by the budget before an earlier run), in order. */
  flush(): void {
    for (const index of [...this.#waiting.keys()].sort((a, b) => a - b)) {
      const r = this.#waiting.get(index);
      if (r !== undefined) this.add(r);
    }
    this.#waiting.clear();
  }
}

export const runCapabilityOnWorkers = async (
  model: CapabilityModel,
  options: CampaignOptions,
  workers: number,
): Promise<CapabilityResult> => {
  const totals = new CampaignTotals(model.capability);
  const order = new InOrder((run) => {
    totals.add(run);
    options.onRun?.(model.capability, run, totals.result);
  });
  const plan = planRuns(options);
  const shares = Array.from({ length: Math.min(workers, plan.length) }, (_, w) =>
    plan.filter((run) => run.index % workers === w),
  );
  await Promise.all(
    shares.map((runs) =>
      runWorker(
        {
          capability: model.capability,
          runs,
          transport: options.transport ?? "memory",
          ...(options.out === undefined ? {} : { out: options.out }),
          ...(options.minutes === undefined ? {} : { budgetMs: options.minutes * 60_000 }),
        },
        (m) => {
          if (m.kind === "run") order.take(m.summary);
          if (m.kind === "stopped") totals.result.stoppedByTime = true;
        },
      ),
    ),
  );
  order.flush();
  return totals.finish();
};

/** The campaign of each model, one after the other, each on `workers` processes. */
export const runCampaignOnWorkers = async (
  models: readonly CapabilityModel[],
  options: CampaignOptions,
  workers: number,
): Promise<CapabilityResult[]> => {
  const results: CapabilityResult[] = [];
  for (const model of models) {
    const totals = await runCapabilityOnWorkers(model, options, workers);
    options.onCapability?.(totals);
    results.push(totals);
  }
  return results;
};
