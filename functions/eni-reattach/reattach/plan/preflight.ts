import type { EniView, NetworkLimits } from "../../../../shared/observe/attachments";
import type { EniSlot, InstanceFacts } from "./types";

export interface PreflightFacts {
  instance: InstanceFacts;
  limits: NetworkLimits | undefined;
  slots: readonly EniSlot[];
  enis: ReadonlyMap<string, EniView>;
  /** ENIs attached to the instance now: its primary, launch-template ENIs, maybe some of ours. */
  instanceEnis: readonly EniView[];
  networkCardIndex: number;
}

/**
 * What makes an instance unable to take the set, for good (a relaunch of the same template in the same
 * place would fail the same way): an ENI in another Availability Zone ("You must attach a network
 * interface to an instance in the same Availability Zone", EC2 UG) or on another Outpost (or one on an
 * Outpost and the other in the Region: `OutpostArn` compared), no such network card, too few ENIs on the
 * card once the ENIs the instance already has (its primary, its launch template's) are counted
 * (`NetworkCardInfo.MaximumNetworkInterfaces`), or a device index of the set taken by an ENI that is not
 * ours (a launch-template ENI). Every failed precondition is reported.
 */
export const preflight = (facts: PreflightFacts): string[] => [
  ...placementIssues(facts),
  ...cardIssues(facts),
  ...collisionIssues(facts),
];

const placementIssues = ({ instance, slots, enis }: PreflightFacts): string[] =>
  slots.flatMap((slot) => {
    const eni = enis.get(slot.eniId);
    if (eni === undefined) return [];
    if (eni.availabilityZone !== instance.availabilityZone) {
      return [
        `${eni.id} is in ${eni.availabilityZone}, the instance ${instance.id} in ${instance.availabilityZone ?? "an unknown zone"}: ENIs attach only in the same Availability Zone`,
      ];
    }
    if ((eni.outpostArn ?? "") !== (instance.outpostArn ?? "")) {
      return [
        `${eni.id} is ${eni.outpostArn === undefined ? "in the Region" : `on ${eni.outpostArn}`}, the instance ${instance.id} ${instance.outpostArn === undefined ? "in the Region" : `on ${instance.outpostArn}`}: an Outpost subnet's ENI attaches only to an instance on that Outpost`,
      ];
    }
    return [];
  });

const cardIssues = ({
  instance,
  limits,
  slots,
  instanceEnis,
  networkCardIndex,
}: PreflightFacts): string[] => {
  if (limits === undefined) return [`DescribeInstanceTypes does not know ${instance.instanceType}`];
  const card = limits.cards.find((c) => c.index === networkCardIndex);
  if (card === undefined) return [`${instance.instanceType} has no network card ${networkCardIndex}`];
  const ours = new Set(slots.map((s) => s.eniId));
  const others = instanceEnis.filter(
    (e) => !ours.has(e.id) && (e.attachment?.networkCardIndex ?? 0) === networkCardIndex,
  );
  const needed = others.length + slots.length;
  if (card.maximumNetworkInterfaces >= needed) return [];
  return [
    `${instance.instanceType} allows ${card.maximumNetworkInterfaces} ENIs on network card ${networkCardIndex}; the firewall needs ${needed} (${slots.length} + ${others.length} already attached: ${others.map((e) => e.id).join(", ") || "none"})`,
  ];
};

const collisionIssues = ({ instance, slots, instanceEnis, networkCardIndex }: PreflightFacts): string[] => {
  const ours = new Set(slots.map((s) => s.eniId));
  return instanceEnis.flatMap((eni) => {
    const a = eni.attachment;
    if (a === undefined || ours.has(eni.id) || a.networkCardIndex !== networkCardIndex) return [];
    const slot = slots.find((s) => s.deviceIndex === a.deviceIndex);
    return slot === undefined
      ? []
      : [
          `device index ${a.deviceIndex} of ${instance.id} is taken by ${eni.id} (not one of the group's ENIs, e.g. from the launch template); ${slot.eniId} needs it`,
        ];
  });
};
