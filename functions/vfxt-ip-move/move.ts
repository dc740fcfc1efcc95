import type { EC2Client } from "@aws-sdk/client-ec2";
import { ec2Arn, invocationAccount } from "../../shared/aws/arn";
import { requireRegion } from "../../shared/aws/region";
import type { AlarmChange, Ec2StateChange, ScheduleTick } from "../../shared/events";
import {
  loadAddressLimits,
  loadInterfacesHoldingAddresses,
  loadInterfacesOfInstances,
  loadSubnets,
} from "../../shared/observe/interfaces";
import { describeInstances, describeRoutes, loadMetricAlarms } from "../../shared/observe/loaders";
import type { InstanceView, RouteView } from "../../shared/observe/model";
import { publishActionEvents } from "../../shared/pipeline/action-events";
import { executePlan } from "../../shared/pipeline/executor";
import { throwIfRetryable, throwIfUnverified } from "../../shared/pipeline/outcome";
import { reportExecution } from "../../shared/pipeline/report";
import type { ActionOutcome, Execution, Plan, ResourceOutcome, Skip } from "../../shared/pipeline/types";
import { ConfigurationError } from "../../shared/runtime/errors";
import type { OpsResult } from "../../shared/runtime/handler";
import { count, Metric } from "../../shared/runtime/observability";
import type { StageContext } from "../config";
import { expandAddresses } from "./addresses";
import type { VfxtClusterConfig, VfxtIpMoveConfig } from "./config";
import { createRouteExecutor, createSecondaryIpExecutor } from "./executors";
import {
  type ClusterDecision,
  type ClusterObservation,
  type ClusterPlan,
  MOVE_SECONDARY_ACTION,
  type Move,
  type NodeState,
  planCluster,
  type RouteState,
  type VfxtParams,
} from "./plan";

export const CAPABILITY = "vfxt-ip-move";

/** Metric of this capability: a cluster with addresses to serve and no healthy node to serve them. */
export const NO_HEALTHY_NODE_METRIC = "NoHealthyNode";
export const ADDRESSES_MOVED_METRIC = "AddressesMoved";

export type VfxtInput =
  | { kind: "instance"; change: Ec2StateChange }
  | { kind: "alarms"; changes: AlarmChange[] }
  | { kind: "reconcile"; tick: ScheduleTick };

/** EC2 states that make a node unhealthy (move its addresses away) or bring it back (`running`). */
export const NODE_STATES = ["stopping", "stopped", "shutting-down", "terminated", "running"] as const;

export interface TriggerDecision {
  eventId: string;
  resource: string;
  decision: string;
  detail: string;
}

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
}

const SEVERITY: ClusterDecision[] = ["nothing-to-do", "move", "partial", "no-healthy-node"];

const eventIdsOf = (input: VfxtInput): string =>
  input.kind === "instance"
    ? input.change.eventId
    : input.kind === "alarms"
      ? input.changes.map((c) => c.eventId).join(",")
      : input.tick.eventId;

const regionOf = (input: VfxtInput): string =>
  input.kind === "instance"
    ? input.change.region
    : input.kind === "alarms"
      ? (input.changes[0]?.region ?? "")
      : input.tick.region;

const accountOf = (input: VfxtInput): string | undefined =>
  input.kind === "instance"
    ? input.change.accountId
    : input.kind === "alarms"
      ? input.changes[0]?.accountId
      : input.tick.accountId;

/** The instance a status-check alarm watches: its InstanceId dimension, else the name after the prefix. */
export const instanceOfStatusAlarm = (
  name: string,
  dimensions: ReadonlyArray<Record<string, string>>,
  prefix: string,
): string | undefined => {
  const fromDimension = dimensions.map((d) => d.InstanceId).find((id) => id !== undefined);
  if (fromDimension !== undefined) return fromDimension;
  const suffix = name.slice(prefix.length);
  return /^i-[0-9a-f]{8,17}$/.test(suffix) ? suffix : undefined;
};

