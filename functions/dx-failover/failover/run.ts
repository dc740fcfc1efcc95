import { invocationAccount } from "../../../shared/aws/arn";
import { requireRegion } from "../../../shared/aws/region";
import { executePlan } from "../../../shared/pipeline/executor";
import { isRetryableOutcome, throwIfRetryable } from "../../../shared/pipeline/outcome";
import type { Execution, ResourceOutcome } from "../../../shared/pipeline/types";
import type { OpsResult } from "../../../shared/runtime/handler";
import { count, Metric } from "../../../shared/runtime/observability";
import type { StageContext } from "../../config";
import {
  CAPABILITY,
  canonicalCidrs,
  type DxFailoverConfig,
  type DxFailoverGroupConfig,
  policyOf,
  probedByOf,
} from "../config";
import { unprobedFamilies } from "../config-warnings";
import { createRouteWriter, resourceOf, writeTags, writeTagsPatiently } from "./apply";
import {
  familiesOf,
  type ObservedGroup,
  type ObservedTable,
  observeGroup,
  parseAlarmName,
  probeFamiliesOf,
} from "./observe";
import { accountOf, type DxInput, eventIdOf, regionOf } from "./parse";
import {
  type DefeatedOverride,
  type GroupPlan,
  nextState,
  overrideVerdicts,
  planGroup,
  routeGroupOf,
} from "./plan";
import { overrideVerdictOf } from "./plan/routes";
import { judgeTrigger, type TriggerIgnored } from "./plan/trigger";
import type { FailoverState, PathName } from "./plan/types";
import { type GroupAlarm, groupAlarms, incompleteWrites, reportGroup, reportIgnoredTrigger } from "./report";
import { type TagChange, tableTagChange, tagHeadroom } from "./state";

/** observe → plan → apply (routes, then tags) → report, for each group the input concerns. */

export interface GroupSummary {
  name: string;
  decision: GroupPlan["plan"]["decision"] | "no-route-tables" | "ignored";
  desired?: GroupPlan["decision"]["desired"];
  reason?: string;
  activePath?: PathName;
  nextActivePath?: PathName;
  /** The alarm events raised (both-paths-down, override-defeated, stuck-on-vpn, tag-write-failed…). */
  alarms: string[];
  /** The trigger's counters were not used, and why (still a wake-up). */
  triggerIgnored?: TriggerIgnored;
  tables: number;
  creates: number;
  replaces: number;
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

/** Which configured groups this input concerns, and what it names that is not one. */
const groupsOf = (input: DxInput, config: DxFailoverConfig): { names: string[]; ignored: string[] } => {
  const all = config.groups.map((g) => g.name);
  const one = (name: string) =>
    all.includes(name) ? { names: [name], ignored: [] } : { names: [], ignored: [name] };
  if (input.kind === "reconcile") return { names: all, ignored: [] };
  if (input.kind === "probe-trigger") return one(input.detail.group);
  if (input.kind === "game-day") return one(input.command.group);
  const names = new Set<string>();
  const ignored: string[] = [];
  for (const change of input.changes) {
    const parsed = parseAlarmName(config.alarmNamePrefix, all, change.alarmName);
    if (parsed) names.add(parsed.group);
    else ignored.push(change.alarmName);
  }
  return { names: [...names], ignored };
};

const SEVERITY: GroupSummary["decision"][] = [
  "ignored",
  "no-route-tables",
  "nothing-to-do",
  "hold",
  "reconcile",
  "failback",
  "failover",
];

export const runDxFailover = async (input: DxInput, context: StageContext): Promise<DxResult> => {
  const config = context.config.dxFailover;
  const region = requireRegion(regionOf(input, process.env.AWS_REGION) ?? "", CAPABILITY);
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
    if (input.kind === "probe-trigger") reportIgnoredTrigger(context, input.detail.group, "unknown-group");
    return result("ignored", []);
  }
  const summaries: GroupSummary[] = [];
  for (const name of names)
    summaries.push(
      await runGroup(
        config.groups.find((g) => g.name === name) as DxFailoverGroupConfig,
        input,
        region,
        context,
      ),
    );
  // The tags already describe what happened; the retry re-reads and completes the rest.
  throwIfRetryable(summaries.flatMap((s) => s.outcomes).filter(isRetryableOutcome), {
    service: "ec2",
    writes: "route or tag write(s)",
  });
  const decision = summaries
    .map((s) => s.decision)
    .reduce(
      (a, b) => (SEVERITY.indexOf(b) > SEVERITY.indexOf(a) ? b : a),
      "ignored" as GroupSummary["decision"],
    );
  return result(decision, summaries);
};

