/**
 * Auto Scaling lifecycle hook operations and the fixture loader for hooks, actions and Outposts
 * (issues 4 and 9, eni-reattach). The transitions themselves are in lifecycle-engine.ts.
 *
 * - A lifecycle action holds its instance in a wait state until `CompleteLifecycleAction` (by token
 *   or instance id) or its heartbeat timeout, when the hook's `DefaultResult` applies.
 *   `RecordLifecycleActionHeartbeat` restarts the timeout; the global timeout (100 × heartbeat
 *   timeout, at most 48 h) bounds it.
 * - With a token, the token decides: a token that is not pending answers "No active Lifecycle
 *   Action found with token …" even when the instance waits under another token (warm pool: two
 *   actions, two tokens); `InstanceId` alone finds the instance's pending action of that hook.
 * - Completing an action that is no longer pending → `ValidationError` "No active Lifecycle Action
 *   found with instance ID i-…" / "… with token …" (the texts AWS returns; see docs/simulated-account.md).
 */
import type {
  DescribeLifecycleHooksAnswer,
  LifecycleHook,
  RecordLifecycleActionHeartbeatAnswer,
} from "@aws-sdk/client-auto-scaling";
import type { OpContext, ServiceModel } from "./context";
import { awsError } from "./errors";
import type { AccountFixture } from "./fixture";
import { addAction, finishLifecycleAction, resumeLoadedMember } from "./lifecycle-engine";
import type { Params } from "./query";
import type { LifecycleActionModel, LifecycleHookModel, RegionState } from "./state";

/** Seconds: min(100 × heartbeat timeout, 172 800) (Auto Scaling user guide, lifecycle hooks). */
const globalTimeoutSeconds = (heartbeatTimeout: number) => Math.min(100 * heartbeatTimeout, 172_800);

export const outpostArn = (region: string, ownerId: string, id: string) =>
  `arn:aws:outposts:${region}:${ownerId}:outpost/${id}`;

export function loadLifecycleFixture(state: RegionState, f: AccountFixture, start: number): void {
  for (const h of f.lifecycleHooks) {
    state.lifecycleHooks.push({
      groupName: h.autoScalingGroupName,
      name: h.name,
      transition: h.transition,
      heartbeatTimeout: h.heartbeatTimeout,
      globalTimeout: globalTimeoutSeconds(h.heartbeatTimeout),
      defaultResult: h.defaultResult,
      notificationMetadata: h.notificationMetadata,
      notificationTargetArn: h.notificationTargetArn,
      roleArn: h.roleArn,
    });
  }
  for (const a of f.lifecycleActions) {
    const hook = state.lifecycleHooks.find(
      (h) => h.groupName === a.autoScalingGroupName && h.name === a.hookName,
    );
    if (hook === undefined) continue;
    const startedAt = a.startedAt !== undefined ? Date.parse(a.startedAt) : start;
    addAction(state, hook, a.instanceId, startedAt, {
      token: a.token,
      origin: a.origin,
      destination: a.destination,
    });
  }
  for (const group of state.autoScalingGroups.values())
    for (const member of group.instances) resumeLoadedMember(state, group, member, start);
  for (const o of f.outposts) {
    const ownerId = o.ownerId ?? f.accountId;
    state.outposts.set(o.id, {
      id: o.id,
      arn: outpostArn(f.region, ownerId, o.id),
      name: o.name,
      siteId: o.siteId,
      availabilityZone: o.availabilityZone,
      lifeCycleStatus: o.lifeCycleStatus,
      ownerId,
      instanceTypes: o.instanceTypes.map((t) => ({
        instanceType: t.instanceType,
        availableCount: t.availableCount,
        changes: (t.changes ?? []).map((c) => ({ at: Date.parse(c.at), value: c.availableCount })),
      })),
      serviceLink: { up: o.serviceLink === "up", changes: [] },
    });
  }
}

export { expireLifecycleAction, startLifecycleAction } from "./lifecycle-engine";

