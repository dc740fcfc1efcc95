/**
 * How Auto Scaling replaces instances (issue 9), on the simulated clock.
 *
 * - Terminate and launch (the default for health-check replacement and instance refresh, "Instance
 *   maintenance policy for Auto Scaling group"): the old member starts terminating (its terminate
 *   hooks: `Terminating:Wait`, still running with its ENIs) while the new one launches (`Pending:Wait`).
 * - Launch before terminating (instance maintenance policy `minHealthyPercentage` 100, or a refresh
 *   with `MinHealthyPercentage` 100): the new instance launches first; the old one stays `InService`
 *   (`Unhealthy` after a failed health check) until the new one is `InService` and its warmup
 *   (`DefaultInstanceWarmup`, else the grace period) has passed — "first launches a new instance and
 *   then waits for it to be fully ready before terminating the unhealthy instance". A launch hook that
 *   holds the new instance until the old one leaves therefore waits until its own timeout.
 * - A replacement EC2 refuses to launch (no capacity, no free address) is a failed activity, tried again
 *   with a backoff (asg-launch-failures.ts).
 * - A replacement whose launch is abandoned is launched again `relaunchDelayMs` later (the loop AWS
 *   rate-limits: "limits the rate at which it allows instances to launch if the lifecycle hooks are
 *   failing consistently").
 * - Instance refresh: one instance at a time [decision], each replaced as above, the next one after the
 *   previous is ready; a replacement not done within `instanceRefreshTimeoutMs` fails the refresh.
 *   `ReplaceRootVolume` keeps the instance (and its ENIs): `ReplacingRootVolume` → `RootVolumeReplaced`
 *   → `InService`.
 * - EC2 health checks (`behaviour.healthChecks: "ec2"`): an `InService` member whose instance stopped or
 *   was terminated is marked `Unhealthy` at once, even within its grace period (AS UG "Set the health check
 *   grace period"); one not running otherwise, past its grace period; an impaired status check is acted on at
 *   the first `healthCheckIntervalMs` tick after its `ImpairedSince`. Then it is replaced.
 */

import { launchIntoGroup } from "./asg-launch";
import {
  capacityRetriesDue,
  LaunchFailedError,
  nextLaunchTry,
  recordFailedLaunch,
} from "./asg-launch-failures";
import type { InstanceRefreshModel, ReplacementCause, ReplacementMode, ReplacementModel } from "./asg-model";
import { memberOf, setMemberState, startTermination } from "./lifecycle-engine";
import type { AsgMemberModel, AsgModel, EmitServiceEvent, RegionState } from "./state";

export interface Due {
  at: number;
  apply: (emit: EmitServiceEvent) => void;
}

const LEAVING = /^(Warmed:)?Terminating/;

/** Launch before terminating when the minimum healthy percentage is 100 [decision: for any group size]. */
export function replacementMode(minHealthyPercentage: number | undefined): ReplacementMode {
  return minHealthyPercentage !== undefined && minHealthyPercentage >= 100
    ? "launch-before-terminate"
    : "terminate-and-launch";
}

/** Instance warmup: `DefaultInstanceWarmup`, else the health check grace period. */
export function warmupMs(group: AsgModel): number {
  return (group.policies?.defaultInstanceWarmup ?? group.healthCheckGracePeriod) * 1000;
}

export interface ReplaceInput {
  groupName: string;
  instanceId: string;
  cause: ReplacementCause;
  mode?: ReplacementMode;
  subnetId?: string;
  refreshId?: string;
  warmupMs?: number;
}

/** The subnet of the replacement: the old instance's when it is one of the group's. */
function replacementSubnet(state: RegionState, group: AsgModel, oldInstanceId: string): string | undefined {
  const subnet = state.instances.get(oldInstanceId)?.subnetId;
  return subnet !== undefined && group.vpcZoneIdentifier.includes(subnet) ? subnet : undefined;
}

/** Starts replacing a member. Throws when the group or member does not exist. */
export function replaceInstance(
  state: RegionState,
  emit: EmitServiceEvent,
  now: number,
  input: ReplaceInput,
): ReplacementModel {
  const group = state.autoScalingGroups.get(input.groupName);
  const member = memberOf(state, input.groupName, input.instanceId);
  if (group === undefined || member === undefined)
    throw new Error(`${input.instanceId} is not a member of ${input.groupName}`);
  state.asg.sequence += 1;
  const replacement: ReplacementModel = {
    id: `replacement-${state.asg.sequence}`,
    groupName: group.name,
    oldInstanceId: member.instanceId,
    mode: input.mode ?? replacementMode(group.policies?.instanceMaintenancePolicy?.minHealthyPercentage),
    cause: input.cause,
    phase: "launching",
    attempts: 0,
    warmupMs: input.warmupMs ?? warmupMs(group),
    subnetId: input.subnetId ?? replacementSubnet(state, group, member.instanceId),
    startedAt: now,
    ...(input.refreshId !== undefined ? { refreshId: input.refreshId } : {}),
  };
  state.asg.replacements.push(replacement);
  if (replacement.mode === "terminate-and-launch") startTermination(state, emit, now, group, member);
  launchReplacement(state, emit, now, group, replacement);
  return replacement;
}