/** The trigger's evidence for this group, when it passes the checks (else the reason it was ignored). */
const triggerEvidence = (input: DxInput, group: DxFailoverGroupConfig, context: StageContext) => {
  if (input.kind !== "probe-trigger") return {};
  const config = context.config.dxFailover;
  const verdict = judgeTrigger(
    input.detail,
    { probedBy: probedByOf(group) },
    { maxAgeMs: config.trigger.maxAgeSeconds * 1000, maxSkewMs: config.trigger.maxSkewSeconds * 1000 },
    context.clock.now(),
  );
  if (verdict.use) return { trigger: input.detail };
  reportIgnoredTrigger(context, group.name, verdict.reason);
  return { ignored: verdict.reason };
};

const emptySummary = (group: string, decision: GroupSummary["decision"], tables = 0): GroupSummary => ({
  name: group,
  decision,
  alarms: [],
  tables,
  creates: 0,
  replaces: 0,
  deletes: 0,
  conflicts: 0,
  evidence: [],
  problems: [],
  outcomes: [],
});

const runGroup = async (
  group: DxFailoverGroupConfig,
  input: DxInput,
  region: string,
  context: StageContext,
): Promise<GroupSummary> => {
  const started = context.clock.now();
  const evidence = triggerEvidence(input, group, context);
  const observed = await observeGroup(group, context, region);
  if (observed === undefined) {
    context.logger.error("No route table carries the group tag", {
      group: group.name,
      tag: context.config.dxFailover.groupTagKey,
    });
    return {
      ...emptySummary(group.name, "no-route-tables"),
      ...(evidence.ignored ? { triggerIgnored: evidence.ignored } : {}),
    };
  }
  if (observed.problems.length > 0)
    context.logger.warn("Signals incomplete", { group: group.name, problems: observed.problems });
  const gp = planGroup({
    name: group.name,
    cidrs: canonicalCidrs(group),
    families: familiesOf(group),
    probeFamilies: probeFamiliesOf(group),
    policy: policyOf(group),
    observed,
    ...(evidence.trigger ? { trigger: evidence.trigger } : {}),
    ...(input.kind === "game-day"
      ? { gameDay: { command: input.command, maxMinutes: context.config.dxFailover.gameDayMaxMinutes } }
      : {}),
    maxOverrideMs: context.config.dxFailover.gameDayMaxMinutes * 60_000,
    routesPerTable: context.config.dxFailover.routesPerTable,
    now: started,
  });
  logDecision(group, input.kind, gp, context);
  const applied = await applyGroup(group, gp, observed, context, region);
  const alarms = groupAlarms(
    {
      group: group.name,
      plan: gp,
      defeated: applied.defeated,
      incomplete: incompleteWrites(gp, applied.execution),
      ...(observed.appliance.ambiguous ? { ambiguousAppliance: observed.appliance.ambiguous } : {}),
      probeTablesEnrolled: observed.probeTablesEnrolled,
    },
    applied.tagProblems,
  );
  await reportGroup(
    {
      group: group.name,
      plan: gp,
      execution: applied.execution,
      effective: applied.effective,
      defeated: applied.defeated,
      alarms,
      region,
      accountId: invocationAccount(context.lambda, accountOf(input)),
      triggerEventId: eventIdOf(input),
      ...(evidence.trigger ? { failingSince: evidence.trigger.dxFailingSince } : {}),
      started,
    },
    context,
  );
  return summaryOf(group.name, gp, observed, applied, alarms, evidence.ignored);
};

const logDecision = (group: DxFailoverGroupConfig, trigger: string, gp: GroupPlan, context: StageContext) => {
  const { decision, plan } = gp;
  const unprobed = unprobedFamilies(group);
  context.logger.info("Decision", {
    group: group.name,
    trigger,
    desired: decision.desired,
    reason: decision.reason,
    activePath: decision.activePath,
    alarm: decision.alarm,
    evidence: decision.assessment.evidence,
    requiredWindowMs: decision.requiredWindowMs,
    plan: plan.decision,
    actions: plan.actions.map((a) => a.id),
    // Families of the CIDRs without a Direct Connect probe target: judged on BGP alone (config-warnings.ts).
    ...(unprobed.length > 0 ? { judgedOnBgpAlone: unprobed.map((u) => u.family) } : {}),
  });
};

interface Applied {
  execution: Execution;
  effective: boolean;
  finalState: FailoverState;
  defeated: DefeatedOverride[];
  tagProblems: string[];
  tagOutcomes: ResourceOutcome[];
}

const done = (o: ResourceOutcome | undefined) =>
  o !== undefined && ["applied", "already-done", "unverified"].includes(o.status);

