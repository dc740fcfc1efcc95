import { CreateTagsCommand, type EC2Client, StopInstancesCommand } from "@aws-sdk/client-ec2";
import { awsErrorCode } from "../../../../shared/aws/errors";
import { loadInstances } from "../../../../shared/observe/loaders";
import type { InstanceView } from "../../../../shared/observe/model";
import {
  notAttemptedOutcome,
  refusedOutcome,
  throwIfRetryableError,
} from "../../../../shared/pipeline/outcome";
import type { ActionExecutor, PlannedAction, ResourceOutcome } from "../../../../shared/pipeline/types";
import { readUntil } from "../../../../shared/pipeline/verify";
import type { Clock } from "../../../../shared/runtime/clock";
import type { Deadline } from "../../../../shared/runtime/deadline";
import { STOP_ACTION, type StopParams } from "../plan";
import { HIBERNATE_REASON, HIBERNATION_REQUEST_TAG, type HibernationProof, proofOf } from "../plan/proof";

/**
 * The only refusal after which a plain stop may follow (policy `refusedAtApplyFallback: stop`): EC2 says
 * the instance is not configured for hibernation. `UnsupportedOperation` never is: for an instance store
 * root and a one-time Spot request a plain stop is refused too, and "too soon after launch" passes.
 */
const HIBERNATION_NOT_CONFIGURED = "UnsupportedHibernationConfiguration";

export interface StopExecutorDeps {
  ec2: EC2Client;
  clock: Clock;
  deadline: Deadline;
  verifyTimeoutMs: number;
  /** Filled with the verdict of every instance the executor stopped (what the API proves). */
  proofs: Map<string, HibernationProof>;
}

interface Refusal {
  code: string;
  message: string;
  error: unknown;
}

type Attempt = { ok: true } | ({ ok: false } & Refusal);

const sendStop = async (
  deps: StopExecutorDeps,
  ids: string[],
  hibernate: boolean,
  dryRun: boolean,
): Promise<Attempt> => {
  try {
    await deps.ec2.send(
      new StopInstancesCommand({ InstanceIds: ids, Hibernate: hibernate || undefined, DryRun: dryRun }),
    );
    return { ok: true };
  } catch (error) {
    const code = awsErrorCode(error);
    if (dryRun && code === "DryRunOperation") return { ok: true };
    // A batch refused for one instance (AWS fails the whole call) is narrowed down by stopBatch.
    throwIfRetryableError("ec2", "StopInstances", error);
    return { ok: false, code, message: error instanceof Error ? error.message : String(error), error };
  }
};

/**
 * StopInstances over a batch. EC2 refuses the whole batch when one instance fails, so a refusal is
 * narrowed down: the instances the message names (or, if it names none, each instance) are retried
 * alone, and the others go ahead. Records each instance's refusal.
 */
const stopBatch = async (
  deps: StopExecutorDeps,
  call: { ids: string[]; hibernate: boolean; dryRun: boolean },
  refused: Map<string, Refusal>,
): Promise<void> => {
  const { ids } = call;
  if (ids.length === 0) return;
  const attempt = await sendStop(deps, ids, call.hibernate, call.dryRun);
  if (attempt.ok) return;
  if (ids.length === 1) {
    refused.set(ids[0] as string, { code: attempt.code, message: attempt.message, error: attempt.error });
    return;
  }
  const named = ids.filter((id) => attempt.message.includes(id));
  const groups =
    named.length > 0 && named.length < ids.length
      ? [...named.map((id) => [id]), ids.filter((id) => !named.includes(id))]
      : ids.map((id) => [id]);
  for (const group of groups) await stopBatch(deps, { ...call, ids: group }, refused);
};

/** Policy `stop` for refused hibernations: the instances EC2 says are not configured are stopped plainly. */
const stopRefused = async (
  deps: StopExecutorDeps,
  params: StopParams,
  dryRun: boolean,
  refused: Map<string, Refusal>,
): Promise<string[]> => {
  if (!params.hibernate || params.refusedFallback !== "stop") return [];
  const ids = [...refused].filter(([, r]) => r.code === HIBERNATION_NOT_CONFIGURED).map(([id]) => id);
  for (const id of ids) refused.delete(id);
  await stopBatch(deps, { ids, hibernate: false, dryRun }, refused);
  return ids.filter((id) => !refused.has(id));
};

