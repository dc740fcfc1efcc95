import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { ec2Arn } from "../../../shared/aws/arn";
import { publishActionEvents } from "../../../shared/pipeline/action-events";
import { reportExecution } from "../../../shared/pipeline/report";
import type { Execution } from "../../../shared/pipeline/types";
import { count, Metric } from "../../../shared/runtime/observability";
import type { StageContext } from "../../config";
import { CAPABILITY, type DxFailoverGroupConfig } from "../config";
import type { ProbeTriggerDetail } from "../evidence";
import type { Decision } from "./plan/decide";
import type { RoutePlan } from "./plan/routes";

export const SWITCHES_METRIC = "DxPathSwitches";
export const ACTIVE_PATH_METRIC = "DxActivePathVpn";
export const SWITCH_DURATION_METRIC = "DxSwitchDuration";
export const BOTH_DOWN_METRIC = "DxBothPathsDown";

export const report = async (
  group: DxFailoverGroupConfig,
  decision: Decision,
  plan: RoutePlan,
  execution: Execution,
  context: StageContext,
  region: string,
  triggerEventId: string,
  started: number,
  trigger: ProbeTriggerDetail | undefined,
  effective: boolean,
  accountId: string,
) => {
  const single = context.metrics.singleMetric();
  single.addDimension("Group", group.name);
  const activeAfter =
    decision.switch && effective && decision.desired !== "hold" ? decision.desired : decision.activePath;
  single.addMetric(ACTIVE_PATH_METRIC, MetricUnit.Count, activeAfter === "vpn" ? 1 : 0);
  if (decision.switch && effective && context.mode === "apply") {
    const s2 = context.metrics.singleMetric();
    s2.addDimension("Group", group.name);
    s2.addMetric(SWITCHES_METRIC, MetricUnit.Count, 1);
    const from = trigger?.dxFailingSince ?? started;
    s2.addMetric(SWITCH_DURATION_METRIC, MetricUnit.Milliseconds, context.clock.now() - from);
  }
  await reportExecution(execution, context, {
    region,
    triggerEventId,
    actionName: (action) =>
      action.kind === "ec2:create-route" ? "dx-failover-create-route" : "dx-failover-delete-route",
    resourceName: (resource) =>
      ec2Arn(region, accountId, "route-table", resource.resource.split(":")[0] ?? ""),
    details: (_action, resource) => ({
      group: group.name,
      cidr: resource.resource.split(":")[1],
      decision: plan.decision,
      reason: decision.reason,
      applianceEniId: group.applianceEniId,
    }),
  });
  const conflicts = plan.cells.filter((c) => c.action === "conflict");
  if (conflicts.length > 0) count(context.metrics, Metric.Conflicts, conflicts.length);
  if (decision.alarm === "both-paths-down") count(context.metrics, BOTH_DOWN_METRIC, 1);
  const alarms: Array<{ action: string; description: string; resources: string[] }> = [];
  if (decision.alarm !== undefined)
    alarms.push({
      action: decision.alarm,
      description: `dx-failover group ${group.name}: ${decision.alarm} (${decision.reason}); ${decision.assessment.evidence.join("; ")}`,
      resources: [],
    });
  if (conflicts.length > 0)
    alarms.push({
      action: "conflicting-static-route",
      description: `dx-failover group ${group.name}: ${conflicts.length} route(s) to another target refused and left untouched`,
      resources: conflicts.map((c) => `${c.routeTableId}:${c.cidr}`),
    });
  for (const outcome of execution.actions.flatMap((a) => a.resources))
    if (
      outcome.status !== "applied" &&
      outcome.status !== "already-done" &&
      outcome.status !== "planned" &&
      outcome.status !== "permitted"
    )
      context.logger.error("Route write not done", { group: group.name, ...outcome });
  if (context.mode !== "apply" || alarms.length === 0) return;
  await publishActionEvents(
    context.clients.eventBridge(region),
    context.config.actionEvents,
    alarms.map((a) => ({
      capability: CAPABILITY,
      action: a.action,
      status: "alarm",
      resources: a.resources,
      description: a.description,
      mode: context.mode,
      triggerEventId,
      region,
      details: { group: group.name, desired: decision.desired, reason: decision.reason },
    })),
    context,
  );
};
