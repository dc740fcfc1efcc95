/**
 * The Auto Scaling lifecycle of one member (issue 9), on the simulated clock.
 *
 * Launch: `Pending` → `Pending:Wait` (one action per launch hook, each with its own token and event)
 * → `Pending:Proceed` (`behaviour.pendingProceedMs`, never before EC2 says running) → `InService`.
 * Into a warm pool the same with `Warmed:` and then `Warmed:<PoolState>` (the instance is stopped or
 * hibernated by Auto Scaling). Terminate: `Terminating:Wait` (one action per terminate hook) →
 * `Terminating:Proceed` → EC2 `shutting-down` → `terminated`, then the member leaves the group.
 * Scale-in with instance reuse goes back to the pool through `Warmed:Pending:Wait`; a pooled instance
 * that is terminated waits in `Warmed:Terminating:Wait` (warm pool instance lifecycle page).
 *
 * Several hooks of one transition (AWS documents no order): `behaviour.lifecycleHookOrder`
 * `concurrent` (every action at once, the member waits for all) or `sequential` (the next hook's
 * action, token and event start when the previous one is completed with CONTINUE). A launch ABANDON
 * (or timeout with DefaultResult ABANDON) terminates the instance and drops its other actions; a
 * terminate ABANDON "stops any remaining actions, such as other lifecycle hooks" and lets the
 * termination go on, or with `retentionTriggers.terminateHookAbandon: retain` leaves the instance
 * running in `Terminating:Retained` (adding-lifecycle-hooks, RetentionTriggers API reference).
 */
import { noteSuccessfulLaunch } from "./asg-administrative-suspension";
import { recordAbandonedLaunch } from "./asg-launch-failures";
import { derivedUuid } from "./ids";
import { emitLifecycleEvent } from "./lifecycle-events";
import type {
  AsgMemberModel,
  AsgModel,
  EmitServiceEvent,
  LifecycleActionModel,
  LifecycleEndpoint,
  LifecycleHookModel,
  LifecycleResult,
  LifecycleTransitionName,
  RegionState,
} from "./state";

export const LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING";
export const TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING";

export const isLaunch = (t: LifecycleTransitionName) => t === LAUNCHING;

export interface TransitionInput {
  groupName: string;
  instanceId: string;
  transition: LifecycleTransitionName;
  origin: LifecycleEndpoint;
  destination: LifecycleEndpoint;
}

/** Changes a member's lifecycle state and remembers when (warmup and health checks count from it). */
export function setMemberState(state: RegionState, member: AsgMemberModel, value: string, at: number): void {
  member.lifecycleState = value;
  state.asg.stateSince.set(member.instanceId, at);
}

export function memberOf(state: RegionState, groupName: string, instanceId: string) {
  return state.autoScalingGroups.get(groupName)?.instances.find((m) => m.instanceId === instanceId);
}

/** The hooks of a group for a transition, in DescribeLifecycleHooks order. */
function hooksOf(state: RegionState, groupName: string, transition: LifecycleTransitionName) {
  return state.lifecycleHooks.filter((h) => h.groupName === groupName && h.transition === transition);
}

