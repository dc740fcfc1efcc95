import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { Plan } from "../../../shared/pipeline/types";
import type { IdleHibernateConfig } from "../config";
import { instanceIdsOfDimensions, ownerOfName, windowsByInstance } from "../idle-alarm";
import { isManagedAlarm } from "../ownership";
import { type HibernateObservation, withoutUnmanaged } from "./observe";
import { planHibernation, type StopParams } from "./plan";

/** Instances named only by paused alarms (actions disabled) → one such alarm. */
const pausedInstances = (observed: HibernateObservation): Map<string, string> => {
  const active = new Set(instanceIdsOfDimensions(observed.alarms.flatMap((a) => a.metricDimensions)));
  const paused = new Map<string, string>();
  for (const alarm of observed.paused) {
    for (const id of instanceIdsOfDimensions(alarm.metricDimensions))
      if (!active.has(id)) paused.set(id, alarm.name);
  }
  return paused;
};

const planOf = (
  observed: HibernateObservation,
  policy: IdleHibernateConfig,
  at: { recentRequests: number; now: number },
): Plan<StopParams> =>
  planHibernation(
    {
      instanceIds: instanceIdsOfDimensions(
        [...observed.alarms, ...observed.paused].flatMap((a) => a.metricDimensions),
      ),
      instances: observed.instances,
      instanceTypes: observed.instanceTypes,
      routes: observed.routes,
      localGatewayRoutes: observed.localGatewayRoutes,
      windowMinutes: windowsByInstance(observed.alarms),
      pausedBy: pausedInstances(observed),
      recentRequests: at.recentRequests,
      now: new Date(at.now),
    },
    policy,
  );

/**
 * The plan, once every alarm of ours behind an instance it would stop is proven ours by its tag (safety
 * rule 9: anyone allowed PutMetricAlarm under the prefix could otherwise have this role stop an opted-in
 * instance). Only those alarms are read (ListTagsForResource, one each), not every alarm in ALARM; an
 * alarm found foreign is dropped and the plan made again, until every stop rests on owned or adopted
 * alarms.
 */
export const planOnOwnedAlarms = async (
  observation: HibernateObservation,
  cloudWatch: CloudWatchClient,
  policy: IdleHibernateConfig,
  at: { recentRequests: number; now: number },
): Promise<{ plan: Plan<StopParams>; observed: HibernateObservation }> => {
  const owned = new Set<string>();
  let observed = observation;
  for (;;) {
    const plan = planOf(observed, policy, at);
    const stopping = new Set(plan.actions.flatMap((action) => action.resources));
    const unread = observed.alarms.filter(
      (alarm) =>
        ownerOfName(alarm.name, policy) === "ours" &&
        !owned.has(alarm.name) &&
        instanceIdsOfDimensions(alarm.metricDimensions).some((id) => stopping.has(id)),
    );
    const notManaged = new Set<string>();
    for (const alarm of unread) {
      if (await isManagedAlarm(cloudWatch, alarm.arn)) owned.add(alarm.name);
      else notManaged.add(alarm.name);
    }
    if (notManaged.size === 0) return { plan, observed };
    observed = withoutUnmanaged(observed, notManaged);
  }
};
