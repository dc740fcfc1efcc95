import type { EniReattachGroupConfig } from "../../config";
import { resolveEniSet } from "./eni-set";
import { blockedBy, completeAction, eniActions, type HandOver, NO_FLAGS, noAction } from "./hand-over";
import { preflight } from "./preflight";
import { planSlots, releaseAction, type SlotStep } from "./steps";
import type { ActionRef, EniAction, EniSlot, GroupWorld } from "./types";

/** Wait states of a terminate hook: leaving the group, a pooled instance terminated, back to the pool. */
const TERMINATE_WAIT = ["Terminating:Wait", "Warmed:Terminating:Wait", "Warmed:Pending:Wait"];

/**
 * The serving firewall of the group: its one member `InService`+`Healthy` and running (other than
 * `leaving`); with several, the one that already holds some of the set; otherwise none (ambiguous).
 */
export const pickReceiver = (
  world: GroupWorld,
  eniIds: readonly string[],
  leaving?: string,
): { receiver?: string; issue?: string } => {
  const candidates = (world.group?.members ?? []).filter(
    (m) =>
      m.instanceId !== leaving &&
      m.lifecycleState === "InService" &&
      m.healthy &&
      world.instances.get(m.instanceId)?.state === "running",
  );
  if (candidates.length <= 1) return { receiver: candidates[0]?.instanceId };
  const holders = new Set(
    world.enis.filter((e) => eniIds.includes(e.id)).map((e) => e.attachment?.instanceId),
  );
  const holding = candidates.filter((c) => holders.has(c.instanceId));
  if (holding.length === 1) return { receiver: holding[0]?.instanceId };
  return {
    issue: `${candidates.length} members of ${world.groupName} are InService and Healthy (${candidates.map((c) => c.instanceId).join(", ")}): which one is the firewall is ambiguous; nothing is attached`,
  };
};

/** The steps towards a receiver when it can take the set; otherwise undefined and why. */
export const stepsToward = (
  receiver: string,
  world: GroupWorld,
  group: EniReattachGroupConfig,
  slots: ReturnType<typeof resolveEniSet>["slots"],
): { steps?: SlotStep[]; problems: string[] } => {
  const instance = world.instances.get(receiver);
  if (instance === undefined) return { problems: [`${receiver} is gone`] };
  const problems = preflight({
    instance,
    limits: world.limits.get(instance.instanceType),
    slots,
    enis: new Map(world.enis.map((e) => [e.id, e])),
    instanceEnis: world.attachedTo.get(receiver) ?? [],
    networkCardIndex: group.networkCardIndex,
  });
  if (problems.length > 0) return { problems };
  return { steps: planSlots(receiver, slots, world, group.networkCardIndex, "repair"), problems: [] };
};

/**
 * The terminate hook of a group member (pure). It acts only for an instance Auto Scaling shows waiting on
 * a terminate hook (`Terminating:Wait`, or a warm-pool one): a message about an instance in any other
 * state (forged, misrouted, late) detaches nothing. The leaving instance's ENIs of the set are detached
 * and attached to the group's serving instance (the launch-before-terminate replacement that went into
 * service without them), then CONTINUE; with no receiver yet (terminate then launch) they are released
 * for the replacement's launch hook.
 */
export const planTerminate = (
  ref: ActionRef,
  world: GroupWorld,
  group: EniReattachGroupConfig,
  tagKey: string,
): HandOver => {
  const member = world.memberships.get(ref.instanceId);
  if (member === undefined || member.groupName !== ref.groupName) {
    return noAction("ignored-not-a-member", [`${ref.instanceId} is not a member of ${ref.groupName}`]);
  }
  const state = member.lifecycleState;
  if (!TERMINATE_WAIT.includes(state)) {
    const leaving = /Terminat/.test(state) || world.instances.get(ref.instanceId) === undefined;
    return noAction(leaving ? "ignored-not-pending" : "ignored-not-terminating", [
      `${ref.instanceId} is ${state}, not waiting on a terminate hook: nothing is detached`,
    ]);
  }
  // Whatever its wait state is called (back to the warm pool: Warmed:Pending:Wait), it is leaving service.
  const asLeaving: GroupWorld = {
    ...world,
    memberships: new Map(world.memberships).set(ref.instanceId, {
      ...member,
      lifecycleState: "Terminating:Wait",
    }),
  };
  const set = resolveEniSet(world.enis, group, tagKey);
  const picked = pickReceiver(
    asLeaving,
    set.slots.map((s) => s.eniId),
    ref.instanceId,
  );
  const toward =
    picked.receiver === undefined ? undefined : stepsToward(picked.receiver, asLeaving, group, set.slots);
  const target = toward?.steps === undefined ? undefined : picked.receiver;
  const steps = toward?.steps ?? leavingSteps(ref.instanceId, asLeaving, set.slots);
  const actions =
    target === undefined
      ? [releaseAction(steps, asLeaving)].filter((a): a is EniAction => a !== undefined)
      : eniActions(steps, target, asLeaving, group);
  const blocked = blockedBy(steps);
  const moved = target !== undefined && steps.some((s) => s.kind === "take" || s.kind === "attach");
  const released = steps.some((s) => s.kind === "take");
  return {
    decision: moved ? "handed-over" : released ? "detached-early" : "nothing-attached",
    actions: [...actions, completeAction(ref, "CONTINUE", [state])],
    steps,
    issues: [
      ...set.issues,
      ...(picked.issue === undefined ? [] : [picked.issue]),
      ...(toward?.problems ?? []),
      ...[...blocked.sameGroup, ...blocked.foreign].map((s) => s.reason),
    ],
    flags: { ...NO_FLAGS, configuration: set.issues.length > 0, foreign: blocked.foreign.length > 0 },
    result: "CONTINUE",
    ...(target === undefined ? {} : { target }),
  };
};

/** No receiver: the leaving instance's ENIs of the set are released for the replacement's launch hook. */
const leavingSteps = (leaving: string, world: GroupWorld, slots: readonly EniSlot[]): SlotStep[] => {
  const enis = new Map(world.enis.map((e) => [e.id, e]));
  return slots.flatMap((slot): SlotStep[] => {
    const eni = enis.get(slot.eniId);
    return eni?.attachment?.instanceId === leaving
      ? [{ kind: "take", slot, from: leaving, holder: "leaving", eni }]
      : [];
  });
};