/** Whether the switch took effect: a route of the new path is in place (or none was needed). */
const switchEffective = (gp: GroupPlan, outcomes: ResourceOutcome[]): boolean => {
  const { decision, plan } = gp;
  if (!decision.switch || plan.decision === "hold") return true;
  const wanted = decision.desired === "vpn" ? ["create", "replace"] : ["delete"];
  const writes = plan.actions.filter((a) => wanted.includes(a.params.operation));
  return (
    writes.length === 0 || writes.some((a) => done(outcomes.find((o) => o.resource === resourceOf(a.params))))
  );
};

const routeKey = (rtb: string, cidr: string) => `${rtb}:${cidr}`;

/** The ownership list of each table once the writes are done: what really happened, not what was planned. */
const ownershipAfter = (gp: GroupPlan, outcomes: readonly ResourceOutcome[], rtb: string): string[] => {
  const owned = new Set(gp.plan.ownership[rtb] ?? []);
  for (const a of gp.plan.actions) {
    if (a.params.routeTableId !== rtb) continue;
    const o = outcomes.find((x) => x.resource === resourceOf(a.params));
    // A failed create stays listed (it may have happened without an answer): the next plan drops it if no
    // route of ours exists. A failed delete stays ours. A conflict that appeared is not ours.
    if (a.params.operation === "delete" && !done(o)) owned.add(a.params.destination);
    if (a.params.operation !== "delete" && o?.code === "conflicting-static-route")
      owned.delete(a.params.destination);
  }
  return [...owned].sort();
};

/** Tag changes that fit the table (50 tags, 256-character values); the others are reported, never forced. */
const fitting = (tables: readonly ObservedTable[], changes: readonly TagChange[]) => {
  const ok: TagChange[] = [];
  const problems: string[] = [];
  for (const change of changes) {
    const tags = tables.find((t) => t.routeTableId === change.routeTableId)?.tags ?? {};
    const room = tagHeadroom(tags, change);
    if (room.fits) ok.push(change);
    else
      problems.push(
        `${change.routeTableId}: no tag headroom (${room.count} tags after the write, at most 50${room.longValues.length > 0 ? `; too long: ${room.longValues.join(", ")}` : ""})`,
      );
  }
  return { ok, problems };
};

/** `patient`: retry throttled writes within the deadline (the final write; the early one is repeated anyway). */
const tagWrite = async (
  context: StageContext,
  region: string,
  tables: readonly ObservedTable[],
  changes: TagChange[],
  patient: boolean,
) => {
  const { ok, problems } = fitting(tables, changes);
  const ec2 = context.clients.ec2(region);
  const failures = patient ? await writeTagsPatiently(ec2, ok, context.deadline) : await writeTags(ec2, ok);
  return {
    problems: [
      ...problems,
      ...failures.map((f) => `${f.routeTableId}: ${f.operation} ${f.outcome.code ?? "failed"}`),
    ],
    outcomes: failures.map((f) => ({ ...f.outcome, resource: `${f.routeTableId}:tags` })),
  };
};

/** The routes first; the ownership of new routes is written at the same time, never before them. */
const applyRoutes = async (
  group: DxFailoverGroupConfig,
  gp: GroupPlan,
  observed: ObservedGroup,
  context: StageContext,
  region: string,
) => {
  const config = context.config.dxFailover;
  const writer = createRouteWriter({
    ec2: context.clients.ec2(region),
    groupTagKey: config.groupTagKey,
    group,
    deadline: context.deadline,
    verifyTimeoutMs: config.verifyTimeoutMs,
  });
  const planned = new Map(
    gp.plan.cells
      .filter((c) => c.action === "delete")
      .map((c) => [routeKey(c.routeTableId, c.cidr), c.staticTarget ?? ""]),
  );
  const adding = new Set(
    gp.plan.actions.filter((a) => a.params.operation !== "delete").map((a) => a.params.routeTableId),
  );
  const intent =
    context.mode === "apply" && adding.size > 0
      ? tagWrite(
          context,
          region,
          observed.tables,
          observed.tables
            .filter((t) => adding.has(t.routeTableId))
            .map((t) =>
              tableTagChange(t, group.name, gp.state, gp.plan.ownership[t.routeTableId] ?? [], {
                eni: gp.routeGroup.applianceEniId,
                groupTagKey: config.groupTagKey,
              }),
            ),
          false,
        )
      : undefined;
  const execution = await executePlan(gp.plan, context.mode, writer.executors(gp.plan.actions, planned));
  await intent; // its failures do not matter: the final write below repeats it
  return { execution, tablesAfter: (await writer.result())?.tablesAfter };
};