const isStopping = (instance: InstanceView | undefined): boolean =>
  instance !== undefined && (instance.state === "stopping" || instance.state === "stopped");

interface Sent {
  params: StopParams;
  accepted: string[];
  fellBack: string[];
  refused: Map<string, Refusal>;
  /** The error code when the request tag could not be written. */
  untagged?: string | undefined;
}

/** The outcome of one instance after the read-back, with its verdict recorded in `proofs`. */
const readBackOutcome = (
  deps: StopExecutorDeps,
  sent: Sent,
  id: string,
  instance: InstanceView | undefined,
  waitedMs: number,
): ResourceOutcome | undefined => {
  const stopping = instance !== undefined && isStopping(instance) ? instance : undefined;
  if (!sent.accepted.includes(id)) {
    return stopping === undefined
      ? undefined
      : {
          resource: id,
          status: "already-done",
          code: "IncorrectInstanceState",
          detail: `already ${stopping.state}`,
        };
  }
  if (stopping === undefined) {
    return {
      resource: id,
      status: "unverified",
      detail: `still ${instance?.state ?? "unknown"} after ${waitedMs} ms`,
    };
  }
  const proof = proofOf(stopping, sent.params.hibernate && !sent.fellBack.includes(id));
  deps.proofs.set(id, proof);
  const untagged =
    sent.untagged === undefined
      ? ""
      : `; request tag not written (${sent.untagged}): its stopped event is not judged, the blast-radius window does not count it`;
  return {
    resource: id,
    status: "applied",
    detail: `${proof.verdict}: ${stopping.state}, StateReason ${proof.stateReason}${untagged}`,
  };
};

/** Reads the instances back until every accepted one shows stopping or stopped (deadline-bounded). */
const readBack = async (deps: StopExecutorDeps, sent: Sent, outcomes: Map<string, ResourceOutcome>) => {
  // IncorrectInstanceState: already stopping or stopped is the desired state; read it back to tell.
  const toRead = [
    ...sent.accepted,
    ...[...sent.refused].filter(([, r]) => r.code === "IncorrectInstanceState").map(([id]) => id),
  ];
  if (toRead.length === 0) return;
  const result = await readUntil(
    () => loadInstances(deps.ec2, toRead),
    (instances) => sent.accepted.every((id) => isStopping(instances.find((i) => i.id === id))),
    { deadline: deps.deadline, timeoutMs: deps.verifyTimeoutMs, intervalMs: 200 },
  );
  for (const id of toRead) {
    const outcome = readBackOutcome(
      deps,
      sent,
      id,
      result.last.find((i) => i.id === id),
      result.waitedMs,
    );
    if (outcome !== undefined) outcomes.set(id, outcome);
  }
};

/**
 * Records the accepted hibernate requests on the instances (HIBERNATION_REQUEST_TAG = now), so that their
 * stopped events are judged and other stops are not. A tag that cannot be written, even after the SDK's
 * retries, does not undo the hibernation, and must not lose its report either: the error code is returned,
 * and the read-back verdict stands and is reported with it (long campaign seed 221005: throttled and then
 * 5xx tags failed the invocation after the stop had landed; its retry found the instance stopping, and
 * the untagged stop's event was ignored, so the hibernation was never reported).
 */
const tagRequests = async (deps: StopExecutorDeps, ids: string[]): Promise<string | undefined> => {
  if (ids.length === 0) return undefined;
  const at = new Date(deps.clock.now()).toISOString();
  try {
    await deps.ec2.send(
      new CreateTagsCommand({ Resources: ids, Tags: [{ Key: HIBERNATION_REQUEST_TAG, Value: at }] }),
    );
    return undefined;
  } catch (error) {
    return awsErrorCode(error);
  }
};

/**
 * A hibernate request refused `IncorrectInstanceState` may be the SDK's retry of our own request that
 * landed although its first answer was a 5xx or lost ("Ensuring idempotency in Amazon EC2 API requests"):
 * the plan saw the instance running, and it is now stopping (or stopped) for a hibernation. Those are taken
 * as accepted (tagged, judged) and leave the refusals.
 */
