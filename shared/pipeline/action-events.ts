import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from "@aws-sdk/client-eventbridge";
import type { CommonConfig } from "../runtime/config";
import { count, Metric } from "../runtime/observability";

/** The `detail` of an "Ops Toolkit Action" event: one per action taken, for people to subscribe to. */
export interface ActionEventDetail {
  capability: string;
  action: string;
  status: string;
  resources: string[];
  description: string;
  mode: string;
  triggerEventId: string;
  region: string;
  details?: Record<string, unknown>;
}

export const ACTION_DETAIL_TYPE = "Ops Toolkit Action";
const PUT_EVENTS_BATCH = 10;

/**
 * Publishes our own action events on the configured bus (default bus by default). A failure to publish
 * is logged and counted but does not fail the invocation: the action itself happened and is verified.
 */
export const publishActionEvents = async (
  client: EventBridgeClient,
  config: CommonConfig["actionEvents"],
  details: ActionEventDetail[],
  observability: { logger: Logger; metrics: Metrics },
): Promise<number> => {
  if (!config.enabled || details.length === 0) return 0;
  const entries: PutEventsRequestEntry[] = details.map((detail) => ({
    Source: config.source,
    DetailType: ACTION_DETAIL_TYPE,
    Detail: JSON.stringify(detail),
    EventBusName: config.eventBusName,
    Resources: detail.resources.filter((resource) => resource.startsWith("arn:")),
  }));
  let published = 0;
  for (let start = 0; start < entries.length; start += PUT_EVENTS_BATCH) {
    const batch = entries.slice(start, start + PUT_EVENTS_BATCH);
    try {
      const result = await client.send(new PutEventsCommand({ Entries: batch }));
      const failed = result.FailedEntryCount ?? 0;
      published += batch.length - failed;
      if (failed > 0) {
        count(observability.metrics, Metric.ActionEventsFailed, failed);
        observability.logger.warn("Some action events were not published", {
          failed,
          errors: (result.Entries ?? []).filter((entry) => entry.ErrorCode).map((entry) => entry.ErrorCode),
        });
      }
    } catch (error) {
      count(observability.metrics, Metric.ActionEventsFailed, batch.length);
      observability.logger.warn("Action events were not published", { error });
    }
  }
  return published;
};
