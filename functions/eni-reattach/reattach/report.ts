import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { ec2Arn } from "../../../shared/aws/arn";
import { ENI_METRICS } from "../../../shared/observe/metrics-catalogue";
import { reportExecution } from "../../../shared/pipeline/report";
import type {
  ActionOutcome,
  Execution,
  ResourceOutcome,
  ResourceStatus,
} from "../../../shared/pipeline/types";
import { count, Metric } from "../../../shared/runtime/observability";
import type { StageContext } from "../../config";
import type { LocalGatewayRouteCheck } from "./lgw";
import { ACTION_KINDS, type HandOver, type LifecycleResult, type SlotStep } from "./plan";

/** eni-reattach's own metrics (dimension `Group`), beside the shared ones; the alarms watch them. */
export const EniMetric = {
  /** An ABANDON was sent (the only one: the instance can never take the set). Alarm. */
  LifecycleAbandoned: ENI_METRICS.LifecycleAbandoned.name,
  /** A CONTINUE was sent: the instance took the set (or the terminate hand-over is done). */
  LifecycleContinued: ENI_METRICS.LifecycleContinued.name,
  /** From the lifecycle action's start (the event's time) to its completion sent, milliseconds. */
  HandOverDuration: ENI_METRICS.HandOverDuration.name,
  /** A serving instance of the group holds the ENIs: the new one went into service without them. */
  HandOverDeferred: ENI_METRICS.HandOverDeferred.name,
  /** An instance of another group (or of none, running) holds ENIs of the set: never taken. */
  HandOverBlocked: ENI_METRICS.HandOverBlocked.name,
  /** At each reconcile: declared ENIs not attached to the group's serving firewall. Alarm (breaching). */
  MissingInterfaces: ENI_METRICS.MissingInterfaces.name,
  /**
   * At each reconcile: 1 when the group has a configuration issue (our hooks, the declared set, the group
   * size) that would bite at the next replacement, else 0. Alarm. Same name as the shared metric, with
   * the `Group` dimension.
   */
  GroupConfigurationErrors: ENI_METRICS.GroupConfigurationErrors.name,
  /** A part of the reconcile (a group, a waiting member) or a lifecycle action failed. */
  HandOverFailed: ENI_METRICS.HandOverFailed.name,
} as const;

export interface EniOutcome {
  eniId: string;
  deviceIndex: number;
  step: SlotStep["kind"];
  /** The shared status of the ENI's last write (attach, else release), or `blocked`. */
  status: ResourceStatus | "blocked";
  from?: string;
  detail?: string;
}

/** What happened to one lifecycle action (or one repair): the result of the function. */
export interface LifecycleOutcome {
  trigger: "event" | "reconcile";
  eventId: string;
  groupName: string;
  instanceId: string;
  hookName?: string;
  transition: "launch" | "terminate" | "repair";
  decision: string;
  /** The lifecycle result sent (or that would be sent in plan / dry-run mode). */
  result?: LifecycleResult;
  completion?: "completed" | "already-complete" | "not-sent" | "failed" | "unverified";
  issues: string[];
  enis: EniOutcome[];
  heartbeats: number;
  localGatewayRoutes: LocalGatewayRouteCheck[];
  capacityWarning?: string;
  /** The instance the ENIs go to. */
  target?: string;
  /** From the lifecycle action's start (its event's time) to the completion sent, when it was sent. */
  handOverMs?: number;
  /** The shared record of what was executed. */
  execution?: Execution;
}

const resourcesOf = (execution: Execution | undefined, kind: string): ResourceOutcome[] =>
  (execution?.actions ?? []).filter((a) => a.kind === kind).flatMap((a) => a.resources);

const COMPLETION: Record<ResourceStatus, LifecycleOutcome["completion"]> = {
  applied: "completed",
  "already-done": "already-complete",
  planned: "not-sent",
  permitted: "not-sent",
  denied: "failed",
  failed: "failed",
  unverified: "unverified",
};

const eniOutcome = (step: SlotStep, execution: Execution | undefined): EniOutcome => {
  const base = { eniId: step.slot.eniId, deviceIndex: step.slot.deviceIndex, step: step.kind };
  if (step.kind === "blocked") return { ...base, status: "blocked", from: step.from, detail: step.reason };
  if (step.kind === "in-place") return { ...base, status: "already-done" };
  const find = (kind: string) => resourcesOf(execution, kind).find((r) => r.resource === step.slot.eniId);
  const last = find(ACTION_KINDS.attach) ?? find(ACTION_KINDS.release);
  return {
    ...base,
    status: last?.status ?? "planned",
    ...(step.kind === "take" ? { from: step.from } : {}),
    ...(last?.detail !== undefined ? { detail: last.detail } : {}),
  };
};

/** Decisions that change ENIs: "planned" outside apply mode. */
const CHANGES = new Set([
  "attached",
  "handed-over",
  "detached-early",
  "repaired",
  "blocked-by-foreign-holder",
]);