const landedHibernations = async (deps: StopExecutorDeps, refused: Map<string, Refusal>) => {
  const ids = [...refused].filter(([, r]) => r.code === "IncorrectInstanceState").map(([id]) => id);
  for (const id of await hibernating(deps, ids)) refused.delete(id);
};

/** Of `ids` (running when planned), those now stopping or stopped for a hibernation. */
const hibernating = async (deps: StopExecutorDeps, ids: string[]): Promise<string[]> => {
  if (ids.length === 0) return [];
  return (await loadInstances(deps.ec2, ids))
    .filter((instance) => isStopping(instance) && instance.stateReasonCode === HIBERNATE_REASON)
    .map((instance) => instance.id);
};

/**
 * A hibernate batch whose attempts all failed retryably (every answer lost to the request timeout or a
 * 5xx) may have landed all the same: its first attempt reached EC2 and the retries met
 * `IncorrectInstanceState`, lost too (review 9, finding 1; "Ensuring idempotency in Amazon EC2 API
 * requests": StopInstances takes no ClientToken). The instances read back hibernating are ours: when every
 * one did, the invocation goes on with them accepted (tagged, read back, reported). Otherwise those that did
 * are tagged as requested, so that the blast-radius window counts them and their stopped events are judged,
 * and the error is rethrown: the event's retry plans the others again. A read-back that fails rethrows the
 * first error (the retry finds what landed).
 */
const stopOrFindLanded = async (
  deps: StopExecutorDeps,
  call: { ids: string[]; hibernate: boolean; dryRun: boolean },
  refused: Map<string, Refusal>,
): Promise<void> => {
  try {
    await stopBatch(deps, call, refused);
  } catch (error) {
    if (!call.hibernate || call.dryRun) throw error;
    const landed = await hibernating(deps, call.ids).catch(() => []);
    if (landed.length < call.ids.length) {
      await tagRequests(deps, landed);
      throw error;
    }
    for (const id of landed) refused.delete(id);
  }
};

const execute = async (
  deps: StopExecutorDeps,
  action: PlannedAction<StopParams>,
  dryRun: boolean,
): Promise<ResourceOutcome[]> => {
  const { params } = action;
  // A stop whose attempt could end after the deadline could land with no time left to read it back and
  // report it (Lambda ends the invocation at its timeout): the retry of the event does it, and reports it.
  if (!dryRun && !deps.deadline.hasTimeForAttempt())
    return params.instanceIds.map((id) => notAttemptedOutcome(id, "StopInstances"));
  const refused = new Map<string, Refusal>();
  await stopOrFindLanded(deps, { ids: params.instanceIds, hibernate: params.hibernate, dryRun }, refused);
  const fellBack = await stopRefused(deps, params, dryRun, refused);
  if (params.hibernate && !dryRun) await landedHibernations(deps, refused);
  const accepted = params.instanceIds.filter((id) => !refused.has(id));
  const untagged = params.hibernate && !dryRun ? await tagRequests(deps, accepted) : undefined;
  const outcomes = new Map<string, ResourceOutcome>();
  for (const [id, refusal] of refused) {
    outcomes.set(id, refusedOutcome(id, "StopInstances", refusal.error, refusal.message));
  }
  if (dryRun) {
    for (const id of accepted) {
      outcomes.set(id, {
        resource: id,
        status: "permitted",
        detail: "DryRunOperation: the call would succeed",
      });
    }
  } else {
    await readBack(deps, { params, accepted, fellBack, refused, untagged }, outcomes);
  }
  return params.instanceIds.map((id) => outcomes.get(id) as ResourceOutcome);
};

/**
 * StopInstances with `Hibernate: true` (or a plain stop for the not-configured fallback), batched and
 * narrowed on refusal; the refused-at-apply fallback; then the read-back, which records what the API
 * proves of each stop. Throttling and transient errors that outlive the SDK's deadline-bounded retries
 * are thrown (the event is retried).
 */
export const createStopExecutor = (deps: StopExecutorDeps): ActionExecutor<StopParams> => ({
  kind: STOP_ACTION,
  dryRun: (action) => execute(deps, action, true),
  apply: (action) => execute(deps, action, false),
});
