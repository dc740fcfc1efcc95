import type { EniView } from "../../../../shared/observe/attachments";
import { describeHolder, forceAllowed, type HolderKind, holderKind, mayTake, type Purpose } from "./holders";
import {
  ACTION_KINDS,
  type AttachParams,
  type AttributesParams,
  type EniAction,
  type EniSlot,
  type GroupWorld,
  type ReleaseParams,
} from "./types";

/** What to do with one ENI of the set for a target instance. */
export type SlotStep =
  /** Attached to the target at the right index (maybe still attaching). */
  | { kind: "in-place"; slot: EniSlot; eni: EniView }
  /** Available: attach. */
  | { kind: "attach"; slot: EniSlot }
  /** Held by an instance that may give it up (or by the target at the wrong index): detach, then attach. */
  | { kind: "take"; slot: EniSlot; from: string; holder: HolderKind | "target"; eni: EniView }
  /** Held by an instance that may not give it up: never taken. */
  | { kind: "blocked"; slot: EniSlot; from: string; holder: HolderKind; reason: string };

const stepFor = (
  slot: EniSlot,
  eni: EniView,
  targetId: string,
  world: GroupWorld,
  card: number,
  purpose: Purpose,
): SlotStep => {
  const a = eni.attachment;
  if (a === undefined || a.status === "detached") return { kind: "attach", slot };
  if (a.instanceId === targetId) {
    const right =
      a.deviceIndex === slot.deviceIndex && a.networkCardIndex === card && a.status !== "detaching";
    return right
      ? { kind: "in-place", slot, eni }
      : { kind: "take", slot, from: targetId, holder: "target", eni };
  }
  const holder = holderKind(a.instanceId, world);
  if (a.status === "detaching" || mayTake(holder, purpose)) {
    return { kind: "take", slot, from: a.instanceId, holder, eni };
  }
  return {
    kind: "blocked",
    slot,
    from: a.instanceId,
    holder,
    reason: `${eni.id} is attached to ${describeHolder(a.instanceId, holder, world)}: an ENI is never taken from an instance that is serving, launching, on standby or not this group's`,
  };
};

/** One step per slot of the set for `targetId`. */
export const planSlots = (
  targetId: string,
  slots: readonly EniSlot[],
  world: GroupWorld,
  card: number,
  purpose: Purpose,
): SlotStep[] => {
  const enis = new Map(world.enis.map((e) => [e.id, e]));
  return slots.flatMap((slot) => {
    const eni = enis.get(slot.eniId);
    return eni === undefined ? [] : [stepFor(slot, eni, targetId, world, card, purpose)];
  });
};

/** The release action of the `take` steps: detach (or wait for a detach already under way). */
export const releaseAction = (steps: readonly SlotStep[], world: GroupWorld): EniAction | undefined => {
  const takes = steps.filter((s): s is Extract<SlotStep, { kind: "take" }> => s.kind === "take");
  if (takes.length === 0) return undefined;
  const params: ReleaseParams = {
    kind: "release",
    enis: takes.map((s) => ({
      eniId: s.eni.id,
      attachmentId: s.eni.attachment?.attachmentId ?? "",
      from: s.from,
      detaching: s.eni.attachment?.status === "detaching",
      forceAllowed: s.holder !== "target" && forceAllowed(s.holder, world.instances.get(s.from)),
    })),
  };
  return {
    id: `release:${takes.map((s) => s.eni.id).join(",")}`,
    kind: ACTION_KINDS.release,
    resources: takes.map((s) => s.eni.id),
    description: `detach ${takes.map((s) => `${s.eni.id} from ${s.from}`).join(", ")}`,
    params,
  };
};

export const attachAction = (
  steps: readonly SlotStep[],
  targetId: string,
  card: number,
  sourceDestCheck: boolean,
): EniAction | undefined => {
  const slots = steps.filter((s) => s.kind === "attach" || s.kind === "take").map((s) => s.slot);
  if (slots.length === 0) return undefined;
  const params: AttachParams = {
    kind: "attach",
    instanceId: targetId,
    networkCardIndex: card,
    sourceDestCheck,
    enis: slots,
  };
  return {
    id: `attach:${targetId}:${slots.map((s) => s.eniId).join(",")}`,
    kind: ACTION_KINDS.attach,
    resources: slots.map((s) => s.eniId),
    description: `attach ${slots.map((s) => `${s.eniId} at ${s.deviceIndex}`).join(", ")} to ${targetId} (card ${card})`,
    params,
  };
};

/** In-place ENIs whose DeleteOnTermination is on or whose source/dest check differs from the group's. */
export const attributesAction = (
  steps: readonly SlotStep[],
  sourceDestCheck: boolean,
): EniAction | undefined => {
  const stale = steps.flatMap((s) =>
    s.kind === "in-place" &&
    s.eni.attachment !== undefined &&
    (s.eni.attachment.deleteOnTermination || s.eni.sourceDestCheck !== sourceDestCheck)
      ? [
          {
            eniId: s.eni.id,
            attachmentId: s.eni.attachment.attachmentId,
            deleteOnTermination: s.eni.attachment.deleteOnTermination,
            sourceDestCheck: s.eni.sourceDestCheck,
          },
        ]
      : [],
  );
  if (stale.length === 0) return undefined;
  const params: AttributesParams = { kind: "attributes", sourceDestCheck, enis: stale };
  return {
    id: `attributes:${stale.map((e) => e.eniId).join(",")}`,
    kind: ACTION_KINDS.attributes,
    resources: stale.map((e) => e.eniId),
    description: `DeleteOnTermination false, source/destination check ${sourceDestCheck} on ${stale.map((e) => e.eniId).join(", ")}`,
    params,
  };
};
