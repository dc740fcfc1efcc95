import type { PlannedAction } from "../../../shared/pipeline/types";
import { compareIps } from "../addresses";
import { addSkip, type Ledger } from "./ledger";
import { destinationOf, routeTargetEni, staticRoute } from "./routes";
import {
  DELETE_ROUTES_ACTION,
  type RouteDeletion,
  UNASSIGN_ACTION,
  type Unassignment,
  type VfxtParams,
} from "./types";

/**
 * Retired addresses (removed from the cluster's addresses) are cleaned up only where the function owns
 * them: secondary addresses on the cluster's nodes' ENIs, /32 routes in the cluster's route tables that
 * target a node. An address that carries an Elastic IP is never unassigned (unassigning disassociates the
 * Elastic IP): it is reported for someone to move the Elastic IP first.
 */

const unassignments = (ledger: Ledger): Unassignment[] => {
  const retired = new Set(ledger.obs.retired);
  const out: Unassignment[] = [];
  for (const node of ledger.nodes) {
    for (const eni of node.enis) {
      const found = eni.secondaryIps.filter((ip) => retired.has(ip)).sort(compareIps);
      const carrying = new Set(eni.elasticIpAddresses ?? []);
      for (const ip of found.filter((a) => carrying.has(a))) {
        addSkip(
          ledger,
          ip,
          "carries-elastic-ip",
          `${ip} on ${eni.id} carries an Elastic IP: unassigning it would disassociate it`,
        );
      }
      const free = found.filter((a) => !carrying.has(a));
      if (free.length > 0)
        out.push({ networkInterfaceId: eni.id, instanceId: node.instanceId, addresses: free });
    }
  }
  return out;
};

const routeDeletions = (ledger: Ledger): RouteDeletion[] => {
  const out: RouteDeletion[] = [];
  for (const address of [...ledger.obs.retired].sort(compareIps)) {
    for (const table of ledger.obs.routeTableIds) {
      const route = staticRoute(ledger, table, destinationOf(address));
      const eni = routeTargetEni(ledger, route?.target);
      if (route !== undefined && eni !== undefined && ledger.nodeOfEni.has(eni)) {
        out.push({ routeTableId: table, destination: route.destination, address });
      }
    }
  }
  return out;
};

export const cleanupActions = (ledger: Ledger): PlannedAction<VfxtParams>[] => {
  if (!ledger.policy.cleanup || ledger.obs.retired.length === 0) return [];
  const name = ledger.obs.name;
  const actions: PlannedAction<VfxtParams>[] = [];
  const unassign = unassignments(ledger);
  if (unassign.length > 0) {
    actions.push({
      id: `unassign-retired:${name}`,
      kind: UNASSIGN_ACTION,
      resources: unassign.flatMap((u) => u.addresses),
      description: unassign.map((u) => `${u.addresses.join(", ")} off ${u.networkInterfaceId}`).join("; "),
      params: { kind: "unassign", cluster: name, unassignments: unassign },
    });
  }
  const deletions = routeDeletions(ledger);
  if (deletions.length > 0) {
    actions.push({
      id: `delete-retired-routes:${name}`,
      kind: DELETE_ROUTES_ACTION,
      resources: deletions.map((d) => `${d.routeTableId}:${d.destination}`),
      description: deletions.map((d) => `${d.routeTableId} ${d.destination}`).join("; "),
      params: { kind: "delete-routes", cluster: name, deletions },
    });
  }
  return actions;
};