function launchReplacement(
  state: RegionState,
  emit: EmitServiceEvent,
  now: number,
  group: AsgModel,
  r: ReplacementModel,
): void {
  r.relaunchAt = undefined;
  // Launch suspended: "ReplaceUnhealthy continues to terminate unhealthy instances, but does not launch
  // replacements"; the launch happens when Launch is resumed (replacementDue).
  if (group.suspendedProcesses?.has("Launch") === true) {
    r.newInstanceId = undefined;
    r.launchHeld = true;
    return;
  }
  r.launchHeld = false;
  r.attempts += 1;
  try {
    r.newInstanceId = launchIntoGroup(
      state,
      emit,
      now,
      group,
      r.subnetId === undefined ? {} : { subnetId: r.subnetId },
    );
    r.launchFailures = 0;
  } catch (error) {
    // EC2 refused it: a failed activity, and Auto Scaling tries again later (asg-launch-failures.ts).
    if (!(error instanceof LaunchFailedError)) throw error;
    r.newInstanceId = undefined;
    r.launchFailures = (r.launchFailures ?? 0) + 1;
    r.relaunchAt = nextLaunchTry(state, now, r.launchFailures);
    recordFailedLaunch(state, emit, now, group, error, replacementCause(r, now));
  }
}

const replacementCause = (r: ReplacementModel, at: number): string =>
  `At ${new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z")} an instance was launched to replace ${r.oldInstanceId} (${r.cause === "refresh" ? "instance refresh" : r.cause === "health" ? "an unhealthy instance" : "a replacement"}).`;

/** The replacement's launch failed: abandoned (terminating or gone). */
function abandonedAt(state: RegionState, r: ReplacementModel): number | undefined {
  if (r.newInstanceId === undefined) return undefined;
  const member = memberOf(state, r.groupName, r.newInstanceId);
  const instance = state.instances.get(r.newInstanceId);
  const leaving = member === undefined || LEAVING.test(member.lifecycleState);
  if (!leaving) return undefined;
  if (instance === undefined) return r.startedAt;
  return instance.state === "shutting-down" || instance.state === "terminated"
    ? instance.stateSince
    : undefined;
}

function inServiceSince(
  state: RegionState,
  groupName: string,
  instanceId: string | undefined,
): number | undefined {
  if (instanceId === undefined) return undefined;
  const member = memberOf(state, groupName, instanceId);
  return member?.lifecycleState === "InService" ? state.asg.stateSince.get(instanceId) : undefined;
}

function finish(r: ReplacementModel, at: number): void {
  r.phase = "done";
  r.doneAt = at;
}

/** What is due next for one replacement. */
function replacementDue(state: RegionState, r: ReplacementModel, now: number): Due | undefined {
  const group = state.autoScalingGroups.get(r.groupName);
  if (group === undefined || r.phase === "done") return undefined;
  if (r.phase === "terminating") return undefined;
  const old = memberOf(state, r.groupName, r.oldInstanceId);
  if (r.launchHeld === true)
    return group.suspendedProcesses?.has("Launch") === true
      ? undefined
      : { at: now, apply: (emit) => launchReplacement(state, emit, now, group, r) };
  if (r.newInstanceId === undefined && r.relaunchAt !== undefined) {
    const at = r.relaunchAt;
    return { at, apply: (emit) => launchReplacement(state, emit, at, group, r) };
  }
  const abandoned = abandonedAt(state, r);
  if (abandoned !== undefined) {
    // Remembered at first sight: the instance's state (and its time) moves on while it terminates.
    r.relaunchAt ??= abandoned + state.behaviour.relaunchDelayMs;
    const at = r.relaunchAt;
    return { at, apply: (emit) => launchReplacement(state, emit, at, group, r) };
  }
  const since = inServiceSince(state, r.groupName, r.newInstanceId);
  if (since === undefined) return undefined;
  if (r.mode === "terminate-and-launch") return { at: since, apply: () => finish(r, since) };
  const at = since + r.warmupMs;
  return {
    at,
    apply: (emit) => {
      r.phase = "terminating";
      if (old === undefined || LEAVING.test(old.lifecycleState)) finish(r, at);
      else startTermination(state, emit, at, group, old);
    },
  };
}

