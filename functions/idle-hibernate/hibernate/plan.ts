import type { InstanceView, LocalGatewayRouteView, RouteView } from "../../../shared/observe/model";
import type { Plan, PlannedAction, Skip } from "../../../shared/pipeline/types";
import type { IdleHibernateConfig } from "../config";

/**
 * Why an instance named by an idle alarm is not hibernated. Each is documented in the README
 * ("idle-hibernate → skip reasons").
 */
export const SKIP_REASONS = {
  notFound: "instance-not-found",
  notRunning: "not-running",
  notOptedIn: "not-opted-in",
  optedOut: "opted-out",
  autoScalingMember: "auto-scaling-member",
  recentlyStarted: "recently-started",
  routeTarget: "route-target",
  localGatewayRouteTarget: "local-gateway-route-target",
  hibernationNotConfigured: "hibernation-not-configured",
  limitExceeded: "limit-exceeded",
} as const;

export interface StopParams {
  instanceIds: string[];
  hibernate: boolean;
  /** When EC2 refuses hibernation for an instance at apply time: skip it, or stop it plainly. */
  fallback: IdleHibernateConfig["notConfiguredFallback"];
}

export interface HibernationInput {
  /** Instance ids named by the alarm(s), in the order they appear. */
  instanceIds: readonly string[];
  instances: readonly InstanceView[];
  routes: readonly RouteView[];
  localGatewayRoutes: readonly LocalGatewayRouteView[];
  /** The alarm's evaluation window in minutes (period × evaluation periods), when known. */
  alarmWindowMinutes: number;
  now: Date;
}

export const STOP_ACTION = "ec2:stop-instances";

/**
 * Pure: which of the alarm's instances to hibernate (or stop, per the fallback policy), and why each
 * other one is skipped. No SDK call, no clock (now is an input), deterministic order.
 */
export const planHibernation = (input: HibernationInput, policy: IdleHibernateConfig): Plan<StopParams> => {
  const byId = new Map(input.instances.map((instance) => [instance.id, instance]));
  const routeTargets = new Map<string, RouteView>();
  for (const route of input.routes) for (const target of route.targets) routeTargets.set(target.id, route);
  const lgwTargets = new Map<string, LocalGatewayRouteView>();
  for (const route of input.localGatewayRoutes) {
    if (route.networkInterfaceId) lgwTargets.set(route.networkInterfaceId, route);
  }
  const windowMinutes = Math.max(policy.minimumUptimeMinutes, input.alarmWindowMinutes);

  const skips: Skip[] = [];
  const hibernate: string[] = [];
  const stop: string[] = [];
  const skip = (resource: string, reason: string, detail: string) => skips.push({ resource, reason, detail });

  for (const id of [...new Set(input.instanceIds)].sort()) {
    const instance = byId.get(id);
    if (instance === undefined) {
      skip(id, SKIP_REASONS.notFound, "DescribeInstances does not return this instance");
      continue;
    }
    if (instance.state !== "running") {
      skip(id, SKIP_REASONS.notRunning, `instance is ${instance.state}`);
      continue;
    }
    if (instance.tags[policy.optInTag.key] !== policy.optInTag.value) {
      skip(id, SKIP_REASONS.notOptedIn, `tag ${policy.optInTag.key}=${policy.optInTag.value} is missing`);
      continue;
    }
    if (policy.optOutTagKey in instance.tags) {
      skip(id, SKIP_REASONS.optedOut, `tag ${policy.optOutTagKey} is present`);
      continue;
    }
    if (instance.autoScalingGroup !== undefined) {
      skip(
        id,
        SKIP_REASONS.autoScalingMember,
        `member of Auto Scaling group ${instance.autoScalingGroup}, which would replace a hibernated instance`,
      );
      continue;
    }
    const upMinutes = (input.now.getTime() - instance.launchTime.getTime()) / 60_000;
    if (upMinutes < windowMinutes) {
      skip(
        id,
        SKIP_REASONS.recentlyStarted,
        `started ${upMinutes.toFixed(1)} min ago, less than the idle window of ${windowMinutes} min`,
      );
      continue;
    }
    const route = [id, ...instance.networkInterfaceIds]
      .map((target) => routeTargets.get(target))
      .find(Boolean);
    if (route !== undefined) {
      skip(id, SKIP_REASONS.routeTarget, `target of route ${route.destination} in ${route.routeTableId}`);
      continue;
    }
    const lgwRoute = instance.networkInterfaceIds.map((eni) => lgwTargets.get(eni)).find(Boolean);
    if (lgwRoute !== undefined) {
      skip(
        id,
        SKIP_REASONS.localGatewayRouteTarget,
        `target of local gateway route ${lgwRoute.destination} in ${lgwRoute.localGatewayRouteTableId}`,
      );
      continue;
    }
    if (!instance.hibernationConfigured) {
      if (policy.notConfiguredFallback === "stop") {
        stop.push(id);
      } else {
        skip(
          id,
          SKIP_REASONS.hibernationNotConfigured,
          "launched without hibernation; fallback policy is skip",
        );
      }
      continue;
    }
    hibernate.push(id);
  }

  let budget = policy.maxInstancesPerInvocation;
  const take = (ids: string[]): string[] => {
    const taken = ids.slice(0, Math.max(0, budget));
    budget -= taken.length;
    for (const id of ids.slice(taken.length)) {
      skip(
        id,
        SKIP_REASONS.limitExceeded,
        `more than ${policy.maxInstancesPerInvocation} instances in one invocation`,
      );
    }
    return taken;
  };
  const hibernateNow = take(hibernate);
  const stopNow = take(stop);

  const actions: PlannedAction<StopParams>[] = [];
  if (hibernateNow.length > 0) {
    actions.push({
      id: `hibernate:${hibernateNow.join(",")}`,
      kind: STOP_ACTION,
      resources: hibernateNow,
      description: `Hibernate ${hibernateNow.length} idle instance(s)`,
      params: { instanceIds: hibernateNow, hibernate: true, fallback: policy.notConfiguredFallback },
    });
  }
  if (stopNow.length > 0) {
    actions.push({
      id: `stop:${stopNow.join(",")}`,
      kind: STOP_ACTION,
      resources: stopNow,
      description: `Stop ${stopNow.length} idle instance(s) without hibernation (fallback policy "stop")`,
      params: { instanceIds: stopNow, hibernate: false, fallback: policy.notConfiguredFallback },
    });
  }
  return {
    decision: actions.length > 0 ? (hibernateNow.length > 0 ? "hibernate" : "stop") : "nothing-to-do",
    actions,
    skips,
  };
};
