import { ec2Arn, invocationAccount } from "../../shared/aws/arn";
import { VFXT_METRICS } from "../../shared/observe/metrics-catalogue";
import { type ActionEventDetail, publishActionEvents } from "../../shared/pipeline/action-events";
import { reportExecution } from "../../shared/pipeline/report";
import type {
  ActionOutcome,
  Execution,
  PlannedAction,
  ResourceOutcome,
  Skip,
} from "../../shared/pipeline/types";
import type { OpsResult } from "../../shared/runtime/handler";
import { count, Metric } from "../../shared/runtime/observability";
import type { StageContext } from "../config";
import { CAPABILITY } from "./config";
import type { WatchedElasticIp } from "./elastic-ips";
import { accountOf, eventIdsOf, type TriggerDecision, type VfxtInput } from "./parse";
import {
  type ClusterDecision,
  type ClusterPlan,
  DELETE_ROUTES_ACTION,
  INVALID_ADDRESS_REASONS,
  isAlarm,
  MOVE_ROUTES_ACTION,
  MOVE_SECONDARY_ACTION,
  type Move,
  mostSevere,
  UNASSIGN_ACTION,
  type VfxtParams,
} from "./plan";
import type { ReservationCheck } from "./reservations";

/** Metrics of this capability (namespace OpsToolkit, dimension service=vfxt-ip-move), from the catalogue. */
const METRICS = {
  /** Addresses moved (secondary IPs applied). */
  moved: VFXT_METRICS.AddressesMoved.name,
  /** A cluster with addresses to serve and no healthy node (alarm `…-vfxt-no-healthy-node`). */
  noHealthyNode: VFXT_METRICS.NoHealthyNode.name,
  /** Addresses left unserved: no healthy node (in the subnet), no room, no eligible ENI, foreign holder, refused. */
  unserved: VFXT_METRICS.AddressesUnserved.name,
  /** Addresses AWS refused to assign (isolated from the others). */
  refused: VFXT_METRICS.AddressesRefused.name,
  /** Addresses held by an ENI that is not the cluster's (e.g. auto-assigned after a release). */
  foreign: VFXT_METRICS.AddressesHeldByForeignEni.name,
  /** Configured addresses that break an AWS rule (reserved, primary, route inside the VPC…): never sent. */
  invalid: VFXT_METRICS.InvalidAddresses.name,
  /** Secondary addresses outside every explicit subnet CIDR reservation (reconcile check). */
  notReserved: VFXT_METRICS.AddressesNotReserved.name,
  /** Addresses the function moved because the cluster had not within its grace (alarm `…-vfxt-backstop-acted`). */
  backstop: VFXT_METRICS.BackstopMoves.name,
  /** Elastic IPs that did not follow their address (its node terminated during the grace; also counted unserved). */
  elasticIpsLost: VFXT_METRICS.ElasticIpsLost.name,
  /** Instances tagged with a cluster's name that its `instanceIds` do not list (never targets). */
  unlisted: VFXT_METRICS.UnlistedTaggedInstances.name,
} as const;

/** Moves that mean the cluster did not move a failed node's addresses itself within its grace. */
const BACKSTOP_REASONS = new Set(["unhealthy-owner", "no-owner"]);

export interface ClusterSummary {
  name: string;
  decision: ClusterDecision;
  healthy: string[];
  moves: Move[];
  skips: Skip[];
  loads: Record<string, number>;
}

export interface VfxtResult extends OpsResult {
  triggers: TriggerDecision[];
  clusters: ClusterSummary[];
  actions: Execution["actions"];
  skips: Skip[];
  reservations?: ReservationCheck[];
  /** Time the invocation spent waiting for clusters' grace periods. */
  waitedMs: number;
}

/** One observe → plan → execute pass over the selected clusters. */
export interface Round {
  plans: ClusterPlan[];
  execution: Execution;
  /** Instances tagged with a cluster's name that its `instanceIds` do not list: never nodes. */
  unlisted: { cluster: string; instanceIds: string[] }[];
  /** Elastic IPs on addresses waiting on a node shutting down (checked once the moves are done). */
  watched: WatchedElasticIp[];
}

const isRefusal = (outcome: ResourceOutcome): boolean =>
  (outcome.status === "failed" || outcome.status === "denied") && outcome.failure?.retryable !== true;

