import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { ec2Arn, invocationAccount } from "../../../shared/aws/arn";
import { IDLE_METRICS } from "../../../shared/observe/metrics-catalogue";
import { type ActionEventDetail, publishActionEvents } from "../../../shared/pipeline/action-events";
import { reportExecution } from "../../../shared/pipeline/report";
import type { Execution, Skip } from "../../../shared/pipeline/types";
import type { OpsResult } from "../../../shared/runtime/handler";
import { count, Metric } from "../../../shared/runtime/observability";
import type { StageContext } from "../../config";
import { CAPABILITY } from "../config";
import { type AlarmDecision, accountOf, eventIdsOf, type HibernateInput, regionOf } from "./parse";
import type { AgeFinding } from "./plan/age";
import type { HibernationProof, HibernationVerdict } from "./plan/proof";

/** The capability's own metrics (dimension service = idle-hibernate), named for what they prove. */
export const HIBERNATE_METRICS = {
  /** StateReason Client.UserInitiatedHibernate after our request: hibernation initiated (not: RAM saved). */
  HibernationInitiated: IDLE_METRICS.HibernationInitiated.name,
  /** An opted-in instance configured for hibernation stopped with another reason: its memory is lost. */
  NormalShutdown: IDLE_METRICS.NormalShutdown.name,
  /** Stopped plainly by a fallback policy (`stop`). */
  StoppedWithoutHibernation: IDLE_METRICS.StoppedWithoutHibernation.name,
  /** Alarms in ALARM whose actions are disabled. */
  HibernationPaused: IDLE_METRICS.HibernationPaused.name,
  /** Hibernated `hibernationAge.maxDays` or longer (the stack's alarm watches it). */
  HibernatedTooLong: IDLE_METRICS.HibernatedTooLong.name,
  /** Hibernated instances whose StateTransitionReason shows no stop time. */
  HibernationAgeUnknown: IDLE_METRICS.HibernationAgeUnknown.name,
  /** Instances skipped, per `Reason` (the dashboard's "skips by reason"). */
  HibernationSkipped: IDLE_METRICS.HibernationSkipped.name,
} as const;

const VERDICT_METRIC: Record<HibernationVerdict, string> = {
  "hibernate-initiated": HIBERNATE_METRICS.HibernationInitiated,
  "normal-shutdown": HIBERNATE_METRICS.NormalShutdown,
  "stopped-by-fallback": HIBERNATE_METRICS.StoppedWithoutHibernation,
};

export interface HibernateResult extends OpsResult {
  alarms: AlarmDecision[];
  actions: Execution["actions"];
  skips: Skip[];
  /** What the API proves of each stop (read back after our call, or on the instance's stopped event). */
  hibernation: HibernationProof[];
  /** The hibernation-age watch: instances hibernated too long, or of unknown age. */
  findings: AgeFinding[];
}

export const hibernateResult = (
  context: StageContext,
  decision: string,
  parts: Partial<Pick<HibernateResult, "alarms" | "hibernation" | "findings">> & { execution?: Execution },
): HibernateResult => ({
  capability: CAPABILITY,
  decision,
  mode: context.mode,
  alarms: parts.alarms ?? [],
  actions: parts.execution?.actions ?? [],
  skips: parts.execution?.skips ?? [],
  hibernation: parts.hibernation ?? [],
  findings: parts.findings ?? [],
});

/** No alarm to act on: each event's reason is logged and counted. */
export const emptyResult = (decisions: AlarmDecision[], context: StageContext): HibernateResult => {
  for (const decision of decisions) context.logger.info("Alarm event ignored", { ...decision });
  countAlarmDecisions(decisions, context);
  const only = decisions.length === 1 ? decisions[0]?.decision : undefined;
  return hibernateResult(context, only ?? "nothing-to-do", { alarms: decisions });
};

/** Ignored alarm events count as IgnoredEvents; paused alarms have their own metric. */
export const countAlarmDecisions = (decisions: readonly AlarmDecision[], context: StageContext): void => {
  count(
    context.metrics,
    Metric.IgnoredEvents,
    decisions.filter((d) => d.decision.startsWith("ignored-")).length,
  );
  count(
    context.metrics,
    HIBERNATE_METRICS.HibernationPaused,
    decisions.filter((d) => d.decision === "paused").length,
  );
};

interface Where {
  region: string;
  accountId: string;
  triggerEventId: string;
}

