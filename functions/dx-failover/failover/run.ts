import { invocationAccount } from "../../../shared/aws/arn";
import { requireRegion } from "../../../shared/aws/region";
import type { AlarmChange, ScheduleTick } from "../../../shared/events";
import { executePlan } from "../../../shared/pipeline/executor";
import { isRetryableOutcome, throwIfRetryable } from "../../../shared/pipeline/outcome";
import type { ResourceOutcome } from "../../../shared/pipeline/types";
import { AwsCallError } from "../../../shared/runtime/errors";
import type { OpsResult } from "../../../shared/runtime/handler";
import { count, Metric } from "../../../shared/runtime/observability";
import type { StageContext } from "../../config";
import { CAPABILITY, type DxFailoverConfig, type DxFailoverGroupConfig, policyOf } from "../config";
import type { ProbeTriggerDetail } from "../evidence";
import { createRouteWriter, writeTags } from "./apply";
import {
  loadAppliance,
  loadGroupAlarms,
  loadGroupTables,
  loadProbeSignals,
  loadVirtualInterfaces,
  parseAlarmName,
} from "./observe";
import {
  type Decision,
  decidePath,
  type FailoverState,
  nextState,
  type PathName,
  type PathProbeSignals,
  type Signals,
} from "./plan/decide";
import { planRoutes, type RoutePlan } from "./plan/routes";
import { report } from "./report";
import { decodeTableTags, encodeRoutes, encodeState, groupState, ROUTES_TAG } from "./state";

export interface GameDayCommand {
  command: "force" | "revert";
  group: string;
  path: PathName;
  minutes: number;
}

export type DxInput =
  | { kind: "probe-trigger"; eventId: string; region: string; accountId: string; detail: ProbeTriggerDetail }
  | { kind: "alarms"; changes: AlarmChange[] }
  | { kind: "reconcile"; tick: ScheduleTick }
  | { kind: "game-day"; eventId: string; region?: string; command: GameDayCommand };

export interface GroupSummary {
  name: string;
  decision: RoutePlan["decision"] | "no-route-tables" | "ignored";
  desired?: Decision["desired"];
  reason?: string;
  activePath?: PathName;
  nextActivePath?: PathName;
  alarm?: string;
  tables: number;
  creates: number;
  deletes: number;
  conflicts: number;
  evidence: string[];
  problems: string[];
  outcomes: ResourceOutcome[];
}

export interface DxResult extends OpsResult {
  trigger: string;
  groups: GroupSummary[];
}

const eventIdOf = (input: DxInput) =>
  input.kind === "alarms"
    ? input.changes.map((c) => c.eventId).join(",")
    : input.kind === "reconcile"
      ? input.tick.eventId
      : input.eventId;

/** The account the trigger names (none for a game-day command: the function's own account then). */
const accountOf = (input: DxInput): string | undefined =>
  input.kind === "alarms"
    ? input.changes[0]?.accountId
    : input.kind === "reconcile"
      ? input.tick.accountId
      : input.kind === "probe-trigger"
        ? input.accountId
        : undefined;

const regionOf = (input: DxInput, env: NodeJS.ProcessEnv) =>
  input.kind === "alarms"
    ? input.changes[0]?.region
    : input.kind === "reconcile"
      ? input.tick.region
      : (input.region ?? env.AWS_REGION);

/** Which groups this input concerns. */
const groupsOf = (input: DxInput, config: DxFailoverConfig): { names: string[]; ignored: string[] } => {
  const all = config.groups.map((g) => g.name);
  if (input.kind === "reconcile") return { names: all, ignored: [] };
  if (input.kind === "probe-trigger")
    return all.includes(input.detail.group)
      ? { names: [input.detail.group], ignored: [] }
      : { names: [], ignored: [input.detail.group] };
  if (input.kind === "game-day")
    return all.includes(input.command.group)
      ? { names: [input.command.group], ignored: [] }
      : { names: [], ignored: [input.command.group] };
  const names = new Set<string>();
  const ignored: string[] = [];
  for (const change of input.changes) {
    const parsed = parseAlarmName(config.alarmNamePrefix, all, change.alarmName);
    if (parsed) names.add(parsed.group);
    else ignored.push(change.alarmName);
  }
  return { names: [...names], ignored };
};

/** The fresher of the metric evidence and the probe event's (CloudWatch lags a few seconds). */
const fresher = (
  metric: PathProbeSignals,
  event: { consecutiveFailures: number; consecutiveSuccesses: number } | undefined,
  at: number | undefined,
): PathProbeSignals => {
  if (event === undefined || at === undefined) return metric;
  if (metric.lastSampleAt !== undefined && metric.lastSampleAt >= at) return metric;
  return {
    consecutiveFailures: event.consecutiveFailures,
    consecutiveSuccesses: event.consecutiveSuccesses,
    lastSampleAt: at,
    ...(event.consecutiveFailures === 0 && metric.healthySince !== undefined
      ? { healthySince: metric.healthySince }
      : {}),
  };
};

