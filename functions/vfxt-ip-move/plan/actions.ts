import type { PlannedAction } from "../../../shared/pipeline/types";
import { compareIps } from "../addresses";
import type { Ledger } from "./ledger";
import { routeChanges } from "./routes";
import {
  MOVE_ROUTES_ACTION,
  MOVE_SECONDARY_ACTION,
  type Move,
  type SecondaryAssignment,
  type VfxtParams,
} from "./types";

/** The plan's writes: one AssignPrivateIpAddresses per target ENI, route writes per table and address. */

const assignmentsOf = (ledger: Ledger, moves: readonly Move[]): SecondaryAssignment[] => {
  const byEni = new Map<string, SecondaryAssignment>();
  for (const move of moves) {
    let assignment = byEni.get(move.toEni);
    if (assignment === undefined) {
      assignment = { networkInterfaceId: move.toEni, instanceId: move.to, addresses: [] };
      byEni.set(move.toEni, assignment);
    }
    const fromEni = ledger.leaves.get(move.address) ?? ledger.obs.otherHolders[move.address]?.eniId;
    assignment.addresses.push({ address: move.address, fromInstanceId: move.from, fromEniId: fromEni });
  }
  const assignments = [...byEni.values()].sort((a, b) =>
    a.networkInterfaceId < b.networkInterfaceId ? -1 : 1,
  );
  for (const a of assignments) a.addresses.sort((x, y) => compareIps(x.address, y.address));
  return assignments;
};

const secondaryAction = (ledger: Ledger): PlannedAction<VfxtParams>[] => {
  const moves = ledger.moves.filter((m) => m.mode === "secondary");
  if (moves.length === 0) return [];
  const assignments = assignmentsOf(ledger, moves);
  return [
    {
      id: `move-secondary-ips:${ledger.obs.name}`,
      kind: MOVE_SECONDARY_ACTION,
      resources: moves.map((m) => m.address).sort(compareIps),
      description: assignments
        .map(
          (a) =>
            `${a.addresses.map((x) => x.address).join(", ")} → ${a.networkInterfaceId} (${a.instanceId})`,
        )
        .join("; "),
      params: { kind: "secondary", cluster: ledger.obs.name, vpcId: ledger.obs.vpcId ?? "", assignments },
    },
  ];
};

const routeAction = (ledger: Ledger, repairs: readonly string[]): PlannedAction<VfxtParams>[] => {
  const moved = ledger.moves
    .filter((m) => m.mode === "route" && m.reason !== "route-repair")
    .map((m) => m.address);
  const changes = routeChanges(ledger, [...new Set([...moved, ...repairs])]);
  if (changes.length === 0) return [];
  return [
    {
      id: `move-routes:${ledger.obs.name}`,
      kind: MOVE_ROUTES_ACTION,
      resources: changes.map((c) => `${c.routeTableId}:${c.destination}`),
      description: changes
        .map((c) => `${c.routeTableId} ${c.destination} → ${c.networkInterfaceId} (${c.operation})`)
        .join("; "),
      params: { kind: "routes", cluster: ledger.obs.name, changes },
    },
  ];
};

export const moveActions = (ledger: Ledger, repairs: readonly string[]): PlannedAction<VfxtParams>[] => [
  ...secondaryAction(ledger),
  ...routeAction(ledger, repairs),
];
