import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import {
  DescribeInstanceTypesCommand,
  type EC2Client,
  type _InstanceType as InstanceTypeName,
} from "@aws-sdk/client-ec2";
import { awsCall } from "../../../shared/aws/errors";
import type { AlarmChange } from "../../../shared/events";
import {
  chunks,
  describeInstances,
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
import { isOptedIn, isOptedOut, managedFleetSignal } from "../eligibility";
import { instanceIdsOfDimensions, isIdleShaped, literalPrefix, ownerOfName } from "../idle-alarm";
import { MANAGED_TAG } from "../ownership";
import { type AlarmDecision, screenAlarmChanges } from "./parse";
import type { InstanceTypeFacts } from "./plan";
import { HIBERNATE_REASON, HIBERNATION_REQUEST_TAG } from "./plan/proof";

interface Clients {
  cloudWatch: CloudWatchClient;
  ec2: EC2Client;
}

export interface HibernateObservation {
  decisions: AlarmDecision[];
  /** The alarms acted on (in ALARM now, actions enabled). */
  alarms: AlarmView[];
  /** Alarms in ALARM whose actions are disabled: their instances are paused. */
  paused: AlarmView[];
  instances: InstanceView[];
  instanceTypes: Map<string, InstanceTypeFacts>;
  routes: RouteView[];
  localGatewayRoutes: LocalGatewayRouteView[];
}

interface Found {
  decisions: AlarmDecision[];
  alarms: AlarmView[];
  paused: AlarmView[];
  instances: InstanceView[];
}

type Verdict = Pick<AlarmDecision, "decision" | "detail">;

/** What DescribeAlarms says now about an alarm an event or the reconcile brought up. */
const currentVerdict = (alarm: AlarmView | undefined, policy: IdleHibernateConfig): Verdict => {
  if (alarm === undefined)
    return { decision: "ignored-alarm-deleted", detail: "DescribeAlarms no longer returns it" };
  if (alarm.state !== "ALARM")
    return { decision: "ignored-alarm-recovered", detail: `alarm is ${alarm.state} now` };
  if (!isIdleShaped(alarm)) {
    return {
      decision: "ignored-not-idle-alarm",
      detail: `${ownerOfName(alarm.name, policy)} by name, but not an idle alarm of one instance (ALARM must mean low CPU; missing data never breaching)`,
    };
  }
  if (!alarm.actionsEnabled) {
    return {
      decision: "paused",
      detail: "the alarm's actions are disabled (DisableAlarmActions): hibernation paused",
    };
  }
  return { decision: "acting", detail: "alarm is in ALARM now" };
};

/** Sorts the alarms by their verdict: acted on, paused, or only a decision. */
const sortAlarms = (
  alarms: ReadonlyArray<{ alarm: AlarmView | undefined; name: string; eventId: string }>,
  policy: IdleHibernateConfig,
) => {
  const found: Omit<Found, "instances"> = { decisions: [], alarms: [], paused: [] };
  for (const { alarm, name, eventId } of alarms) {
    const verdict = currentVerdict(alarm, policy);
    found.decisions.push({ alarmName: name, eventId, ...verdict });
    if (alarm !== undefined && verdict.decision === "acting") found.alarms.push(alarm);
    if (alarm !== undefined && verdict.decision === "paused") found.paused.push(alarm);
  }
  return found;
};

/**
 * The observation without the alarms found not to carry the ownership tag: their decision becomes
 * `ignored-alarm-not-managed` and their instances are no longer named by them.
 */
export const withoutUnmanaged = (
  observed: HibernateObservation,
  notManaged: ReadonlySet<string>,
): HibernateObservation => {
  const detail = `no tag ${MANAGED_TAG.key}=${MANAGED_TAG.value}: not created by the toolkit, not acted on`;
  return {
    ...observed,
    alarms: observed.alarms.filter((alarm) => !notManaged.has(alarm.name)),
    decisions: observed.decisions.map((d) =>
      d.decision === "acting" && notManaged.has(d.alarmName)
        ? { ...d, decision: "ignored-alarm-not-managed", detail }
        : d,
    ),
  };
};

const observeAlarmEvents = async (
  changes: AlarmChange[],
  clients: Clients,
  policy: IdleHibernateConfig,
): Promise<Found> => {
  const screened = screenAlarmChanges(changes, policy);
  if (screened.candidates.length === 0)
    return { decisions: screened.decisions, alarms: [], paused: [], instances: [] };
  // The alarm's current state and its instances are read together: one round trip less on the
  // path to hibernation, at the price of a wasted read when the alarm has recovered meanwhile.
  const [described, instances] = await Promise.all([
    loadMetricAlarms(clients.cloudWatch, { names: screened.candidates.map((change) => change.alarmName) }),
    loadInstances(
      clients.ec2,
      instanceIdsOfDimensions(screened.candidates.flatMap((c) => c.metrics.map((m) => m.dimensions))),
    ),
  ]);
  const sorted = sortAlarms(
    screened.candidates.map((change) => {
      const current = described.find((alarm) => alarm.name === change.alarmName);
      // The event's metrics name the instances; DescribeAlarms gives the window and the actions' state.
      const alarm = current && { ...current, metricDimensions: change.metrics.map((m) => m.dimensions) };
      return { alarm, name: change.alarmName, eventId: change.eventId };
    }),
    policy,
  );
  return { ...sorted, decisions: [...screened.decisions, ...sorted.decisions], instances };
};

/** Every alarm of ours, and every adopted one (by each pattern's literal prefix), in that state if given. */
const idleAlarms = async (
  cloudWatch: CloudWatchClient,
  policy: IdleHibernateConfig,
  state?: "ALARM",
): Promise<AlarmView[]> => {
  const byName = new Map<string, AlarmView>();
  for (const alarm of await loadMetricAlarms(cloudWatch, { prefix: policy.alarmNamePrefix, state })) {
    byName.set(alarm.name, alarm);
  }
  for (const prefix of new Set(policy.adoptAlarmNamePatterns.map(literalPrefix))) {
    for (const alarm of await loadMetricAlarms(cloudWatch, { prefix, state })) {
      if (ownerOfName(alarm.name, policy) === "adopted") byName.set(alarm.name, alarm);
    }
  }
  return [...byName.values()];
};

const alarmsInAlarm = (cloudWatch: CloudWatchClient, policy: IdleHibernateConfig) =>
  idleAlarms(cloudWatch, policy, "ALARM");

/** The idle alarms (ours and adopted, any state) that name each instance: who would hibernate it again. */
export const observeIdleAlarmsByInstance = async (
  cloudWatch: CloudWatchClient,
  policy: IdleHibernateConfig,
): Promise<Map<string, AlarmView[]>> => {
  const byInstance = new Map<string, AlarmView[]>();
  for (const alarm of await idleAlarms(cloudWatch, policy)) {
    for (const id of instanceIdsOfDimensions(alarm.metricDimensions)) {
      byInstance.set(id, [...(byInstance.get(id) ?? []), alarm]);
    }
  }
  return byInstance;
};

/** Reconcile: every idle alarm in ALARM now, in case an event was missed. */
const observeReconcile = async (
  eventId: string,
  clients: Clients,
  policy: IdleHibernateConfig,
): Promise<Found> => {
  const alarms = await alarmsInAlarm(clients.cloudWatch, policy);
  const sorted = sortAlarms(
    alarms.map((alarm) => ({ alarm, name: alarm.name, eventId })),
    policy,
  );
  const ids = instanceIdsOfDimensions(
    [...sorted.alarms, ...sorted.paused].flatMap((a) => a.metricDimensions),
  );
  return { ...sorted, instances: ids.length > 0 ? await loadInstances(clients.ec2, ids) : [] };
};

/** DescribeInstanceTypes (100 names per call): instance store per type. */
export const loadInstanceTypeFacts = async (
  ec2: EC2Client,
  types: readonly string[],
): Promise<Map<string, InstanceTypeFacts>> => {
  const facts = new Map<string, InstanceTypeFacts>();
  for (const names of chunks([...new Set(types)].sort(), 100)) {
    const page = await awsCall("ec2", "DescribeInstanceTypes", () =>
      ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: names as InstanceTypeName[] })),
    );
    for (const info of page.InstanceTypes ?? []) {
      if (info.InstanceType === undefined) continue;
      facts.set(info.InstanceType, { instanceStorageSupported: info.InstanceStorageSupported === true });
    }
  }
  return facts;
};