export const runDxFailover = async (input: DxInput, context: StageContext): Promise<DxResult> => {
  const config = context.config.dxFailover;
  const region = requireRegion(regionOf(input, process.env) ?? "", CAPABILITY);
  const triggerEventId = eventIdOf(input);
  const { names, ignored } = groupsOf(input, config);
  for (const name of ignored) context.logger.info("Event ignored: not one of our groups", { name });
  const result = (decision: string, groups: GroupSummary[]): DxResult => ({
    capability: CAPABILITY,
    decision,
    mode: context.mode,
    trigger: input.kind,
    groups,
  });
  if (config.groups.length === 0) {
    context.logger.warn("No dx-failover group is configured (dxFailover.groups is empty)");
    return result("no-groups-configured", []);
  }
  if (names.length === 0) {
    count(context.metrics, Metric.IgnoredEvents, Math.max(1, ignored.length));
    return result("ignored", []);
  }
  const summaries: GroupSummary[] = [];
  let retryable: ResourceOutcome[] = [];
  for (const name of names) {
    const group = config.groups.find((g) => g.name === name) as DxFailoverGroupConfig;
    const { summary, retry } = await runGroup(group, input, region, triggerEventId, context);
    summaries.push(summary);
    retryable = retryable.concat(retry);
  }
  // Tags already describe what happened; the retry re-reads and completes the rest.
  throwIfRetryable(retryable, { service: "ec2", writes: "route write(s)" });
  const order: GroupSummary["decision"][] = [
    "ignored",
    "no-route-tables",
    "nothing-to-do",
    "hold",
    "reconcile",
    "failback",
    "failover",
  ];
  const decision = summaries
    .map((s) => s.decision)
    .reduce((a, b) => (order.indexOf(b) > order.indexOf(a) ? b : a), "ignored" as GroupSummary["decision"]);
  return result(decision, summaries);
};

