import type { EniReattachGroupConfig } from "../../config";
import { resolveEniSet } from "./eni-set";
import { blockedBy, eniActions, groupIssues, type HandOver, NO_FLAGS, noAction } from "./hand-over";
import { pickReceiver, stepsToward } from "./terminate";
import type { GroupWorld } from "./types";

/**
 * The reconcile's repair (pure): the group's serving firewall (see pickReceiver) gets the ENIs of the set
 * it is missing, taken only from instances that are leaving, stopped or gone (never from an `Unhealthy`
 * one still in service: its replacement's launch takes them). This is how a launch-before-terminate
 * hand-over finishes when the terminate event was lost, and how an ENI released by a terminated instance
 * (a group without our terminate hook) reaches the firewall. No lifecycle call.
 */
export const planRepair = (world: GroupWorld, group: EniReattachGroupConfig, tagKey: string): HandOver => {
  const set = resolveEniSet(world.enis, group, tagKey);
  const issues = [...groupIssues(world), ...set.issues];
  const flags = { ...NO_FLAGS, configuration: issues.length > 0 };
  const picked = pickReceiver(
    world,
    set.slots.map((s) => s.eniId),
  );
  if (picked.receiver === undefined) {
    return noAction(
      "no-serving-firewall",
      picked.issue === undefined ? issues : [...issues, picked.issue],
      flags,
    );
  }
  const toward = stepsToward(picked.receiver, world, group, set.slots);
  if (toward.steps === undefined) {
    return {
      ...noAction("repair-impossible", [...issues, ...toward.problems], flags),
      target: picked.receiver,
    };
  }
  const steps = toward.steps;
  const blocked = blockedBy(steps);
  const actions = eniActions(steps, picked.receiver, world, group);
  const moved = steps.some((s) => s.kind === "attach" || s.kind === "take");
  return {
    decision: moved
      ? "repaired"
      : blocked.sameGroup.length + blocked.foreign.length > 0
        ? "repair-blocked"
        : "in-place",
    actions,
    steps,
    issues: [...issues, ...[...blocked.sameGroup, ...blocked.foreign].map((s) => s.reason)],
    flags: { ...flags, foreign: blocked.foreign.length > 0, deferred: blocked.sameGroup.length > 0 },
    target: picked.receiver,
  };
};
