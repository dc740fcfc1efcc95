import type { EniReattachGroupConfig } from "../../config";
import { isSameGroupBlocker } from "./holders";
import { attachAction, attributesAction, releaseAction, type SlotStep } from "./steps";
import { ACTION_KINDS, type ActionRef, type EniAction, type GroupWorld, type LifecycleResult } from "./types";

/** Why a hand-over did not (fully) happen: each raises a metric, some an alarm (report.ts). */
export interface HandOverFlags {
  /** The declared set is not what the tags and the allow-list give (missing, duplicate, foreign ENIs). */
  configuration: boolean;
  /** The instance can never take the set (zone, Outpost, card): the only ABANDON. */
  preflight: boolean;
  /** A serving (launching, standby) instance of the group holds ENIs: they move when it leaves. */
  deferred: boolean;
  /** An instance of another group, or outside any group and running, holds ENIs: never taken. */
  foreign: boolean;
}

/** The plan of one lifecycle action (or one repair), pure: what to do, in order, and why. */
export interface HandOver {
  decision: string;
  /** In order: release, attach, attributes, complete. Executed one at a time (run.ts). */
  actions: EniAction[];
  steps: SlotStep[];
  issues: string[];
  flags: HandOverFlags;
  result?: LifecycleResult;
  /** The instance the ENIs go to (a terminate hook's or the reconcile's receiver). */
  target?: string;
}

export const NO_FLAGS: HandOverFlags = {
  configuration: false,
  preflight: false,
  deferred: false,
  foreign: false,
};

export const completeAction = (
  ref: ActionRef,
  result: LifecycleResult,
  waitStates: readonly string[],
): EniAction => ({
  id: `complete:${ref.groupName}:${ref.hookName}:${ref.instanceId}`,
  kind: ACTION_KINDS.complete,
  resources: [ref.instanceId],
  description: `CompleteLifecycleAction ${result} (${ref.hookName}, ${ref.instanceId})`,
  params: { kind: "complete", ref, result, waitStates },
});

/** A plan with no action (ignored, waiting): the decision and why. */
export const noAction = (
  decision: string,
  issues: string[] = [],
  flags: Partial<HandOverFlags> = {},
): HandOver => ({
  decision,
  actions: [],
  steps: [],
  issues,
  flags: { ...NO_FLAGS, ...flags },
});

/** The ENI actions of the steps, in order; blocked steps left out. */
export const eniActions = (
  steps: readonly SlotStep[],
  targetId: string,
  world: GroupWorld,
  group: EniReattachGroupConfig,
) =>
  [
    releaseAction(steps, world),
    attachAction(steps, targetId, group.networkCardIndex, group.sourceDestCheck),
    attributesAction(steps, group.sourceDestCheck),
  ].filter((a): a is EniAction => a !== undefined);

export const blockedBy = (steps: readonly SlotStep[]) => {
  const blocked = steps.filter((s): s is Extract<SlotStep, { kind: "blocked" }> => s.kind === "blocked");
  return {
    sameGroup: blocked.filter((s) => isSameGroupBlocker(s.holder)),
    foreign: blocked.filter((s) => !isSameGroupBlocker(s.holder)),
  };
};

/** The processes without which an impaired firewall is never replaced (AS UG "How suspended processes affect other processes"). */
const REPLACEMENT_PROCESSES = new Set(["Launch", "Terminate", "HealthCheck", "ReplaceUnhealthy"]);

/**
 * Group-level problems every path reports: the firewall group must be a singleton, and its replacement
 * processes running (Auto Scaling suspends Launch itself after a day of failed launches: nothing launches
 * again, even once capacity is back, until someone resumes it).
 */
export const groupIssues = (world: GroupWorld): string[] => {
  if (world.group === undefined) return [`Auto Scaling group ${world.groupName} does not exist`];
  const suspended = (world.group.suspended ?? [])
    .filter((p) => REPLACEMENT_PROCESSES.has(p.process))
    .map(
      (p) =>
        `${world.groupName} has ${p.process} suspended (${p.reason}): no firewall is replaced until it is resumed (ResumeProcesses)`,
    );
  return world.group.desiredCapacity > 1
    ? [
        `${world.groupName} has DesiredCapacity ${world.group.desiredCapacity}: the ENIs can be on one instance only; the others run without them (MaxSize ${world.group.maxSize} > 1 is fine: launch before terminating needs the room)`,
        ...suspended,
      ]
    : suspended;
};
