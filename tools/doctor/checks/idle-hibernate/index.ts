import type { Check } from "../../types";
import { ALARM_CHECKS } from "./alarm";
import { INSTANCE_CHECKS } from "./instances";

/** idle-hibernate readiness: the opted-in instances against the hibernation prerequisites, their alarms. */
export const IDLE_HIBERNATE_CHECKS: readonly Check[] = [...INSTANCE_CHECKS, ...ALARM_CHECKS];
