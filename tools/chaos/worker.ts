/**
 * A chaos campaign worker (a child process of `npm run chaos -- --workers N`, tools/chaos/workers.ts):
 * receives its share of one capability's runs, runs them on its own harness in order, and sends each
 * run's summary back; starts no new run once its budget is used up.
 */
import { FUNCTIONS } from "../../functions/index";
import { Harness } from "../../sim/harness";
import { runPlanned } from "./campaign";
import { modelOf } from "./models";
import type { WorkerMessage, WorkerTask } from "./workers";

const send = (m: WorkerMessage): Promise<void> =>
  new Promise((resolve, reject) => process.send?.(m, undefined, {}, (e) => (e ? reject(e) : resolve())));

const work = async (task: WorkerTask): Promise<void> => {
  const started = performance.now();
  const model = modelOf(task.capability);
  const harness = await Harness.start({ functions: FUNCTIONS, clock: "manual", transport: task.transport });
  try {
    for (const run of task.runs) {
      if (performance.now() - started >= (task.budgetMs ?? Number.POSITIVE_INFINITY)) {
        await send({ kind: "stopped" });
        break;
      }
      await send({ kind: "run", summary: await runPlanned(harness, model, run, task.out) });
    }
  } finally {
    await harness.close();
  }
};

process.once("message", (task: WorkerTask) => {
  work(task)
    .catch((error: unknown) =>
      send({ kind: "failed", message: (error as Error).stack ?? String(error) }).then(() => {
        process.exitCode = 1;
      }),
    )
    .finally(() => process.disconnect());
});
