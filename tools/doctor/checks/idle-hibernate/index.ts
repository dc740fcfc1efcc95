import type { Check } from "../../types";
import { ALARM_CHECKS } from "./alarm";
import { INSTANCE_CHECKS } from "./instances";
import { STOP_PROTECTION_CHECKS } from "./stop-protection";

/** idle-hibernate readiness: the opted-in instances against the hibernation prerequisites, their alarms. */
export const IDLE_HIBERNATE_CHECKS: readonly Check[] = [
  ...INSTANCE_CHECKS,
  ...STOP_PROTECTION_CHECKS,
  ...ALARM_CHECKS,
];
