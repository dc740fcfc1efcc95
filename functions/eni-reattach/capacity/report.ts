import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { ENI_METRICS } from "../../../shared/observe/metrics-catalogue";
import type { OpsContext } from "../../../shared/runtime/handler";
import type { GroupCapacity } from "./plan";

/** Per group: 1 when the group's own type has capacity on its Outpost, 0 when none; absent when unknown. */
export const CAPACITY_METRIC = ENI_METRICS.FirewallCapacityAvailable.name;
/**
 * Per group, every run: 1 when the capacity is known, 0 when not. Its alarm treats missing data as
 * breaching, so the checker stopping, or the metric staying unknown, alarms too.
 */
export const CAPACITY_KNOWN_METRIC = ENI_METRICS.CapacityKnown.name;

export const reportCapacity = (context: OpsContext, groups: readonly GroupCapacity[]): void => {
  for (const g of groups) {
    if (g.status === undefined) continue;
    const known = context.metrics.singleMetric();
    known.addDimension("Group", g.group);
    known.addMetric(CAPACITY_KNOWN_METRIC, MetricUnit.Count, g.status === "unknown" ? 0 : 1);
    if (g.status !== "unknown") {
      const single = context.metrics.singleMetric();
      single.addDimension("Group", g.group);
      single.addMetric(CAPACITY_METRIC, MetricUnit.Count, g.status === "ok" ? 1 : 0);
    }
    if (g.status !== "ok")
      context.logger.warn(`${g.group}: ${g.instanceType} capacity on Outpost ${g.outpostId} is ${g.status}`, {
        group: g,
      });
  }
};