/** The old member of a launch-before-terminate replacement left: done when it is gone. */
function terminatedDue(state: RegionState, r: ReplacementModel): Due | undefined {
  if (r.phase !== "terminating") return undefined;
  if (memberOf(state, r.groupName, r.oldInstanceId) !== undefined) return undefined;
  const instance = state.instances.get(r.oldInstanceId);
  const at =
    instance?.state === "terminated"
      ? instance.stateSince
      : (state.asg.stateSince.get(r.oldInstanceId) ?? r.startedAt);
  return { at, apply: () => finish(r, at) };
}

// ---------------------------------------------------------------------------------------------
// Instance refresh

function startNext(
  state: RegionState,
  emit: EmitServiceEvent,
  at: number,
  refresh: InstanceRefreshModel,
): void {
  const group = state.autoScalingGroups.get(refresh.groupName);
  refresh.status = "InProgress";
  for (let id = refresh.queue.shift(); id !== undefined; id = refresh.queue.shift()) {
    const member = memberOf(state, refresh.groupName, id);
    const beingReplaced = state.asg.replacements.some((r) => r.oldInstanceId === id && r.phase !== "done");
    if (
      group === undefined ||
      member === undefined ||
      member.lifecycleState !== "InService" ||
      beingReplaced
    ) {
      refresh.replaced += 1;
      continue;
    }
    refresh.current = id;
    refresh.currentSince = at;
    if (refresh.strategy === "ReplaceRootVolume") replaceRootVolume(state, at, member);
    else
      replaceInstance(state, emit, at, {
        groupName: group.name,
        instanceId: id,
        cause: "refresh",
        mode: replacementMode(refresh.minHealthyPercentage),
        refreshId: refresh.id,
        warmupMs: refresh.warmupMs,
      });
    return;
  }
  refresh.status = "Successful";
  refresh.endTime = at;
}

/** `ReplaceRootVolume`: the same instance (and its ENIs) goes through the root volume states. */
function replaceRootVolume(state: RegionState, at: number, member: AsgMemberModel): void {
  setMemberState(state, member, "ReplacingRootVolume", at);
  const replaced = at + state.behaviour.rootVolumeReplaceMs;
  state.scheduled.push({
    at: replaced,
    run: () => {
      setMemberState(state, member, "RootVolumeReplaced", replaced);
      const back = replaced + state.behaviour.pendingProceedMs;
      state.scheduled.push({ at: back, run: () => setMemberState(state, member, "InService", back) });
    },
  });
}

/** When the instance in progress is done (and ready), or undefined. */
function currentDoneAt(state: RegionState, refresh: InstanceRefreshModel): number | undefined {
  if (refresh.current === undefined) return undefined;
  if (refresh.strategy === "ReplaceRootVolume") {
    const member = memberOf(state, refresh.groupName, refresh.current);
    const since = state.asg.stateSince.get(refresh.current);
    if (member === undefined) return refresh.currentSince;
    return member.lifecycleState === "InService" && since !== undefined && since > (refresh.currentSince ?? 0)
      ? since
      : undefined;
  }
  const r = state.asg.replacements.find(
    (x) => x.refreshId === refresh.id && x.oldInstanceId === refresh.current,
  );
  if (r?.doneAt === undefined) return undefined;
  return r.mode === "terminate-and-launch" ? r.doneAt + refresh.warmupMs : r.doneAt;
}

