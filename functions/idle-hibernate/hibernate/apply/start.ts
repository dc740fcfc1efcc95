import { type EC2Client, StartInstancesCommand } from "@aws-sdk/client-ec2";
import { loadInstances } from "../../../../shared/observe/loaders";
import {
  dryRunOutcome,
  notAttemptedOutcome,
  refusedOutcome,
  throwIfRetryableError,
} from "../../../../shared/pipeline/outcome";
import type { ActionExecutor, PlannedAction, ResourceOutcome } from "../../../../shared/pipeline/types";
import { readUntil } from "../../../../shared/pipeline/verify";
import type { Deadline } from "../../../../shared/runtime/deadline";
import { START_ACTION, type StartParams } from "../plan/age";

export interface StartExecutorDeps {
  ec2: EC2Client;
  deadline: Deadline;
  verifyTimeoutMs: number;
}

const isStarting = (state: string | undefined) => state === "pending" || state === "running";

/** One StartInstances per instance: EC2 validates the whole batch first, one refusal starts none. */
const startOne = async (
  deps: StartExecutorDeps,
  id: string,
  dryRun: boolean,
): Promise<ResourceOutcome | undefined> => {
  // A start whose attempt could end after the deadline is left for the retry of the event (review7 F1).
  if (!dryRun && !deps.deadline.hasTimeForAttempt()) return notAttemptedOutcome(id, "StartInstances");
  try {
    await deps.ec2.send(new StartInstancesCommand({ InstanceIds: [id], DryRun: dryRun }));
    return undefined;
  } catch (error) {
    if (dryRun) return dryRunOutcome(id, "StartInstances", error, "DryRunOperation: the call would succeed");
    throwIfRetryableError("ec2", "StartInstances", error);
    return refusedOutcome(id, "StartInstances", error);
  }
};

const execute = async (
  deps: StartExecutorDeps,
  action: PlannedAction<StartParams>,
  dryRun: boolean,
): Promise<ResourceOutcome[]> => {
  const outcomes = new Map<string, ResourceOutcome>();
  for (const id of action.params.instanceIds) {
    const refused = await startOne(deps, id, dryRun);
    if (refused !== undefined) outcomes.set(id, refused);
  }
  const started = action.params.instanceIds.filter((id) => !outcomes.has(id));
  if (dryRun || started.length === 0)
    return action.params.instanceIds.map((id) => outcomes.get(id) as ResourceOutcome);
  const result = await readUntil(
    () => loadInstances(deps.ec2, started),
    (instances) => started.every((id) => isStarting(instances.find((i) => i.id === id)?.state)),
    { deadline: deps.deadline, timeoutMs: deps.verifyTimeoutMs, intervalMs: 200 },
  );
  for (const id of started) {
    const state = result.last.find((i) => i.id === id)?.state;
    outcomes.set(
      id,
      isStarting(state)
        ? { resource: id, status: "applied", detail: `${state}: resuming from hibernation` }
        : {
            resource: id,
            status: "unverified",
            detail: `still ${state ?? "unknown"} after ${result.waitedMs} ms`,
          },
    );
  }
  return action.params.instanceIds.map((id) => outcomes.get(id) as ResourceOutcome);
};

/** StartInstances for the hibernation-age policy `start`, read back until pending or running. */
export const createStartExecutor = (deps: StartExecutorDeps): ActionExecutor<StartParams> => ({
  kind: START_ACTION,
  dryRun: (action) => execute(deps, action, true),
  apply: (action) => execute(deps, action, false),
});
