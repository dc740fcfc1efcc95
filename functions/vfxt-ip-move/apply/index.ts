import type { ActionExecutor } from "../../../shared/pipeline/types";
import type { VfxtParams } from "../plan";
import { createDeleteRoutesExecutor, createUnassignExecutor } from "./cleanup";
import type { ExecutorDeps } from "./deps";
import { createRouteExecutor } from "./routes";
import { createSecondaryIpExecutor } from "./secondary";

export type { ExecutorDeps } from "./deps";
export { ROUTE_WRITE_CONCURRENCY } from "./routes";

/** The executors of every action kind the plan produces. */
export const createExecutors = (deps: ExecutorDeps): ActionExecutor<VfxtParams>[] => [
  createSecondaryIpExecutor(deps),
  createRouteExecutor(deps),
  createUnassignExecutor(deps),
  createDeleteRoutesExecutor(deps),
];
