/**
 * Doctor checks of vfxt-ip-move (issue 13): per configured cluster, would a failed node's client-facing
 * addresses land on the right nodes? Each check reads with read-only calls (one shared read per cluster
 * and run: vfxt-ip-move/read.ts, the capability's own observation) and judges with the pure functions beside it.
 */
import type { VfxtClusterConfig } from "../../../functions/vfxt-ip-move/config";
import type { Check, DoctorContext, Finding } from "../types";
import {
  addressRuleFindings,
  nodeFindings,
  placementFindings,
  reservationFindings,
} from "./vfxt-ip-move/addresses";
import { alarmFindings, capacityFindings } from "./vfxt-ip-move/nodes";
import { CLUSTER_READ_ACTIONS, type ClusterFacts, clusterFacts } from "./vfxt-ip-move/read";
import { routeFindings } from "./vfxt-ip-move/routes";
import { CHECK } from "./vfxt-ip-move/sources";

type Judge = (facts: ClusterFacts, cluster: VfxtClusterConfig, ctx: DoctorContext) => Finding[];

const check = (id: string, title: string, judge: Judge): Check => ({
  id,
  capability: "vfxt-ip-move",
  title,
  iamActions: CLUSTER_READ_ACTIONS,
  run: async (ctx) => {
    const out: Finding[] = [];
    for (const cluster of ctx.config.vfxtIpMove.clusters)
      out.push(...judge(await clusterFacts(ctx, cluster), cluster, ctx));
    return out;
  },
});

export const VFXT_IP_MOVE_CHECKS: readonly Check[] = [
  check(CHECK.nodes, "the cluster's nodes are found (tag and instanceIds), in one VPC", (f, c, ctx) =>
    nodeFindings(f, c, ctx.config.vfxtIpMove.clusterTagKey),
  ),
  check(
    CHECK.addressRules,
    "every client address obeys the AWS rules for its mode (subnet, reserved addresses, /32 outside the VPC, not a primary address)",
    addressRuleFindings,
  ),
  check(
    CHECK.reservations,
    "secondary addresses are in an explicit subnet CIDR reservation, never a prefix one",
    reservationFindings,
  ),
  check(
    CHECK.placement,
    "every secondary address is on exactly one healthy node, never on a foreign ENI",
    placementFindings,
  ),
  check(
    CHECK.routes,
    "every /32 route of the cluster's tables targets one healthy node's ENI, which can route",
    routeFindings,
  ),
  check(
    CHECK.alarms,
    "every node has its status-check alarm, on the right metric, without a terminate action",
    (f, c, ctx) => alarmFindings(f, c, ctx.config.vfxtIpMove.statusAlarmPrefix),
  ),
  check(
    CHECK.capacity,
    "the surviving nodes can hold every secondary address (Ipv4AddressesPerInterface)",
    capacityFindings,
  ),
];
