/**
 * eni-reattach planning: pure functions of (the lifecycle action, the group's observed world, the
 * group's policy) → a HandOver (decision, ordered actions, issues). No SDK call, no clock.
 */
export { type EniSet, isAllowListed, resolveEniSet } from "./eni-set";
export { completeAction, groupIssues, type HandOver, type HandOverFlags } from "./hand-over";
export { describeHolder, forceAllowed, type HolderKind, holderKind, mayTake } from "./holders";
export { planLaunch } from "./launch";
export { preflight } from "./preflight";
export { planRepair } from "./repair";
export { planSlots, type SlotStep } from "./steps";
export { pickReceiver, planTerminate } from "./terminate";
export * from "./types";