/** The outcome of a hand-over's plan and execution. */
export const outcomeOf = (
  base: Pick<
    LifecycleOutcome,
    "trigger" | "eventId" | "groupName" | "instanceId" | "hookName" | "transition"
  >,
  handOver: HandOver,
  run: {
    execution?: Execution;
    issues: string[];
    localGatewayRoutes: LocalGatewayRouteCheck[];
    heartbeats: number;
  },
  mode: StageContext["mode"],
): LifecycleOutcome => {
  const completed = resourcesOf(run.execution, ACTION_KINDS.complete)[0];
  const completion = completed === undefined ? undefined : COMPLETION[completed.status];
  let decision = handOver.decision;
  if (completion === "already-complete" && (decision === "action-over" || decision === "already-attached"))
    decision = "already-complete";
  if (decision === "action-over" && completion === "completed") decision = "completed";
  if (mode !== "apply" && CHANGES.has(decision)) decision = "planned";
  return {
    ...base,
    decision,
    ...(handOver.result !== undefined && completed !== undefined ? { result: handOver.result } : {}),
    ...(completion !== undefined ? { completion } : {}),
    issues: [...handOver.issues, ...run.issues],
    enis: handOver.steps.map((s) => eniOutcome(s, run.execution)),
    heartbeats: run.heartbeats,
    localGatewayRoutes: run.localGatewayRoutes,
    ...(handOver.target !== undefined ? { target: handOver.target } : {}),
    ...(run.execution !== undefined ? { execution: run.execution } : {}),
  };
};

const groupMetric = (
  context: StageContext,
  name: string,
  group: string,
  value = 1,
  unit: (typeof MetricUnit)[keyof typeof MetricUnit] = MetricUnit.Count,
) => {
  const single = context.metrics.singleMetric();
  single.addDimension("Group", group);
  single.addMetric(name, unit, value);
};

/** The capability's metrics of one outcome (the shared ones come from reportExecution). */
const countOutcome = (context: StageContext, outcome: LifecycleOutcome, handOver: HandOver): void => {
  if (outcome.decision.startsWith("ignored-")) count(context.metrics, Metric.IgnoredEvents);
  if (handOver.flags.configuration) count(context.metrics, Metric.ConfigurationErrors);
  if (handOver.flags.preflight) count(context.metrics, Metric.PreconditionFailures);
  if (outcome.completion === "completed" && outcome.result !== undefined)
    groupMetric(
      context,
      outcome.result === "ABANDON" ? EniMetric.LifecycleAbandoned : EniMetric.LifecycleContinued,
      outcome.groupName,
    );
  if (outcome.handOverMs !== undefined)
    groupMetric(
      context,
      EniMetric.HandOverDuration,
      outcome.groupName,
      outcome.handOverMs,
      MetricUnit.Milliseconds,
    );
  if (handOver.flags.deferred) groupMetric(context, EniMetric.HandOverDeferred, outcome.groupName);
  if (handOver.flags.foreign) groupMetric(context, EniMetric.HandOverBlocked, outcome.groupName);
};

/** Published by every reconcile for each group (the alarms treat a missing datapoint as breaching). */
export const reportGroupHealth = (
  context: StageContext,
  group: string,
  health: { missing: number; configuration: boolean },
): void => {
  groupMetric(context, EniMetric.MissingInterfaces, group, health.missing);
  groupMetric(context, EniMetric.GroupConfigurationErrors, group, health.configuration ? 1 : 0);
};

export const reportFailure = (context: StageContext, group: string): void =>
  groupMetric(context, EniMetric.HandOverFailed, group);

const ACTION_NAMES: Record<string, string> = {
  [ACTION_KINDS.release]: "detach-eni",
  [ACTION_KINDS.attach]: "attach-eni",
  [ACTION_KINDS.attributes]: "set-eni-attributes",
  [ACTION_KINDS.complete]: "complete-lifecycle-action",
};

/**
 * Metrics of every outcome, then the shared report of every execution (ActionsTaken…, one "Ops Toolkit
 * Action" event per resource changed, named by ARN), and one log line per outcome.
 */
export const reportOutcomes = async (
  context: StageContext,
  outcomes: ReadonlyArray<{ outcome: LifecycleOutcome; handOver: HandOver }>,
  options: { region: string; accountId: string; triggerEventId: string },
): Promise<void> => {
  for (const { outcome, handOver } of outcomes) {
    countOutcome(context, outcome, handOver);
    const { execution: _execution, ...logged } = outcome;
    context.logger.info(
      `${outcome.groupName} ${outcome.transition} ${outcome.instanceId}: ${outcome.decision}`,
      {
        outcome: logged,
      },
    );
  }
  const actions: ActionOutcome[] = outcomes.flatMap(({ outcome }) => outcome.execution?.actions ?? []);
  await reportExecution({ mode: context.mode, decision: "", actions, skips: [] }, context, {
    region: options.region,
    triggerEventId: options.triggerEventId,
    actionName: (action) => ACTION_NAMES[action.kind] ?? action.kind,
    resourceName: (resource) =>
      ec2Arn(
        options.region,
        options.accountId,
        resource.resource.startsWith("eni-") ? "network-interface" : "instance",
        resource.resource,
      ),
  });
};
