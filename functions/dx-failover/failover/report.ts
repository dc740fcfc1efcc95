import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { ec2Arn } from "../../../shared/aws/arn";
import { DX_METRICS } from "../../../shared/observe/metrics-catalogue";
import { type ActionEventDetail, publishActionEvents } from "../../../shared/pipeline/action-events";
import { reportExecution } from "../../../shared/pipeline/report";
import type { Execution, ResourceOutcome } from "../../../shared/pipeline/types";
import { count, Metric } from "../../../shared/runtime/observability";

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

import type { StageContext } from "../../config";
import { CAPABILITY } from "../config";
import type { DefeatedOverride, GroupPlan } from "./plan";
import type { TriggerIgnored } from "./plan/trigger";

/**
 * What one group's invocation tells people: the metrics (per `Group`), one action event per route written,
 * and an alarm event per condition someone must look at (both paths down, a defeated override, stuck on the
 * VPN, a tag write that did not happen, a refused game day…).
 */

export const SWITCHES_METRIC = DX_METRICS.DxPathSwitches.name;
export const FAILOVERS_METRIC = DX_METRICS.DxFailovers.name;
export const FAILBACKS_METRIC = DX_METRICS.DxFailbacks.name;
export const ACTIVE_PATH_METRIC = DX_METRICS.DxActivePathVpn.name;
export const SWITCH_DURATION_METRIC = DX_METRICS.DxSwitchDuration.name;
export const BOTH_DOWN_METRIC = DX_METRICS.DxBothPathsDown.name;
export const OVERRIDE_DEFEATED_METRIC = DX_METRICS.DxOverrideDefeated.name;
export const STUCK_ON_VPN_METRIC = DX_METRICS.DxStuckOnVpn.name;
export const TRIGGER_IGNORED_METRIC = DX_METRICS.ProbeTriggerIgnored.name;
export const TAG_WRITE_FAILED_METRIC = DX_METRICS.DxTagWriteFailed.name;
export const INCOMPLETE_METRIC = DX_METRICS.DxSwitchIncomplete.name;
export const EVIDENCE_CONFLICT_METRIC = DX_METRICS.DxEvidenceConflict.name;

/** An alarm event of the group: someone must look. */
export interface GroupAlarm {
  action: string;
  description: string;
  resources: string[];
}

export interface GroupReport {
  group: string;
  plan: GroupPlan;
  execution: Execution;
  /** The switch took effect (a route of the new path is in place, or none was needed). */
  effective: boolean;
  defeated: DefeatedOverride[];
  alarms: GroupAlarm[];
  region: string;
  accountId: string;
  triggerEventId: string;
  /** When the DX outage began (the trigger's evidence), for the switch duration. */
  failingSince?: number;
  started: number;
}

/** The alarm events of a group's invocation. */
/**
 * Route writes of the path the decision wants that did not happen (refused, throttled, not attempted): the
 * traffic of those table × CIDR cells stays where it was — on a dead DX after a failover. (A route written
 * but defeated by more specific routes has its own alarm; `denied` is plan or dry-run mode.)
 */
export const incompleteWrites = (plan: GroupPlan, execution: Execution): ResourceOutcome[] =>
  plan.decision.desired === "hold"
    ? []
    : execution.actions
        .flatMap((a) => a.resources)
        .filter((o) => o.status === "failed" && o.code !== "override-defeated");

export const groupAlarms = (
  g: Pick<GroupReport, "group" | "plan" | "defeated"> & {
    incomplete?: readonly ResourceOutcome[];
    ambiguousAppliance?: readonly string[];
    probeTablesEnrolled?: readonly string[];
  },
  tagProblems: string[],
): GroupAlarm[] => {
  const { decision, plan, blocked, stuckSince } = g.plan;
  const alarms: GroupAlarm[] = [];
  const add = (action: string, description: string, resources: string[] = []) =>
    alarms.push({ action, description: `dx-failover group ${g.group}: ${description}`, resources });
  if (g.ambiguousAppliance !== undefined)
    add(
      "appliance-ambiguous",
      `several attached ENIs carry the appliance tag (${g.ambiguousAppliance.join(", ")}): none is used, the VPN is not ready`,
      [...g.ambiguousAppliance],
    );
  if ((g.probeTablesEnrolled ?? []).length > 0)
    add(
      "probe-table-enrolled",
      "a route table of the probe's subnets carries the group tag: left out of the group (it must keep the DX route)",
      [...(g.probeTablesEnrolled ?? [])],
    );
  const short = g.plan.shortOfRoutes;
  if (short.length > 0)
    add(
      "route-headroom",
      `a failover could not write every route (route quota): ${short.map((t) => `${t.routeTableId} ${t.family} ${t.used} used + ${t.needed} needed > ${t.quota}`).join("; ")}`,
      short.map((t) => t.routeTableId),
    );
  const incomplete = g.incomplete ?? [];
  if (incomplete.length > 0)
    add(
      decision.desired === "vpn" ? "failover-incomplete" : "failback-incomplete",
      `${incomplete.length} route write(s) of the ${decision.desired} path not done: ${incomplete.map((o) => `${o.resource} ${o.code ?? o.failure?.code ?? "failed"}`).join("; ")}`,
      incomplete.map((o) => o.resource),
    );
  if (decision.alarm !== undefined)
    add(decision.alarm, `${decision.alarm} (${decision.reason}); ${decision.assessment.evidence.join("; ")}`);
  const conflicts = plan.cells.filter((c) => c.action === "conflict");
  if (conflicts.length > 0)
    add(
      "conflicting-static-route",
      `${conflicts.length} route(s) to another target refused and left untouched`,
      conflicts.map((c) => `${c.routeTableId}:${c.cidr}`),
    );
  if (g.defeated.length > 0)
    add(
      "override-defeated",
      `the static route to the appliance does not carry all of the CIDR (more specific routes win): ${g.defeated.map((d) => `${d.routeTableId} ${d.cidr}: ${d.by.join(", ")}`).join("; ")}`,
      g.defeated.map((d) => `${d.routeTableId}:${d.cidr}`),
    );
  if (stuckSince !== undefined)
    add(
      "stuck-on-vpn",
      `Direct Connect restored since ${new Date(stuckSince).toISOString()}, but it would not carry: ${blocked.map((b) => `${b.routeTableId} ${b.segments.join(", ")}`).join("; ")}`,
      blocked.map((b) => `${b.routeTableId}:${b.cidr}`),
    );
  if (g.plan.refusedOverride !== undefined)
    add(
      "override-refused",
      `a game-day override in the state tags (${g.plan.refusedOverride.force} until ${new Date(g.plan.refusedOverride.until).toISOString()}) lasts longer than any command may set: ignored and cleared`,
    );
  if (tagProblems.length > 0)
    add("tag-write-failed", `state or ownership tags not written (routes were): ${tagProblems.join("; ")}`);
  return alarms;
};

