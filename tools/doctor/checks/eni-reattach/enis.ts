/**
 * Pure judgements of a firewall group's ENI set: the allow-list and the declared device indexes, who holds
 * each ENI, their attributes, and whether the firewall's instance type can take them all (where they are:
 * placement.ts).
 */
import type { EniReattachGroupConfig } from "../../../../functions/eni-reattach/config";
import { isAllowListed } from "../../../../functions/eni-reattach/reattach/plan/eni-set";
import type { EniView } from "../../../../shared/observe/attachments";
import type { Finding } from "../../types";
import type { FirewallFacts } from "./read";
import { CHECK, finding, SOURCES } from "./sources";

const tagFix = (tagKey: string, group: string, index: number | string, eni = "<eni-id>") =>
  `aws ec2 create-tags --resources ${eni} --tags Key=${tagKey},Value=${group}/${index}`;

/** The tagged ENIs by declared index, and the tagged ones that can never join the set. */
const slotsOf = (enis: readonly EniView[], group: EniReattachGroupConfig, tagKey: string) => {
  const byIndex = new Map<number, EniView[]>();
  const strays: Array<{ eni: EniView; why: string }> = [];
  for (const eni of enis) {
    const value = eni.tags[tagKey];
    if (value === undefined || !value.startsWith(`${group.name}/`)) continue;
    const raw = value.slice(group.name.length + 1);
    const index = /^\d{1,2}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!isAllowListed(eni, group)) {
      strays.push({
        eni,
        why: `tagged ${tagKey}=${value} but outside the allow-list (id, subnet ${eni.subnetId}, VPC ${eni.vpcId}): never attached`,
      });
    } else if (!(index >= 1 && index <= group.expectedInterfaces)) {
      strays.push({
        eni,
        why: `tagged ${tagKey}=${value}: not a device index of the declared set 1..${group.expectedInterfaces}: never attached`,
      });
    } else {
      byIndex.set(index, [...(byIndex.get(index) ?? []), eni]);
    }
  }
  return { byIndex, strays };
};

/** The ENI of each declared index, when exactly one claims it (what the function would move). */
export const declaredSet = (
  facts: FirewallFacts,
  group: EniReattachGroupConfig,
  tagKey: string,
): EniView[] => {
  const { byIndex } = slotsOf(facts.enis, group, tagKey);
  return [...byIndex.values()].flatMap((enis) => (enis.length === 1 && enis[0] ? [enis[0]] : []));
};

const setFindings = (facts: FirewallFacts, group: EniReattachGroupConfig, tagKey: string): Finding[] => {
  const { byIndex, strays } = slotsOf(facts.enis, group, tagKey);
  const out: Finding[] = [];
  const known = new Set(facts.enis.map((e) => e.id));
  for (const id of group.allowedEniIds.filter((x) => !known.has(x))) {
    out.push(
      finding(
        CHECK.allowList,
        "error",
        id,
        `${id} is in allowedEniIds but does not exist`,
        `remove it from eniReattach.groups[${group.name}].allowedEniIds, or name the ENI that replaced it`,
        SOURCES.sameZone,
      ),
    );
  }
  out.push(...unknownAllowListFindings(facts, group), ...untaggedFindings(facts, group, tagKey));
  for (let k = 1; k <= group.expectedInterfaces; k += 1) {
    const claimants = byIndex.get(k) ?? [];
    if (claimants.length === 1) continue;
    out.push(
      claimants.length === 0
        ? finding(
            CHECK.allowList,
            "error",
            `${group.name}/${k}`,
            `device index ${k} of the declared set has no allow-listed ENI tagged ${tagKey}=${group.name}/${k}: a replacement firewall would miss that leg`,
            tagFix(tagKey, group.name, k),
            SOURCES.sameZone,
          )
        : finding(
            CHECK.allowList,
            "error",
            `${group.name}/${k}`,
            `device index ${k} is claimed by several ENIs (${claimants.map((e) => e.id).join(", ")}): the function moves neither`,
            `keep the tag ${tagKey}=${group.name}/${k} on one of them only (aws ec2 delete-tags --resources <eni-id> --tags Key=${tagKey})`,
            SOURCES.sameZone,
          ),
    );
  }
  for (const { eni, why } of strays) {
    out.push(
      finding(
        CHECK.allowList,
        "warning",
        eni.id,
        `${eni.id} is ${why}`,
        `add it (or its subnet or VPC) to the group's allow-list, or remove the tag ${tagKey}`,
        SOURCES.sameZone,
      ),
    );
  }
  return out;
};

