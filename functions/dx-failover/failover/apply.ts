import {
  CreateRouteCommand,
  CreateTagsCommand,
  DeleteRouteCommand,
  DeleteTagsCommand,
  type EC2Client,
  ReplaceRouteCommand,
} from "@aws-sdk/client-ec2";
import { awsErrorCode } from "../../../shared/aws/errors";
import { chunks } from "../../../shared/observe/loaders";
import { dryRunOutcome, notAttemptedOutcome, refusedOutcome } from "../../../shared/pipeline/outcome";
import { runPool } from "../../../shared/pipeline/pool";
import type { ActionExecutor, PlannedAction, ResourceOutcome } from "../../../shared/pipeline/types";
import { readUntil } from "../../../shared/pipeline/verify";
import type { Deadline } from "../../../shared/runtime/deadline";
import { loadGroupTables, type ObservedTable } from "./observe/tables";
import {
  CREATE_ROUTE_ACTION,
  DELETE_ROUTE_ACTION,
  REPLACE_ROUTE_ACTION,
  type RouteParams,
  staticFor,
} from "./plan/routes";
import type { TagChange } from "./state";

/**
 * The writes of a dx-failover plan: route writes first (create, replace, delete: one per table × CIDR,
 * bounded concurrency, per-resource outcomes through the shared outcome policy), then one read-back of the
 * group's tables; the tags are bookkeeping and never hold a route write back (`writeTags` records its
 * failures instead of throwing). A throttled write is recorded and the plan goes on; the caller throws a
 * retryable error at the end, and the retry converges (the plan is idempotent).
 */

export interface ExecutorDeps {
  ec2: EC2Client;
  groupTagKey: string;
  group: { name: string; routeTableIds: readonly string[] };
  deadline: Deadline;
  verifyTimeoutMs: number;
}

/** Route writes in flight at once (EC2 throttles bursts of mutating calls). */
export const ROUTE_WRITE_CONCURRENCY = 4;

const OPERATION: Record<RouteParams["operation"], string> = {
  create: "CreateRoute",
  replace: "ReplaceRoute",
  delete: "DeleteRoute",
};

export const resourceOf = (p: Pick<RouteParams, "routeTableId" | "destination">) =>
  `${p.routeTableId}:${p.destination}`;

/** The destination member of a route write: IPv4 or IPv6 block. */
const destination = (cidr: string) =>
  cidr.includes(":") ? { DestinationIpv6CidrBlock: cidr } : { DestinationCidrBlock: cidr };

const staticIn = (tables: readonly ObservedTable[], p: RouteParams) =>
  staticFor(tables.find((t) => t.routeTableId === p.routeTableId)?.routes ?? [], p.destination);

const toAppliance = (tables: readonly ObservedTable[], p: RouteParams) => {
  const r = staticIn(tables, p);
  return r !== undefined && r.targets.length === 1 && r.targets[0]?.id === p.networkInterfaceId;
};

const send = (ec2: EC2Client, p: RouteParams, dryRun = false) => {
  const base = {
    RouteTableId: p.routeTableId,
    ...destination(p.destination),
    ...(dryRun ? { DryRun: true } : {}),
  };
  if (p.operation === "delete") return ec2.send(new DeleteRouteCommand(base));
  const target = { ...base, NetworkInterfaceId: p.networkInterfaceId };
  return p.operation === "create"
    ? ec2.send(new CreateRouteCommand(target))
    : ec2.send(new ReplaceRouteCommand(target));
};

/** A refused write, through the shared outcome policy; the detail says when the retry will redo it. */
const failed = (resource: string, error: unknown, operation: string): ResourceOutcome => {
  const outcome = refusedOutcome(resource, operation, error);
  const retried = outcome.failure?.retryable ? `${outcome.failure.category}, retried later: ` : "";
  return { ...outcome, detail: `${operation}: ${retried}${outcome.detail ?? ""}` };
};

const conflict = (resource: string, targets: string): ResourceOutcome => ({
  resource,
  status: "failed",
  code: "conflicting-static-route",
  detail: `the static route now targets ${targets}: refused, left untouched`,
});

export interface RouteWriteResult {
  outcomes: Map<string, ResourceOutcome>;
  /** The group's tables as last read back (undefined when nothing was written). */
  tablesAfter?: ObservedTable[];
}

const reload = (deps: ExecutorDeps) => loadGroupTables(deps.ec2, deps.groupTagKey, deps.group);