/** Did AWS refuse some write of these plans (then the cluster's decision is at least `partial`)? */
const refusedIn = (rounds: readonly Round[], plans: readonly ClusterPlan[]): boolean => {
  const ids = new Set(plans.flatMap((p) => p.actions.map((a) => a.id)));
  return rounds.some((r) =>
    r.execution.actions.some((a) => ids.has(a.actionId) && a.resources.some(isRefusal)),
  );
};

/**
 * Per cluster: the last round's view, every round's moves, and the most severe decision of the rounds that
 * acted and of the last one (`partial` at least when AWS refused a write).
 */
export const summariesOf = (rounds: readonly Round[]): ClusterSummary[] => {
  const last = rounds.at(-1)?.plans ?? [];
  return last.map((plan) => {
    const mine = rounds.flatMap((r) => r.plans.filter((p) => p.cluster === plan.cluster));
    const counted = mine.filter((p) => p.actions.length > 0 || p === plan).map((p) => p.decision);
    if (refusedIn(rounds, mine)) counted.push("partial");
    return {
      name: plan.cluster,
      decision: mostSevere(counted),
      healthy: plan.healthy,
      moves: mine.flatMap((p) => p.moves),
      skips: plan.skips,
      loads: plan.loads,
    };
  });
};

export const logPlan = (plan: ClusterPlan, context: StageContext): void => {
  const { cluster, decision, healthy, moves, skips, loads, waitUntil } = plan;
  context.logger.info("Plan", { cluster, decision, healthy, moves, skips, loads, waitUntil });
};

/** An event that concerns no configured cluster: a log line per trigger and a metric, no write. */
export const ignored = (empty: VfxtResult, context: StageContext): VfxtResult => {
  const decisions = empty.triggers;
  for (const decision of decisions) context.logger.info("Event ignored", { ...decision });
  count(context.metrics, Metric.IgnoredEvents, Math.max(1, decisions.length));
  const only = decisions.length === 1 ? decisions[0]?.decision : undefined;
  return { ...empty, decision: only ?? "nothing-to-do" };
};

const ACTION_NAMES: Record<string, string> = {
  [MOVE_SECONDARY_ACTION]: "move-secondary-ip",
  [MOVE_ROUTES_ACTION]: "move-route",
  [UNASSIGN_ACTION]: "unassign-retired-ip",
  [DELETE_ROUTES_ACTION]: "delete-retired-route",
};

/** The address of an outcome: the address itself, or `rtb-…:<address>/32`. */
const addressOf = (resource: ResourceOutcome): string =>
  resource.resource.includes(":")
    ? (resource.resource.split(":")[1] ?? "").replace(/\/32$/, "")
    : resource.resource;

interface ReportInput {
  rounds: readonly Round[];
  reservations: readonly ReservationCheck[];
  /** Elastic IPs of addresses that waited the grace and are no longer on them. */
  lost: readonly WatchedElasticIp[];
  context: StageContext;
  region: string;
  input: VfxtInput;
}

/** Action events and metrics of the writes (shared reportExecution), with the move's from/to in the details. */
const reportWrites = async ({ rounds, context, region, input }: ReportInput, execution: Execution) => {
  const accountId = invocationAccount(context.lambda, accountOf(input));
  const planned = new Map<string, { action: PlannedAction<VfxtParams>; plan: ClusterPlan }>();
  for (const plan of rounds.flatMap((r) => r.plans))
    for (const action of plan.actions) planned.set(action.id, { action, plan });
  const moveOf = (action: ActionOutcome, resource: ResourceOutcome) =>
    planned.get(action.actionId)?.plan.moves.find((m) => m.address === addressOf(resource));
  const actionOf = (resource: ResourceOutcome) =>
    execution.actions.find((a) => a.resources.includes(resource));
  await reportExecution(execution, context, {
    region,
    triggerEventId: eventIdsOf(input),
    actionName: (action) => ACTION_NAMES[action.kind] ?? action.kind,
    resourceName: (resource) => {
      const action = actionOf(resource);
      if (action?.kind === MOVE_ROUTES_ACTION || action?.kind === DELETE_ROUTES_ACTION) {
        return ec2Arn(region, accountId, "route-table", resource.resource.split(":")[0] ?? "");
      }
      const move = action === undefined ? undefined : moveOf(action, resource);
      const params = action === undefined ? undefined : planned.get(action.actionId)?.action.params;
      const eni =
        move?.toEni ??
        (params?.kind === "unassign"
          ? params.unassignments.find((u) => u.addresses.includes(resource.resource))?.networkInterfaceId
          : undefined);
      return ec2Arn(region, accountId, "network-interface", eni ?? "");
    },
    details: (action, resource) => {
      const move = moveOf(action, resource);
      const cluster = planned.get(action.actionId)?.plan.cluster;
      return {
        cluster,
        address: addressOf(resource),
        from: move?.from,
        to: move?.to,
        toNetworkInterface: move?.toEni,
        reason: move?.reason,
      };
    },
  });
};

