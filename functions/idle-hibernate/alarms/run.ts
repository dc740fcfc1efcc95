import { requireRegion } from "../../../shared/aws/region";
import { executePlan } from "../../../shared/pipeline/executor";
import { count, Metric } from "../../../shared/runtime/observability";
import type { StageContext } from "../../config";
import { ALARMS_CAPABILITY } from "../config";
import { runStopped } from "../hibernate/run";
import { createAlarmExecutors } from "./apply";
import { observeAlarms, observeOwnership } from "./observe";
import { type AlarmsInput, alarmsRegion } from "./parse";
import { planIdleAlarms } from "./plan";
import { type AlarmsResult, alarmsResult, reportAlarms } from "./report";

/** observe → plan → execute → report. */
export const runIdleAlarms = async (input: AlarmsInput, context: StageContext): Promise<AlarmsResult> => {
  const policy = context.config.idleHibernate;
  const region = requireRegion(alarmsRegion(input), ALARMS_CAPABILITY);
  if (input.kind === "state-change" && input.change.state === "stopped") {
    // The account-wide stopped rule feeds this function, not the single writer that hibernates.
    const judged = await runStopped({ kind: "stopped", change: input.change }, context);
    return { ...alarmsResult(context, judged.decision), hibernation: judged.hibernation ?? [] };
  }
  if (
    input.kind === "state-change" &&
    input.change.state !== "running" &&
    input.change.state !== "terminated"
  ) {
    const { instanceId, state } = input.change;
    context.logger.info("State change needs no alarm change", { instanceId, state });
    count(context.metrics, Metric.IgnoredEvents);
    return alarmsResult(context, `ignored-state-${state}`);
  }
  const clients = { ec2: context.clients.ec2(region), cloudWatch: context.clients.cloudWatch(region) };
  const observed = await observeAlarms(input, clients, policy);
  const ownership = await observeOwnership(clients.cloudWatch, observed, policy);
  const plan = planIdleAlarms(
    {
      ...observed,
      managedAlarmNames: ownership.managed,
      unreadOwnership: ownership.unread,
      reconcileAll: input.kind === "reconcile",
    },
    policy,
  );
  context.logger.info("Plan", { decision: plan.decision, actions: plan.actions, skips: plan.skips });
  const execution = await executePlan(
    plan,
    context.mode,
    createAlarmExecutors({
      cloudWatch: clients.cloudWatch,
      deadline: context.deadline,
      verifyTimeoutMs: policy.verifyTimeoutMs,
    }),
  );
  await reportAlarms(execution, context, region, input);
  return alarmsResult(context, plan.decision, execution);
};
