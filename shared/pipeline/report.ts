import type { OpsContext } from "../runtime/handler";
import { count, Metric } from "../runtime/observability";
import { publishActionEvents } from "./action-events";
import { tallyOutcomes } from "./executor";
import type { ActionOutcome, Execution, ResourceOutcome } from "./types";

export interface ReportOptions {
  region: string;
  /** The event(s) that triggered the execution, for the action events. */
  triggerEventId: string;
  /** The action name in the published event, e.g. "hibernate-instance". */
  actionName: (action: ActionOutcome) => string;
  /** The resource as the event names it (an ARN when one can be built). */
  resourceName?: (resource: ResourceOutcome) => string;
  /** Extra, capability-specific `detail.details` of the published event (e.g. from/to of a move). */
  details?: (action: ActionOutcome, resource: ResourceOutcome) => Record<string, unknown> | undefined;
}

/**
 * The common end of every capability: metrics from the execution's outcomes, a log line per skip, and
 * (in apply mode) one "Ops Toolkit Action" event per resource actually changed.
 */
export const reportExecution = async (execution: Execution, context: OpsContext, options: ReportOptions) => {
  const tally = tallyOutcomes(execution);
  count(context.metrics, Metric.ActionsTaken, tally.applied);
  count(context.metrics, Metric.ActionsFailed, tally.failed + tally.denied + tally.unverified);
  count(context.metrics, Metric.ActionsSkipped, execution.skips.length + tally["already-done"]);
  count(context.metrics, Metric.ActionsPlanned, tally.planned + tally.permitted);
  for (const skip of execution.skips) context.logger.info("Skipped", { ...skip });
  if (context.mode !== "apply") return tally;
  await publishActionEvents(
    context.clients.eventBridge(options.region),
    context.config.actionEvents,
    execution.actions.flatMap((action) =>
      action.resources
        .filter((resource) => resource.status === "applied")
        .map((resource) => ({
          capability: context.capability,
          action: options.actionName(action),
          status: resource.status,
          resources: [options.resourceName ? options.resourceName(resource) : resource.resource],
          description: resource.detail ? `${action.description}: ${resource.detail}` : action.description,
          mode: context.mode,
          triggerEventId: options.triggerEventId,
          region: options.region,
          ...(options.details ? { details: options.details(action, resource) } : {}),
        })),
    ),
    context,
  );
  return tally;
};