/** Allow-listed subnets and VPCs that do not exist: they enrol nothing, and the IAM conditions name them. */
const unknownAllowListFindings = (facts: FirewallFacts, group: EniReattachGroupConfig): Finding[] => [
  ...group.allowedSubnetIds
    .filter((id) => !facts.subnets.has(id))
    .map((id) =>
      finding(
        CHECK.allowList,
        "warning",
        id,
        `${id} is in allowedSubnetIds but does not exist: it enrols no ENI`,
        `remove it from eniReattach.groups[${group.name}].allowedSubnetIds, or name the subnet of the group's ENIs`,
        SOURCES.sameZone,
      ),
    ),
  ...group.allowedVpcIds
    .filter((id) => !facts.vpcIds.has(id))
    .map((id) =>
      finding(
        CHECK.allowList,
        "warning",
        id,
        `${id} is in allowedVpcIds but does not exist: it enrols no ENI`,
        `remove it from eniReattach.groups[${group.name}].allowedVpcIds`,
        SOURCES.sameZone,
      ),
    ),
];

/** An ENI allowed by id joins the set only with the tag too (safety rule 9: the tag says where it goes). */
const untaggedFindings = (facts: FirewallFacts, group: EniReattachGroupConfig, tagKey: string): Finding[] =>
  facts.enis
    .filter((eni) => group.allowedEniIds.includes(eni.id) && !eni.tags[tagKey]?.startsWith(`${group.name}/`))
    .map((eni) =>
      finding(
        CHECK.allowList,
        "warning",
        eni.id,
        `${eni.id} is in allowedEniIds but not tagged ${tagKey}=${group.name}/<device-index>: it never joins the set`,
        tagFix(tagKey, group.name, "<device-index>", eni.id),
        SOURCES.sameZone,
      ),
    );

/** A holder that the hand-over never takes the ENI from: an instance of no group or of another group. */
const holderFindings = (
  facts: FirewallFacts,
  group: EniReattachGroupConfig,
  set: readonly EniView[],
): Finding[] =>
  set.flatMap((eni) => {
    const holder = eni.attachment?.instanceId;
    if (holder === undefined) return [];
    const instance = facts.holders.get(holder);
    if (instance === undefined || instance.state === "terminated") return [];
    const owner = facts.memberships.get(holder)?.groupName;
    if (owner === group.name) return [];
    const where = owner === undefined ? "in no Auto Scaling group" : `in the group ${owner}`;
    const blocked = owner !== undefined || instance.state === "running";
    if (!blocked) return [];
    return [
      finding(
        CHECK.allowList,
        "error",
        eni.id,
        `${eni.id} is attached to ${holder}, ${where} (${instance.state}): the hand-over never takes an ENI from another owner, so the next firewall would miss it`,
        `detach it from ${holder} (aws ec2 detach-network-interface --attachment-id ${eni.attachment?.attachmentId ?? "<attachment-id>"}) once that instance no longer needs it`,
        SOURCES.sameZone,
      ),
    ];
  });

/** DeleteOnTermination true: a termination the function does not see first (hook timed out, EC2 terminate) deletes the ENI. */
const deleteOnTerminationFindings = (set: readonly EniView[]): Finding[] =>
  set.flatMap((eni) =>
    eni.attachment?.deleteOnTermination === true
      ? [
          finding(
            CHECK.allowList,
            "error",
            eni.id,
            `${eni.id} has DeleteOnTermination true on ${eni.attachment.instanceId}: if that instance terminates before the function detaches it (a hook timing out, a terminate outside Auto Scaling), the pre-created ENI is deleted and every route to it blackholes`,
            `aws ec2 modify-network-interface-attribute --network-interface-id ${eni.id} --attachment AttachmentId=${eni.attachment.attachmentId},DeleteOnTermination=false`,
            SOURCES.deleteOnTermination,
          ),
        ]
      : [],
  );

