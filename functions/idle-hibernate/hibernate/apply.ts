import { type EC2Client, StopInstancesCommand } from "@aws-sdk/client-ec2";
import { awsErrorCode } from "../../../shared/aws/errors";
import { loadInstances } from "../../../shared/observe/loaders";
import type { InstanceView } from "../../../shared/observe/model";
import { refusedOutcome, throwIfRetryableError } from "../../../shared/pipeline/outcome";
import type { ActionExecutor, PlannedAction, ResourceOutcome } from "../../../shared/pipeline/types";
import { readUntil } from "../../../shared/pipeline/verify";
import type { Deadline } from "../../../shared/runtime/deadline";
import { STOP_ACTION, type StopParams } from "./plan";

export const HIBERNATE_REASON = "Client.UserInitiatedHibernate";
export const STOP_REASON = "Client.UserInitiatedShutdown";

const HIBERNATION_REFUSED = new Set(["UnsupportedHibernationConfiguration", "UnsupportedOperation"]);

export interface StopExecutorDeps {
  ec2: EC2Client;
  deadline: Deadline;
  verifyTimeoutMs: number;
}

interface Refusal {
  code: string;
  message: string;
  error: unknown;
}

type Attempt = { ok: true } | ({ ok: false } & Refusal);

/**
 * StopInstances (with `Hibernate: true` for hibernation), batched. EC2 refuses a whole batch when one
 * instance fails, so a refusal is narrowed down: the instances the error message names (or, if it
 * names none, each instance alone) are retried on their own, and the others go ahead. Throttling and
 * transient errors that outlive the SDK's deadline-bounded retries are thrown (the event is retried).
 */
export const createStopExecutor = (deps: StopExecutorDeps): ActionExecutor<StopParams> => {
  const stop = async (ids: string[], hibernate: boolean, dryRun: boolean): Promise<Attempt> => {
    try {
      await deps.ec2.send(
        new StopInstancesCommand({ InstanceIds: ids, Hibernate: hibernate || undefined, DryRun: dryRun }),
      );
      return { ok: true };
    } catch (error) {
      const code = awsErrorCode(error);
      if (dryRun && code === "DryRunOperation") return { ok: true };
      // A batch refused for one instance (AWS fails the whole call) is narrowed down by runBatch.
      throwIfRetryableError("ec2", "StopInstances", error);
      return { ok: false, code, message: error instanceof Error ? error.message : String(error), error };
    }
  };

  /** Runs a batch; returns the per-instance refusals (id → code/message) of those that did not go through. */
  const runBatch = async (
    ids: string[],
    hibernate: boolean,
    dryRun: boolean,
    refused: Map<string, Refusal>,
  ): Promise<void> => {
    if (ids.length === 0) return;
    const attempt = await stop(ids, hibernate, dryRun);
    if (attempt.ok) return;
    if (ids.length === 1) {
      refused.set(ids[0] as string, { code: attempt.code, message: attempt.message, error: attempt.error });
      return;
    }
    const named = ids.filter((id) => attempt.message.includes(id));
    if (named.length > 0 && named.length < ids.length) {
      for (const id of named) await runBatch([id], hibernate, dryRun, refused);
      await runBatch(
        ids.filter((id) => !named.includes(id)),
        hibernate,
        dryRun,
        refused,
      );
      return;
    }
    for (const id of ids) await runBatch([id], hibernate, dryRun, refused);
  };

  const execute = async (action: PlannedAction<StopParams>, dryRun: boolean): Promise<ResourceOutcome[]> => {
    const { instanceIds, hibernate, fallback } = action.params;
    const refused = new Map<string, Refusal>();
    await runBatch(instanceIds, hibernate, dryRun, refused);

    // Hibernation refused at apply time (e.g. not supported for the type): the fallback policy decides.
    const fellBack: string[] = [];
    if (hibernate && fallback === "stop") {
      const candidates = [...refused].filter(([, r]) => HIBERNATION_REFUSED.has(r.code)).map(([id]) => id);
      for (const id of candidates) refused.delete(id);
      await runBatch(candidates, false, dryRun, refused);
      fellBack.push(...candidates.filter((id) => !refused.has(id)));
    }

    const accepted = instanceIds.filter((id) => !refused.has(id));
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
      return instanceIds.map((id) => outcomes.get(id) as ResourceOutcome);
    }

    // IncorrectInstanceState: already stopping or stopped is the desired state; read it back to tell.
    const toRead = [
      ...accepted,
      ...[...refused].filter(([, r]) => r.code === "IncorrectInstanceState").map(([id]) => id),
    ];
    const expectedReason = (id: string) =>
      hibernate && !fellBack.includes(id) ? HIBERNATE_REASON : STOP_REASON;
    const isStopping = (instance: InstanceView | undefined) =>
      instance !== undefined && (instance.state === "stopping" || instance.state === "stopped");
    const result = await readUntil(
      () => loadInstances(deps.ec2, toRead),
      (instances) => accepted.every((id) => isStopping(instances.find((i) => i.id === id))),
      { deadline: deps.deadline, timeoutMs: deps.verifyTimeoutMs, intervalMs: 200 },
    );
    for (const id of toRead) {
      const instance = result.last.find((i) => i.id === id);
      const wasAccepted = accepted.includes(id);
      if (!wasAccepted) {
        if (isStopping(instance)) {
          outcomes.set(id, {
            resource: id,
            status: "already-done",
            code: "IncorrectInstanceState",
            detail: `already ${instance?.state}`,
          });
        }
        continue;
      }
      if (!isStopping(instance)) {
        outcomes.set(id, {
          resource: id,
          status: "unverified",
          detail: `still ${instance?.state ?? "unknown"} after ${result.waitedMs} ms`,
        });
        continue;
      }
      const reason = instance?.stateReasonCode;
      const how = expectedReason(id) === HIBERNATE_REASON ? "hibernating" : "stopping (no hibernation)";
      outcomes.set(id, {
        resource: id,
        status: "applied",
        detail: `${how}: ${instance?.state}, StateReason ${reason ?? "unknown"}`,
      });
    }
    return instanceIds.map((id) => outcomes.get(id) as ResourceOutcome);
  };

  return {
    kind: STOP_ACTION,
    dryRun: (action) => execute(action, true),
    apply: (action) => execute(action, false),
  };
};
