import { requireRegion } from "../../../shared/aws/region";
import type { AlarmView } from "../../../shared/observe/model";
import { executePlan } from "../../../shared/pipeline/executor";
import { throwIfUnverified } from "../../../shared/pipeline/outcome";
import type { StageContext } from "../../config";
import { CAPABILITY } from "../config";
import { createStopExecutor } from "./apply";
import { observeHibernation } from "./observe";
import { type HibernateInput, instanceIdsOfDimensions, regionOf } from "./parse";
import { planHibernation } from "./plan";
import { emptyResult, type HibernateResult, hibernateResult, reportHibernation } from "./report";

const alarmWindowMinutes = (alarm: AlarmView): number =>
  ((alarm.periodSeconds ?? 0) * (alarm.evaluationPeriods ?? 0)) / 60;

/** observe → plan → execute → report. */
export const runHibernate = async (
  input: HibernateInput,
  context: StageContext,
): Promise<HibernateResult> => {
  const policy = context.config.idleHibernate;
  const region = requireRegion(regionOf(input), CAPABILITY);
  const ec2 = context.clients.ec2(region);
  const observed = await observeHibernation(
    input,
    { cloudWatch: context.clients.cloudWatch(region), ec2 },
    policy,
  );
  if (observed.alarms.length === 0) return emptyResult(observed.decisions, context);

  const plan = planHibernation(
    {
      instanceIds: instanceIdsOfDimensions(observed.alarms.flatMap((alarm) => alarm.metricDimensions)),
      instances: observed.instances,
      routes: observed.routes,
      localGatewayRoutes: observed.localGatewayRoutes,
      alarmWindowMinutes: Math.max(0, ...observed.alarms.map(alarmWindowMinutes)),
      now: new Date(context.clock.now()),
    },
    policy,
  );
  context.logger.info("Plan", { decision: plan.decision, actions: plan.actions, skips: plan.skips });

  const execution = await executePlan(plan, context.mode, [
    createStopExecutor({ ec2, deadline: context.deadline, verifyTimeoutMs: policy.verifyTimeoutMs }),
  ]);
  await reportHibernation(execution, context, region, input);
  // Retryable: the retry re-reads the instances and converges (stopping instances are skipped).
  throwIfUnverified(
    execution.actions.flatMap((a) => a.resources),
    {
      summary: "instance(s) did not show stopping in time",
      expected: "stopping or stopped",
      waitedMs: policy.verifyTimeoutMs,
    },
  );
  return hibernateResult(context, plan.decision, observed.decisions, execution);
};
