import { parseEvents, type ScheduleTick } from "../../../shared/events";
import { InvalidEventError } from "../../../shared/runtime/errors";
import { CAPACITY_CAPABILITY } from "../config";

/** outposts-capacity runs on its schedule only. */
export const parseCapacityInput = (raw: unknown): ScheduleTick => {
  const [event] = parseEvents(raw);
  if (event?.kind !== "schedule") {
    throw new InvalidEventError("outposts-capacity accepts schedules only", {
      parser: CAPACITY_CAPABILITY,
      issues: [`unexpected ${event?.kind ?? "empty"} event`],
    });
  }
  return event;
};
