import { ec2Arn, invocationAccount } from "../../../shared/aws/arn";
import { reportExecution } from "../../../shared/pipeline/report";
import type { Execution, Skip } from "../../../shared/pipeline/types";
import type { OpsResult } from "../../../shared/runtime/handler";
import { count, Metric } from "../../../shared/runtime/observability";
import type { StageContext } from "../../config";
import { CAPABILITY } from "../config";
import { type AlarmDecision, accountOf, eventIdsOf, type HibernateInput } from "./parse";

export interface HibernateResult extends OpsResult {
  alarms: AlarmDecision[];
  actions: Execution["actions"];
  skips: Skip[];
}

export const hibernateResult = (
  context: StageContext,
  decision: string,
  alarms: AlarmDecision[],
  execution?: Execution,
): HibernateResult => ({
  capability: CAPABILITY,
  decision,
  mode: context.mode,
  alarms,
  actions: execution?.actions ?? [],
  skips: execution?.skips ?? [],
});

/** No alarm to act on: each event's reason is logged and counted. */
export const emptyResult = (decisions: AlarmDecision[], context: StageContext): HibernateResult => {
  for (const decision of decisions) context.logger.info("Alarm event ignored", { ...decision });
  count(context.metrics, Metric.IgnoredEvents, decisions.length);
  const only = decisions.length === 1 ? decisions[0]?.decision : undefined;
  return hibernateResult(context, only ?? "nothing-to-do", decisions);
};

/** Metrics, skip logs and one action event per instance changed. */
export const reportHibernation = (
  execution: Execution,
  context: StageContext,
  region: string,
  input: HibernateInput,
) => {
  const accountId = invocationAccount(context.lambda, accountOf(input));
  return reportExecution(execution, context, {
    region,
    triggerEventId: eventIdsOf(input),
    actionName: (action) =>
      action.actionId.startsWith("hibernate") ? "hibernate-instance" : "stop-instance",
    resourceName: (resource) => ec2Arn(region, accountId, "instance", resource.resource),
  });
};
