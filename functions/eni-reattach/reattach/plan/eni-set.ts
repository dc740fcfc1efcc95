import type { EniView } from "../../../../shared/observe/attachments";
import type { EniReattachGroupConfig } from "../../config";
import type { EniSlot } from "./types";

/**
 * The group's ENI set: the ENIs tagged `<tagKey>=<group>/<k>` that the group's allow-list names (their
 * id, subnet or VPC), one per declared device index 1..expectedInterfaces. A tag alone enrols nothing
 * (DESIGN safety rule 9): a tagged ENI outside the allow-list is reported and ignored. Every declared
 * index without its ENI is reported as missing, whatever the index (the highest one included).
 */
export interface EniSet {
  group: string;
  slots: EniSlot[];
  /** Configuration problems: reported (metric, alarm); the slots that are unambiguous still move. */
  issues: string[];
}

export const isAllowListed = (eni: EniView, group: EniReattachGroupConfig): boolean =>
  group.allowedEniIds.includes(eni.id) ||
  group.allowedSubnetIds.includes(eni.subnetId) ||
  group.allowedVpcIds.includes(eni.vpcId);

/** The device index a tag value gives for this group: a number, "malformed", or undefined (another group). */
const indexOf = (value: string | undefined, group: string): number | "malformed" | undefined => {
  if (value === undefined || !value.startsWith(`${group}/`)) return undefined;
  const raw = value.slice(group.length + 1);
  return /^\d{1,2}$/.test(raw) ? Number(raw) : "malformed";
};

/** Candidate ENIs per device index, with the issues of the ones that cannot be candidates. */
const candidates = (
  enis: readonly EniView[],
  group: EniReattachGroupConfig,
  tagKey: string,
): { byIndex: Map<number, string[]>; issues: string[] } => {
  const byIndex = new Map<number, string[]>();
  const issues: string[] = [];
  for (const eni of [...enis].sort((a, b) => a.id.localeCompare(b.id))) {
    const value = eni.tags[tagKey];
    const index = indexOf(value, group.name);
    if (index === undefined) continue;
    if (!isAllowListed(eni, group)) {
      issues.push(
        `${eni.id} is tagged ${tagKey}=${value} but neither its id, its subnet ${eni.subnetId} nor its VPC ${eni.vpcId} is in the group's allow-list: ignored (a tag alone enrols nothing)`,
      );
    } else if (index === "malformed") {
      issues.push(
        `${eni.id}: tag ${tagKey}="${value}" does not end with a device index (expected ${group.name}/<1..15>)`,
      );
    } else if (index === 0) {
      issues.push(`${eni.id}: device index 0 is the instance's primary ENI and cannot be re-attached`);
    } else if (index > group.expectedInterfaces) {
      issues.push(
        `${eni.id}: device index ${index} is beyond the declared set 1..${group.expectedInterfaces} (expectedInterfaces): ignored`,
      );
    } else {
      byIndex.set(index, [...(byIndex.get(index) ?? []), eni.id]);
    }
  }
  return { byIndex, issues };
};

export const resolveEniSet = (
  enis: readonly EniView[],
  group: EniReattachGroupConfig,
  tagKey: string,
): EniSet => {
  const { byIndex, issues } = candidates(enis, group, tagKey);
  const slots: EniSlot[] = [];
  for (let deviceIndex = 1; deviceIndex <= group.expectedInterfaces; deviceIndex += 1) {
    const ids = byIndex.get(deviceIndex) ?? [];
    if (ids.length > 1)
      issues.push(`device index ${deviceIndex} is claimed by several ENIs: ${ids.join(", ")}`);
    else if (ids[0] !== undefined) slots.push({ deviceIndex, eniId: ids[0] });
    else issues.push(`missing ENI: no allow-listed ENI is tagged ${tagKey}=${group.name}/${deviceIndex}`);
  }
  const seen = new Set(enis.map((e) => e.id));
  for (const id of group.allowedEniIds) {
    if (!seen.has(id)) issues.push(`${id} (allow-listed) does not exist`);
  }
  return { group: group.name, slots, issues };
};
