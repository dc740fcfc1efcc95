import { parseEvents } from "../../../shared/events";
import { InvalidEventError } from "../../../shared/runtime/errors";
import { PROBE_CAPABILITY } from "../config";

export const parseProbeInput = (raw: unknown): { region: string } => {
  const events = parseEvents(raw);
  const first = events[0];
  if (first?.kind !== "schedule" || events.length !== 1)
    throw new InvalidEventError("dx-probe is scheduled: it accepts schedule events only", {
      parser: PROBE_CAPABILITY,
      issues: events.map((e) => `unexpected ${e.kind} event`),
    });
  return { region: first.region };
};