/** One write; undefined when it went through (the read-back decides), else its outcome. */
const writeRoute = async (
  deps: ExecutorDeps,
  p: RouteParams,
  fresh: () => Promise<ObservedTable[]>,
): Promise<ResourceOutcome | undefined> => {
  const key = resourceOf(p);
  try {
    await send(deps.ec2, p);
    return undefined;
  } catch (error) {
    const code = awsErrorCode(error);
    if (p.operation === "create" && code === "RouteAlreadyExists") {
      // Same target = done; another target = a conflict that appeared since the plan: untouched.
      const tables = await fresh();
      if (toAppliance(tables, p))
        return {
          resource: key,
          status: "already-done",
          code,
          detail: `already routed to ${p.networkInterfaceId}`,
        };
      return conflict(
        key,
        staticIn(tables, p)
          ?.targets.map((t) => t.id)
          .join("+") ?? "?",
      );
    }
    // ReplaceRoute of a route that vanished since the plan ("Use CreateRoute instead"): create it.
    if (
      p.operation === "replace" &&
      code === "InvalidParameterValue" &&
      staticIn(await fresh(), p) === undefined
    )
      return writeRoute(deps, { ...p, operation: "create" }, fresh);
    const refused = refusedOutcome(key, OPERATION[p.operation], error, "already deleted");
    return refused.status === "already-done" ? refused : failed(key, error, OPERATION[p.operation]);
  }
};

/** A delete goes only if the route is still the one planned (same target). */
const stillOurs = (
  tables: readonly ObservedTable[],
  p: RouteParams,
  planned: string | undefined,
): ResourceOutcome | undefined => {
  const r = staticIn(tables, p);
  const key = resourceOf(p);
  if (r === undefined) return { resource: key, status: "already-done", detail: "no static route any more" };
  const target = r.targets.map((t) => t.id).join("+");
  return target === planned ? undefined : conflict(key, target);
};

const settled = (tables: readonly ObservedTable[], p: RouteParams) =>
  p.operation === "delete"
    ? staticIn(tables, p) === undefined
    : toAppliance(tables, p) && staticIn(tables, p)?.state === "active";

const readBackOutcome = (
  tables: readonly ObservedTable[],
  p: RouteParams,
  waitedMs: number,
): ResourceOutcome => {
  const r = staticIn(tables, p);
  if (settled(tables, p))
    return {
      resource: resourceOf(p),
      status: "applied",
      detail: `${OPERATION[p.operation]} read back after ${waitedMs} ms`,
    };
  return {
    resource: resourceOf(p),
    status: "unverified",
    detail:
      r === undefined
        ? `route missing after ${waitedMs} ms`
        : `route ${r.state} to ${r.targets.map((t) => t.id).join("+")} after ${waitedMs} ms`,
  };
};

/** Reads the group's tables back until every write shows; returns the last read. */
const readBack = async (
  deps: ExecutorDeps,
  pending: RouteParams[],
  outcomes: Map<string, ResourceOutcome>,
) => {
  try {
    const result = await readUntil(
      () => reload(deps),
      (tables) => pending.every((p) => settled(tables, p)),
      { deadline: deps.deadline, timeoutMs: deps.verifyTimeoutMs, intervalMs: 100, maxIntervalMs: 1000 },
    );
    for (const p of pending) outcomes.set(resourceOf(p), readBackOutcome(result.last, p, result.waitedMs));
    return result.last;
  } catch (error) {
    for (const p of pending) outcomes.set(resourceOf(p), failed(resourceOf(p), error, "DescribeRouteTables"));
    return undefined;
  }
};

/** Applies every action (bounded concurrency), then reads back once. */
const applyAll = async (
  deps: ExecutorDeps,
  actions: PlannedAction<RouteParams>[],
  plannedTargets: ReadonlyMap<string, string>,
): Promise<RouteWriteResult> => {
  const outcomes = new Map<string, ResourceOutcome>();
  let cache: Promise<ObservedTable[]> | undefined;
  const fresh = () => {
    cache ??= reload(deps);
    return cache;
  };
  const params = actions.map((a) => a.params);
  const before = params.some((p) => p.operation === "delete") ? await reload(deps) : [];
  const pending: RouteParams[] = [];
  const pool = await runPool(
    params,
    { concurrency: ROUTE_WRITE_CONCURRENCY, deadline: deps.deadline },
    async (p) => {
      const refused =
        p.operation === "delete" ? stillOurs(before, p, plannedTargets.get(resourceOf(p))) : undefined;
      const outcome = refused ?? (await writeRoute(deps, p, fresh));
      if (outcome === undefined) pending.push(p);
      else outcomes.set(resourceOf(p), outcome);
    },
  );
  for (const p of pool.notStarted)
    outcomes.set(resourceOf(p), notAttemptedOutcome(resourceOf(p), OPERATION[p.operation]));
  const tablesAfter = pending.length > 0 ? await readBack(deps, pending, outcomes) : undefined;
  return { outcomes, ...(tablesAfter ? { tablesAfter } : {}) };
};

