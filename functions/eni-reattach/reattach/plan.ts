/**
 * eni-reattach planning: pure functions of (tags, observed state, policy). No SDK call, no clock.
 *
 * - resolveEniSet: the group's ENI set from the `<tagKey>=<group>/<device-index>` tags, or the
 *   configuration errors (duplicate index, index 0, malformed index, missing ENI, too many ENIs);
 * - preflight: the launching instance can take the set (same AZ, per-card MaximumNetworkInterfaces
 *   ≥ N + 1 on card 0 / ≥ N on another card, device indexes free);
 * - planSlots: what to do with each ENI (nothing, attach, detach from a leaving instance then attach,
 *   or refuse: never steal an ENI from a running in-service instance).
 */
import type { AsgMemberView, EniView, NetworkLimits } from "../../../shared/observe/attachments";
import type { InstanceView } from "../../../shared/observe/model";

export interface EniSlot {
  deviceIndex: number;
  eniId: string;
}

export interface EniSet {
  group: string;
  slots: EniSlot[];
  /** Configuration errors: when not empty, nothing may move. */
  issues: string[];
}

export const resolveEniSet = (
  enis: readonly EniView[],
  group: string,
  tagKey: string,
  policy: { expectedInterfaces?: number; maxInterfaces: number },
): EniSet => {
  const issues: string[] = [];
  const byIndex = new Map<number, string[]>();
  for (const eni of [...enis].sort((a, b) => a.id.localeCompare(b.id))) {
    const value = eni.tags[tagKey];
    if (value === undefined || !value.startsWith(`${group}/`)) continue;
    const raw = value.slice(group.length + 1);
    if (!/^\d{1,2}$/.test(raw)) {
      issues.push(
        `${eni.id}: tag ${tagKey}="${value}" does not end with a device index (expected ${group}/<1..15>)`,
      );
      continue;
    }
    const index = Number(raw);
    if (index === 0) {
      issues.push(`${eni.id}: device index 0 is the instance's primary ENI and cannot be re-attached`);
      continue;
    }
    byIndex.set(index, [...(byIndex.get(index) ?? []), eni.id]);
  }
  const slots: EniSlot[] = [];
  for (const [deviceIndex, ids] of [...byIndex.entries()].sort((a, b) => a[0] - b[0])) {
    if (ids.length > 1)
      issues.push(`device index ${deviceIndex} is claimed by several ENIs: ${ids.join(", ")}`);
    else if (ids[0] !== undefined) slots.push({ deviceIndex, eniId: ids[0] });
  }
  const highest = Math.max(0, policy.expectedInterfaces ?? 0, ...byIndex.keys());
  for (let index = 1; index <= highest; index += 1) {
    if (!byIndex.has(index)) issues.push(`missing ENI: no ENI is tagged ${tagKey}=${group}/${index}`);
  }
  if (byIndex.size > policy.maxInterfaces) {
    issues.push(
      `${byIndex.size} ENIs are tagged for ${group}, more than maxInterfacesPerGroup (${policy.maxInterfaces})`,
    );
  }
  return { group, slots, issues };
};

export interface PreflightFacts {
  instance: InstanceView;
  limits: NetworkLimits | undefined;
  slots: readonly EniSlot[];
  enis: ReadonlyMap<string, EniView>;
  /** ENIs currently attached to the instance (primary included). */
  instanceEnis: readonly EniView[];
  networkCardIndex: number;
}

