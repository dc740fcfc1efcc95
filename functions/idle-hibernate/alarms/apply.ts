import {
  type CloudWatchClient,
  DeleteAlarmsCommand,
  PutMetricAlarmCommand,
} from "@aws-sdk/client-cloudwatch";
import { toAwsCallError } from "../../../shared/aws/errors";
import { chunks, loadMetricAlarms } from "../../../shared/observe/loaders";
import { notAttemptedOutcome, refusedOutcome, throwIfRetryableError } from "../../../shared/pipeline/outcome";
import { runPool } from "../../../shared/pipeline/pool";
import type { ActionExecutor, PlannedAction, ResourceOutcome } from "../../../shared/pipeline/types";
import { readUntil } from "../../../shared/pipeline/verify";
import type { Deadline } from "../../../shared/runtime/deadline";
import { putMetricAlarmInput } from "./definition";
import { type AlarmParams, DELETE_ALARM_ACTION, PUT_ALARM_ACTION, type PutAlarm } from "./plan";

export interface AlarmExecutorDeps {
  cloudWatch: CloudWatchClient;
  deadline: Deadline;
  verifyTimeoutMs: number;
}

const NO_DRY_RUN: ResourceOutcome["detail"] = "CloudWatch has no dry run: not called";
/** DeleteAlarms takes at most 100 names per call. */
const DELETE_BATCH = 100;

/**
 * Calls CloudWatch. Retryable failures are thrown (the event is retried); "already done" is success; a
 * permanent refusal becomes the failed outcome of the alarms named, so the others go ahead.
 */
const send = async (
  alarmNames: readonly string[],
  operation: string,
  call: () => Promise<unknown>,
): Promise<ResourceOutcome[]> => {
  try {
    await call();
    return [];
  } catch (error) {
    throwIfRetryableError("monitoring", operation, error);
    const detail = toAwsCallError("monitoring", operation, error).message;
    return alarmNames
      .map((name) => refusedOutcome(name, operation, error, detail))
      .filter((outcome) => outcome.status !== "already-done");
  }
};

/** Reads the alarms back (100 names per DescribeAlarms) until they all exist (put) or are gone (delete). */
const verify = async (
  deps: AlarmExecutorDeps,
  names: readonly string[],
  shouldExist: boolean,
): Promise<ResourceOutcome[]> => {
  if (names.length === 0) return [];
  const result = await readUntil(
    () => loadMetricAlarms(deps.cloudWatch, { names }),
    (alarms) => names.every((name) => alarms.some((alarm) => alarm.name === name) === shouldExist),
    { deadline: deps.deadline, timeoutMs: deps.verifyTimeoutMs, intervalMs: 200 },
  );
  return names.map((name) =>
    result.last.some((alarm) => alarm.name === name) === shouldExist
      ? { resource: name, status: "applied", detail: shouldExist ? "alarm in place" : "alarm deleted" }
      : {
          resource: name,
          status: "unverified",
          detail: `not ${shouldExist ? "visible" : "gone"} after ${result.waitedMs} ms`,
        },
  );
};

/** Outcomes in the action's resource order: failures first recorded win over the read-back. */
const inOrder = (action: PlannedAction<AlarmParams>, ...lists: ResourceOutcome[][]): ResourceOutcome[] => {
  const byName = new Map<string, ResourceOutcome>();
  for (const outcome of lists.flat())
    if (!byName.has(outcome.resource)) byName.set(outcome.resource, outcome);
  return action.resources.flatMap((name) => byName.get(name) ?? []);
};

/**
 * PutMetricAlarm for each alarm, one at a time (CloudWatch throttles alarm writes per account and Region;
 * the SDK retries a throttled call), none started after the deadline (left for the next reconcile); then
 * one read-back of them all.
 */
const putAll = async (deps: AlarmExecutorDeps, puts: readonly PutAlarm[]): Promise<ResourceOutcome[]> => {
  const failed: ResourceOutcome[] = [];
  const report = await runPool(
    puts,
    { concurrency: 1, deadline: deps.deadline },
    async ({ alarm, actionsEnabled }) => {
      // PutMetricAlarm creates or replaces the whole definition: idempotent by nature.
      failed.push(
        ...(await send([alarm.alarmName], "PutMetricAlarm", () =>
          deps.cloudWatch.send(new PutMetricAlarmCommand(putMetricAlarmInput(alarm, actionsEnabled))),
        )),
      );
    },
  );
  const thrown = report.failed[0];
  if (thrown !== undefined) throw thrown.error;
  const notStarted = report.notStarted.map((p) => notAttemptedOutcome(p.alarm.alarmName, "PutMetricAlarm"));
  const done = report.ran
    .map((p) => p.alarm.alarmName)
    .filter((name) => !failed.some((f) => f.resource === name));
  return [...failed, ...notStarted, ...(await verify(deps, done, true))];
};

/** DeleteAlarms in batches of 100 names, then one read-back. */
const deleteAll = async (deps: AlarmExecutorDeps, names: readonly string[]): Promise<ResourceOutcome[]> => {
  const failed: ResourceOutcome[] = [];
  for (const batch of chunks(names, DELETE_BATCH)) {
    failed.push(
      ...(await send(batch, "DeleteAlarms", () =>
        deps.cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: batch })),
      )),
    );
  }
  const done = names.filter((name) => !failed.some((f) => f.resource === name));
  return [...failed, ...(await verify(deps, done, false))];
};

const planned = (action: PlannedAction<AlarmParams>): Promise<ResourceOutcome[]> =>
  Promise.resolve(action.resources.map((resource) => ({ resource, status: "planned", detail: NO_DRY_RUN })));

export const createAlarmExecutors = (deps: AlarmExecutorDeps): ActionExecutor<AlarmParams>[] => [
  {
    kind: PUT_ALARM_ACTION,
    dryRun: planned,
    apply: async (action) => {
      if (action.params.op !== "put") throw new Error(`${PUT_ALARM_ACTION} needs op put`);
      return inOrder(action, await putAll(deps, action.params.alarms));
    },
  },
  {
    kind: DELETE_ALARM_ACTION,
    dryRun: planned,
    apply: async (action) => {
      if (action.params.op !== "delete") throw new Error(`${DELETE_ALARM_ACTION} needs op delete`);
      return inOrder(action, await deleteAll(deps, action.params.alarmNames));
    },
  },
];
