/**
 * Auto Scaling lifecycle events to EventBridge ("EC2 Instance-launch Lifecycle Action" /
 * "EC2 Instance-terminate Lifecycle Action", Auto Scaling user guide, event reference). AWS sends them
 * on a best-effort basis ("Events are produced on a best-effort basis"), so delivery rules can drop,
 * delay or duplicate matching events (`addDeliveryRule`, `POST /__sim/lifecycle-events/rules`).
 */
import type { EventDeliveryRule } from "./asg-model";
import type { EmitServiceEvent, LifecycleActionModel, RegionState } from "./state";

const isLaunch = (transition: string) => transition === "autoscaling:EC2_INSTANCE_LAUNCHING";

/** The EventBridge detail AWS sends for a lifecycle action. */
export function lifecycleEventDetail(
  state: RegionState,
  action: LifecycleActionModel,
): Record<string, unknown> {
  const hook = state.lifecycleHooks.find(
    (h) => h.groupName === action.groupName && h.name === action.hookName,
  );
  const group = state.autoScalingGroups.get(action.groupName);
  // "Events that contain the Origin and Destination fields are only emitted by Auto Scaling groups
  // that have a warm pool" (warm pool events page) vs. a recorded plain-group event that has them.
  const withEndpoints =
    state.behaviour.lifecycleEventOriginDestination === "always" || group?.policies?.warmPool !== undefined;
  return {
    ...(withEndpoints ? { Origin: action.origin, Destination: action.destination } : {}),
    LifecycleActionToken: action.token,
    AutoScalingGroupName: action.groupName,
    LifecycleHookName: action.hookName,
    EC2InstanceId: action.instanceId,
    LifecycleTransition: action.transition,
    ...(hook?.notificationMetadata !== undefined ? { NotificationMetadata: hook.notificationMetadata } : {}),
  };
}

function matches(rule: EventDeliveryRule, action: LifecycleActionModel): boolean {
  if (rule.times !== undefined && rule.fired >= rule.times) return false;
  return (
    (rule.groupName === undefined || rule.groupName === action.groupName) &&
    (rule.hookName === undefined || rule.hookName === action.hookName) &&
    (rule.transition === undefined || rule.transition === action.transition)
  );
}

/** Sends the lifecycle event of an action, subject to the delivery rules (first matching rule wins). */
export function emitLifecycleEvent(
  state: RegionState,
  emit: EmitServiceEvent,
  action: LifecycleActionModel,
  at: number,
): void {
  const group = state.autoScalingGroups.get(action.groupName);
  const event = {
    source: "aws.autoscaling",
    detailType: isLaunch(action.transition)
      ? "EC2 Instance-launch Lifecycle Action"
      : "EC2 Instance-terminate Lifecycle Action",
    resources: group === undefined ? [] : [group.arn],
    detail: lifecycleEventDetail(state, action),
  };
  const rule = state.asg.deliveryRules.find((r) => matches(r, action));
  if (rule !== undefined) rule.fired += 1;
  if (rule?.action === "drop") return;
  if (rule?.action === "delay") {
    const due = at + rule.delayMs;
    state.scheduled.push({ at: due, run: (e) => e({ ...event, at: due }) });
    return;
  }
  emit({ ...event, at });
  if (rule?.action === "duplicate") {
    const due = at + rule.delayMs;
    if (rule.delayMs === 0) emit({ ...event, at });
    else state.scheduled.push({ at: due, run: (e) => e({ ...event, at: due }) });
  }
}

export interface DeliveryRuleInput {
  action: "drop" | "delay" | "duplicate";
  delayMs?: number;
  times?: number;
  groupName?: string;
  hookName?: string;
  transition?: string;
}

/** Adds a delivery rule; returns it (its `id` removes it). */
export function addDeliveryRule(state: RegionState, input: DeliveryRuleInput): EventDeliveryRule {
  state.asg.sequence += 1;
  const rule: EventDeliveryRule = {
    id: `lifecycle-rule-${state.asg.sequence}`,
    action: input.action,
    delayMs: input.delayMs ?? 0,
    fired: 0,
    ...(input.times !== undefined ? { times: input.times } : {}),
    ...(input.groupName !== undefined ? { groupName: input.groupName } : {}),
    ...(input.hookName !== undefined ? { hookName: input.hookName } : {}),
    ...(input.transition !== undefined ? { transition: input.transition } : {}),
  };
  state.asg.deliveryRules.push(rule);
  return rule;
}