/** One metric with its own dimension (a single metric loses its dimensions once published). */
const dimensioned = (
  context: StageContext,
  dimension: [string, string],
  name: string,
  unit: Unit,
  value: number,
) => {
  const m = context.metrics.singleMetric();
  m.addDimension(...dimension);
  m.addMetric(name, unit, value);
};

const groupMetrics = (r: GroupReport, context: StageContext) => {
  const { decision } = r.plan;
  const put = (name: string, value: number, unit: Unit = MetricUnit.Count) =>
    dimensioned(context, ["Group", r.group], name, unit, value);
  const activeAfter =
    decision.switch && r.effective && decision.desired !== "hold" ? decision.desired : decision.activePath;
  put(ACTIVE_PATH_METRIC, activeAfter === "vpn" ? 1 : 0);
  put(OVERRIDE_DEFEATED_METRIC, r.defeated.length);
  put(STUCK_ON_VPN_METRIC, r.plan.stuckSince !== undefined ? 1 : 0);
  put(EVIDENCE_CONFLICT_METRIC, decision.assessment.evidenceConflict ? 1 : 0);
  if (decision.alarm === "both-paths-down") put(BOTH_DOWN_METRIC, 1);
  if (r.alarms.some((a) => a.action === "tag-write-failed")) put(TAG_WRITE_FAILED_METRIC, 1);
  const incomplete = r.alarms.find((a) => a.action.endsWith("-incomplete"));
  if (incomplete !== undefined) put(INCOMPLETE_METRIC, incomplete.resources.length);
  if (decision.switch && r.effective && context.mode === "apply") {
    put(SWITCHES_METRIC, 1);
    put(decision.desired === "vpn" ? FAILOVERS_METRIC : FAILBACKS_METRIC, 1);
    put(SWITCH_DURATION_METRIC, context.clock.now() - (r.failingSince ?? r.started), MetricUnit.Milliseconds);
  }
};

/** The trigger's counters were not used (still a wake-up): counted per reason. */
export const reportIgnoredTrigger = (context: StageContext, group: string, reason: TriggerIgnored) => {
  dimensioned(context, ["Reason", reason], TRIGGER_IGNORED_METRIC, MetricUnit.Count, 1);
  context.logger.warn("Probe trigger evidence ignored: the decision uses fresh signals only", {
    group,
    reason,
  });
};

const notDone = (o: ResourceOutcome) =>
  !["applied", "already-done", "planned", "permitted"].includes(o.status);

export const reportGroup = async (r: GroupReport, context: StageContext): Promise<void> => {
  const { decision, plan } = r.plan;
  groupMetrics(r, context);
  await reportExecution(r.execution, context, {
    region: r.region,
    triggerEventId: r.triggerEventId,
    actionName: (action) => `dx-failover-${action.kind.replace("ec2:", "")}`,
    resourceName: (resource) =>
      ec2Arn(r.region, r.accountId, "route-table", resource.resource.split(":")[0] ?? ""),
    details: (_action, resource) => ({
      group: r.group,
      cidr: resource.resource.slice(resource.resource.indexOf(":") + 1),
      decision: plan.decision,
      reason: decision.reason,
      applianceEniId: r.plan.routeGroup.applianceEniId,
    }),
  });
  const conflicts = plan.cells.filter((c) => c.action === "conflict").length;
  if (conflicts > 0) count(context.metrics, Metric.Conflicts, conflicts);
  for (const outcome of r.execution.actions.flatMap((a) => a.resources))
    if (notDone(outcome)) context.logger.error("Route write not done", { group: r.group, ...outcome });
  if (context.mode !== "apply" || r.alarms.length === 0) return;
  const details: ActionEventDetail[] = r.alarms.map((a) => ({
    capability: CAPABILITY,
    action: a.action,
    status: "alarm",
    resources: a.resources,
    description: a.description,
    mode: context.mode,
    triggerEventId: r.triggerEventId,
    region: r.region,
    details: { group: r.group, desired: decision.desired, reason: decision.reason },
  }));
  await publishActionEvents(
    context.clients.eventBridge(r.region),
    context.config.actionEvents,
    details,
    context,
  );
};