type AlarmBase = Pick<ActionEventDetail, "capability" | "status" | "mode" | "triggerEventId" | "region">;

/**
 * The backstop acted: the cluster did not move a failed node's addresses within its grace (no EC2 access,
 * role changed, software wedged). Its next failover will fail the same way: one alarm per cluster.
 */
const backstopEvents = (rounds: readonly Round[], base: AlarmBase): ActionEventDetail[] =>
  summariesOf(rounds).flatMap((summary) => {
    const moves = summary.moves.filter((m) => BACKSTOP_REASONS.has(m.reason));
    if (moves.length === 0) return [];
    const from = [...new Set(moves.flatMap((m) => (m.from === undefined ? [] : [m.from])))];
    return [
      {
        ...base,
        action: "cluster-did-not-move",
        resources: moves.map((m) => m.address),
        description: `vFXT cluster ${summary.name} did not move ${moves.length} address(es) of failed node(s) within its grace: the function did. Check the cluster's EC2 API access and its vserver client IP placement.`,
        details: {
          cluster: summary.name,
          from,
          moves: moves.map((m) => ({ address: m.address, from: m.from, to: m.to })),
        },
      },
    ];
  });

/** Instances tagged with a cluster's name that its `instanceIds` do not list: someone copied the tag. */
const unlistedEvents = (rounds: readonly Round[], base: AlarmBase): ActionEventDetail[] => {
  const byCluster = new Map<string, Set<string>>();
  for (const u of rounds.flatMap((r) => r.unlisted))
    byCluster.set(u.cluster, new Set([...(byCluster.get(u.cluster) ?? []), ...u.instanceIds]));
  return [...byCluster].map(([cluster, ids]) => ({
    ...base,
    action: "unlisted-tagged-instance",
    resources: [...ids],
    description: `vFXT cluster ${cluster}: ${ids.size} instance(s) carry its tag but are not in its instanceIds: never targets, their addresses are foreign`,
    details: { cluster },
  }));
};

/** An Elastic IP that did not follow its address (its node terminated during the grace): public clients cut off. */
const lostEvents = (lost: readonly WatchedElasticIp[], base: AlarmBase): ActionEventDetail[] =>
  lost.map((eip) => ({
    ...base,
    action: "elastic-ip-lost",
    resources: [eip.address],
    description: `vFXT cluster ${eip.cluster}: Elastic IP ${eip.publicIp} (${eip.allocationId}) was on ${eip.address} and is no longer: associate it again with the address's new ENI`,
    details: { cluster: eip.cluster, allocationId: eip.allocationId, publicIp: eip.publicIp },
  }));

