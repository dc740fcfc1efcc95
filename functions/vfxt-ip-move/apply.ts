import {
  AssignPrivateIpAddressesCommand,
  CreateRouteCommand,
  type EC2Client,
  ReplaceRouteCommand,
} from "@aws-sdk/client-ec2";
import { awsErrorCode } from "../../shared/aws/errors";
import { loadInterfacesHoldingAddresses, type NetworkInterfaceView } from "../../shared/observe/interfaces";
import { describeRoutes } from "../../shared/observe/loaders";
import type { RouteView } from "../../shared/observe/model";
import {
  dryRunOutcome,
  notAttemptedOutcome,
  refusedOutcome,
  throwIfRetryableError,
} from "../../shared/pipeline/outcome";
import { runPool } from "../../shared/pipeline/pool";
import type { ActionExecutor, PlannedAction, ResourceOutcome } from "../../shared/pipeline/types";
import { readUntil } from "../../shared/pipeline/verify";
import type { Deadline } from "../../shared/runtime/deadline";
import { MOVE_ROUTES_ACTION, MOVE_SECONDARY_ACTION, type RouteChange, type VfxtParams } from "./plan";

export interface ExecutorDeps {
  ec2: EC2Client;
  deadline: Deadline;
  verifyTimeoutMs: number;
}

/**
 * Secondary private IPs: one `AssignPrivateIpAddresses` per target ENI with `AllowReassignment: true`
 * (the address leaves its old ENI). The remap is asynchronous: the executor reads the addresses back
 * (`DescribeNetworkInterfaces` by address) until each shows on its target and on no other ENI, bounded by
 * the invocation's deadline and `verifyTimeoutMs`. `AssignPrivateIpAddresses` has no `DryRun`
 * parameter: a dry run reports the planned calls without calling.
 */
export const createSecondaryIpExecutor = (deps: ExecutorDeps): ActionExecutor<VfxtParams> => ({
  kind: MOVE_SECONDARY_ACTION,
  dryRun: async (action) =>
    action.resources.map((resource) => ({
      resource,
      status: "planned",
      detail: "AssignPrivateIpAddresses has no DryRun parameter: nothing was called",
    })),
  apply: async (action: PlannedAction<VfxtParams>) => {
    if (action.params.kind !== "secondary") throw new Error(`${action.id}: not a secondary-IP action`);
    const outcomes = new Map<string, ResourceOutcome>();
    const expected = new Map<string, string>();
    for (const assignment of action.params.assignments) {
      const addresses = assignment.addresses.map((a) => a.address);
      try {
        await deps.ec2.send(
          new AssignPrivateIpAddressesCommand({
            NetworkInterfaceId: assignment.networkInterfaceId,
            PrivateIpAddresses: addresses,
            AllowReassignment: true,
          }),
        );
        for (const address of addresses) expected.set(address, assignment.networkInterfaceId);
      } catch (error) {
        // Throttled or transient after the SDK's retries: thrown, the event is retried.
        throwIfRetryableError("ec2", "AssignPrivateIpAddresses", error);
        for (const address of addresses)
          outcomes.set(address, refusedOutcome(address, "AssignPrivateIpAddresses", error));
      }
    }
    if (expected.size > 0) {
      const settled = (enis: NetworkInterfaceView[]) =>
        [...expected].every(([address, eniId]) => {
          const holders = enis.filter(
            (e) => e.primaryPrivateIp === address || e.secondaryPrivateIps.includes(address),
          );
          return holders.length === 1 && holders[0]?.id === eniId;
        });
      const result = await readUntil(
        () => loadInterfacesHoldingAddresses(deps.ec2, [...expected.keys()]),
        settled,
        {
          deadline: deps.deadline,
          timeoutMs: deps.verifyTimeoutMs,
          intervalMs: 250,
          maxIntervalMs: 500,
        },
      );
      for (const [address, eniId] of expected) {
        const holders = result.last
          .filter((e) => e.primaryPrivateIp === address || e.secondaryPrivateIps.includes(address))
          .map((e) => e.id);
        const done = holders.length === 1 && holders[0] === eniId;
        outcomes.set(
          address,
          done
            ? {
                resource: address,
                status: "applied",
                detail: `on ${eniId} (read back after ${result.waitedMs} ms, ${result.reads} read(s))`,
              }
            : {
                resource: address,
                status: "unverified",
                detail: `expected on ${eniId} only, seen on [${holders.join(", ")}] after ${result.waitedMs} ms`,
              },
        );
      }
    }
    return action.resources.map(
      (r) => outcomes.get(r) ?? { resource: r, status: "failed", detail: "not attempted" },
    );
  },
});

