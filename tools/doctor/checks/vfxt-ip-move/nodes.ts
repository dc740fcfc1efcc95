/**
 * Pure judgements of a vFXT cluster's nodes: each has the status-check alarm whose state changes trigger
 * the function, watching the right metric, with no action that destroys what the function moves; and the
 * surviving nodes have room (`Ipv4AddressesPerInterface`) for every secondary address of the cluster.
 */
import type { VfxtClusterConfig } from "../../../../functions/vfxt-ip-move/config";
import type { ClusterObservation, NodeState } from "../../../../functions/vfxt-ip-move/plan";
import type { AlarmView } from "../../../../shared/observe/model";
import type { Finding } from "../../types";
import { specsOf } from "./addresses";
import { isHealthy } from "./health";
import type { ClusterFacts } from "./read";
import { CHECK, finding, SOURCES } from "./sources";

const STATUS_METRICS = new Set([
  "StatusCheckFailed",
  "StatusCheckFailed_Instance",
  "StatusCheckFailed_System",
]);

const alarmFix = (name: string, node: string) =>
  `aws cloudwatch put-metric-alarm --alarm-name ${name} --namespace AWS/EC2 --metric-name StatusCheckFailed --dimensions Name=InstanceId,Value=${node} --statistic Maximum --period 60 --evaluation-periods 2 --threshold 1 --comparison-operator GreaterThanOrEqualToThreshold`;

/** What is wrong with a node's status-check alarm, if anything. */
const alarmProblem = (alarm: AlarmView, node: string): string | undefined => {
  if (alarm.namespace !== "AWS/EC2" || !STATUS_METRICS.has(alarm.metricName ?? "")) {
    return `watches ${alarm.namespace ?? "?"} ${alarm.metricName ?? "(metric math)"}, not an EC2 status check`;
  }
  if (alarm.dimensions.InstanceId !== node) {
    return `watches InstanceId ${alarm.dimensions.InstanceId ?? "(none)"}, not ${node}`;
  }
  if (alarm.actions.some((a) => a.endsWith(":ec2:terminate"))) {
    return "terminates the node: its ENI is deleted with it and the addresses and Elastic IPs on it are released (use recover, which keeps them, or no EC2 action)";
  }
  return undefined;
};

export const alarmFindings = (facts: ClusterFacts, cluster: VfxtClusterConfig, prefix: string): Finding[] =>
  facts.nodes
    .filter((n) => n.state !== "terminated")
    .flatMap((node): Finding[] => {
      const name = `${prefix}${node.id}`;
      const alarm = facts.alarms.get(name);
      if (alarm === undefined) {
        return [
          finding(
            CHECK.alarms,
            "warning",
            node.id,
            `node ${node.id} of ${cluster.name} has no status-check alarm ${name}: an impaired node that keeps running is noticed only by the reconcile (every 5 minutes), not when its check fails`,
            alarmFix(name, node.id),
            SOURCES.statusCheckAlarms,
          ),
        ];
      }
      const problem = alarmProblem(alarm, node.id);
      return problem === undefined
        ? []
        : [
            finding(
              CHECK.alarms,
              "warning",
              name,
              `alarm ${name} ${problem}`,
              alarmFix(name, node.id),
              problem.startsWith("terminates") ? SOURCES.alarmActions : SOURCES.statusCheckAlarms,
            ),
          ];
    });

/** Room for more secondary addresses in a subnet on these nodes, besides the cluster's own addresses. */
const roomIn = (
  nodes: readonly NodeState[],
  subnetId: string,
  clusterAddresses: ReadonlySet<string>,
): number => {
  let room = 0;
  for (const node of nodes) {
    const enis = node.enis.filter((e) => e.subnetId === subnetId);
    // An unknown limit is no limit (the function plans the same way).
    if (enis.length > 0 && node.addressLimit === undefined) return Number.POSITIVE_INFINITY;
    for (const eni of enis) {
      room +=
        (node.addressLimit ?? 0) - 1 - eni.secondaryIps.filter((ip) => !clusterAddresses.has(ip)).length;
    }
  }
  return room;
};

/** The secondary addresses per subnet that the healthy nodes must be able to hold. */
const addressesBySubnet = (obs: ClusterObservation, cluster: VfxtClusterConfig): Map<string, string[]> => {
  const out = new Map<string, string[]>();
  for (const spec of specsOf(obs, cluster)) {
    if (spec.mode === "secondary") out.set(spec.subnetId, [...(out.get(spec.subnetId) ?? []), spec.address]);
  }
  return out;
};

/**
 * Can the healthy nodes hold every secondary address now (else some stay unserved: `no-capacity`), and
 * after any one more node fails? The limit counts the primary address (`Ipv4AddressesPerInterface`).
 */
export const capacityFindings = (facts: ClusterFacts, cluster: VfxtClusterConfig): Finding[] => {
  const obs = facts.observation;
  if (obs === undefined) return [];
  const healthy = obs.nodes.filter(isHealthy);
  const all = new Set(obs.addresses);
  const out: Finding[] = [];
  for (const [subnetId, addresses] of addressesBySubnet(obs, cluster)) {
    const now = roomIn(healthy, subnetId, all);
    if (now < addresses.length) {
      out.push(
        finding(
          CHECK.capacity,
          "error",
          subnetId,
          `${cluster.name}: the healthy nodes' ENIs in ${subnetId} have room for ${now} of its ${addresses.length} addresses (Ipv4AddressesPerInterface, primary included): ${addresses.length - now} would stay unserved (no-capacity)`,
          "add a node with an ENI in that subnet, or use an instance type with more addresses per interface",
          SOURCES.ipsPerEni,
        ),
      );
      continue;
    }
    for (const node of healthy) {
      const left = roomIn(
        healthy.filter((n) => n !== node),
        subnetId,
        all,
      );
      if (left >= addresses.length) continue;
      out.push(
        finding(
          CHECK.capacity,
          "warning",
          node.instanceId,
          `${cluster.name}: if ${node.instanceId} fails, the other healthy nodes' ENIs in ${subnetId} have room for ${left} of the ${addresses.length} addresses: ${addresses.length - left} would stay unserved`,
          "add a node with an ENI in that subnet, or use an instance type with more addresses per interface",
          SOURCES.ipsPerEni,
        ),
      );
    }
  }
  return out;
};