/** What the read-back shows: does our route carry every CIDR (after a write), else the plan's judgment. */
const defeatedAfter = (
  gp: GroupPlan,
  observed: ObservedGroup,
  tablesAfter: ObservedTable[] | undefined,
): DefeatedOverride[] => {
  if (tablesAfter === undefined || gp.decision.desired !== "vpn") return gp.defeated;
  const rg = routeGroupOf({
    name: gp.routeGroup.name,
    cidrs: gp.routeGroup.cidrs,
    observed: { ...observed, tables: tablesAfter, owned: gp.plan.ownership },
  });
  return overrideVerdicts(rg, (t, cidr) => overrideVerdictOf(rg, t, cidr));
};

/**
 * A route written but not effective (more specific routes carry part of the CIDR) is not `applied`: its
 * outcome says `override-defeated` (the alarm event and metric say it too).
 */
const withDefeated = (execution: Execution, defeated: readonly DefeatedOverride[]): Execution => {
  const keys = new Map(defeated.map((d) => [routeKey(d.routeTableId, d.cidr), d.by.join(", ")]));
  return {
    ...execution,
    actions: execution.actions.map((a) => ({
      ...a,
      resources: a.resources.map((o) =>
        keys.has(o.resource) && (o.status === "applied" || o.status === "already-done")
          ? {
              ...o,
              status: "failed" as const,
              code: "override-defeated",
              detail: `route written, but more specific routes carry ${keys.get(o.resource)}`,
            }
          : o,
      ),
    })),
  };
};

/** The routes, then the tags (state and ownership as they really are after the writes). */
const applyGroup = async (
  group: DxFailoverGroupConfig,
  gp: GroupPlan,
  observed: ObservedGroup,
  context: StageContext,
  region: string,
): Promise<Applied> => {
  const written = await applyRoutes(group, gp, observed, context, region);
  const outcomes = written.execution.actions.flatMap((a) => a.resources);
  const effective = switchEffective(gp, outcomes);
  const next = nextState(
    gp.state,
    gp.decision,
    policyOf(group),
    gp.decision.switch ? context.clock.now() : (gp.state.since ?? 0),
  );
  const finalState: FailoverState = effective
    ? next
    : { ...gp.state, ...(next.override ? {} : { override: undefined }) };
  if (finalState.override === undefined) delete finalState.override;
  const defeated = defeatedAfter(gp, observed, written.tablesAfter);
  const execution = withDefeated(written.execution, defeated);
  const writeState =
    gp.decision.desired !== "hold" ||
    gp.decision.override?.expired === true ||
    gp.state.override !== observed.state.override;
  if (context.mode !== "apply" || !writeState)
    return { execution, effective, finalState, defeated, tagProblems: [], tagOutcomes: [] };
  const eni = gp.routeGroup.applianceEniId ?? observed.recordedEni;
  const changes = observed.tables.map((t) =>
    tableTagChange(t, group.name, finalState, ownershipAfter(gp, outcomes, t.routeTableId), {
      ...(eni ? { eni } : {}),
      groupTagKey: context.config.dxFailover.groupTagKey,
    }),
  );
  const tags = await tagWrite(
    context,
    region,
    observed.tables,
    changes.filter((c) => Object.keys(c.set).length + c.remove.length > 0),
    true,
  );
  return {
    execution,
    effective,
    finalState,
    defeated,
    tagProblems: tags.problems,
    tagOutcomes: tags.outcomes,
  };
};

const summaryOf = (
  name: string,
  gp: GroupPlan,
  observed: ObservedGroup,
  applied: Applied,
  alarms: GroupAlarm[],
  ignored: TriggerIgnored | undefined,
): GroupSummary => {
  const { decision, plan } = gp;
  const ops = (op: string) => plan.actions.filter((a) => a.params.operation === op).length;
  const outcomes = [...applied.execution.actions.flatMap((a) => a.resources), ...applied.tagOutcomes];
  return {
    name,
    decision: plan.decision,
    desired: decision.desired,
    reason: decision.reason,
    activePath: decision.activePath,
    nextActivePath: applied.finalState.activePath,
    alarms: alarms.map((a) => a.action),
    ...(ignored ? { triggerIgnored: ignored } : {}),
    tables: observed.tables.length,
    creates: ops("create"),
    replaces: ops("replace"),
    deletes: ops("delete"),
    conflicts: plan.cells.filter((c) => c.action === "conflict").length,
    evidence: decision.assessment.evidence,
    problems: [...observed.problems, ...applied.tagProblems],
    outcomes,
  };
};
