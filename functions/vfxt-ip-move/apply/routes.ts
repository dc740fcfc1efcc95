import { CreateRouteCommand, ReplaceRouteCommand } from "@aws-sdk/client-ec2";
import { awsErrorCode } from "../../../shared/aws/errors";
import { describeRoutes } from "../../../shared/observe/loaders";
import type { RouteView } from "../../../shared/observe/model";
import {
  dryRunOutcome,
  notAttemptedOutcome,
  refusedOutcome,
  throwIfRetryableError,
} from "../../../shared/pipeline/outcome";
import { runPool } from "../../../shared/pipeline/pool";
import type { ActionExecutor, PlannedAction, ResourceOutcome } from "../../../shared/pipeline/types";
import { readUntil } from "../../../shared/pipeline/verify";
import { MOVE_ROUTES_ACTION, type RouteChange, type VfxtParams } from "../plan";
import type { ExecutorDeps } from "./deps";

/**
 * /32 routes: `ReplaceRoute` where a static route exists, `CreateRoute` where it is missing, in every
 * route table of the cluster; each falls back to the other when the table changed since the read
 * (`InvalidParameterValue` "no route … Use CreateRoute", `RouteAlreadyExists`). Always an ENI target (an
 * instance target fails on a node with several ENIs). Verified by reading the tables back until each route
 * targets the new ENI and is `active`.
 */

/** Route writes in flight at once. */
export const ROUTE_WRITE_CONCURRENCY = 4;

export const routeKey = (change: { routeTableId: string; destination: string }) =>
  `${change.routeTableId}:${change.destination}`;

const operationName = (operation: "replace" | "create") =>
  operation === "replace" ? "ReplaceRoute" : "CreateRoute";

const send = async (
  deps: ExecutorDeps,
  change: RouteChange,
  operation: "replace" | "create",
  dryRun: boolean,
) => {
  const input = {
    RouteTableId: change.routeTableId,
    DestinationCidrBlock: change.destination,
    NetworkInterfaceId: change.networkInterfaceId,
    DryRun: dryRun,
  };
  if (operation === "replace") await deps.ec2.send(new ReplaceRouteCommand(input));
  else await deps.ec2.send(new CreateRouteCommand(input));
};

const changesOf = (action: PlannedAction<VfxtParams>): RouteChange[] => {
  if (action.params.kind !== "routes") throw new Error(`${action.id}: not a route action`);
  return action.params.changes;
};

const dryRunChanges = async (
  deps: ExecutorDeps,
  action: PlannedAction<VfxtParams>,
): Promise<ResourceOutcome[]> => {
  const out: ResourceOutcome[] = [];
  for (const change of changesOf(action)) {
    const operation = operationName(change.operation);
    try {
      await send(deps, change, change.operation, true);
      out.push({
        resource: routeKey(change),
        status: "permitted",
        detail: `${operation}: no DryRunOperation?`,
      });
    } catch (error) {
      if (awsErrorCode(error) !== "DryRunOperation") throwIfRetryableError("ec2", operation, error);
      out.push(
        dryRunOutcome(routeKey(change), operation, error, `DryRunOperation: ${operation} would succeed`),
      );
    }
  }
  return out;
};

/** One route write, with the fallback to the other operation when the table changed since the read. */
const write = async (
  deps: ExecutorDeps,
  change: RouteChange,
  outcomes: Map<string, ResourceOutcome>,
): Promise<boolean> => {
  let operation = change.operation;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const name = operationName(operation);
    try {
      await send(deps, change, operation, false);
      return true;
    } catch (error) {
      const failure = throwIfRetryableError("ec2", name, error);
      const fallback =
        (operation === "replace" && failure.category === "not-found") ||
        (operation === "create" && failure.code === "RouteAlreadyExists");
      if (fallback && attempt === 0) {
        operation = operation === "replace" ? "create" : "replace";
        continue;
      }
      outcomes.set(routeKey(change), refusedOutcome(routeKey(change), name, error));
      return false;
    }
  }
  return false;
};

const staticRouteOf = (routes: RouteView[], change: RouteChange) =>
  routes.find(
    (r) =>
      r.routeTableId === change.routeTableId &&
      r.destination === change.destination &&
      r.origin === "CreateRoute",
  );

const pointsAt = (route: RouteView | undefined, change: RouteChange): boolean =>
  route !== undefined &&
  route.state === "active" &&
  route.targets.some((t) => t.kind === "network-interface" && t.id === change.networkInterfaceId);

const verifyRoutes = async (
  deps: ExecutorDeps,
  sent: RouteChange[],
  outcomes: Map<string, ResourceOutcome>,
) => {
  if (sent.length === 0) return;
  const tables = [...new Set(sent.map((c) => c.routeTableId))];
  const result = await readUntil(
    () => describeRoutes(deps.ec2, [{ Name: "route-table-id", Values: tables }]),
    (routes) => sent.every((change) => pointsAt(staticRouteOf(routes, change), change)),
    { deadline: deps.deadline, timeoutMs: deps.verifyTimeoutMs, intervalMs: 200, maxIntervalMs: 1000 },
  );
  for (const change of sent) {
    const route = staticRouteOf(result.last, change);
    const key = routeKey(change);
    outcomes.set(
      key,
      pointsAt(route, change)
        ? {
            resource: key,
            status: "applied",
            detail: `${change.destination} → ${change.networkInterfaceId} (${change.instanceId}), active`,
          }
        : {
            resource: key,
            status: "unverified",
            detail: `route is ${route === undefined ? "missing" : `${route.state} to ${route.targets.map((t) => t.id).join("/")}`} after ${result.waitedMs} ms`,
          },
    );
  }
};

const applyChanges = async (
  deps: ExecutorDeps,
  action: PlannedAction<VfxtParams>,
): Promise<ResourceOutcome[]> => {
  const changes = changesOf(action);
  const outcomes = new Map<string, ResourceOutcome>();
  const written = new Set<RouteChange>();
  // A few writes at a time: failover latency grows with addresses × tables, EC2 throttles bursts.
  const pool = await runPool(
    changes,
    { concurrency: ROUTE_WRITE_CONCURRENCY, deadline: deps.deadline },
    async (change) => {
      if (await write(deps, change, outcomes)) written.add(change);
    },
  );
  const thrown = pool.failed[0];
  if (thrown !== undefined) throw thrown.error;
  for (const change of pool.notStarted) {
    outcomes.set(routeKey(change), notAttemptedOutcome(routeKey(change), operationName(change.operation)));
  }
  await verifyRoutes(
    deps,
    changes.filter((c) => written.has(c)),
    outcomes,
  );
  return changes.map(
    (c) => outcomes.get(routeKey(c)) ?? notAttemptedOutcome(routeKey(c), operationName(c.operation)),
  );
};

export const createRouteExecutor = (deps: ExecutorDeps): ActionExecutor<VfxtParams> => ({
  kind: MOVE_ROUTES_ACTION,
  dryRun: (action) => dryRunChanges(deps, action),
  apply: (action) => applyChanges(deps, action),
});