/** Preconditions on the launching instance; every failed one is reported. */
export const preflight = (facts: PreflightFacts): string[] => {
  const issues: string[] = [];
  const { instance, limits, slots, networkCardIndex } = facts;
  for (const slot of slots) {
    const eni = facts.enis.get(slot.eniId);
    if (eni === undefined) {
      issues.push(`${slot.eniId} (device index ${slot.deviceIndex}) no longer exists`);
    } else if (eni.availabilityZone !== instance.availabilityZone) {
      issues.push(
        `${eni.id} is in ${eni.availabilityZone}, the instance ${instance.id} in ${instance.availabilityZone ?? "an unknown zone"}: ENIs attach only in the same Availability Zone`,
      );
    }
  }
  if (limits === undefined) {
    issues.push(`DescribeInstanceTypes does not know ${instance.instanceType}`);
  } else {
    const card = limits.cards.find((c) => c.index === networkCardIndex);
    const needed = slots.length + (networkCardIndex === 0 ? 1 : 0);
    if (card === undefined) {
      issues.push(`${instance.instanceType} has no network card ${networkCardIndex}`);
    } else if (card.maximumNetworkInterfaces < needed) {
      issues.push(
        `${instance.instanceType} allows ${card.maximumNetworkInterfaces} ENIs on network card ${networkCardIndex}; the firewall needs ${needed} (${slots.length} + ${networkCardIndex === 0 ? "the primary" : "none"})`,
      );
    }
  }
  const wanted = new Map(slots.map((s) => [s.deviceIndex, s.eniId]));
  for (const eni of facts.instanceEnis) {
    const a = eni.attachment;
    if (a === undefined || a.networkCardIndex !== networkCardIndex) continue;
    const expected = wanted.get(a.deviceIndex);
    if (expected !== undefined && expected !== eni.id) {
      issues.push(
        `device index ${a.deviceIndex} of ${instance.id} is taken by ${eni.id} (expected ${expected})`,
      );
    }
  }
  return issues;
};

export type SlotStep =
  /** Already attached to the instance at the right index (maybe still attaching). */
  | { kind: "in-place"; slot: EniSlot; attachmentId: string; status: string }
  | { kind: "attach"; slot: EniSlot }
  /** Detach from a leaving instance (or from the wrong index), wait for `available`, then attach. */
  | { kind: "move"; slot: EniSlot; from: string; attachmentId: string; force: boolean; detaching: boolean }
  | { kind: "refuse"; slot: EniSlot; from: string; reason: string };

export interface OwnerFacts {
  instances: ReadonlyMap<string, InstanceView>;
  members: ReadonlyMap<string, AsgMemberView>;
}

/** In service: running and InService (or entering it) in its group. */
export const isInService = (instanceId: string, owners: OwnerFacts): boolean => {
  const instance = owners.instances.get(instanceId);
  const member = owners.members.get(instanceId);
  return instance?.state === "running" && member !== undefined && member.lifecycleState === "InService";
};

export const planSlots = (
  instanceId: string,
  slots: readonly EniSlot[],
  enis: ReadonlyMap<string, EniView>,
  owners: OwnerFacts,
  networkCardIndex: number,
): SlotStep[] =>
  slots.map((slot): SlotStep => {
    const a = enis.get(slot.eniId)?.attachment;
    if (a === undefined || a.status === "detached") return { kind: "attach", slot };
    if (a.instanceId === instanceId) {
      if (
        a.deviceIndex === slot.deviceIndex &&
        a.networkCardIndex === networkCardIndex &&
        a.status !== "detaching"
      )
        return { kind: "in-place", slot, attachmentId: a.attachmentId, status: a.status };
      return {
        kind: "move",
        slot,
        from: instanceId,
        attachmentId: a.attachmentId,
        force: false,
        detaching: a.status === "detaching",
      };
    }
    if (a.status !== "detaching" && isInService(a.instanceId, owners)) {
      return {
        kind: "refuse",
        slot,
        from: a.instanceId,
        reason: `${slot.eniId} is attached to ${a.instanceId}, which is running and InService: an ENI is never taken from a serving firewall`,
      };
    }
    const owner = owners.instances.get(a.instanceId);
    return {
      kind: "move",
      slot,
      from: a.instanceId,
      attachmentId: a.attachmentId,
      force: owner?.state !== "running",
      detaching: a.status === "detaching",
    };
  });
