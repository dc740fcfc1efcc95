import type { EniReattachGroupConfig } from "../../config";
import { resolveEniSet } from "./eni-set";
import {
  blockedBy,
  completeAction,
  eniActions,
  groupIssues,
  type HandOver,
  NO_FLAGS,
  noAction,
} from "./hand-over";
import { preflight } from "./preflight";
import { planSlots } from "./steps";
import type { ActionRef, GroupWorld } from "./types";

/**
 * The launch hook of the group's new instance (pure). The hand-over never deadlocks and never takes ENIs
 * from a serving instance:
 * - the holder is leaving, stopped, gone, or `InService`+`Unhealthy` (Auto Scaling replaces it: this
 *   launch is its replacement) → take the ENIs (detach, wait, `Force` only for an impaired or stopped
 *   holder after the bounded wait), attach them, CONTINUE;
 * - the holder serves (`InService`+`Healthy`), is launching or on standby → CONTINUE **without** the ENIs
 *   (`deferred-to-holder`). With launch before terminating, Auto Scaling terminates the old instance only
 *   after this one is InService and warmed up: waiting here would wait for ever (the hook would time out
 *   to its DefaultResult). The ENIs move at the old instance's terminate hook (terminate.ts), or at the
 *   reconcile once it is gone (repair.ts);
 * - the holder belongs to another group, or to none and runs → never taken; the others move, CONTINUE,
 *   alarm;
 * - the instance can never take the set (zone, Outpost, network card, an index taken by a launch-template
 *   ENI) → ABANDON (the one permanent impossibility), alarm. Nothing moved before.
 * Our own limits (deadline, an EC2 instance still `pending`, a wait) never reach the plan: run.ts waits or
 * throws a retryable error.
 */
export const planLaunch = (
  ref: ActionRef,
  world: GroupWorld,
  group: EniReattachGroupConfig,
  tagKey: string,
): HandOver => {
  const member = world.memberships.get(ref.instanceId);
  if (member === undefined || member.groupName !== ref.groupName) {
    return noAction("ignored-not-a-member", [
      `${ref.instanceId} is ${member === undefined ? "in no Auto Scaling group" : `a member of ${member.groupName}`}, not of ${ref.groupName}: the message does not describe this group`,
    ]);
  }
  const instance = world.instances.get(ref.instanceId);
  const state = member.lifecycleState;
  if (state === "Warmed:Pending:Wait") {
    // Into the warm pool: the pooled instance is stopped and waits; the serving firewall keeps the ENIs.
    return {
      ...noAction("warm-pool-continue"),
      actions: [completeAction(ref, "CONTINUE", [state])],
      result: "CONTINUE",
    };
  }
  const gone =
    instance === undefined || instance.state === "shutting-down" || instance.state === "terminated";
  if (gone || /^(Warmed:)?Terminating/.test(state) || state === "Terminated") {
    return noAction("ignored-not-pending", [
      `${ref.instanceId} is ${state} (EC2 ${instance?.state ?? "gone"}): its launch is over`,
    ]);
  }
  if (state !== "Pending:Wait") {
    // A repeated or late event: the completion is refused and read back (already-complete).
    return {
      ...noAction("action-over"),
      actions: [completeAction(ref, "CONTINUE", ["Pending:Wait"])],
      result: "CONTINUE",
    };
  }
  if (instance.state === "pending") return noAction("wait-for-running");
  return planPendingLaunch(ref, world, group, tagKey);
};

const planPendingLaunch = (
  ref: ActionRef,
  world: GroupWorld,
  group: EniReattachGroupConfig,
  tagKey: string,
): HandOver => {
  const set = resolveEniSet(world.enis, group, tagKey);
  const issues = [...groupIssues(world), ...set.issues];
  const flags = { ...NO_FLAGS, configuration: issues.length > 0 };
  const instance = world.instances.get(ref.instanceId);
  if (instance === undefined) return noAction("ignored-not-pending", issues, flags);
  const problems = preflight({
    instance,
    limits: world.limits.get(instance.instanceType),
    slots: set.slots,
    enis: new Map(world.enis.map((e) => [e.id, e])),
    instanceEnis: world.attachedTo.get(instance.id) ?? [],
    networkCardIndex: group.networkCardIndex,
  });
  if (problems.length > 0) {
    return {
      ...noAction("abandoned-preflight-failed", [...issues, ...problems], { ...flags, preflight: true }),
      actions: [completeAction(ref, "ABANDON", ["Pending:Wait"])],
      result: "ABANDON",
    };
  }
  const steps = planSlots(ref.instanceId, set.slots, world, group.networkCardIndex, "launch");
  const blocked = blockedBy(steps);
  const complete = completeAction(ref, "CONTINUE", ["Pending:Wait"]);
  if (blocked.sameGroup.length > 0) {
    const reasons = blocked.sameGroup.map((s) => s.reason);
    return {
      decision: "deferred-to-holder",
      actions: [complete],
      steps,
      issues: [...issues, ...reasons],
      flags: { ...flags, deferred: true },
      result: "CONTINUE",
    };
  }
  const actions = eniActions(steps, ref.instanceId, world, group);
  const moved = steps.some((s) => s.kind === "attach" || s.kind === "take");
  const decision =
    blocked.foreign.length > 0 ? "blocked-by-foreign-holder" : moved ? "attached" : "already-attached";
  return {
    decision,
    actions: [...actions, complete],
    steps,
    issues: [...issues, ...blocked.foreign.map((s) => s.reason)],
    flags: { ...flags, foreign: blocked.foreign.length > 0 },
    result: "CONTINUE",
    target: ref.instanceId,
  };
};