export const whereOf = (input: HibernateInput, context: StageContext): Where => ({
  region: regionOf(input),
  accountId: invocationAccount(context.lambda, accountOf(input)),
  triggerEventId: eventIdsOf(input),
});

const instanceArn = (where: Where, id: string) => ec2Arn(where.region, where.accountId, "instance", id);

/** A report that is not an action (a normal shutdown seen, an instance hibernated too long): apply mode only. */
const publishReports = (
  context: StageContext,
  where: Where,
  reports: Omit<ActionEventDetail, "capability" | "mode" | "region" | "triggerEventId" | "status">[],
) => {
  if (context.mode !== "apply" || reports.length === 0) return Promise.resolve(0);
  return publishActionEvents(
    context.clients.eventBridge(where.region),
    context.config.actionEvents,
    reports.map((report) => ({
      ...report,
      capability: CAPABILITY,
      status: "reported",
      mode: context.mode,
      region: where.region,
      triggerEventId: where.triggerEventId,
    })),
    context,
  );
};

/** Metrics, a log line and (normal shutdowns) an event per proof. */
export const reportProofs = async (
  proofs: readonly HibernationProof[],
  context: StageContext,
  where: Where,
  options: { countInitiated: boolean } = { countInitiated: true },
) => {
  for (const proof of proofs) {
    if (proof.verdict !== "hibernate-initiated" || options.countInitiated) {
      count(context.metrics, VERDICT_METRIC[proof.verdict]);
    }
    const log = proof.verdict === "normal-shutdown" ? context.logger.warn : context.logger.info;
    log.call(context.logger, "Hibernation proof", { ...proof });
  }
  await publishReports(
    context,
    where,
    proofs
      .filter((proof) => proof.verdict === "normal-shutdown")
      .map((proof) => ({
        action: "normal-shutdown",
        resources: [instanceArn(where, proof.instanceId)],
        description: `Stopped without hibernation (StateReason ${proof.stateReason}): its memory was not saved`,
        details: { ...proof },
      })),
  );
};

/** Metrics, a warning and an event per instance hibernated too long (or of unknown age). */
export const reportFindings = async (
  findings: readonly AgeFinding[],
  context: StageContext,
  where: Where,
) => {
  const tooLong = findings.filter((f) => f.verdict === "too-long");
  count(context.metrics, HIBERNATE_METRICS.HibernatedTooLong, tooLong.length);
  count(context.metrics, HIBERNATE_METRICS.HibernationAgeUnknown, findings.length - tooLong.length);
  for (const finding of findings) context.logger.warn("Hibernation age", { ...finding });
  await publishReports(
    context,
    where,
    findings.map((finding) => ({
      action: finding.verdict === "too-long" ? "hibernated-too-long" : "hibernation-age-unknown",
      resources: [instanceArn(where, finding.instanceId)],
      description: finding.detail,
      details: { ...finding },
    })),
  );
};

const ACTION_NAMES: Record<string, string> = {
  hibernate: "hibernate-instance",
  stop: "stop-instance",
  start: "start-instance",
};

/** One HibernationSkipped per skip, with its reason as the `Reason` dimension. */
const countSkipsByReason = (skips: readonly Skip[], context: StageContext) => {
  const byReason = new Map<string, number>();
  for (const skip of skips) byReason.set(skip.reason, (byReason.get(skip.reason) ?? 0) + 1);
  for (const [reason, skipped] of byReason) {
    const single = context.metrics.singleMetric();
    single.addDimension("Reason", reason);
    single.addMetric(HIBERNATE_METRICS.HibernationSkipped, MetricUnit.Count, skipped);
  }
};

/** Metrics, skip logs and one action event per instance changed (with its proof, when there is one). */
export const reportActions = (
  execution: Execution,
  context: StageContext,
  where: Where,
  proofs: ReadonlyMap<string, HibernationProof>,
) => {
  countSkipsByReason(execution.skips, context);
  return reportExecution(execution, context, {
    region: where.region,
    triggerEventId: where.triggerEventId,
    actionName: (action) => ACTION_NAMES[action.actionId.split(":")[0] ?? ""] ?? action.kind,
    resourceName: (resource) => instanceArn(where, resource.resource),
    details: (_action, resource) => {
      const proof = proofs.get(resource.resource);
      return proof === undefined ? undefined : { hibernation: proof.verdict, stateReason: proof.stateReason };
    },
  });
};