const runGroup = async (
  group: DxFailoverGroupConfig,
  input: DxInput,
  region: string,
  triggerEventId: string,
  context: StageContext,
): Promise<{ summary: GroupSummary; retry: ResourceOutcome[] }> => {
  const config = context.config.dxFailover;
  const ec2 = context.clients.ec2(region);
  const started = context.clock.now();
  const tables = await loadGroupTables(ec2, config.groupTagKey, group);
  const base: GroupSummary = {
    name: group.name,
    decision: "no-route-tables",
    tables: tables.length,
    creates: 0,
    deletes: 0,
    conflicts: 0,
    evidence: [],
    problems: [],
    outcomes: [],
  };
  if (tables.length === 0) {
    context.logger.error("No route table carries the group tag", {
      group: group.name,
      tag: config.groupTagKey,
    });
    return { summary: base, retry: [] };
  }
  const now = context.clock.now();
  let vifProblem: string | undefined;
  const [alarms, metrics, virtualInterfaces, appliance] = await Promise.all([
    loadGroupAlarms(context.clients.cloudWatch(region), config.alarmNamePrefix, group.name),
    loadProbeSignals(context.clients.cloudWatch(region), config.metricsNamespace, group, now),
    // BGP is one signal among others: a permanent error (e.g. access denied) leaves it unknown, reported.
    loadVirtualInterfaces(context.clients.directConnect(region), group.virtualInterfaceIds).catch(
      (error: unknown) => {
        if (error instanceof AwsCallError && error.retryable) throw error;
        vifProblem = `DescribeVirtualInterfaces failed (${error instanceof Error ? error.message : String(error)}): BGP unknown`;
        return [];
      },
    ),
    loadAppliance(ec2, group.applianceEniId),
  ]);
  const trigger = input.kind === "probe-trigger" ? input.detail : undefined;
  const routes = tables.flatMap((t) => t.routes);
  const propagatedRoutes: Record<string, boolean> = {};
  for (const cidr of group.cidrs)
    propagatedRoutes[cidr] = tables.every((t) =>
      t.routes.some(
        (r) => r.destination === cidr && r.origin === "EnableVgwRoutePropagation" && r.state === "active",
      ),
    );
  const signals: Signals = {
    probes: {
      directConnect: fresher(metrics.directConnect, trigger?.dx, trigger?.at),
      vpn: fresher(metrics.vpn, trigger?.vpn, trigger?.at),
    },
    alarms,
    virtualInterfaces,
    ...(appliance ? { appliance } : {}),
    propagatedRoutes,
  };
  const read = groupState(tables);
  let state: FailoverState = read.state;
  const problems = [
    ...read.problems,
    ...(metrics.problem ? [metrics.problem] : []),
    ...(vifProblem ? [vifProblem] : []),
  ];
  if (problems.length > 0) context.logger.warn("Signals incomplete", { group: group.name, problems });
  if (input.kind === "game-day") {
    const c = input.command;
    if (c.command === "revert") {
      const { override: _dropped, ...rest } = state;
      state = rest;
    } else {
      const minutes = Math.min(c.minutes, config.gameDayMaxMinutes);
      state = { ...state, override: { force: c.path, until: now + minutes * 60_000 } };
    }
  }
  const decision = decidePath(signals, state, policyOf(group), now);
  const plan = planRoutes(decision, routes, {
    name: group.name,
    applianceEniId: group.applianceEniId,
    cidrs: group.cidrs,
    tables: tables.map((t) => ({ routeTableId: t.routeTableId, created: decodeTableTags(t.tags).created })),
  });
  const creates = plan.actions.filter((a) => a.params.operation === "create");
  const deletes = plan.actions.filter((a) => a.params.operation === "delete");
  const conflicts = plan.cells.filter((c) => c.action === "conflict");
  context.logger.info("Decision", {
    group: group.name,
    trigger: input.kind,
    desired: decision.desired,
    reason: decision.reason,
    activePath: decision.activePath,
    alarm: decision.alarm,
    evidence: decision.assessment.evidence,
    plan: plan.decision,
    creates: creates.length,
    deletes: deletes.length,
    conflicts: conflicts.length,
  });

  const apply = context.mode === "apply";
  // Ownership first: a route of ours is never unlisted (tag before CreateRoute).
  if (apply && creates.length > 0) {
    const before = tables
      .map((t) => {
        const adding = creates
          .filter((a) => a.params.routeTableId === t.routeTableId)
          .map((a) => a.params.destinationCidrBlock);
        if (adding.length === 0) return undefined;
        const listed = decodeTableTags(t.tags).created;
        const { set, remove } = encodeRoutes([...listed, ...adding], t.tags);
        return { routeTableId: t.routeTableId, set, remove };
      })
      .filter(
        (c): c is { routeTableId: string; set: Record<string, string>; remove: string[] } => c !== undefined,
      );
    await writeTags(ec2, before);
  }
  const writer = createRouteWriter({
    ec2,
    groupTagKey: config.groupTagKey,
    group,
    deadline: context.deadline,
    verifyTimeoutMs: config.verifyTimeoutMs,
  });
  const execution = await executePlan(plan, context.mode, writer.executors(plan.actions));
  const outcomes = execution.actions.flatMap((a) => a.resources);
  const outcomeOf = (rtb: string, cidr: string) => outcomes.find((o) => o.resource === `${rtb}:${cidr}`);
  const done = (o: ResourceOutcome | undefined) =>
    o !== undefined && (o.status === "applied" || o.status === "already-done" || o.status === "unverified");

  // The state after: ownership adjusted by what really happened; the state tags from the decision.
  const switched = decision.switch && plan.decision !== "hold";
  const next = nextState(state, decision, now);
  const anyCreateDone = creates.some((a) =>
    done(outcomeOf(a.params.routeTableId, a.params.destinationCidrBlock)),
  );
  const anyDeleteDone = deletes.some((a) =>
    done(outcomeOf(a.params.routeTableId, a.params.destinationCidrBlock)),
  );
  // A switch counts once a route of the new path is in place (or nothing needed changing).
  const effective =
    !switched ||
    (decision.desired === "vpn"
      ? anyCreateDone || creates.length === 0
      : anyDeleteDone || deletes.length === 0);
  // Not effective (every write of the switch failed): keep the old path and dwell, the retry switches.
  const finalState: FailoverState = effective ? next : { ...state };
  if (!effective && next.override === undefined) delete finalState.override;
  if (apply) {
    const after = tables.map((t) => {
      const owned = new Set(plan.ownership[t.routeTableId] ?? []);
      for (const a of plan.actions) {
        if (a.params.routeTableId !== t.routeTableId) continue;
        const o = outcomeOf(t.routeTableId, a.params.destinationCidrBlock);
        // A failed create stays listed (it may have happened without an answer, e.g. a timeout): the next
        // plan drops a listed CIDR that has no route of ours, or re-creates it. A failed delete stays ours.
        if (a.params.operation === "delete" && !done(o)) owned.add(a.params.destinationCidrBlock);
        if (a.params.operation === "create" && o?.code === "conflicting-static-route")
          owned.delete(a.params.destinationCidrBlock);
      }
      const s = encodeState(finalState);
      const r = encodeRoutes([...owned], t.tags);
      const set: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...s.set, ...r.set })) if (t.tags[k] !== v) set[k] = v;
      const remove = [...s.remove, ...r.remove].filter((k) => t.tags[k] !== undefined && k !== ROUTES_TAG);
      return { routeTableId: t.routeTableId, set, remove };
    });
    if (decision.desired !== "hold" || decision.override?.expired === true || input.kind === "game-day")
      await writeTags(ec2, after);
  }

  await report(
    group,
    decision,
    plan,
    execution,
    context,
    region,
    triggerEventId,
    started,
    trigger,
    effective,
    invocationAccount(context.lambda, accountOf(input)),
  );
  return {
    summary: {
      ...base,
      decision: plan.decision,
      desired: decision.desired,
      reason: decision.reason,
      activePath: decision.activePath,
      nextActivePath: finalState.activePath,
      ...(decision.alarm ? { alarm: decision.alarm } : {}),
      creates: creates.length,
      deletes: deletes.length,
      conflicts: conflicts.length,
      evidence: decision.assessment.evidence,
      problems,
      outcomes,
    },
    retry: outcomes.filter(isRetryableOutcome),
  };
};
