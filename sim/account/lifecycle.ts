/**
 * Auto Scaling lifecycle hooks and actions, and the Outposts models (issue 4, eni-reattach).
 *
 * - A lifecycle action holds its instance in `Pending:Wait` (launch) or `Terminating:Wait` (terminate)
 *   until `CompleteLifecycleAction` (by token or instance id) or its heartbeat timeout, when the hook's
 *   `DefaultResult` applies. `RecordLifecycleActionHeartbeat` restarts the timeout; the global timeout
 *   (100 × heartbeat timeout, at most 48 h) bounds it.
 * - Launch CONTINUE → `InService` (or `Warmed:Running` when the destination is the warm pool);
 *   launch ABANDON → the instance is terminated (`shutting-down` → `terminated`, ENIs released) and
 *   leaves the group once terminated. Terminate CONTINUE or ABANDON → the termination proceeds.
 * - Completing an action that is no longer pending → `ValidationError` "No active Lifecycle Action
 *   found with instance ID i-…" / "… with token …" (the text AWS returns; see docs/simulated-account.md).
 */
import type {
  DescribeLifecycleHooksAnswer,
  LifecycleHook,
  RecordLifecycleActionHeartbeatAnswer,
} from "@aws-sdk/client-auto-scaling";
import type { OpContext, ServiceModel } from "./context";
import { awsError } from "./errors";
import type { AccountFixture } from "./fixture";
import { derivedUuid } from "./ids";
import type { Params } from "./query";
import type {
  EmitServiceEvent,
  LifecycleActionModel,
  LifecycleEndpoint,
  LifecycleHookModel,
  LifecycleResult,
  LifecycleTransitionName,
  RegionState,
} from "./state";

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
      instanceTypes: o.instanceTypes.map((t) => ({ ...t })),
    });
  }
}

function addAction(
  state: RegionState,
  hook: LifecycleHookModel,
  instanceId: string,
  startedAt: number,
  options: { token?: string; origin?: LifecycleEndpoint; destination?: LifecycleEndpoint },
): LifecycleActionModel {
  const action: LifecycleActionModel = {
    token:
      options.token ?? derivedUuid(`lifecycle|${hook.groupName}|${hook.name}|${instanceId}|${startedAt}`),
    groupName: hook.groupName,
    hookName: hook.name,
    instanceId,
    transition: hook.transition,
    startedAt,
    timeoutAt: startedAt + hook.heartbeatTimeout * 1000,
    globalTimeoutAt: startedAt + hook.globalTimeout * 1000,
    origin: options.origin ?? "EC2",
    destination: options.destination ?? "AutoScalingGroup",
    heartbeats: 0,
  };
  state.lifecycleActions.set(action.token, action);
  return action;
}

const isLaunch = (t: LifecycleTransitionName) => t === "autoscaling:EC2_INSTANCE_LAUNCHING";

/** The EventBridge detail AWS sends for a lifecycle action (Auto Scaling user guide, event reference). */
function lifecycleEventDetail(state: RegionState, action: LifecycleActionModel): Record<string, unknown> {
  const hook = state.lifecycleHooks.find(
    (h) => h.groupName === action.groupName && h.name === action.hookName,
  );
  return {
    Origin: action.origin,
    Destination: action.destination,
    LifecycleActionToken: action.token,
    AutoScalingGroupName: action.groupName,
    LifecycleHookName: action.hookName,
    EC2InstanceId: action.instanceId,
    LifecycleTransition: action.transition,
    ...(hook?.notificationMetadata !== undefined ? { NotificationMetadata: hook.notificationMetadata } : {}),
  };
}

/**
 * Starts a lifecycle action for an instance of a group (what Auto Scaling does on scale-out or
 * replacement): the member goes to `Pending:Wait` / `Terminating:Wait` (warm pool: `Warmed:…`) and
 * the EventBridge lifecycle event is emitted. For tests and the control API.
 */
export function startLifecycleAction(
  state: RegionState,
  emit: EmitServiceEvent,
  now: number,
  input: {
    groupName: string;
    hookName: string;
    instanceId: string;
    origin?: LifecycleEndpoint;
    destination?: LifecycleEndpoint;
  },
): LifecycleActionModel {
  const hook = state.lifecycleHooks.find((h) => h.groupName === input.groupName && h.name === input.hookName);
  const group = state.autoScalingGroups.get(input.groupName);
  if (hook === undefined || group === undefined)
    throw new Error(`no lifecycle hook ${input.hookName} on group ${input.groupName}`);
  const action = addAction(state, hook, input.instanceId, now, input);
  const launch = isLaunch(hook.transition);
  const warm = action.destination === "WarmPool" || action.origin === "WarmPool";
  const waitState = `${warm && action.destination === "WarmPool" ? "Warmed:" : ""}${launch ? "Pending" : "Terminating"}:Wait`;
  let member = group.instances.find((m) => m.instanceId === input.instanceId);
  if (member === undefined) {
    member = { instanceId: input.instanceId, lifecycleState: waitState, protectedFromScaleIn: false };
    group.instances.push(member);
  }
  member.lifecycleState = waitState;
  const instance = state.instances.get(input.instanceId);
  if (instance !== undefined && !instance.tags.has("aws:autoscaling:groupName"))
    instance.tags.set("aws:autoscaling:groupName", group.name);
  emit({
    source: "aws.autoscaling",
    detailType: launch ? "EC2 Instance-launch Lifecycle Action" : "EC2 Instance-terminate Lifecycle Action",
    resources: [group.arn],
    detail: lifecycleEventDetail(state, action),
    at: now,
  });
  return action;
}

/** Ends a lifecycle action with a result, as Auto Scaling does. */
function finishLifecycleAction(
  state: RegionState,
  action: LifecycleActionModel,
  result: LifecycleResult,
  at: number,
  emit: EmitServiceEvent,
): void {
  state.lifecycleActions.delete(action.token);
  const group = state.autoScalingGroups.get(action.groupName);
  const member = group?.instances.find((m) => m.instanceId === action.instanceId);
  const instance = state.instances.get(action.instanceId);
  const terminate = () => {
    if (member !== undefined) member.lifecycleState = "Terminating:Proceed";
    if (instance !== undefined && instance.state !== "terminated" && instance.state !== "shutting-down") {
      const done = at + state.behaviour.shuttingDownToTerminatedMs;
      state.changeInstanceState(instance, "shutting-down", at, emit, { to: "terminated", at: done });
      state.scheduled.push({
        at: done,
        run: () => {
          if (group !== undefined) group.instances = group.instances.filter((m) => m !== member);
        },
      });
    } else if (group !== undefined) {
      group.instances = group.instances.filter((m) => m !== member);
    }
  };
  if (isLaunch(action.transition)) {
    if (result === "ABANDON") terminate();
    else if (member !== undefined)
      member.lifecycleState = action.destination === "WarmPool" ? "Warmed:Running" : "InService";
  } else {
    terminate();
  }
}

/** Heartbeat timeout (or global timeout) reached: the hook's DefaultResult applies. */
export function expireLifecycleAction(
  state: RegionState,
  action: LifecycleActionModel,
  at: number,
  emit: EmitServiceEvent,
): void {
  const hook = state.lifecycleHooks.find(
    (h) => h.groupName === action.groupName && h.name === action.hookName,
  );
  finishLifecycleAction(state, action, hook?.defaultResult ?? "ABANDON", at, emit);
}

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