const dryRun = async (deps: ExecutorDeps, action: PlannedAction<RouteParams>): Promise<ResourceOutcome[]> => {
  const p = action.params;
  try {
    await send(deps.ec2, p, true);
    return [{ resource: resourceOf(p), status: "permitted", detail: "no DryRunOperation?" }];
  } catch (error) {
    return [dryRunOutcome(resourceOf(p), OPERATION[p.operation], error, "DryRunOperation: would succeed")];
  }
};

/**
 * Executors for executePlan: the whole batch runs on the first action (routes of all tables at once, one
 * read-back) and the outcomes are handed out; `result()` gives the read-back tables.
 */
export const createRouteWriter = (deps: ExecutorDeps) => {
  let batch: Promise<RouteWriteResult> | undefined;
  const executors = (
    all: PlannedAction<RouteParams>[],
    plannedTargets: ReadonlyMap<string, string>,
  ): ActionExecutor<RouteParams>[] => {
    const apply = async (action: PlannedAction<RouteParams>) => {
      batch ??= applyAll(deps, all, plannedTargets);
      const key = resourceOf(action.params);
      return [
        (await batch).outcomes.get(key) ?? notAttemptedOutcome(key, OPERATION[action.params.operation]),
      ];
    };
    return [CREATE_ROUTE_ACTION, REPLACE_ROUTE_ACTION, DELETE_ROUTE_ACTION].map((kind) => ({
      kind,
      dryRun: (action: PlannedAction<RouteParams>) => dryRun(deps, action),
      apply,
    }));
  };
  return { executors, result: () => batch };
};

/** A tag write that did not happen: its table, the call and the error code. */
export interface TagFailure {
  routeTableId: string;
  operation: "CreateTags" | "DeleteTags";
  outcome: ResourceOutcome;
}

const groupBy = (
  changes: readonly TagChange[],
  pick: (c: TagChange) => readonly string[] | Record<string, string>,
) => {
  const groups = new Map<string, { value: TagChange; ids: string[] }>();
  for (const c of changes) {
    const part = pick(c);
    if (Array.isArray(part) ? part.length === 0 : Object.keys(part).length === 0) continue;
    const key = JSON.stringify(Array.isArray(part) ? [...part].sort() : Object.entries(part).sort());
    const entry = groups.get(key) ?? { value: c, ids: [] };
    entry.ids.push(c.routeTableId);
    groups.set(key, entry);
  }
  return [...groups.values()];
};

/**
 * Writes and removes tags, one call per identical tag set (the 200-table case is a handful of calls). Never
 * throws: a refused or throttled write is returned (routes are never held back by bookkeeping).
 */
export const writeTags = async (ec2: EC2Client, changes: readonly TagChange[]): Promise<TagFailure[]> => {
  const failures: TagFailure[] = [];
  const call = async (operation: TagFailure["operation"], ids: string[], run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (error) {
      for (const id of ids)
        failures.push({ routeTableId: id, operation, outcome: refusedOutcome(id, operation, error) });
    }
  };
  for (const { value, ids } of groupBy(changes, (c) => c.set))
    for (const part of chunks(ids, 100))
      await call("CreateTags", part, () =>
        ec2.send(
          new CreateTagsCommand({
            Resources: part,
            Tags: Object.entries(value.set).map(([Key, Value]) => ({ Key, Value })),
          }),
        ),
      );
  for (const { value, ids } of groupBy(changes, (c) => c.remove))
    for (const part of chunks(ids, 100))
      await call("DeleteTags", part, () =>
        ec2.send(new DeleteTagsCommand({ Resources: part, Tags: value.remove.map((Key) => ({ Key })) })),
      );
  return failures;
};

/** Rounds of tag writes after the first when the failures are retryable (throttling), within the deadline. */
export const TAG_RETRY_ROUNDS = 4;
const TAG_RETRY_BASE_MS = 250;

/**
 * `writeTags`, then the throttled or transient failures again with a growing pause while the deadline
 * allows: the routes are already written, and ownership that is never recorded would keep them on the VPN
 * for good (never deleted by us), so the bookkeeping is worth a few seconds.
 */
export const writeTagsPatiently = async (
  ec2: EC2Client,
  changes: readonly TagChange[],
  deadline: Deadline,
): Promise<TagFailure[]> => {
  let failures = await writeTags(ec2, changes);
  for (let round = 0; round < TAG_RETRY_ROUNDS; round++) {
    const retryable = failures.filter((f) => f.outcome.failure?.retryable === true);
    const pause = TAG_RETRY_BASE_MS * 2 ** round;
    if (retryable.length === 0 || !deadline.hasTimeForAttempt(4 * pause)) break;
    await deadline.clock.sleep(pause);
    const again = new Set(retryable.map((f) => f.routeTableId));
    const retried = await writeTags(
      ec2,
      changes.filter((c) => again.has(c.routeTableId)),
    );
    failures = [...failures.filter((f) => !again.has(f.routeTableId)), ...retried];
  }
  return failures;
};
