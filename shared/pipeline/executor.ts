import type { ExecutionMode } from "../runtime/config";
import type { ActionExecutor, ActionOutcome, Execution, Plan, PlannedAction, ResourceStatus } from "./types";

/**
 * Runs a plan in one of three modes: plan (compute only), dry-run, apply. Actions run in plan order;
 * an executor reports per-resource outcomes, so one resource's failure does not hide the others'.
 * Errors an executor throws (retryable AWS errors that outlived the deadline) propagate: the invocation
 * fails and the event is retried, and idempotent actions make the retry converge.
 */
export const executePlan = async <P>(
  plan: Plan<P>,
  mode: ExecutionMode,
  executors: ReadonlyArray<ActionExecutor<P>>,
): Promise<Execution> => {
  const byKind = new Map(executors.map((executor) => [executor.kind, executor]));
  const actions: ActionOutcome[] = [];
  for (const action of plan.actions) {
    actions.push(await runAction(action, mode, byKind.get(action.kind)));
  }
  return { mode, decision: plan.decision, actions, skips: plan.skips };
};

const runAction = async <P>(
  action: PlannedAction<P>,
  mode: ExecutionMode,
  executor: ActionExecutor<P> | undefined,
): Promise<ActionOutcome> => {
  const base = { actionId: action.id, kind: action.kind, description: action.description };
  if (executor === undefined) {
    throw new Error(`No executor registered for action kind "${action.kind}"`);
  }
  if (mode === "plan") {
    return { ...base, resources: action.resources.map((resource) => ({ resource, status: "planned" })) };
  }
  const resources = mode === "dry-run" ? await executor.dryRun(action) : await executor.apply(action);
  return { ...base, resources };
};

/** Counts resource outcomes by status, for metrics and summaries. */
export const tallyOutcomes = (execution: Execution): Record<ResourceStatus, number> => {
  const tally: Record<ResourceStatus, number> = {
    planned: 0,
    permitted: 0,
    denied: 0,
    applied: 0,
    "already-done": 0,
    failed: 0,
    unverified: 0,
  };
  for (const action of execution.actions) {
    for (const resource of action.resources) tally[resource.status] += 1;
  }
  return tally;
};