export const allowListFindings = (
  facts: FirewallFacts,
  group: EniReattachGroupConfig,
  tagKey: string,
): Finding[] => {
  const set = declaredSet(facts, group, tagKey);
  return [
    ...setFindings(facts, group, tagKey),
    ...holderFindings(facts, group, set),
    ...deleteOnTerminationFindings(set),
  ];
};

/** A firewall forwards traffic that is not its own: its ENIs need source/destination check off. */
export const sourceDestFindings = (
  facts: FirewallFacts,
  group: EniReattachGroupConfig,
  tagKey: string,
): Finding[] => {
  const out: Finding[] = [];
  if (group.sourceDestCheck) {
    out.push(
      finding(
        CHECK.sourceDest,
        "warning",
        group.name,
        `eniReattach.groups[${group.name}].sourceDestCheck is true: the function turns the check on after every attach, and a firewall forwarding other hosts' traffic then drops it`,
        `set sourceDestCheck to false (the default) unless the appliance only terminates traffic itself`,
        SOURCES.sourceDestCheck,
      ),
    );
  }
  for (const eni of declaredSet(facts, group, tagKey)) {
    if (eni.sourceDestCheck === group.sourceDestCheck) continue;
    const attached = eni.attachment !== undefined;
    out.push(
      finding(
        CHECK.sourceDest,
        attached ? "warning" : "info",
        eni.id,
        `${eni.id} has source/destination check ${eni.sourceDestCheck ? "on" : "off"} (configured: ${group.sourceDestCheck ? "on" : "off"})${attached ? `: ${eni.attachment?.instanceId} drops forwarded traffic on that leg until the function's next attach or reconcile sets it` : ": the function sets it when it attaches the ENI"}`,
        `aws ec2 modify-network-interface-attribute --network-interface-id ${eni.id} --${group.sourceDestCheck ? "" : "no-"}source-dest-check`,
        SOURCES.sourceDestCheck,
      ),
    );
  }
  return out;
};

/** The firewall's instance types must have the network card and room for the set plus the primary ENI. */
export const interfaceFindings = (facts: FirewallFacts, group: EniReattachGroupConfig): Finding[] => {
  const types = [
    ...new Set([...(group.instanceType ? [group.instanceType] : []), ...(facts.group?.memberTypes ?? [])]),
  ];
  // The primary ENI sits on card 0: it shares that card's room with the set.
  const needed = group.expectedInterfaces + (group.networkCardIndex === 0 ? 1 : 0);
  return types.flatMap((type) => {
    const limits = facts.limits.get(type);
    if (limits === undefined) {
      return [
        finding(
          CHECK.interfaces,
          "warning",
          type,
          `instance type ${type} is unknown to DescribeInstanceTypes in this Region: its network limits cannot be checked`,
          `check eniReattach.groups[${group.name}].instanceType and the group's launch template`,
          SOURCES.networkCards,
        ),
      ];
    }
    const card = limits.cards.find((c) => c.index === group.networkCardIndex);
    const room = card?.maximumNetworkInterfaces ?? 0;
    if (room >= needed) return [];
    return [
      finding(
        CHECK.interfaces,
        "error",
        type,
        card === undefined
          ? `instance type ${type} has no network card ${group.networkCardIndex} (networkCardIndex): the preflight abandons every launch`
          : `instance type ${type} takes ${room} ENIs on network card ${group.networkCardIndex}, the firewall needs ${needed} there (${group.expectedInterfaces} of the set${group.networkCardIndex === 0 ? " + its primary" : ""}): the preflight abandons every launch`,
        `use an instance type with at least ${needed} network interfaces on card ${group.networkCardIndex} (DescribeInstanceTypes NetworkInfo.NetworkCards)`,
        SOURCES.networkCards,
      ),
    ];
  });
};
