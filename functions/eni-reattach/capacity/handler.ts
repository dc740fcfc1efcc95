import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { requireRegion } from "../../../shared/aws/region";
import { parseEvents } from "../../../shared/events";
import { InvalidEventError } from "../../../shared/runtime/errors";
import {
  type BuildHandler,
  createHandler,
  createRuntime,
  type OpsResult,
} from "../../../shared/runtime/handler";
import { StageConfigSchema } from "../../config";
import { CAPACITY_CAPABILITY } from "../config";
import { checkCapacity, type GroupCapacity } from "./run";

/** Per group: 1 when the group's own instance type has capacity on its Outpost, 0 when none (alarm). */
export const CAPACITY_METRIC = "FirewallCapacityAvailable";

export interface CapacityResult extends OpsResult {
  groups: GroupCapacity[];
}

/**
 * outposts-capacity: a scheduled check, per configured group with an `outpostId`, of which instance
 * types can host the firewall (its N ENIs + the primary) and have Outposts capacity now.
 */
export const buildHandler: BuildHandler = (env = process.env, overrides = {}) =>
  createHandler(createRuntime(CAPACITY_CAPABILITY, StageConfigSchema, env, overrides), {
    capability: CAPACITY_CAPABILITY,
    parse: (raw) => {
      const [event] = parseEvents(raw);
      if (event?.kind !== "schedule") {
        throw new InvalidEventError("outposts-capacity accepts schedules only", {
          parser: CAPACITY_CAPABILITY,
          issues: [`unexpected ${event?.kind ?? "empty"} event`],
        });
      }
      return event;
    },
    run: async (tick, context): Promise<CapacityResult> => {
      const region = requireRegion(tick.region, CAPACITY_CAPABILITY);
      const groups = await checkCapacity(
        {
          ec2: context.clients.ec2(region),
          outposts: context.clients.outposts(region),
          cloudWatch: context.clients.cloudWatch(region),
        },
        context.config.eniReattach,
        new Date(context.clock.now()),
      );
      for (const g of groups) {
        if (g.instanceType === undefined) continue;
        const single = context.metrics.singleMetric();
        single.addDimension("Group", g.group);
        single.addMetric(CAPACITY_METRIC, MetricUnit.Count, (g.ownTypeAvailable ?? 0) > 0 ? 1 : 0);
        if ((g.ownTypeAvailable ?? 0) === 0)
          context.logger.warn(`No ${g.instanceType} capacity on Outpost ${g.outpostId} for ${g.group}`, {
            group: g,
          });
      }
      const short = groups.filter((g) => g.instanceType !== undefined && (g.ownTypeAvailable ?? 0) === 0);
      return {
        capability: CAPACITY_CAPABILITY,
        decision:
          groups.length === 0 ? "nothing-to-check" : short.length > 0 ? "capacity-short" : "capacity-ok",
        mode: context.mode,
        groups,
      };
    },
  });

export const handler = buildHandler();
