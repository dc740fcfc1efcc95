import { ec2Arn, invocationAccount } from "../../shared/aws/arn";
import { requireRegion } from "../../shared/aws/region";
import type { AlarmChange, ScheduleTick } from "../../shared/events";
import {
  loadInstances,
  loadLocalGatewayRoutesTargeting,
  loadMetricAlarms,
  loadRoutesTargeting,
} from "../../shared/observe/loaders";
import type { AlarmView, InstanceView } from "../../shared/observe/model";
import { executePlan } from "../../shared/pipeline/executor";
import { throwIfUnverified } from "../../shared/pipeline/outcome";
import { reportExecution } from "../../shared/pipeline/report";
import type { Execution, Skip } from "../../shared/pipeline/types";
import { ConfigurationError } from "../../shared/runtime/errors";
import type { OpsResult } from "../../shared/runtime/handler";
import { count, Metric } from "../../shared/runtime/observability";
import type { StageContext } from "../config";
import { planHibernation } from "./plan";
import { createStopExecutor } from "./stop-executor";

export const CAPABILITY = "idle-hibernate";

export type HibernateInput =
  | { kind: "alarms"; changes: AlarmChange[] }
  | { kind: "reconcile"; tick: ScheduleTick };

/** Why an alarm event leads to no action at all (before any instance is looked at). */
export interface AlarmDecision {
  alarmName: string;
  eventId: string;
  decision: string;
  detail: string;
}

export interface HibernateResult extends OpsResult {
  alarms: AlarmDecision[];
  actions: Execution["actions"];
  skips: Skip[];
}

/** Every InstanceId dimension of every metric of the alarm (metric math reads several instances). */
export const instanceIdsOfDimensions = (dimensions: ReadonlyArray<Record<string, string>>): string[] => [
  ...new Set(dimensions.map((d) => d.InstanceId).filter((id): id is string => id !== undefined)),
];

const alarmWindowMinutes = (alarm: AlarmView): number =>
  ((alarm.periodSeconds ?? 0) * (alarm.evaluationPeriods ?? 0)) / 60;

/**
 * Alarm path, first step (no AWS call): act only on a real transition into ALARM of one of our
 * alarms whose actions are not suppressed; an alarm naming no instance is a configuration error.
 */
const screenAlarmChanges = (changes: AlarmChange[], prefix: string) => {
  const decisions: AlarmDecision[] = [];
  const candidates: AlarmChange[] = [];
  for (const change of changes) {
    const base = { alarmName: change.alarmName, eventId: change.eventId };
    if (!change.alarmName.startsWith(prefix)) {
      decisions.push({
        ...base,
        decision: "ignored-foreign-alarm",
        detail: `alarm name does not start with "${prefix}"`,
      });
    } else if (change.state.value !== "ALARM") {
      decisions.push({
        ...base,
        decision: "ignored-not-alarm",
        detail: `new state is ${change.state.value}`,
      });
    } else if (change.state.actionsSuppressedBy !== undefined) {
      decisions.push({
        ...base,
        decision: "ignored-actions-suppressed",
        detail: `alarm actions are suppressed (${change.state.actionsSuppressedBy})`,
      });
    } else if (change.previousState?.value === "ALARM") {
      decisions.push({
        ...base,
        decision: "ignored-no-transition",
        detail: "previous state was already ALARM",
      });
    } else if (
      change.alarmType === "composite" ||
      instanceIdsOfDimensions(change.metrics.map((m) => m.dimensions)).length === 0
    ) {
      throw new ConfigurationError(
        `Alarm ${change.alarmName} names no instance: it has no InstanceId dimension`,
        {
          source: change.alarmArn,
          issues: ["every idle alarm must read a metric with an InstanceId dimension"],
        },
      );
    } else {
      candidates.push(change);
    }
  }
  return { decisions, candidates };
};

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