export function addAction(
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

/**
 * The wait state of a transition (warm pool instance lifecycle page): into the pool (launch, or
 * scale-in with reuse) `Warmed:Pending:Wait`; a pooled instance terminated `Warmed:Terminating:Wait`.
 */
export function waitStateFor(
  transition: LifecycleTransitionName,
  origin: LifecycleEndpoint,
  destination: LifecycleEndpoint,
): string {
  if (destination === "WarmPool") return "Warmed:Pending:Wait";
  if (isLaunch(transition)) return "Pending:Wait";
  return origin === "WarmPool" ? "Warmed:Terminating:Wait" : "Terminating:Wait";
}

function ensureMember(state: RegionState, group: AsgModel, instanceId: string, value: string, at: number) {
  let member = group.instances.find((m) => m.instanceId === instanceId);
  if (member === undefined) {
    member = { instanceId, lifecycleState: value, protectedFromScaleIn: false };
    group.instances.push(member);
  }
  setMemberState(state, member, value, at);
  const instance = state.instances.get(instanceId);
  if (instance !== undefined && !instance.tags.has("aws:autoscaling:groupName"))
    instance.tags.set("aws:autoscaling:groupName", group.name);
  return member;
}

function startAction(
  state: RegionState,
  emit: EmitServiceEvent,
  now: number,
  hook: LifecycleHookModel,
  input: TransitionInput,
): LifecycleActionModel {
  const action = addAction(state, hook, input.instanceId, now, input);
  emitLifecycleEvent(state, emit, action, now);
  return action;
}

/**
 * Starts a transition of a member the way Auto Scaling does: the member enters the wait state with
 * one lifecycle action per hook of the transition (or goes straight on when the group has none).
 */
export function enterTransition(
  state: RegionState,
  emit: EmitServiceEvent,
  now: number,
  input: TransitionInput,
): LifecycleActionModel[] {
  const group = state.autoScalingGroups.get(input.groupName);
  if (group === undefined) throw new Error(`no Auto Scaling group ${input.groupName}`);
  const hooks = hooksOf(state, input.groupName, input.transition);
  if (hooks.length === 0) {
    // No hook, no wait state: Pending → InService, Terminating → Terminating:Proceed.
    const member = group.instances.find((m) => m.instanceId === input.instanceId);
    if (member === undefined) ensureMember(state, group, input.instanceId, "Pending", now);
    afterTransition(state, emit, now, input, "CONTINUE", false);
    return [];
  }
  ensureMember(
    state,
    group,
    input.instanceId,
    waitStateFor(input.transition, input.origin, input.destination),
    now,
  );
  if (state.behaviour.lifecycleHookOrder === "sequential") {
    const [first, ...rest] = hooks as [LifecycleHookModel, ...LifecycleHookModel[]];
    if (rest.length > 0) state.asg.queuedHooks.push({ ...input, hookNames: rest.map((h) => h.name) });
    return [startAction(state, emit, now, first, input)];
  }
  return hooks.map((hook) => startAction(state, emit, now, hook, input));
}

/**
 * Starts the action of one named hook (the member goes to its wait state, the event is emitted).
 * A low-level helper for tests and the control API; `enterTransition` starts every hook.
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
    token?: string;
  },
): LifecycleActionModel {
  const hook = state.lifecycleHooks.find((h) => h.groupName === input.groupName && h.name === input.hookName);
  const group = state.autoScalingGroups.get(input.groupName);
  if (hook === undefined || group === undefined)
    throw new Error(`no lifecycle hook ${input.hookName} on group ${input.groupName}`);
  const origin = input.origin ?? "EC2";
  const destination = input.destination ?? "AutoScalingGroup";
  ensureMember(state, group, input.instanceId, waitStateFor(hook.transition, origin, destination), now);
  const action = addAction(state, hook, input.instanceId, now, { origin, destination, token: input.token });
  emitLifecycleEvent(state, emit, action, now);
  return action;
}

const sameTransition = (
  a: LifecycleActionModel,
  b: { instanceId: string; groupName: string; transition: string },
) => a.instanceId === b.instanceId && a.groupName === b.groupName && a.transition === b.transition;

/** Drops the other actions (and queued hooks) of the same transition: they no longer exist. */
function dropSiblings(state: RegionState, action: LifecycleActionModel): void {
  for (const other of [...state.lifecycleActions.values()])
    if (sameTransition(other, action)) state.lifecycleActions.delete(other.token);
  const queue = state.asg.queuedHooks;
  for (let i = queue.length - 1; i >= 0; i -= 1) {
    const q = queue[i];
    if (q !== undefined && q.instanceId === action.instanceId && q.groupName === action.groupName)
      queue.splice(i, 1);
  }
}

/** Starts the next queued hook (sequential order); false when none is left. */
function startQueuedHook(
  state: RegionState,
  emit: EmitServiceEvent,
  at: number,
  action: LifecycleActionModel,
) {
  const queued = state.asg.queuedHooks.find(
    (q) => q.instanceId === action.instanceId && q.groupName === action.groupName,
  );
  const name = queued?.hookNames.shift();
  if (queued === undefined || name === undefined) return false;
  if (queued.hookNames.length === 0) state.asg.queuedHooks.splice(state.asg.queuedHooks.indexOf(queued), 1);
  const hook = state.lifecycleHooks.find((h) => h.groupName === action.groupName && h.name === name);
  if (hook === undefined) return false;
  startAction(state, emit, at, hook, {
    groupName: action.groupName,
    instanceId: action.instanceId,
    transition: action.transition,
    origin: action.origin,
    destination: action.destination,
  });
  return true;
}

/** Ends a lifecycle action with a result, as Auto Scaling does. */
export function finishLifecycleAction(
  state: RegionState,
  action: LifecycleActionModel,
  result: LifecycleResult,
  at: number,
  emit: EmitServiceEvent,
  timedOut = false,
): void {
  state.lifecycleActions.delete(action.token);
  const input: TransitionInput = {
    groupName: action.groupName,
    instanceId: action.instanceId,
    transition: action.transition,
    origin: action.origin,
    destination: action.destination,
  };
  if (result === "ABANDON") {
    dropSiblings(state, action);
    const group = state.autoScalingGroups.get(action.groupName);
    // An abandoned launch into service is a failed launch (a return to the warm pool is not a launch).
    if (isLaunch(action.transition) && action.destination !== "WarmPool" && group !== undefined)
      recordAbandonedLaunch(state, emit, at, group, {
        instanceId: action.instanceId,
        token: action.token,
        timedOut,
      });
    afterTransition(state, emit, at, input, "ABANDON");
    return;
  }
  if (startQueuedHook(state, emit, at, action)) return;
  if ([...state.lifecycleActions.values()].some((a) => sameTransition(a, action))) return;
  afterTransition(state, emit, at, input, "CONTINUE");
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
  finishLifecycleAction(state, action, hook?.defaultResult ?? "ABANDON", at, emit, true);
}

/** Every hook of the transition is done (or there were none): the member moves on. */
function afterTransition(
  state: RegionState,
  emit: EmitServiceEvent,
  at: number,
  input: TransitionInput,
  result: LifecycleResult,
  waited = true,
): void {
  const group = state.autoScalingGroups.get(input.groupName);
  const member = group?.instances.find((m) => m.instanceId === input.instanceId);
  if (group === undefined || member === undefined) return;
  const toPool = input.destination === "WarmPool";
  if (isLaunch(input.transition)) {
    if (result === "ABANDON") {
      terminateMemberInstance(state, emit, at, group, member);
      return;
    }
    noteSuccessfulLaunch(group);
    if (toPool) proceedToPool(state, at, group, member);
    else proceedToService(state, at, member, waited ? "Pending:Proceed" : member.lifecycleState);
    return;
  }
  if (toPool) {
    proceedToPool(state, at, group, member);
    return;
  }
  if (result === "ABANDON" && group.policies?.terminateHookAbandon === "retain") {
    setMemberState(
      state,
      member,
      input.origin === "WarmPool" ? "Warmed:Terminating:Retained" : "Terminating:Retained",
      at,
    );
    return;
  }
  terminateMemberInstance(state, emit, at, group, member);
}

/** `Pending:Proceed` (no hook: `Pending`) for `pendingProceedMs`, then `InService` once EC2 says running. */
function proceedToService(state: RegionState, at: number, member: AsgMemberModel, label: string): void {
  setMemberState(state, member, label, at);
  const ready = (when: number) => {
    if (member.lifecycleState !== label) return;
    const instance = state.instances.get(member.instanceId);
    if (instance?.state === "pending" && instance.transition !== undefined) {
      state.scheduled.push({ at: instance.transition.at, run: () => ready(instance.transition?.at ?? when) });
      return;
    }
    if (instance?.state === "running") setMemberState(state, member, "InService", when);
  };
  const due = at + state.behaviour.pendingProceedMs;
  state.scheduled.push({ at: due, run: () => ready(due) });
}

/** `Warmed:Pending:Proceed`, then the pool state; Auto Scaling stops (or hibernates) the instance. */
function proceedToPool(state: RegionState, at: number, group: AsgModel, member: AsgMemberModel): void {
  setMemberState(state, member, "Warmed:Pending:Proceed", at);
  const poolState = group.policies?.warmPool?.poolState ?? "Stopped";
  const due = at + state.behaviour.pendingProceedMs;
  state.scheduled.push({
    at: due,
    run: (e) => {
      if (member.lifecycleState !== "Warmed:Pending:Proceed") return;
      setMemberState(state, member, `Warmed:${poolState}`, due);
      const instance = state.instances.get(member.instanceId);
      if (poolState === "Running" || instance === undefined || instance.state !== "running") return;
      const hibernate = poolState === "Hibernated";
      const stopMs = hibernate ? state.behaviour.hibernatingToStoppedMs : state.behaviour.stoppingToStoppedMs;
      state.changeInstanceState(instance, "stopping", due, e, { to: "stopped", at: due + stopMs });
    },
  });
}

/** `Terminating:Proceed`: the instance shuts down; the member leaves the group once it is terminated. */
export function terminateMemberInstance(
  state: RegionState,
  emit: EmitServiceEvent,
  at: number,
  group: AsgModel,
  member: AsgMemberModel,
): void {
  const pooled = member.lifecycleState.startsWith("Warmed:");
  setMemberState(state, member, pooled ? "Warmed:Terminating:Proceed" : "Terminating:Proceed", at);
  const leave = () => {
    group.instances = group.instances.filter((m) => m !== member);
    state.asg.stateSince.delete(member.instanceId);
    state.asg.unhealthySince.delete(member.instanceId);
  };
  const instance = state.instances.get(member.instanceId);
  if (instance === undefined || instance.state === "terminated") {
    leave();
    return;
  }
  if (instance.state === "shutting-down") {
    if (instance.transition !== undefined) state.scheduled.push({ at: instance.transition.at, run: leave });
    return;
  }
  const done = at + state.behaviour.shuttingDownToTerminatedMs;
  state.changeInstanceState(instance, "shutting-down", at, emit, { to: "terminated", at: done });
  state.scheduled.push({ at: done, run: leave });
}

/**
 * Starts the termination of a member (scale-in, replacement, TerminateInstanceInAutoScalingGroup):
 * its terminate hooks run (`Terminating:Wait`; pooled `Warmed:Terminating:Wait`; `reuse` returns it
 * to the warm pool through `Warmed:Pending:Wait`), else it terminates at once.
 */
export function startTermination(
  state: RegionState,
  emit: EmitServiceEvent,
  now: number,
  group: AsgModel,
  member: AsgMemberModel,
  options: { reuse?: boolean } = {},
): LifecycleActionModel[] {
  const pooled = member.lifecycleState.startsWith("Warmed:");
  return enterTransition(state, emit, now, {
    groupName: group.name,
    instanceId: member.instanceId,
    transition: TERMINATING,
    origin: pooled ? "WarmPool" : "AutoScalingGroup",
    destination: options.reuse === true && !pooled ? "WarmPool" : "EC2",
  });
}

/** A fixture member loaded in a `…:Proceed` state moves on from the clock start, as if just completed. */
export function resumeLoadedMember(
  state: RegionState,
  group: AsgModel,
  member: AsgMemberModel,
  at: number,
): void {
  if (member.lifecycleState === "Pending:Proceed") proceedToService(state, at, member, "Pending:Proceed");
  if (member.lifecycleState === "Warmed:Pending:Proceed") proceedToPool(state, at, group, member);
  // Its hooks are done: the instance shuts down (or already did) and the member leaves the group when it is
  // terminated ("Amazon EC2 Auto Scaling lifecycle hooks": Terminating:Proceed → Terminated).
  if (/^(Warmed:)?Terminating:Proceed$/.test(member.lifecycleState))
    state.scheduled.push({
      at,
      run: (emit) => {
        const still = /^(Warmed:)?Terminating:Proceed$/.test(member.lifecycleState);
        if (still && group.instances.includes(member))
          terminateMemberInstance(state, emit, at, group, member);
      },
    });
}
