import { requireRegion } from "../../../shared/aws/region";
import {
  type BuildHandler,
  createHandler,
  createRuntime,
  type OpsResult,
} from "../../../shared/runtime/handler";
import { StageConfigSchema } from "../../config";
import { CAPACITY_CAPABILITY } from "../config";
import { parseCapacityInput } from "./parse";
import { capacityDecision, type GroupCapacity } from "./plan";
import { reportCapacity } from "./report";
import { capacityTargets, checkCapacity } from "./run";

export interface CapacityResult extends OpsResult {
  groups: GroupCapacity[];
}

/**
 * outposts-capacity: a scheduled check, per configured group with an `outpostId`, of which instance types
 * can host the firewall (its N ENIs + the primary) and have Outposts capacity now. Wiring only.
 */
export const buildHandler: BuildHandler = (env = process.env, overrides = {}) =>
  createHandler(createRuntime(CAPACITY_CAPABILITY, StageConfigSchema, env, overrides), {
    capability: CAPACITY_CAPABILITY,
    parse: parseCapacityInput,
    run: async (tick, context): Promise<CapacityResult> => {
      const region = requireRegion(tick.region, CAPACITY_CAPABILITY);
      const clients = {
        ec2: context.clients.ec2(region),
        outposts: context.clients.outposts(region),
        cloudWatch: context.clients.cloudWatch(region),
      };
      const groups = await checkCapacity(
        clients,
        capacityTargets(context.config.eniReattach),
        new Date(context.clock.now()),
      );
      reportCapacity(context, groups);
      return {
        capability: CAPACITY_CAPABILITY,
        decision: capacityDecision(groups),
        mode: context.mode,
        groups,
      };
    },
  });

export const handler = buildHandler();