/** Instances the cheap checks (DescribeInstances alone) leave as candidates: only they need more reads. */
const candidatesOf = (instances: readonly InstanceView[], policy: IdleHibernateConfig) =>
  instances.filter(
    (i) =>
      i.state === "running" &&
      isOptedIn(i, policy) &&
      !isOptedOut(i, policy) &&
      i.autoScalingGroup === undefined &&
      managedFleetSignal(i, policy) === undefined,
  );

/** Instance types and the routes and local gateway routes that target the candidates. */
const observeCandidates = async (ec2: EC2Client, candidates: readonly InstanceView[]) => {
  if (candidates.length === 0) return { instanceTypes: new Map(), routes: [], localGatewayRoutes: [] };
  const onOutposts = candidates.filter((i) => i.outpostArn !== undefined);
  const [instanceTypes, routes, localGatewayRoutes] = await Promise.all([
    loadInstanceTypeFacts(
      ec2,
      candidates.map((i) => i.instanceType),
    ),
    loadRoutesTargeting(ec2, candidates),
    loadLocalGatewayRoutesTargeting(
      ec2,
      onOutposts.map((i) => i.outpostArn ?? ""),
      onOutposts.flatMap((i) => i.networkInterfaceIds),
    ),
  ]);
  return { instanceTypes, routes, localGatewayRoutes };
};