/** One alarm event per (cluster, reason) of the alarm skips, one per cluster for the refused addresses. */
const alarmEvents = ({ rounds, lost, context, region, input }: ReportInput): ActionEventDetail[] => {
  const base = {
    capability: CAPABILITY,
    status: "alarm",
    mode: context.mode,
    triggerEventId: eventIdsOf(input),
    region,
  };
  const events: ActionEventDetail[] = [];
  for (const summary of summariesOf(rounds)) {
    const byReason = new Map<string, Skip[]>();
    for (const skip of summary.skips.filter(isAlarm))
      byReason.set(skip.reason, [...(byReason.get(skip.reason) ?? []), skip]);
    for (const [reason, skips] of byReason) {
      const what =
        reason === "no-healthy-node"
          ? `vFXT cluster ${summary.name} has no healthy node`
          : `vFXT cluster ${summary.name}: ${reason}`;
      events.push({
        ...base,
        action: reason,
        resources: skips.map((s) => s.resource),
        description: `${what}: ${skips.length} address(es) left where they are (${skips[0]?.detail ?? ""})`,
        details: { cluster: summary.name, reason },
      });
    }
  }
  events.push(...backstopEvents(rounds, base), ...unlistedEvents(rounds, base), ...lostEvents(lost, base));
  for (const round of rounds) {
    for (const action of round.execution.actions.filter(
      (a) => a.kind === MOVE_SECONDARY_ACTION || a.kind === MOVE_ROUTES_ACTION,
    )) {
      const refused = action.resources.filter(isRefusal);
      if (refused.length === 0) continue;
      const cluster = round.plans.find((p) => p.actions.some((a) => a.id === action.actionId))?.cluster;
      events.push({
        ...base,
        action: "address-refused",
        resources: refused.map(addressOf),
        description: `vFXT cluster ${cluster}: AWS refused ${refused.length} address move(s); the other addresses moved`,
        details: { cluster, codes: [...new Set(refused.map((r) => r.code))] },
      });
    }
  }
  return events;
};

const countMetrics = ({ rounds, reservations, lost, context }: ReportInput, execution: Execution): void => {
  const outcomes = execution.actions.flatMap((a) => a.resources);
  const moves = execution.actions.filter(
    (a) => a.kind === MOVE_SECONDARY_ACTION || a.kind === MOVE_ROUTES_ACTION,
  );
  const moved = execution.actions.filter((a) => a.kind === MOVE_SECONDARY_ACTION).flatMap((a) => a.resources);
  const refused = moves.flatMap((a) => a.resources).filter(isRefusal);
  const skips = summariesOf(rounds).flatMap((s) => s.skips);
  const unserved = skips.filter((s) => isAlarm(s) && !INVALID_ADDRESS_REASONS.has(s.reason));
  const metric = (name: string, value: number) => {
    if (value > 0) count(context.metrics, name, value);
  };
  metric(METRICS.moved, moved.filter((r) => r.status === "applied").length);
  metric(METRICS.noHealthyNode, summariesOf(rounds).filter((s) => s.decision === "no-healthy-node").length);
  metric(
    METRICS.unserved,
    new Set([...unserved.map((s) => s.resource), ...refused.map(addressOf), ...lost.map((e) => e.address)])
      .size,
  );
  metric(METRICS.elasticIpsLost, lost.length);
  metric(METRICS.refused, refused.length);
  metric(METRICS.foreign, skips.filter((s) => s.reason === "held-by-foreign-eni").length);
  metric(METRICS.invalid, skips.filter((s) => INVALID_ADDRESS_REASONS.has(s.reason)).length);
  const backstop = summariesOf(rounds).flatMap((s) => s.moves.filter((m) => BACKSTOP_REASONS.has(m.reason)));
  metric(METRICS.backstop, backstop.length);
  metric(METRICS.unlisted, new Set(rounds.flatMap((r) => r.unlisted.flatMap((u) => u.instanceIds))).size);
  metric(
    METRICS.notReserved,
    reservations.reduce((n, r) => n + r.notReserved.length, 0),
  );
  for (const outcome of outcomes.filter(
    (o) => o.status === "failed" || o.status === "denied" || o.status === "unverified",
  )) {
    context.logger.error("Address write failed", { ...outcome });
  }
  for (const skip of unserved) context.logger.error("Address left unserved", { ...skip });
  for (const r of reservations.filter((x) => x.notReserved.length > 0)) {
    context.logger.warn(
      "Addresses outside every explicit subnet CIDR reservation: AWS may hand them to a new ENI",
      { ...r },
    );
  }
};

/** Logs, metrics and action events of an invocation (apply mode publishes the events). */
export const report = async (input: ReportInput): Promise<void> => {
  const { rounds, context, region } = input;
  const execution: Execution = {
    mode: context.mode,
    decision: "",
    actions: rounds.flatMap((r) => r.execution.actions),
    skips: rounds.at(-1)?.execution.skips ?? [],
  };
  await reportWrites(input, execution);
  countMetrics(input, execution);
  if (context.mode !== "apply") return;
  await publishActionEvents(
    context.clients.eventBridge(region),
    context.config.actionEvents,
    alarmEvents(input),
    context,
  );
};