/** Route writes in flight at once. */
export const ROUTE_WRITE_CONCURRENCY = 4;

const routeKey = (change: { routeTableId: string; destination: string }) =>
  `${change.routeTableId}:${change.destination}`;

const pointsAt = (route: RouteView | undefined, change: RouteChange): boolean =>
  route !== undefined &&
  route.origin === "CreateRoute" &&
  route.targets.some((t) => t.kind === "network-interface" && t.id === change.networkInterfaceId);

/**
 * /32 routes: `ReplaceRoute` where a static route exists, `CreateRoute` where it is missing, in every
 * configured route table; each falls back to the other when the table changed since the read
 * (`InvalidParameterValue` "no route … Use CreateRoute", `RouteAlreadyExists`). Verified by reading the
 * tables back until each route targets the new ENI and is `active`.
 */
export const createRouteExecutor = (deps: ExecutorDeps): ActionExecutor<VfxtParams> => {
  const send = async (change: RouteChange, operation: "replace" | "create", dryRun: boolean) => {
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
  return {
    kind: MOVE_ROUTES_ACTION,
    dryRun: async (action) => {
      const out: ResourceOutcome[] = [];
      for (const change of changesOf(action)) {
        const operation = change.operation === "replace" ? "ReplaceRoute" : "CreateRoute";
        try {
          await send(change, change.operation, true);
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
    },
    apply: async (action) => {
      const changes = changesOf(action);
      const outcomes = new Map<string, ResourceOutcome>();
      const written = new Set<RouteChange>();
      const write = async (change: RouteChange): Promise<void> => {
        let operation = change.operation;
        for (let attempt = 0; attempt < 2; attempt += 1) {
          const name = operation === "replace" ? "ReplaceRoute" : "CreateRoute";
          try {
            await send(change, operation, false);
            written.add(change);
            return;
          } catch (error) {
            const failure = throwIfRetryableError("ec2", name, error);
            // The table changed since it was read: no route to replace any more, or one to replace now.
            const fallback =
              (operation === "replace" && failure.category === "not-found") ||
              (operation === "create" && failure.code === "RouteAlreadyExists");
            if (fallback && attempt === 0) {
              operation = operation === "replace" ? "create" : "replace";
              continue;
            }
            outcomes.set(routeKey(change), refusedOutcome(routeKey(change), name, error));
            return;
          }
        }
      };
      // A few writes at a time: failover latency grows with addresses × tables, EC2 throttles bursts.
      const pool = await runPool(
        changes,
        { concurrency: ROUTE_WRITE_CONCURRENCY, deadline: deps.deadline },
        write,
      );
      const thrown = pool.failed[0];
      if (thrown !== undefined) throw thrown.error;
      for (const change of pool.notStarted) {
        const operation = change.operation === "replace" ? "ReplaceRoute" : "CreateRoute";
        outcomes.set(routeKey(change), notAttemptedOutcome(routeKey(change), operation));
      }
      const sent = changes.filter((change) => written.has(change));
      if (sent.length > 0) {
        const tables = [...new Set(sent.map((c) => c.routeTableId))];
        const find = (routes: RouteView[], change: RouteChange) =>
          routes.find(
            (r) =>
              r.routeTableId === change.routeTableId &&
              r.destination === change.destination &&
              r.origin === "CreateRoute",
          );
        const result = await readUntil(
          () => describeRoutes(deps.ec2, [{ Name: "route-table-id", Values: tables }]),
          (routes) =>
            sent.every((change) => {
              const route = find(routes, change);
              return pointsAt(route, change) && route?.state === "active";
            }),
          {
            deadline: deps.deadline,
            timeoutMs: deps.verifyTimeoutMs,
            intervalMs: 200,
            maxIntervalMs: 1000,
          },
        );
        for (const change of sent) {
          const route = find(result.last, change);
          const ok = pointsAt(route, change) && route?.state === "active";
          outcomes.set(
            routeKey(change),
            ok
              ? {
                  resource: routeKey(change),
                  status: "applied",
                  detail: `${change.destination} → ${change.networkInterfaceId} (${change.instanceId}), active`,
                }
              : {
                  resource: routeKey(change),
                  status: "unverified",
                  detail: `route is ${route === undefined ? "missing" : `${route.state} to ${route.targets.map((t) => t.id).join("/")}`} after ${result.waitedMs} ms`,
                },
          );
        }
      }
      return changes.map(
        (c) =>
          outcomes.get(routeKey(c)) ?? { resource: routeKey(c), status: "failed", detail: "not attempted" },
      );
    },
  };
};