/** Fresh reads for the alarm and reconcile paths: the alarms, their instances, instance types, routes. */
export const observeHibernation = async (
  input: { kind: "alarms"; changes: AlarmChange[] } | { kind: "reconcile"; eventId: string },
  clients: Clients,
  policy: IdleHibernateConfig,
): Promise<HibernateObservation> => {
  const found =
    input.kind === "alarms"
      ? await observeAlarmEvents(input.changes, clients, policy)
      : await observeReconcile(input.eventId, clients, policy);
  const named = new Set(
    instanceIdsOfDimensions([...found.alarms, ...found.paused].flatMap((a) => a.metricDimensions)),
  );
  const instances = found.instances.filter((instance) => named.has(instance.id));
  return { ...found, instances, ...(await observeCandidates(clients.ec2, candidatesOf(instances, policy))) };
};

/**
 * The daily watch: every instance stopped by a hibernation (the documented filter), opted in or not any
 * more: reporting is a read; only opted-in ones may be started.
 */
export const observeHibernated = (ec2: EC2Client): Promise<InstanceView[]> =>
  describeInstances(ec2, [
    { Name: "instance-state-name", Values: ["stopped"] },
    { Name: "state-reason-code", Values: [HIBERNATE_REASON] },
  ]);

/**
 * Hibernations the toolkit requested within the blast-radius window (request tag time), counted from AWS:
 * instances stopping or stopped that carry the tag. 0 when no window is configured (no call).
 */
export const observeRecentRequests = async (
  ec2: EC2Client,
  policy: IdleHibernateConfig,
  now: number,
): Promise<number> => {
  const window = policy.blastRadiusWindow;
  if (window === undefined) return 0;
  const tagged = await describeInstances(ec2, [
    { Name: "tag-key", Values: [HIBERNATION_REQUEST_TAG] },
    { Name: "instance-state-name", Values: ["stopping", "stopped"] },
  ]);
  const since = now - window.minutes * 60_000;
  return tagged.filter((i) => Date.parse(i.tags[HIBERNATION_REQUEST_TAG] ?? "") >= since).length;
};
