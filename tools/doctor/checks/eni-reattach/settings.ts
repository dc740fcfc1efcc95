/**
 * Pure judgements of a firewall group's own settings: that it exists and holds one firewall, and the
 * settings that decide in which order Auto Scaling replaces it (maintenance policy, warm pool, health
 * check type, retention on ABANDON), said as information where they only change when the ENIs move.
 */
import type { EniReattachGroupConfig } from "../../../../functions/eni-reattach/config";
import type { Finding } from "../../types";
import type { FirewallFacts, GroupFacts } from "./read";
import { CHECK, finding, SOURCES } from "./sources";

export const groupFindings = (facts: FirewallFacts, group: EniReattachGroupConfig): Finding[] => {
  if (facts.group === undefined) {
    return [
      finding(
        CHECK.group,
        "error",
        group.name,
        `Auto Scaling group ${group.name} (eniReattach.groups[].name) does not exist in this Region: nothing of it can be handed over`,
        "correct the group name in the configuration, or check --region",
        SOURCES.lifecycleHooks,
      ),
    ];
  }
  if (facts.group.desiredCapacity === 0) {
    return [
      finding(
        CHECK.group,
        "warning",
        group.name,
        `${group.name} has DesiredCapacity 0: no firewall runs, and the routes to its ENIs go nowhere until one is launched`,
        `aws autoscaling set-desired-capacity --auto-scaling-group-name ${group.name} --desired-capacity 1`,
        SOURCES.maintenancePolicy,
      ),
    ];
  }
  if (facts.group.desiredCapacity === 1) return [];
  return [
    finding(
      CHECK.group,
      "error",
      group.name,
      `${group.name} has DesiredCapacity ${facts.group.desiredCapacity}: the ENIs fit on one instance only, and with several members in service the function cannot tell which one is the firewall, so it attaches nothing`,
      `aws autoscaling set-desired-capacity --auto-scaling-group-name ${group.name} --desired-capacity 1 (keep MaxSize 2 for launch before terminating)`,
      SOURCES.maintenancePolicy,
    ),
  ];
};

const maintenanceFindings = (name: string, g: GroupFacts): Finding[] => {
  if (g.maintenance?.minHealthyPercentage !== 100) return [];
  return [
    finding(
      CHECK.order,
      "info",
      name,
      `${name} launches before terminating (instance maintenance policy MinHealthyPercentage 100): the new firewall goes into service without the ENIs, which move at the old firewall's terminate hook; until then the old one keeps serving`,
      "nothing to change; make sure a terminate hook of ours exists and that the group's health check does not depend on the data plane",
      SOURCES.maintenancePolicy,
    ),
  ];
};

const warmPoolFindings = (name: string, g: GroupFacts): Finding[] =>
  g.warmPool === undefined
    ? []
    : [
        finding(
          CHECK.order,
          "info",
          name,
          `${name} has a warm pool (${g.warmPool.poolState ?? "Stopped"}): an instance entering the pool is completed without the ENIs; it gets them when it leaves the pool into the group`,
          "nothing to change",
          SOURCES.warmPool,
        ),
      ];

/** Health checks that go through the data plane (a load balancer's, VPC Lattice's), unlike EC2's and EBS's. */
const DATA_PLANE_CHECKS = new Set(["ELB", "VPC_LATTICE"]);

const healthCheckFindings = (name: string, g: GroupFacts): Finding[] =>
  !g.healthCheckType.split(",").some((type) => DATA_PLANE_CHECKS.has(type.trim()))
    ? []
    : [
        finding(
          CHECK.order,
          "warning",
          name,
          `${name} uses ${g.healthCheckType} health checks: a replacement firewall has no ENI until the hand-over, fails a data-plane health check meanwhile and may be replaced in turn`,
          `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${name} --health-check-type EC2 (or a health check grace period longer than the hand-over)`,
          SOURCES.healthChecks,
        ),
      ];

const retentionFindings = (name: string, g: GroupFacts): Finding[] =>
  g.terminateHookAbandon !== "retain"
    ? []
    : [
        finding(
          CHECK.order,
          "info",
          name,
          `${name} retains instances whose terminate hook ends in ABANDON (TerminateHookAbandon retain): such a firewall stays in Terminating:Retained with its ENIs until the function takes them for the next one`,
          "nothing to change; terminate retained instances once they are drained",
          SOURCES.retention,
        ),
      ];

export const replacementOrderFindings = (facts: FirewallFacts, group: EniReattachGroupConfig): Finding[] => {
  const g = facts.group;
  if (g === undefined) return [];
  return [
    ...maintenanceFindings(group.name, g),
    ...warmPoolFindings(group.name, g),
    ...healthCheckFindings(group.name, g),
    ...retentionFindings(group.name, g),
  ];
};
