/**
 * CompleteLifecycleAction, verified (issue 9, item 4). After a completion the instance's lifecycle state is
 * read back. A refusal "No active Lifecycle Action found" is `already-done` only when the instance has left
 * the wait state, or when our hook has no pending action for the instance any more (a completion by
 * instance id says so: another hook keeps it waiting); a refused token while the instance still waits
 * (a warm-pool launch: the same instance, a new action and token) is retried by instance id.
 */
import { CompleteLifecycleActionCommand } from "@aws-sdk/client-auto-scaling";
import { awsCall } from "../../../../shared/aws/errors";
import { loadAsgMembers } from "../../../../shared/observe/attachments";
import { notAttemptedOutcome, refusedOutcome } from "../../../../shared/pipeline/outcome";
import type { ActionExecutor, PlannedAction, ResourceOutcome } from "../../../../shared/pipeline/types";
import { ACTION_KINDS, type ActionRef, type CompleteParams, type EniActionParams } from "../plan";
import type { ApplyDeps } from "./deps";
import { probeAction } from "./heartbeat";

const OPERATION = "CompleteLifecycleAction";

const send = (deps: ApplyDeps, ref: ActionRef, result: CompleteParams["result"], byToken: boolean) =>
  awsCall("autoscaling", OPERATION, () =>
    deps.autoScaling.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: ref.groupName,
        LifecycleHookName: ref.hookName,
        InstanceId: ref.instanceId,
        ...(byToken && ref.token !== undefined ? { LifecycleActionToken: ref.token } : {}),
        LifecycleActionResult: result,
      }),
    ),
  );

/** The instance's lifecycle state now, or "gone". */
const stateOf = async (deps: ApplyDeps, instanceId: string): Promise<string> =>
  (await loadAsgMembers(deps.autoScaling, [instanceId])).get(instanceId)?.lifecycleState ?? "gone";

/** After a completion that was accepted: proof that our action is over. */
const verify = async (deps: ApplyDeps, params: CompleteParams, via: string): Promise<ResourceOutcome> => {
  const resource = params.ref.instanceId;
  const state = await stateOf(deps, resource);
  if (!params.waitStates.includes(state)) {
    return { resource, status: "applied", detail: `${params.result} ${via}; now ${state}` };
  }
  if (!(await probeAction(deps.autoScaling, params.ref))) {
    return {
      resource,
      status: "applied",
      detail: `${params.result} ${via}; still ${state} for another hook`,
    };
  }
  return {
    resource,
    status: "unverified",
    detail: `${params.result} ${via} accepted, but our action is still pending`,
  };
};

/** "No active Lifecycle Action found": done, or (token refused while the instance waits) by instance id. */
const afterRefusal = async (
  deps: ApplyDeps,
  params: CompleteParams,
  byToken: boolean,
): Promise<ResourceOutcome> => {
  const resource = params.ref.instanceId;
  const state = await stateOf(deps, resource);
  if (!params.waitStates.includes(state)) {
    return {
      resource,
      status: "already-done",
      detail: `no active lifecycle action: ${resource} is ${state}`,
    };
  }
  if (!byToken) {
    return {
      resource,
      status: "already-done",
      detail: `our hook has no pending action; ${state} for another hook`,
    };
  }
  deps.logger.warn("Lifecycle token refused while the instance waits: completing by instance id", {
    instanceId: resource,
    state,
  });
  return attempt(deps, params, false);
};

const attempt = async (
  deps: ApplyDeps,
  params: CompleteParams,
  byToken: boolean,
): Promise<ResourceOutcome> => {
  const resource = params.ref.instanceId;
  // CONTINUE is final: sent without time for its attempt before the deadline it could land with no time
  // left to read it back and report it (Lambda's timeout). Not started: the retry completes and reports it.
  if (!deps.deadline.hasTimeForAttempt()) return notAttemptedOutcome(resource, OPERATION);
  try {
    await send(deps, params.ref, params.result, byToken);
  } catch (error) {
    const outcome = refusedOutcome(resource, OPERATION, error);
    if (outcome.status !== "already-done") return outcome;
    return afterRefusal(deps, params, byToken);
  }
  return verify(deps, params, byToken ? "by token" : "by instance id");
};

const complete = (deps: ApplyDeps, action: PlannedAction<EniActionParams>): Promise<ResourceOutcome[]> => {
  const params = action.params;
  if (params.kind !== "complete") throw new Error(`${action.kind}: unexpected params ${params.kind}`);
  return attempt(deps, params, params.ref.token !== undefined).then((outcome) => [outcome]);
};

export const lifecycleExecutor = (deps: ApplyDeps): ActionExecutor<EniActionParams> => ({
  kind: ACTION_KINDS.complete,
  // Auto Scaling has no DryRun: nothing is sent.
  dryRun: async (action) => [
    {
      resource: action.resources[0] ?? "",
      status: "planned",
      detail: "Auto Scaling has no DryRun: not sent",
    },
  ],
  apply: (action) => complete(deps, action),
});
