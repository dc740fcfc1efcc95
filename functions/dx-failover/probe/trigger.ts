import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { type ProbeKind, type ProbeTriggerDetail, TRIGGER_DETAIL_TYPE, triggerDetailOf } from "../evidence";
import type { ProbeTrigger } from "./loop";

/**
 * The trigger of both probes: a "DX Path Degraded" event on the trigger bus (`dxFailover.triggerBusName`),
 * whose policy lets only the probe's and the agents' roles put events and whose rule invokes the failover
 * function. Throws when the entry was refused, so the probe loop re-arms and the next failed probe retries.
 */
export const putTrigger = async (
  eventBridge: EventBridgeClient,
  target: { busName: string; source: string; group: string; probe: ProbeKind },
  trigger: ProbeTrigger,
): Promise<ProbeTriggerDetail> => {
  const detail = triggerDetailOf(target.group, target.probe, trigger);
  const out = await eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: target.source,
          DetailType: TRIGGER_DETAIL_TYPE,
          Detail: JSON.stringify(detail),
          EventBusName: target.busName,
        },
      ],
    }),
  );
  if ((out.FailedEntryCount ?? 0) > 0)
    throw new Error(`PutEvents: ${out.Entries?.[0]?.ErrorCode ?? "failed"}`);
  return detail;
};