export const runHibernate = async (
  input: HibernateInput,
  context: StageContext,
): Promise<HibernateResult> => {
  const policy = context.config.idleHibernate;
  const region = requireRegion(
    input.kind === "alarms" ? (input.changes[0]?.region ?? "") : input.tick.region,
    CAPABILITY,
  );
  const cloudWatch = context.clients.cloudWatch(region);
  const ec2 = context.clients.ec2(region);
  let decisions: AlarmDecision[];
  let alarms: AlarmView[];
  let instances: InstanceView[];
  if (input.kind === "alarms") {
    const screened = screenAlarmChanges(input.changes, policy.alarmNamePrefix);
    decisions = screened.decisions;
    if (screened.candidates.length === 0) return emptyResult(decisions, context);
    // The alarm's current state and its instances are read together: one round trip less on the
    // path to hibernation, at the price of a wasted read when the alarm has recovered meanwhile.
    const [described, loaded] = await Promise.all([
      loadMetricAlarms(cloudWatch, { names: screened.candidates.map((change) => change.alarmName) }),
      loadInstances(
        ec2,
        instanceIdsOfDimensions(screened.candidates.flatMap((c) => c.metrics.map((m) => m.dimensions))),
      ),
    ]);
    alarms = confirmAlarms(screened.candidates, described, decisions);
    instances = loaded;
  } else {
    // Reconcile: every one of our alarms that is in ALARM now, in case an event was missed.
    alarms = await loadMetricAlarms(cloudWatch, { prefix: policy.alarmNamePrefix, state: "ALARM" });
    decisions = alarms.map((alarm) => ({
      alarmName: alarm.name,
      eventId: input.tick.eventId,
      decision: "acting",
      detail: "reconcile: alarm is in ALARM now",
    }));
    const ids = instanceIdsOfDimensions(alarms.flatMap((alarm) => alarm.metricDimensions));
    instances = ids.length > 0 ? await loadInstances(ec2, ids) : [];
  }
  const result = (decision: string, execution?: Execution): HibernateResult => ({
    capability: CAPABILITY,
    decision,
    mode: context.mode,
    alarms: decisions,
    actions: execution?.actions ?? [],
    skips: execution?.skips ?? [],
  });
  if (alarms.length === 0) return emptyResult(decisions, context);

  const instanceIds = instanceIdsOfDimensions(alarms.flatMap((alarm) => alarm.metricDimensions));
  instances = instances.filter((instance) => instanceIds.includes(instance.id));
  const running = instances.filter((instance) => instance.state === "running");
  const [routes, localGatewayRoutes] = await Promise.all([
    running.length > 0 ? loadRoutesTargeting(ec2, running) : [],
    loadLocalGatewayRoutesTargeting(
      ec2,
      running.flatMap((i) => (i.outpostArn ? [i.outpostArn] : [])),
      running.flatMap((i) => (i.outpostArn ? i.networkInterfaceIds : [])),
    ),
  ]);

  const plan = planHibernation(
    {
      instanceIds,
      instances,
      routes,
      localGatewayRoutes,
      alarmWindowMinutes: Math.max(0, ...alarms.map(alarmWindowMinutes)),
      now: new Date(context.clock.now()),
    },
    policy,
  );
  context.logger.info("Plan", { decision: plan.decision, actions: plan.actions, skips: plan.skips });

  const execution = await executePlan(plan, context.mode, [
    createStopExecutor({ ec2, deadline: context.deadline, verifyTimeoutMs: policy.verifyTimeoutMs }),
  ]);
  await report(execution, context, region, input);
  // Retryable: the retry re-reads the instances and converges (stopping instances are skipped).
  throwIfUnverified(
    execution.actions.flatMap((a) => a.resources),
    {
      summary: "instance(s) did not show stopping in time",
      expected: "stopping or stopped",
      waitedMs: policy.verifyTimeoutMs,
    },
  );
  return result(plan.decision, execution);
};

const emptyResult = (decisions: AlarmDecision[], context: StageContext): HibernateResult => {
  for (const decision of decisions) context.logger.info("Alarm event ignored", { ...decision });
  count(context.metrics, Metric.IgnoredEvents, decisions.length);
  const only = decisions.length === 1 ? decisions[0]?.decision : undefined;
  return {
    capability: CAPABILITY,
    decision: only ?? "nothing-to-do",
    mode: context.mode,
    alarms: decisions,
    actions: [],
    skips: [],
  };
};

const report = (execution: Execution, context: StageContext, region: string, input: HibernateInput) => {
  const accountId = invocationAccount(
    context.lambda,
    input.kind === "alarms" ? input.changes[0]?.accountId : input.tick.accountId,
  );
  return reportExecution(execution, context, {
    region,
    triggerEventId:
      input.kind === "alarms" ? input.changes.map((c) => c.eventId).join(",") : input.tick.eventId,
    actionName: (action) =>
      action.actionId.startsWith("hibernate") ? "hibernate-instance" : "stop-instance",
    resourceName: (resource) => ec2Arn(region, accountId, "instance", resource.resource),
  });
};
