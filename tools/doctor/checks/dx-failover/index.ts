import type { Check } from "../../types";
import { APPLIANCE_CHECKS } from "./appliance";
import { PROBE_CHECKS } from "./probe";
import { ROUTE_CHECKS } from "./routes";

/** dx-failover readiness: probe placement and reach, the group tables' routes and tags, the appliance. */
export const DX_FAILOVER_CHECKS: readonly Check[] = [...PROBE_CHECKS, ...ROUTE_CHECKS, ...APPLIANCE_CHECKS];