// ---------------------------------------------------------------------------------------------
// Operations

function findAction(c: OpContext, p: Params): LifecycleActionModel {
  const group = p.reqStr("AutoScalingGroupName");
  const hookName = p.reqStr("LifecycleHookName");
  const token = p.str("LifecycleActionToken");
  const instanceId = p.str("InstanceId");
  if (token === undefined && instanceId === undefined) {
    throw awsError("ValidationError", "Either LifecycleActionToken or InstanceId must be specified.");
  }
  if (!c.state.autoScalingGroups.has(group))
    throw awsError("ValidationError", `AutoScalingGroup name not found - ${group}`);
  if (!c.state.lifecycleHooks.some((h) => h.groupName === group && h.name === hookName)) {
    throw awsError("ValidationError", `No Lifecycle Hook found with name ${hookName} for group ${group}`);
  }
  for (const action of c.state.lifecycleActions.values()) {
    if (action.groupName !== group || action.hookName !== hookName) continue;
    if (token !== undefined ? action.token === token : action.instanceId === instanceId) {
      if (instanceId !== undefined && action.instanceId !== instanceId) continue;
      return action;
    }
  }
  throw awsError(
    "ValidationError",
    token !== undefined
      ? `No active Lifecycle Action found with token ${token}`
      : `No active Lifecycle Action found with instance ID ${instanceId}`,
  );
}

function completeLifecycleAction(c: OpContext, p: Params): Record<string, never> {
  const result = p.reqStr("LifecycleActionResult");
  if (result !== "CONTINUE" && result !== "ABANDON") {
    throw awsError(
      "ValidationError",
      `1 validation error detected: Value '${result}' at 'lifecycleActionResult' failed to satisfy constraint: Member must be CONTINUE or ABANDON`,
    );
  }
  const action = findAction(c, p);
  finishLifecycleAction(c.state, action, result, c.nowMs(), c.emit);
  return {};
}

function recordLifecycleActionHeartbeat(c: OpContext, p: Params): RecordLifecycleActionHeartbeatAnswer {
  const action = findAction(c, p);
  const hook = c.state.lifecycleHooks.find(
    (h) => h.groupName === action.groupName && h.name === action.hookName,
  );
  action.timeoutAt = c.nowMs() + (hook?.heartbeatTimeout ?? 3600) * 1000;
  action.heartbeats += 1;
  return {};
}

function toHook(h: LifecycleHookModel): LifecycleHook {
  const hook: LifecycleHook = {
    LifecycleHookName: h.name,
    AutoScalingGroupName: h.groupName,
    LifecycleTransition: h.transition,
    HeartbeatTimeout: h.heartbeatTimeout,
    GlobalTimeout: h.globalTimeout,
    DefaultResult: h.defaultResult,
  };
  if (h.notificationMetadata !== undefined) hook.NotificationMetadata = h.notificationMetadata;
  if (h.notificationTargetArn !== undefined) hook.NotificationTargetARN = h.notificationTargetArn;
  if (h.roleArn !== undefined) hook.RoleARN = h.roleArn;
  return hook;
}

function describeLifecycleHooks(c: OpContext, p: Params): DescribeLifecycleHooksAnswer {
  const group = p.reqStr("AutoScalingGroupName");
  const names = p.strList("LifecycleHookNames");
  if (!c.state.autoScalingGroups.has(group))
    throw awsError("ValidationError", `AutoScalingGroup name not found - ${group}`);
  return {
    LifecycleHooks: c.state.lifecycleHooks
      .filter(
        (h) => h.groupName === group && (names === undefined || names.length === 0 || names.includes(h.name)),
      )
      .map(toHook),
  };
}

export const lifecycleModel: ServiceModel = {
  CompleteLifecycleAction: completeLifecycleAction,
  RecordLifecycleActionHeartbeat: recordLifecycleActionHeartbeat,
  DescribeLifecycleHooks: describeLifecycleHooks,
};