/** Which instances the event concerns (no AWS call); ignored events are recorded with their reason. */
const screen = (input: VfxtInput, policy: VfxtIpMoveConfig) => {
  const decisions: TriggerDecision[] = [];
  const instanceIds: string[] = [];
  if (input.kind === "instance") {
    const { change } = input;
    if (!(NODE_STATES as readonly string[]).includes(change.state)) {
      decisions.push({
        eventId: change.eventId,
        resource: change.instanceId,
        decision: "ignored-state",
        detail: `state ${change.state} neither removes nor returns a node`,
      });
    } else {
      instanceIds.push(change.instanceId);
    }
  } else if (input.kind === "alarms") {
    for (const change of input.changes) {
      const base = { eventId: change.eventId, resource: change.alarmName };
      if (!change.alarmName.startsWith(policy.statusAlarmPrefix)) {
        decisions.push({
          ...base,
          decision: "ignored-foreign-alarm",
          detail: `alarm name does not start with "${policy.statusAlarmPrefix}"`,
        });
        continue;
      }
      const id = instanceOfStatusAlarm(
        change.alarmName,
        change.metrics.map((m) => m.dimensions),
        policy.statusAlarmPrefix,
      );
      if (id === undefined) {
        decisions.push({
          ...base,
          decision: "ignored-no-instance",
          detail: "the alarm names no instance (no InstanceId dimension, no instance id after the prefix)",
        });
        continue;
      }
      instanceIds.push(id);
    }
  }
  return { decisions, instanceIds };
};

const clusterAddresses = (cluster: VfxtClusterConfig): string[] => {
  try {
    return expandAddresses(cluster.addresses);
  } catch (error) {
    throw new ConfigurationError(`vfxtIpMove cluster ${cluster.name}: invalid address`, {
      source: `vfxtIpMove.clusters.${cluster.name}.addresses`,
      issues: [String(error instanceof Error ? error.message : error)],
    });
  }
};

const routeStateOf = (route: RouteView): RouteState => {
  const target =
    route.targets.find((t) => t.kind === "network-interface") ??
    route.targets.find((t) => t.kind === "instance") ??
    route.targets[0];
  return {
    routeTableId: route.routeTableId,
    destination: route.destination,
    target: target?.id,
    origin: route.origin,
    state: route.state,
  };
};

/** Fresh reads of everything the plan needs for these clusters. */
export const observeClusters = async (
  ec2: EC2Client,
  failingInstances: ReadonlySet<string>,
  clusters: ReadonlyArray<{ config: VfxtClusterConfig; addresses: string[]; nodes: InstanceView[] }>,
  tagKey: string,
): Promise<ClusterObservation[]> => {
  const nodes = clusters.flatMap((c) => c.nodes);
  const [nodeEnis, holders, limits] = await Promise.all([
    loadInterfacesOfInstances(
      ec2,
      nodes.filter((n) => n.state !== "terminated").map((n) => n.id),
    ),
    loadInterfacesHoldingAddresses(
      ec2,
      clusters.flatMap((c) => c.addresses),
    ),
    loadAddressLimits(
      ec2,
      nodes.map((n) => n.instanceType),
    ),
  ]);
  const tables = [...new Set(clusters.flatMap((c) => c.config.routeTableIds))];
  const [subnets, routes] = await Promise.all([
    loadSubnets(
      ec2,
      nodeEnis.map((e) => e.subnetId),
    ),
    tables.length > 0
      ? describeRoutes(ec2, [{ Name: "route-table-id", Values: tables }])
      : Promise.resolve([]),
  ]);
  const cidrOf = new Map(subnets.map((s) => [s.id, s.cidrBlock]));
  return clusters.map(({ config, addresses, nodes: members }) => {
    const memberIds = new Set(members.map((m) => m.id));
    const clusterEniHolders: Record<string, string> = {};
    const foreignHolders: Record<string, string> = {};
    const wanted = new Set(addresses);
    for (const eni of holders) {
      if (eni.attachment !== undefined && memberIds.has(eni.attachment.instanceId)) continue;
      const ours = eni.attachment === undefined && eni.tags[tagKey] === config.name;
      for (const ip of [eni.primaryPrivateIp, ...eni.secondaryPrivateIps]) {
        if (!wanted.has(ip)) continue;
        if (ours && ip !== eni.primaryPrivateIp) clusterEniHolders[ip] = eni.id;
        else foreignHolders[ip] = eni.id;
      }
    }
    const nodeStates: NodeState[] = members.map((m) => ({
      instanceId: m.id,
      state: m.state,
      statusCheckFailing: failingInstances.has(m.id),
      addressLimit: limits[m.instanceType],
      enis: nodeEnis
        .filter((e) => e.attachment?.instanceId === m.id)
        .map((e) => ({
          id: e.id,
          subnetId: e.subnetId,
          subnetCidr: cidrOf.get(e.subnetId),
          deviceIndex: e.attachment?.deviceIndex ?? 0,
          primaryIp: e.primaryPrivateIp,
          secondaryIps: e.secondaryPrivateIps,
          sourceDestCheck: e.sourceDestCheck,
        })),
    }));
    const clusterTables = new Set(config.routeTableIds);
    return {
      name: config.name,
      addresses,
      routeTableIds: config.routeTableIds,
      rebalance: config.rebalance,
      nodes: nodeStates,
      clusterEniHolders,
      foreignHolders,
      routes: routes.filter((r) => clusterTables.has(r.routeTableId)).map(routeStateOf),
    };
  });
};

