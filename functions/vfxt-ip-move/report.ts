import { ec2Arn, invocationAccount } from "../../shared/aws/arn";
import { publishActionEvents } from "../../shared/pipeline/action-events";
import { reportExecution } from "../../shared/pipeline/report";
import type { ActionOutcome, Execution, ResourceOutcome, Skip } from "../../shared/pipeline/types";
import type { OpsResult } from "../../shared/runtime/handler";
import { count, Metric } from "../../shared/runtime/observability";
import type { StageContext } from "../config";
import { CAPABILITY } from "./config";
import { accountOf, eventIdsOf, type TriggerDecision, type VfxtInput } from "./parse";
import { type ClusterDecision, type ClusterPlan, MOVE_SECONDARY_ACTION, type Move } from "./plan";

/** Metric of this capability: a cluster with addresses to serve and no healthy node to serve them. */
export const NO_HEALTHY_NODE_METRIC = "NoHealthyNode";
export const ADDRESSES_MOVED_METRIC = "AddressesMoved";

export interface ClusterSummary {
  name: string;
  decision: ClusterDecision;
  healthy: string[];
  moves: Move[];
  skips: Skip[];
  loads: Record<string, number>;
}

export interface VfxtResult extends OpsResult {
  triggers: TriggerDecision[];
  clusters: ClusterSummary[];
  actions: Execution["actions"];
  skips: Skip[];
}

export const summaryOf = (p: ClusterPlan): ClusterSummary => ({
  name: p.cluster,
  decision: p.decision,
  healthy: p.healthy,
  moves: p.moves,
  skips: p.skips,
  loads: p.loads,
});

export const logPlan = (plan: ClusterPlan, context: StageContext): void => {
  context.logger.info("Plan", {
    cluster: plan.cluster,
    decision: plan.decision,
    healthy: plan.healthy,
    moves: plan.moves,
    skips: plan.skips,
    loads: plan.loads,
  });
};

export const ignored = (
  result: (decision: string) => VfxtResult,
  decisions: TriggerDecision[],
  context: StageContext,
): VfxtResult => {
  for (const decision of decisions) context.logger.info("Event ignored", { ...decision });
  count(context.metrics, Metric.IgnoredEvents, Math.max(1, decisions.length));
  const only = decisions.length === 1 ? decisions[0]?.decision : undefined;
  return result(only ?? "nothing-to-do");
};

export const report = async (
  execution: Execution,
  plans: ClusterPlan[],
  context: StageContext,
  region: string,
  input: VfxtInput,
) => {
  const accountId = invocationAccount(context.lambda, accountOf(input));
  const triggerEventId = eventIdsOf(input);
  const planOf = (actionId: string) => plans.find((p) => p.actions.some((a) => a.id === actionId));
  /** The address of an outcome: the address itself, or `rtb-…:<address>/32`. */
  const addressOf = (action: ActionOutcome, resource: ResourceOutcome) =>
    action.kind === MOVE_SECONDARY_ACTION
      ? resource.resource
      : (resource.resource.split(":")[1] ?? "").replace(/\/32$/, "");
  const moveOf = (action: ActionOutcome, resource: ResourceOutcome) =>
    planOf(action.actionId)?.moves.find((m) => m.address === addressOf(action, resource));
  await reportExecution(execution, context, {
    region,
    triggerEventId,
    actionName: (action) => (action.kind === MOVE_SECONDARY_ACTION ? "move-secondary-ip" : "move-route"),
    resourceName: (resource) => {
      const action = execution.actions.find((a) => a.resources.includes(resource));
      if (action === undefined || action.kind === MOVE_SECONDARY_ACTION) {
        const move = action === undefined ? undefined : moveOf(action, resource);
        return ec2Arn(region, accountId, "network-interface", move?.toEni ?? "");
      }
      return ec2Arn(region, accountId, "route-table", resource.resource.split(":")[0] ?? "");
    },
    details: (action, resource) => {
      const move = moveOf(action, resource);
      return {
        cluster: planOf(action.actionId)?.cluster,
        address: addressOf(action, resource),
        from: move?.from,
        to: move?.to,
        toNetworkInterface: move?.toEni,
        reason: move?.reason,
      };
    },
  });
  const moved = execution.actions
    .filter((a) => a.kind === MOVE_SECONDARY_ACTION)
    .flatMap((a) => a.resources)
    .filter((r) => r.status === "applied").length;
  if (moved > 0) count(context.metrics, ADDRESSES_MOVED_METRIC, moved);
  for (const outcome of execution.actions.flatMap((a) => a.resources)) {
    if (outcome.status === "failed" || outcome.status === "denied" || outcome.status === "unverified") {
      context.logger.error("Address move failed", { ...outcome });
    }
  }
  const stranded = plans.filter((p) => p.decision === "no-healthy-node");
  for (const plan of stranded) {
    count(context.metrics, NO_HEALTHY_NODE_METRIC, 1);
    context.logger.error("No healthy node: client addresses left where they are", {
      cluster: plan.cluster,
      addresses: plan.skips.filter((s) => s.reason === "no-healthy-node").map((s) => s.resource),
    });
  }
  if (context.mode !== "apply" || stranded.length === 0) return;
  await publishActionEvents(
    context.clients.eventBridge(region),
    context.config.actionEvents,
    stranded.map((plan) => ({
      capability: CAPABILITY,
      action: "no-healthy-node",
      status: "alarm",
      resources: plan.skips.filter((s) => s.reason === "no-healthy-node").map((s) => s.resource),
      description: `vFXT cluster ${plan.cluster} has no healthy node: ${plan.skips.length} address(es) left unserved`,
      mode: context.mode,
      triggerEventId,
      region,
      details: { cluster: plan.cluster },
    })),
    context,
  );
};
