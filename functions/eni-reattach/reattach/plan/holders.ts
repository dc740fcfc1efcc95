import type { GroupWorld, InstanceFacts, MemberView } from "./types";

/**
 * Who holds an ENI, and whether it may be taken (issue 9, item 1; notes §1 "What serving means"):
 *
 * | holder                                                            | kind            | launch takes | repair takes |
 * | ----------------------------------------------------------------- | --------------- | ------------ | ------------ |
 * | another group (whatever its EC2 state)                            | other-group     | never        | never        |
 * | EC2 stopping, stopped, shutting-down, terminated, or gone         | stopped / gone  | yes          | yes          |
 * | same group, `Terminating*` (`Terminating:Retained` included)      | leaving         | yes          | yes          |
 * | same group, `InService` + `Unhealthy` (Auto Scaling replaces it)  | unhealthy       | yes          | no           |
 * | same group, `InService` + `Healthy`, `ReplacingRootVolume*`       | serving         | never        | never        |
 * | same group, `Pending*`, `Warmed:*` (another launch in flight)     | launching       | never        | never        |
 * | same group, `Standby` / `EnteringStandby` (an operator's)         | standby         | never        | never        |
 * | no group and running                                              | outside-running | never        | never        |
 *
 * "Launch" is this group's new instance taking the ENIs (the holder is the instance it replaces);
 * "repair" is the reconcile or a terminate hook giving them to the serving firewall.
 */
export type HolderKind =
  | "stopped"
  | "gone"
  | "leaving"
  | "unhealthy"
  | "serving"
  | "launching"
  | "standby"
  | "other-group"
  | "outside-running";

export type Purpose = "launch" | "repair";

const NOT_RUNNING = new Set(["stopping", "stopped", "shutting-down", "terminated"]);

const sameGroupKind = (member: MemberView): HolderKind => {
  const state = member.lifecycleState;
  if (/^(Warmed:)?Terminating/.test(state)) return "leaving";
  if (state === "InService") return member.healthy ? "serving" : "unhealthy";
  if (state.startsWith("ReplacingRootVolume") || state === "RootVolumeReplaced") return "serving";
  if (state === "Standby" || state === "EnteringStandby") return "standby";
  if (state === "Detaching" || state === "Detached") return "outside-running";
  return "launching";
};

export const holderKind = (holderId: string, world: GroupWorld): HolderKind => {
  const instance = world.instances.get(holderId);
  if (instance === undefined) return "gone";
  const member = world.memberships.get(holderId);
  // Another group's instance is never ours to take from, stopped or not (issue 9, item 1).
  if (member !== undefined && member.groupName !== world.groupName) return "other-group";
  if (NOT_RUNNING.has(instance.state)) return "stopped";
  if (member === undefined) return "outside-running";
  return sameGroupKind(member);
};

const TAKEABLE: Record<Purpose, ReadonlySet<HolderKind>> = {
  launch: new Set(["stopped", "gone", "leaving", "unhealthy"]),
  repair: new Set(["stopped", "gone", "leaving"]),
};

export const mayTake = (kind: HolderKind, purpose: Purpose): boolean => TAKEABLE[purpose].has(kind);

/** Holders of this group that will give the ENIs up on their own: wait for them, never ABANDON. */
export const isSameGroupBlocker = (kind: HolderKind): boolean =>
  kind === "serving" || kind === "launching" || kind === "standby";

/**
 * `Force` is a last resort for a failed instance (DetachNetworkInterface API reference): allowed only
 * after a plain detach's bounded wait, and only for a holder that is not serving (issue 9, item 6): one
 * that is leaving the group (its side effects, a device index unusable until a stop/start, fall on an
 * instance being destroyed), stopped or gone; an `Unhealthy` one still in service only when impaired or
 * no longer running.
 */
export const forceAllowed = (kind: HolderKind, instance: InstanceFacts | undefined): boolean => {
  if (kind === "leaving" || kind === "stopped" || kind === "gone") return true;
  return (
    kind === "unhealthy" && (instance === undefined || instance.state !== "running" || instance.impaired)
  );
};

export const describeHolder = (holderId: string, kind: HolderKind, world: GroupWorld): string => {
  const member = world.memberships.get(holderId);
  const state = world.instances.get(holderId)?.state ?? "gone";
  const asg =
    member === undefined
      ? "in no Auto Scaling group"
      : `${member.lifecycleState}${member.lifecycleState === "InService" ? (member.healthy ? "/Healthy" : "/Unhealthy") : ""} in ${member.groupName}`;
  return `${holderId} (${state}, ${asg}; ${kind})`;
};
