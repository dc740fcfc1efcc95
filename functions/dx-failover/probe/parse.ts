import { parseEvents } from "../../../shared/events";
import { InvalidEventError } from "../../../shared/runtime/errors";
import { PROBE_CAPABILITY } from "../config";

/** dx-probe is scheduled: a schedule event, whose `time` anchors the invocation's probing window. */
export const parseProbeInput = (raw: unknown): { region: string; scheduledAt: number } => {
  const events = parseEvents(raw);
  const first = events[0];
  if (first?.kind !== "schedule" || events.length !== 1)
    throw new InvalidEventError("dx-probe is scheduled: it accepts schedule events only", {
      parser: PROBE_CAPABILITY,
      issues: events.map((e) => `unexpected ${e.kind} event`),
    });
  return { region: first.region, scheduledAt: first.time.getTime() };
};
