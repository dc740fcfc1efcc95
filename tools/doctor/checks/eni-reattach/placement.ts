/**
 * Pure judgement of where a firewall group's ENIs are (Availability Zone, Outpost) against where the group
 * launches, and of the Outpost the capacity check watches.
 */
import type { EniReattachGroupConfig } from "../../../../functions/eni-reattach/config";
import type { EniView } from "../../../../shared/observe/attachments";
import type { Finding } from "../../types";
import { declaredSet } from "./enis";
import type { FirewallFacts, SubnetFacts } from "./read";
import { CHECK, finding, SOURCES } from "./sources";

const outpostOf = (subnet: SubnetFacts | undefined) => subnet?.outpostArn ?? "the Region";

/** The group's subnets in an ENI's zone and on its Outpost (or, both, in the Region). */
const launchSubnetsFor = (eni: EniView, groupSubnets: readonly SubnetFacts[]) =>
  groupSubnets.filter(
    (s) => s.availabilityZone === eni.availabilityZone && (s.outpostArn ?? "") === (eni.outpostArn ?? ""),
  );

/**
 * Where the ENIs are against where the group launches: an ENI attaches only in its Availability Zone and,
 * on an Outpost subnet, only to an instance on that Outpost. A group subnet elsewhere launches firewalls
 * that fail the preflight (ABANDON, relaunch).
 */
export const placementFindings = (
  facts: FirewallFacts,
  group: EniReattachGroupConfig,
  tagKey: string,
): Finding[] => {
  const groupSubnets = (facts.group?.subnetIds ?? []).flatMap((id) => facts.subnets.get(id) ?? []);
  if (groupSubnets.length === 0) return [];
  const set = declaredSet(facts, group, tagKey);
  const out: Finding[] = set.flatMap((eni) =>
    launchSubnetsFor(eni, groupSubnets).length > 0
      ? []
      : [
          finding(
            CHECK.placement,
            "error",
            eni.id,
            `${eni.id} is in ${eni.availabilityZone} on ${eni.outpostArn ?? "the Region"}, but no subnet of ${group.name} is (${groupSubnets.map((s) => `${s.id}: ${s.availabilityZone}, ${outpostOf(s)}`).join("; ")}): no firewall the group launches can take it`,
            `launch the group in a subnet of ${eni.availabilityZone} on ${eni.outpostArn ?? "the Region"} (aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${group.name} --vpc-zone-identifier <subnet-id>), or re-create the ENI there`,
            eni.outpostArn === undefined ? SOURCES.sameZone : SOURCES.outpostEni,
          ),
        ],
  );
  const misfits = groupSubnets.filter((s) => set.some((eni) => launchSubnetsFor(eni, [s]).length === 0));
  if (set.length > 0 && misfits.length > 0 && misfits.length < groupSubnets.length) {
    out.push(
      finding(
        CHECK.placement,
        "warning",
        group.name,
        `${group.name} also launches in ${misfits.map((s) => `${s.id} (${s.availabilityZone}, ${outpostOf(s)})`).join(", ")}, where its ENIs cannot attach: a firewall launched there fails the preflight and is abandoned`,
        `keep only subnets of ${[...new Set(set.map((e) => e.availabilityZone))].join(", ")} in the group's VPCZoneIdentifier`,
        SOURCES.sameZone,
      ),
    );
  }
  return [...out, ...outpostConfigFindings(groupSubnets, group)];
};

/** The capacity checker watches `outpostId`: it must be the Outpost the group launches on. */
const outpostConfigFindings = (
  groupSubnets: readonly SubnetFacts[],
  group: EniReattachGroupConfig,
): Finding[] => {
  const outposts = [...new Set(groupSubnets.flatMap((s) => (s.outpostArn ? [s.outpostArn] : [])))];
  if (group.outpostId === undefined) {
    return outposts.length === 0
      ? []
      : [
          finding(
            CHECK.placement,
            "info",
            group.name,
            `${group.name} launches on ${outposts.join(", ")} but has no outpostId: nobody checks that the Outpost can host a replacement`,
            `set eniReattach.groups[${group.name}].outpostId and instanceType`,
            SOURCES.outpostEni,
          ),
        ];
  }
  if (outposts.some((arn) => arn.endsWith(`/${group.outpostId}`))) return [];
  return [
    finding(
      CHECK.placement,
      "warning",
      group.name,
      `outpostId ${group.outpostId} is not the Outpost of ${group.name}'s subnets (${outposts.length > 0 ? outposts.join(", ") : "the Region"}): the capacity check watches the wrong Outpost`,
      `set eniReattach.groups[${group.name}].outpostId to the group's Outpost`,
      SOURCES.outpostEni,
    ),
  ];
};
