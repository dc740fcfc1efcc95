import {
  type CloudWatchClient,
  DeleteAlarmsCommand,
  PutMetricAlarmCommand,
} from "@aws-sdk/client-cloudwatch";
import { toAwsCallError } from "../../../shared/aws/errors";
import { loadMetricAlarms } from "../../../shared/observe/loaders";
import { refusedOutcome, throwIfRetryableError } from "../../../shared/pipeline/outcome";
import type { ActionExecutor, PlannedAction, ResourceOutcome } from "../../../shared/pipeline/types";
import { readUntil } from "../../../shared/pipeline/verify";
import type { Deadline } from "../../../shared/runtime/deadline";
import { putMetricAlarmInput } from "./definition";
import { type AlarmParams, DELETE_ALARM_ACTION, PUT_ALARM_ACTION } from "./plan";

export interface AlarmExecutorDeps {
  cloudWatch: CloudWatchClient;
  deadline: Deadline;
  verifyTimeoutMs: number;
}

const NO_DRY_RUN: ResourceOutcome["detail"] = "CloudWatch has no dry run: not called";

/**
 * Calls CloudWatch for one alarm. Retryable failures are thrown (the event is retried); "already done"
 * is success; a permanent refusal becomes this alarm's failed outcome, so the other alarms go ahead.
 */
const send = async (
  alarmName: string,
  operation: string,
  call: () => Promise<unknown>,
): Promise<ResourceOutcome | undefined> => {
  try {
    await call();
    return undefined;
  } catch (error) {
    throwIfRetryableError("monitoring", operation, error);
    const detail = toAwsCallError("monitoring", operation, error).message;
    const outcome = refusedOutcome(alarmName, operation, error, detail);
    return outcome.status === "already-done" ? undefined : outcome;
  }
};

/** Reads the alarm back until it exists (put) or is gone (delete). */
const verify = async (
  deps: AlarmExecutorDeps,
  alarmName: string,
  shouldExist: boolean,
): Promise<ResourceOutcome> => {
  const result = await readUntil(
    () => loadMetricAlarms(deps.cloudWatch, { names: [alarmName] }),
    (alarms) => alarms.some((alarm) => alarm.name === alarmName) === shouldExist,
    { deadline: deps.deadline, timeoutMs: deps.verifyTimeoutMs, intervalMs: 200 },
  );
  return result.done
    ? { resource: alarmName, status: "applied", detail: shouldExist ? "alarm in place" : "alarm deleted" }
    : {
        resource: alarmName,
        status: "unverified",
        detail: `not ${shouldExist ? "visible" : "gone"} after ${result.waitedMs} ms`,
      };
};

export const createAlarmExecutors = (deps: AlarmExecutorDeps): ActionExecutor<AlarmParams>[] => {
  const planned = (action: PlannedAction<AlarmParams>): Promise<ResourceOutcome[]> =>
    Promise.resolve(
      action.resources.map((resource) => ({ resource, status: "planned", detail: NO_DRY_RUN })),
    );

  const put: ActionExecutor<AlarmParams> = {
    kind: PUT_ALARM_ACTION,
    dryRun: planned,
    apply: async (action) => {
      if (action.params.op !== "put") throw new Error(`${PUT_ALARM_ACTION} needs op put`);
      const { alarm, actionsEnabled } = action.params;
      // PutMetricAlarm creates or replaces the whole definition: idempotent by nature.
      const failed = await send(alarm.alarmName, "PutMetricAlarm", () =>
        deps.cloudWatch.send(new PutMetricAlarmCommand(putMetricAlarmInput(alarm, actionsEnabled))),
      );
      return [failed ?? (await verify(deps, alarm.alarmName, true))];
    },
  };

  const remove: ActionExecutor<AlarmParams> = {
    kind: DELETE_ALARM_ACTION,
    dryRun: planned,
    apply: async (action) => {
      if (action.params.op !== "delete") throw new Error(`${DELETE_ALARM_ACTION} needs op delete`);
      const { alarmName } = action.params;
      const failed = await send(alarmName, "DeleteAlarms", () =>
        deps.cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: [alarmName] })),
      );
      return [failed ?? (await verify(deps, alarmName, false))];
    },
  };
  return [put, remove];
};
