import { reportExecution } from "../../../shared/pipeline/report";
import type { Execution } from "../../../shared/pipeline/types";
import type { OpsResult } from "../../../shared/runtime/handler";
import type { StageContext } from "../../config";
import { ALARMS_CAPABILITY } from "../config";
import type { HibernationProof } from "../hibernate/plan/proof";
import { type AlarmsInput, alarmsEventId } from "./parse";
import { PUT_ALARM_ACTION } from "./plan";

export interface AlarmsResult extends OpsResult {
  actions: Execution["actions"];
  skips: Execution["skips"];
  /** A stopped event: what the API proves of the hibernation the toolkit requested. */
  hibernation?: HibernationProof[];
}

export const alarmsResult = (
  context: StageContext,
  decision: string,
  execution?: Execution,
): AlarmsResult => ({
  capability: ALARMS_CAPABILITY,
  decision,
  mode: context.mode,
  actions: execution?.actions ?? [],
  skips: execution?.skips ?? [],
});

/** Metrics, skip logs and one action event per alarm put or deleted. */
export const reportAlarms = (
  execution: Execution,
  context: StageContext,
  region: string,
  input: AlarmsInput,
) =>
  reportExecution(execution, context, {
    region,
    triggerEventId: alarmsEventId(input),
    actionName: (action) => (action.kind === PUT_ALARM_ACTION ? "put-idle-alarm" : "delete-idle-alarm"),
  });
