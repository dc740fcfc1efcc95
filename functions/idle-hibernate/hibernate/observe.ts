import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { AlarmChange } from "../../../shared/events";
import {
  loadInstances,
  loadLocalGatewayRoutesTargeting,
  loadMetricAlarms,
  loadRoutesTargeting,
} from "../../../shared/observe/loaders";
import type {
  AlarmView,
  InstanceView,
  LocalGatewayRouteView,
  RouteView,
} from "../../../shared/observe/model";
import type { IdleHibernateConfig } from "../config";
import {
  type AlarmDecision,
  type HibernateInput,
  instanceIdsOfDimensions,
  screenAlarmChanges,
} from "./parse";

export interface HibernateObservation {
  decisions: AlarmDecision[];
  /** The alarms acted on: in ALARM now. */
  alarms: AlarmView[];
  instances: InstanceView[];
  routes: RouteView[];
  localGatewayRoutes: LocalGatewayRouteView[];
}

/**
 * Alarm path, second step: keep the alarms CloudWatch still shows in ALARM now (the event says that
 * something changed; DescribeAlarms says what is true).
 */
const confirmAlarms = (
  candidates: AlarmChange[],
  described: AlarmView[],
  decisions: AlarmDecision[],
): AlarmView[] => {
  const alarms: AlarmView[] = [];
  for (const change of candidates) {
    const current = described.find((alarm) => alarm.name === change.alarmName);
    const base = { alarmName: change.alarmName, eventId: change.eventId };
    if (current === undefined) {
      decisions.push({
        ...base,
        decision: "ignored-alarm-deleted",
        detail: "DescribeAlarms no longer returns it",
      });
    } else if (current.state !== "ALARM") {
      decisions.push({
        ...base,
        decision: "ignored-alarm-recovered",
        detail: `alarm is ${current.state} now`,
      });
    } else {
      decisions.push({ ...base, decision: "acting", detail: "alarm is in ALARM now" });
      // The event's metrics name the instances; DescribeAlarms gives the window.
      alarms.push({ ...current, metricDimensions: change.metrics.map((m) => m.dimensions) });
    }
  }
  return alarms;
};

const observeAlarmEvents = async (
  changes: AlarmChange[],
  clients: { cloudWatch: CloudWatchClient; ec2: EC2Client },
  policy: IdleHibernateConfig,
) => {
  const screened = screenAlarmChanges(changes, policy.alarmNamePrefix);
  if (screened.candidates.length === 0) return { decisions: screened.decisions, alarms: [], instances: [] };
  // The alarm's current state and its instances are read together: one round trip less on the
  // path to hibernation, at the price of a wasted read when the alarm has recovered meanwhile.
  const [described, instances] = await Promise.all([
    loadMetricAlarms(clients.cloudWatch, { names: screened.candidates.map((change) => change.alarmName) }),
    loadInstances(
      clients.ec2,
      instanceIdsOfDimensions(screened.candidates.flatMap((c) => c.metrics.map((m) => m.dimensions))),
    ),
  ]);
  const alarms = confirmAlarms(screened.candidates, described, screened.decisions);
  return { decisions: screened.decisions, alarms, instances };
};

/** Reconcile: every one of our alarms that is in ALARM now, in case an event was missed. */
const observeReconcile = async (
  eventId: string,
  clients: { cloudWatch: CloudWatchClient; ec2: EC2Client },
  policy: IdleHibernateConfig,
) => {
  const alarms = await loadMetricAlarms(clients.cloudWatch, {
    prefix: policy.alarmNamePrefix,
    state: "ALARM",
  });
  const decisions = alarms.map((alarm) => ({
    alarmName: alarm.name,
    eventId,
    decision: "acting",
    detail: "reconcile: alarm is in ALARM now",
  }));
  const ids = instanceIdsOfDimensions(alarms.flatMap((alarm) => alarm.metricDimensions));
  const instances = ids.length > 0 ? await loadInstances(clients.ec2, ids) : [];
  return { decisions, alarms, instances };
};

/** The routes and local gateway routes that target the running instances (network appliances). */
const observeRoutes = async (ec2: EC2Client, running: readonly InstanceView[]) => {
  const [routes, localGatewayRoutes] = await Promise.all([
    running.length > 0 ? loadRoutesTargeting(ec2, running) : [],
    loadLocalGatewayRoutesTargeting(
      ec2,
      running.flatMap((i) => (i.outpostArn ? [i.outpostArn] : [])),
      running.flatMap((i) => (i.outpostArn ? i.networkInterfaceIds : [])),
    ),
  ]);
  return { routes, localGatewayRoutes };
};

/** Fresh reads: the alarms acted on, their instances, and the routes that target them. */
export const observeHibernation = async (
  input: HibernateInput,
  clients: { cloudWatch: CloudWatchClient; ec2: EC2Client },
  policy: IdleHibernateConfig,
): Promise<HibernateObservation> => {
  const found =
    input.kind === "alarms"
      ? await observeAlarmEvents(input.changes, clients, policy)
      : await observeReconcile(input.tick.eventId, clients, policy);
  if (found.alarms.length === 0) return { ...found, routes: [], localGatewayRoutes: [] };
  const instanceIds = instanceIdsOfDimensions(found.alarms.flatMap((alarm) => alarm.metricDimensions));
  const instances = found.instances.filter((instance) => instanceIds.includes(instance.id));
  const running = instances.filter((instance) => instance.state === "running");
  return { ...found, instances, ...(await observeRoutes(clients.ec2, running)) };
};
