import type { ActionExecutor } from "../../../../shared/pipeline/types";
import type { EniActionParams } from "../plan";
import type { ApplyDeps } from "./deps";
import { eniExecutors } from "./enis";
import { lifecycleExecutor } from "./lifecycle";

export type { ApplyDeps } from "./deps";
export { Heartbeat, probeAction } from "./heartbeat";

/** Every executor of eni-reattach's actions. */
export const createExecutors = (deps: ApplyDeps): ActionExecutor<EniActionParams>[] => [
  ...eniExecutors(deps),
  lifecycleExecutor(deps),
];