export const runVfxtIpMove = async (input: VfxtInput, context: StageContext): Promise<VfxtResult> => {
  const policy = context.config.vfxtIpMove;
  const region = requireRegion(regionOf(input), CAPABILITY);
  const screened = screen(input, policy);
  const result = (decision: string, clusters: ClusterSummary[] = [], execution?: Execution): VfxtResult => ({
    capability: CAPABILITY,
    decision,
    mode: context.mode,
    triggers: screened.decisions,
    clusters,
    actions: execution?.actions ?? [],
    skips: execution?.skips ?? [],
  });
  if (policy.clusters.length === 0) {
    context.logger.warn("No vFXT cluster is configured (vfxtIpMove.clusters is empty)");
    return result("no-clusters-configured");
  }
  if (input.kind !== "reconcile" && screened.instanceIds.length === 0) {
    return ignored(result, screened.decisions, context);
  }

  const ec2 = context.clients.ec2(region);
  const cloudWatch = context.clients.cloudWatch(region);
  const [members, failingAlarms] = await Promise.all([
    describeInstances(ec2, [
      { Name: `tag:${policy.clusterTagKey}`, Values: policy.clusters.map((c) => c.name) },
    ]),
    loadMetricAlarms(cloudWatch, { prefix: policy.statusAlarmPrefix, state: "ALARM" }),
  ]);
  const failing = new Set(
    failingAlarms
      .map((a) => instanceOfStatusAlarm(a.name, a.metricDimensions, policy.statusAlarmPrefix))
      .filter((id): id is string => id !== undefined),
  );

  let selected: VfxtClusterConfig[];
  if (input.kind === "reconcile") {
    selected = [...policy.clusters];
  } else {
    const eventId = eventIdsOf(input);
    const names = new Set<string>();
    for (const id of screened.instanceIds) {
      const member = members.find((m) => m.id === id);
      const name = member?.tags[policy.clusterTagKey];
      if (name === undefined) {
        screened.decisions.push({
          eventId,
          resource: id,
          decision: "ignored-not-a-cluster-node",
          detail: `no ${policy.clusterTagKey} tag naming a configured cluster`,
        });
        continue;
      }
      names.add(name);
      screened.decisions.push({
        eventId,
        resource: id,
        decision: "acting",
        detail: `node of cluster ${name}, now ${member?.state}${failing.has(id) ? ", status checks failing" : ""}`,
      });
    }
    selected = policy.clusters.filter((c) => names.has(c.name));
    if (selected.length === 0) return ignored(result, screened.decisions, context);
  }

  const observed = await observeClusters(
    ec2,
    failing,
    selected.map((config) => ({
      config,
      addresses: clusterAddresses(config),
      nodes: members.filter((m) => m.tags[policy.clusterTagKey] === config.name),
    })),
    policy.clusterTagKey,
  );

  let budget = policy.maxAddressesPerInvocation;
  const plans: ClusterPlan[] = [];
  for (const observation of observed) {
    const plan = planCluster(observation, { maxAddresses: budget });
    budget -= plan.moves.filter((m) => m.reason !== "route-repair").length;
    plans.push(plan);
    context.logger.info("Plan", {
      cluster: plan.cluster,
      decision: plan.decision,
      healthy: plan.healthy,
      moves: plan.moves,
      skips: plan.skips,
      loads: plan.loads,
    });
  }
  const combined: Plan<VfxtParams> = {
    decision: plans
      .map((p) => p.decision)
      .reduce((a, b) => (SEVERITY.indexOf(b) > SEVERITY.indexOf(a) ? b : a)),
    actions: plans.flatMap((p) => p.actions),
    skips: plans.flatMap((p) => p.skips),
  };
  const deps = { ec2, deadline: context.deadline, verifyTimeoutMs: policy.verifyTimeoutMs };
  const execution = await executePlan(combined, context.mode, [
    createSecondaryIpExecutor(deps),
    createRouteExecutor(deps),
  ]);
  const summaries = plans.map((p) => ({
    name: p.cluster,
    decision: p.decision,
    healthy: p.healthy,
    moves: p.moves,
    skips: p.skips,
    loads: p.loads,
  }));
  await report(execution, plans, context, region, input);

  const outcomes = execution.actions.flatMap((a) => a.resources);
  // Retryable: the retry re-reads the account; addresses that arrived meanwhile are not moved again.
  throwIfUnverified(outcomes, {
    summary: "address move(s) not seen in time",
    expected: "each address on its new ENI only, each /32 route active to its new ENI",
    waitedMs: policy.verifyTimeoutMs,
  });
  throwIfRetryable(outcomes, { service: "ec2", writes: "route write(s)" });
  return result(combined.decision, summaries, execution);
};