function refreshDue(state: RegionState, refresh: InstanceRefreshModel): Due | undefined {
  if (refresh.status !== "Pending" && refresh.status !== "InProgress") return undefined;
  if (refresh.current === undefined) {
    const at = refresh.nextAt ?? refresh.startTime;
    return { at, apply: (emit) => startNext(state, emit, at, refresh) };
  }
  const done = currentDoneAt(state, refresh);
  const deadline = (refresh.currentSince ?? refresh.startTime) + state.behaviour.instanceRefreshTimeoutMs;
  if (done !== undefined && done <= deadline) {
    return {
      at: done,
      apply: () => {
        refresh.replaced += 1;
        refresh.current = undefined;
        refresh.nextAt = done;
      },
    };
  }
  return {
    at: deadline,
    apply: () => {
      refresh.status = "Failed";
      refresh.statusReason = `Instance ${refresh.current} was not replaced within the refresh timeout.`;
      refresh.endTime = deadline;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// EC2 health checks

/** States an instance reaches only after it was running (stopped or terminated outside the group). */
const LEFT_RUNNING: ReadonlySet<string> = new Set(["stopping", "stopped", "shutting-down", "terminated"]);

function healthDue(
  state: RegionState,
  group: AsgModel,
  member: AsgMemberModel,
  now: number,
): Due | undefined {
  if (member.lifecycleState !== "InService" || state.asg.unhealthySince.has(member.instanceId))
    return undefined;
  // A suspended HealthCheck process checks nothing (AS UG "Suspend and resume processes").
  if (group.suspendedProcesses?.has("HealthCheck") === true) return undefined;
  if (state.asg.replacements.some((r) => r.oldInstanceId === member.instanceId && r.phase !== "done"))
    return undefined;
  const instance = state.instances.get(member.instanceId);
  const graceEnd = (state.asg.stateSince.get(member.instanceId) ?? 0) + group.healthCheckGracePeriod * 1000;
  let at: number | undefined;
  if (instance === undefined || LEFT_RUNNING.has(instance.state)) {
    // "During the health check grace period, if Amazon EC2 Auto Scaling detects that an instance is no
    // longer in the Amazon EC2 running state, it immediately marks the instance Unhealthy".
    at = instance?.stateSince ?? now;
  } else if (instance.state !== "running" || member.healthStatus === "Unhealthy") {
    at = Math.max(graceEnd, instance.stateSince);
  } else if (instance.status?.instance === "impaired" || instance.status?.system === "impaired") {
    // Impaired since `ImpairedSince` (else first seen now), acted on at the next health check tick.
    const since = [instance.status.instanceImpairedSince, instance.status.systemImpairedSince].filter(
      (t): t is number => t !== undefined,
    );
    const noticed =
      since.length > 0 ? Math.min(...since) : (state.asg.impairedNoticed.get(member.instanceId) ?? now);
    state.asg.impairedNoticed.set(member.instanceId, noticed);
    const tick = state.behaviour.healthCheckIntervalMs;
    at = Math.max(graceEnd, (Math.floor(noticed / tick) + 1) * tick);
  } else {
    state.asg.impairedNoticed.delete(member.instanceId);
  }
  if (at === undefined) return undefined;
  // A resumed health check acts from its resumption on, not in the past.
  const when = Math.max(at, group.healthCheckResumedAt ?? at);
  return {
    at: when,
    apply: (emit) => {
      member.healthStatus = "Unhealthy";
      state.asg.unhealthySince.set(member.instanceId, when);
      replaceUnhealthy(state, emit, when, group, member.instanceId);
    },
  };
}

/**
 * Replaces an Unhealthy member unless ReplaceUnhealthy is suspended (AS UG "How suspended processes affect
 * other processes": the instance stays, marked Unhealthy; it is replaced once the process is resumed).
 */
export function replaceUnhealthy(
  state: RegionState,
  emit: EmitServiceEvent,
  now: number,
  group: AsgModel,
  instanceId: string,
): void {
  if (group.suspendedProcesses?.has("ReplaceUnhealthy") === true) return;
  replaceInstance(state, emit, now, { groupName: group.name, instanceId, cause: "health" });
}

/** An Unhealthy member left in service while ReplaceUnhealthy was suspended: replaced once it is resumed. */
function resumedReplacementDue(state: RegionState, group: AsgModel, now: number): Due[] {
  if (group.suspendedProcesses?.has("ReplaceUnhealthy") === true) return [];
  return group.instances
    .filter(
      (m) =>
        m.lifecycleState === "InService" &&
        m.healthStatus === "Unhealthy" &&
        state.asg.unhealthySince.has(m.instanceId) &&
        !state.asg.replacements.some((r) => r.oldInstanceId === m.instanceId && r.phase !== "done"),
    )
    .map((m) => ({ at: now, apply: (emit) => replaceUnhealthy(state, emit, now, group, m.instanceId) }));
}

/** Every pending step of the engine, with its due time (settle.ts applies those due by now). */
export function autoScalingDue(state: RegionState, now: number): Due[] {
  const dues: Due[] = [];
  const add = (due: Due | undefined) => {
    if (due !== undefined) dues.push(due);
  };
  for (const r of state.asg.replacements) {
    add(replacementDue(state, r, now));
    add(terminatedDue(state, r));
  }
  for (const refresh of state.asg.refreshes) add(refreshDue(state, refresh));
  for (const group of state.autoScalingGroups.values())
    for (const due of resumedReplacementDue(state, group, now)) add(due);
  for (const due of capacityRetriesDue(state, (emit, at, group) => launchIntoGroup(state, emit, at, group)))
    add(due);
  if (state.behaviour.healthChecks === "ec2")
    for (const group of state.autoScalingGroups.values())
      for (const member of group.instances) add(healthDue(state, group, member, now));
  return dues;
}
