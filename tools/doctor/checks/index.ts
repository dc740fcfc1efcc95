/**
 * THE list of doctor checks, in the order they run and print: the stage, then each capability. Every
 * check's `iamActions` goes into the read-only policy (`npm run doctor -- --print-policy`).
 */
import type { Check } from "../types";
import { COMMON_CHECKS } from "./common";
import { DX_FAILOVER_CHECKS } from "./dx-failover/index";
import { ENI_REATTACH_CHECKS } from "./eni-reattach";
import { IDLE_HIBERNATE_CHECKS } from "./idle-hibernate/index";
import { VFXT_IP_MOVE_CHECKS } from "./vfxt-ip-move";

export const CHECKS: readonly Check[] = [
  ...COMMON_CHECKS,
  ...IDLE_HIBERNATE_CHECKS,
  ...DX_FAILOVER_CHECKS,
  ...ENI_REATTACH_CHECKS,
  ...VFXT_IP_MOVE_CHECKS,
];