const ignored = (
  result: (decision: string) => VfxtResult,
  decisions: TriggerDecision[],
  context: StageContext,
): VfxtResult => {
  for (const decision of decisions) context.logger.info("Event ignored", { ...decision });
  count(context.metrics, Metric.IgnoredEvents, Math.max(1, decisions.length));
  const only = decisions.length === 1 ? decisions[0]?.decision : undefined;
  return result(only ?? "nothing-to-do");
};

const report = async (
  execution: Execution,
  plans: ClusterPlan[],
  context: StageContext,
  region: string,
  input: VfxtInput,
) => {
  const accountId = invocationAccount(context.lambda, accountOf(input));
  const triggerEventId = eventIdsOf(input);
  const planOf = (actionId: string) => plans.find((p) => p.actions.some((a) => a.id === actionId));
  /** The address of an outcome: the address itself, or `rtb-…:<address>/32`. */
  const addressOf = (action: ActionOutcome, resource: ResourceOutcome) =>
    action.kind === MOVE_SECONDARY_ACTION
      ? resource.resource
      : (resource.resource.split(":")[1] ?? "").replace(/\/32$/, "");
  const moveOf = (action: ActionOutcome, resource: ResourceOutcome) =>
    planOf(action.actionId)?.moves.find((m) => m.address === addressOf(action, resource));
  await reportExecution(execution, context, {
    region,
    triggerEventId,
    actionName: (action) => (action.kind === MOVE_SECONDARY_ACTION ? "move-secondary-ip" : "move-route"),
    resourceName: (resource) => {
      const action = execution.actions.find((a) => a.resources.includes(resource));
      if (action === undefined || action.kind === MOVE_SECONDARY_ACTION) {
        const move = action === undefined ? undefined : moveOf(action, resource);
        return ec2Arn(region, accountId, "network-interface", move?.toEni ?? "");
      }
      return ec2Arn(region, accountId, "route-table", resource.resource.split(":")[0] ?? "");
    },
    details: (action, resource) => {
      const move = moveOf(action, resource);
      return {
        cluster: planOf(action.actionId)?.cluster,
        address: addressOf(action, resource),
        from: move?.from,
        to: move?.to,
        toNetworkInterface: move?.toEni,
        reason: move?.reason,
      };
    },
  });
  const moved = execution.actions
    .filter((a) => a.kind === MOVE_SECONDARY_ACTION)
    .flatMap((a) => a.resources)
    .filter((r) => r.status === "applied").length;
  if (moved > 0) count(context.metrics, ADDRESSES_MOVED_METRIC, moved);
  for (const outcome of execution.actions.flatMap((a) => a.resources)) {
    if (outcome.status === "failed" || outcome.status === "denied" || outcome.status === "unverified") {
      context.logger.error("Address move failed", { ...outcome });
    }
  }
  const stranded = plans.filter((p) => p.decision === "no-healthy-node");
  for (const plan of stranded) {
    count(context.metrics, NO_HEALTHY_NODE_METRIC, 1);
    context.logger.error("No healthy node: client addresses left where they are", {
      cluster: plan.cluster,
      addresses: plan.skips.filter((s) => s.reason === "no-healthy-node").map((s) => s.resource),
    });
  }
  if (context.mode !== "apply" || stranded.length === 0) return;
  await publishActionEvents(
    context.clients.eventBridge(region),
    context.config.actionEvents,
    stranded.map((plan) => ({
      capability: CAPABILITY,
      action: "no-healthy-node",
      status: "alarm",
      resources: plan.skips.filter((s) => s.reason === "no-healthy-node").map((s) => s.resource),
      description: `vFXT cluster ${plan.cluster} has no healthy node: ${plan.skips.length} address(es) left unserved`,
      mode: context.mode,
      triggerEventId,
      region,
      details: { cluster: plan.cluster },
    })),
    context,
  );
};
