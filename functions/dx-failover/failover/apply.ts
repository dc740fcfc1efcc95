import {
  CreateRouteCommand,
  CreateTagsCommand,
  DeleteRouteCommand,
  DeleteTagsCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { awsCall, awsErrorCode } from "../../../shared/aws/errors";
import { chunks } from "../../../shared/observe/loaders";
import { dryRunOutcome, notAttemptedOutcome, refusedOutcome } from "../../../shared/pipeline/outcome";
import { runPool } from "../../../shared/pipeline/pool";
import type { ActionExecutor, PlannedAction, ResourceOutcome } from "../../../shared/pipeline/types";
import { readUntil } from "../../../shared/pipeline/verify";
import type { Deadline } from "../../../shared/runtime/deadline";
import { loadGroupTables, type ObservedTable } from "./observe";
import { CREATE_ROUTE_ACTION, DELETE_ROUTE_ACTION, type RouteParams } from "./plan/routes";

/**
 * Route writes of a dx-failover plan. Each action is one route table × CIDR. Errors are per resource:
 * a throttled or transient write that outlived the SDK's retries is recorded (`failed`, code kept) and
 * the rest of the plan goes on, so the tags written afterwards describe what really happened; the caller
 * throws a retryable error at the end, and the retry converges (the plan is idempotent).
 */

export interface ExecutorDeps {
  ec2: EC2Client;
  groupTagKey: string;
  group: { name: string; routeTableIds: string[] };
  deadline: Deadline;
  verifyTimeoutMs: number;
}

/** Route writes in flight at once (EC2 throttles bursts of mutating calls). */
export const ROUTE_WRITE_CONCURRENCY = 4;

const keyOf = (p: RouteParams) => `${p.routeTableId}:${p.destinationCidrBlock}`;

const operationOf = (p: RouteParams) => (p.operation === "create" ? "CreateRoute" : "DeleteRoute");

/** A refused write, through the shared outcome policy; the detail says when the retry will redo it. */
const failed = (resource: string, error: unknown, operation: string): ResourceOutcome => {
  const outcome = refusedOutcome(resource, operation, error);
  const retried = outcome.failure?.retryable ? `${outcome.failure.category}, retried later: ` : "";
  return { ...outcome, detail: `${operation}: ${retried}${outcome.detail ?? ""}` };
};

const staticTo = (tables: ObservedTable[], p: RouteParams) =>
  tables
    .find((t) => t.routeTableId === p.routeTableId)
    ?.routes.find((r) => r.destination === p.destinationCidrBlock && r.origin === "CreateRoute");

const isOurs = (tables: ObservedTable[], p: RouteParams) => {
  const r = staticTo(tables, p);
  return (
    r !== undefined &&
    r.targets.length === 1 &&
    r.targets[0]?.kind === "network-interface" &&
    r.targets[0].id === p.networkInterfaceId
  );
};

/**
 * One executor for both kinds (create and delete): a batch of route writes, then one read-back of the
 * group's tables until every created route is active to the appliance ENI and every deleted one is gone.
 */
export const createRouteWriter = (deps: ExecutorDeps) => {
  const dryRun = async (action: PlannedAction<RouteParams>): Promise<ResourceOutcome[]> => {
    const p = action.params;
    const input = {
      RouteTableId: p.routeTableId,
      DestinationCidrBlock: p.destinationCidrBlock,
      DryRun: true,
    };
    try {
      if (p.operation === "create")
        await deps.ec2.send(new CreateRouteCommand({ ...input, NetworkInterfaceId: p.networkInterfaceId }));
      else await deps.ec2.send(new DeleteRouteCommand(input));
      return [{ resource: keyOf(p), status: "permitted", detail: "no DryRunOperation?" }];
    } catch (error) {
      return [dryRunOutcome(keyOf(p), operationOf(p), error, "DryRunOperation: would succeed")];
    }
  };

  /** Applies every action of the plan (bounded concurrency), then reads back once. */
  const applyAll = async (actions: PlannedAction<RouteParams>[]): Promise<Map<string, ResourceOutcome>> => {
    const outcomes = new Map<string, ResourceOutcome>();
    const written: RouteParams[] = [];
    const deletes = actions.filter((a) => a.params.operation === "delete").map((a) => a.params);
    // Re-read before deleting: the CIDR's static route must still be ours (to the appliance ENI).
    let fresh: ObservedTable[] = [];
    if (deletes.length > 0) fresh = await loadGroupTables(deps.ec2, deps.groupTagKey, deps.group);
    const params = actions.map((a) => a.params);
    const pool = await runPool(
      params,
      { concurrency: ROUTE_WRITE_CONCURRENCY, deadline: deps.deadline },
      async (p) => {
        const key = keyOf(p);
        if (p.operation === "create") {
          try {
            await deps.ec2.send(
              new CreateRouteCommand({
                RouteTableId: p.routeTableId,
                DestinationCidrBlock: p.destinationCidrBlock,
                NetworkInterfaceId: p.networkInterfaceId,
              }),
            );
            written.push(p);
          } catch (error) {
            if (awsErrorCode(error) === "RouteAlreadyExists") {
              // Same target = done; another target = a conflict that appeared since the plan: untouched.
              const tables = await loadGroupTables(deps.ec2, deps.groupTagKey, deps.group);
              if (isOurs(tables, p)) {
                outcomes.set(key, {
                  resource: key,
                  status: "already-done",
                  code: "RouteAlreadyExists",
                  detail: `already routed to ${p.networkInterfaceId}`,
                });
                written.push(p);
              } else {
                const r = staticTo(tables, p);
                outcomes.set(key, {
                  resource: key,
                  status: "failed",
                  code: "conflicting-static-route",
                  detail: `a static route to ${r?.targets.map((t) => t.id).join("+") ?? "?"} appeared: refused, left untouched`,
                });
              }
            } else outcomes.set(key, failed(key, error, "CreateRoute"));
          }
          return;
        }
        if (!isOurs(fresh, p)) {
          const r = staticTo(fresh, p);
          outcomes.set(
            key,
            r === undefined
              ? { resource: key, status: "already-done", detail: "no static route any more" }
              : {
                  resource: key,
                  status: "failed",
                  code: "conflicting-static-route",
                  detail: `the static route now targets ${r.targets.map((t) => t.id).join("+")}: not deleted`,
                },
          );
          return;
        }
        try {
          await deps.ec2.send(
            new DeleteRouteCommand({
              RouteTableId: p.routeTableId,
              DestinationCidrBlock: p.destinationCidrBlock,
            }),
          );
          written.push(p);
        } catch (error) {
          const refused = refusedOutcome(key, "DeleteRoute", error, "already deleted");
          outcomes.set(key, refused.status === "already-done" ? refused : failed(key, error, "DeleteRoute"));
        }
      },
    );
    for (const p of pool.notStarted) outcomes.set(keyOf(p), notAttemptedOutcome(keyOf(p), operationOf(p)));

    const pending = written.filter(
      (p) => !outcomes.has(keyOf(p)) || outcomes.get(keyOf(p))?.status !== "already-done",
    );
    if (pending.length > 0) {
      const settled = (tables: ObservedTable[], p: RouteParams) => {
        if (p.operation === "delete") return staticTo(tables, p) === undefined;
        const r = staticTo(tables, p);
        return isOurs(tables, p) && r?.state === "active";
      };
      let result: { last: ObservedTable[]; waitedMs: number; reads: number } | undefined;
      try {
        result = await readUntil(
          () => loadGroupTables(deps.ec2, deps.groupTagKey, deps.group),
          (tables) => pending.every((p) => settled(tables, p)),
          {
            deadline: deps.deadline,
            timeoutMs: deps.verifyTimeoutMs,
            intervalMs: 100,
            maxIntervalMs: 1000,
          },
        );
      } catch (error) {
        for (const p of pending) outcomes.set(keyOf(p), failed(keyOf(p), error, "DescribeRouteTables"));
      }
      if (result !== undefined) {
        for (const p of pending) {
          const ok = settled(result.last, p);
          const r = staticTo(result.last, p);
          outcomes.set(
            keyOf(p),
            ok
              ? {
                  resource: keyOf(p),
                  status: "applied",
                  detail:
                    p.operation === "create"
                      ? `${p.destinationCidrBlock} → ${p.networkInterfaceId}, active (read back after ${result.waitedMs} ms)`
                      : `static route deleted, the propagated Direct Connect route serves ${p.destinationCidrBlock}`,
                }
              : {
                  resource: keyOf(p),
                  status: "unverified",
                  detail:
                    r === undefined
                      ? `route missing after ${result.waitedMs} ms`
                      : `route ${r.state} to ${r.targets.map((t) => t.id).join("+")} after ${result.waitedMs} ms`,
                },
          );
        }
      }
    }
    return outcomes;
  };

  /** Executors for executePlan: the batch runs on the first action and the outcomes are handed out. */
  let batch: Promise<Map<string, ResourceOutcome>> | undefined;
  const executors = (all: PlannedAction<RouteParams>[]): ActionExecutor<RouteParams>[] => {
    const apply = async (action: PlannedAction<RouteParams>) => {
      batch ??= applyAll(all);
      const outcomes = await batch;
      const key = keyOf(action.params);
      return [outcomes.get(key) ?? notAttemptedOutcome(key, operationOf(action.params))];
    };
    return [
      { kind: CREATE_ROUTE_ACTION, dryRun, apply },
      { kind: DELETE_ROUTE_ACTION, dryRun, apply },
    ];
  };
  return { executors };
};

/** Writes and removes tags, one call per identical tag set (the 200-table case is a handful of calls). */
export const writeTags = async (
  ec2: EC2Client,
  changes: ReadonlyArray<{ routeTableId: string; set: Record<string, string>; remove: string[] }>,
): Promise<number> => {
  let calls = 0;
  const bySet = new Map<string, { tags: Record<string, string>; ids: string[] }>();
  const byRemove = new Map<string, { keys: string[]; ids: string[] }>();
  for (const c of changes) {
    if (Object.keys(c.set).length > 0) {
      const k = JSON.stringify(Object.entries(c.set).sort());
      const e = bySet.get(k) ?? { tags: c.set, ids: [] };
      e.ids.push(c.routeTableId);
      bySet.set(k, e);
    }
    if (c.remove.length > 0) {
      const k = JSON.stringify([...c.remove].sort());
      const e = byRemove.get(k) ?? { keys: c.remove, ids: [] };
      e.ids.push(c.routeTableId);
      byRemove.set(k, e);
    }
  }
  for (const { tags, ids } of bySet.values()) {
    for (const part of chunks(ids, 100)) {
      calls += 1;
      await awsCall("ec2", "CreateTags", () =>
        ec2.send(
          new CreateTagsCommand({
            Resources: part,
            Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
          }),
        ),
      );
    }
  }
  for (const { keys, ids } of byRemove.values()) {
    for (const part of chunks(ids, 100)) {
      calls += 1;
      await awsCall("ec2", "DeleteTags", () =>
        ec2.send(new DeleteTagsCommand({ Resources: part, Tags: keys.map((Key) => ({ Key })) })),
      );
    }
  }
  return calls;
};
