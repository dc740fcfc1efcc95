import type { InstanceView, LocalGatewayRouteView, RouteView } from "../../../../shared/observe/model";
import type { Plan, PlannedAction, Skip } from "../../../../shared/pipeline/types";
import type { IdleHibernateConfig } from "../../config";
import { firstRefusal, type InstanceTypeFacts, type PreconditionFacts, SKIP_REASONS } from "./preconditions";

export { type InstanceTypeFacts, SKIP_REASONS, type SkipReason } from "./preconditions";

export const STOP_ACTION = "ec2:stop-instances";

export interface StopParams {
  instanceIds: string[];
  hibernate: boolean;
  /** When EC2 refuses the hibernation at apply time (UnsupportedHibernationConfiguration): skip, or stop plainly. */
  refusedFallback: IdleHibernateConfig["refusedAtApplyFallback"];
}

export interface HibernationInput {
  /** Instance ids named by the alarm(s) acted on, paused ones included. */
  instanceIds: readonly string[];
  instances: readonly InstanceView[];
  instanceTypes: ReadonlyMap<string, InstanceTypeFacts>;
  routes: readonly RouteView[];
  localGatewayRoutes: readonly LocalGatewayRouteView[];
  /** Each instance's idle window in minutes: the largest window of the alarms that name it. */
  windowMinutes: ReadonlyMap<string, number>;
  /** Instances named only by alarms whose actions are disabled → alarm name. */
  pausedBy: ReadonlyMap<string, string>;
  /** Hibernations the toolkit requested within `blastRadiusWindow` (0 when it is not configured). */
  recentRequests: number;
  now: Date;
}

/** How many instances this invocation may stop: per invocation, and what the window leaves. */
const budgetOf = (input: HibernationInput, policy: IdleHibernateConfig): { budget: number; why: string } => {
  const perInvocation = policy.maxInstancesPerInvocation;
  const window = policy.blastRadiusWindow;
  const left = window === undefined ? perInvocation : Math.max(0, window.maxInstances - input.recentRequests);
  return left < perInvocation && window !== undefined
    ? {
        budget: left,
        why: `${input.recentRequests} hibernation(s) requested in the last ${window.minutes} min (blastRadiusWindow.maxInstances ${window.maxInstances})`,
      }
    : { budget: perInvocation, why: `more than ${perInvocation} instances in one invocation` };
};

const factsOf = (input: HibernationInput, policy: IdleHibernateConfig): PreconditionFacts => {
  const routeTargets = new Map<string, RouteView>();
  for (const route of input.routes) for (const target of route.targets) routeTargets.set(target.id, route);
  const localGatewayRouteTargets = new Map<string, LocalGatewayRouteView>();
  for (const route of input.localGatewayRoutes) {
    if (route.networkInterfaceId) localGatewayRouteTargets.set(route.networkInterfaceId, route);
  }
  return {
    policy,
    now: input.now.getTime(),
    windowMinutes: input.windowMinutes,
    pausedBy: input.pausedBy,
    instanceTypes: input.instanceTypes,
    routeTargets,
    localGatewayRouteTargets,
  };
};

/** Sorts each named instance into hibernate, stop (fallback policy) or a skip with its reason. */
const sortInstances = (input: HibernationInput, policy: IdleHibernateConfig) => {
  const byId = new Map(input.instances.map((instance) => [instance.id, instance]));
  const facts = factsOf(input, policy);
  const skips: Skip[] = [];
  const hibernate: string[] = [];
  const stop: string[] = [];
  for (const id of [...new Set(input.instanceIds)].sort()) {
    const instance = byId.get(id);
    const refusal =
      instance === undefined
        ? { reason: SKIP_REASONS.notFound, detail: "DescribeInstances does not return this instance" }
        : firstRefusal(instance, facts);
    if (refusal !== undefined) skips.push({ resource: id, ...refusal });
    else if (instance?.hibernationConfigured === true) hibernate.push(id);
    else if (policy.notConfiguredFallback === "stop") stop.push(id);
    else {
      skips.push({
        resource: id,
        reason: SKIP_REASONS.hibernationNotConfigured,
        detail: "launched without hibernation; notConfiguredFallback is skip",
      });
    }
  }
  return { skips, hibernate, stop };
};

const stopAction = (
  ids: string[],
  hibernate: boolean,
  policy: IdleHibernateConfig,
): PlannedAction<StopParams> => ({
  id: `${hibernate ? "hibernate" : "stop"}:${ids.join(",")}`,
  kind: STOP_ACTION,
  resources: ids,
  description: hibernate
    ? `Hibernate ${ids.length} idle instance(s)`
    : `Stop ${ids.length} idle instance(s) without hibernation (notConfiguredFallback "stop")`,
  params: { instanceIds: ids, hibernate, refusedFallback: policy.refusedAtApplyFallback },
});

/**
 * Pure: which of the alarms' instances to hibernate (or stop, per the not-configured fallback), and why
 * each other one is skipped. No SDK call, no clock (now is an input), deterministic order.
 */
export const planHibernation = (input: HibernationInput, policy: IdleHibernateConfig): Plan<StopParams> => {
  const { skips, hibernate, stop } = sortInstances(input, policy);
  let { budget, why } = budgetOf(input, policy);
  const take = (ids: string[]): string[] => {
    const taken = ids.slice(0, Math.max(0, budget));
    budget -= taken.length;
    for (const id of ids.slice(taken.length)) {
      skips.push({ resource: id, reason: SKIP_REASONS.limitExceeded, detail: why });
    }
    return taken;
  };
  const hibernateNow = take(hibernate);
  const stopNow = take(stop);
  const actions = [
    ...(hibernateNow.length > 0 ? [stopAction(hibernateNow, true, policy)] : []),
    ...(stopNow.length > 0 ? [stopAction(stopNow, false, policy)] : []),
  ];
  const onlyPaused =
    actions.length === 0 && skips.length > 0 && skips.every((s) => s.reason === SKIP_REASONS.paused);
  const decision =
    hibernateNow.length > 0
      ? "hibernate"
      : stopNow.length > 0
        ? "stop"
        : onlyPaused
          ? "paused"
          : "nothing-to-do";
  return { decision, actions, skips };
};
