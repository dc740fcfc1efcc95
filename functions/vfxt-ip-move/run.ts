import type { EC2Client } from "@aws-sdk/client-ec2";
import { requireRegion } from "../../shared/aws/region";
import { describeInstances, loadMetricAlarms } from "../../shared/observe/loaders";
import type { InstanceView } from "../../shared/observe/model";
import { executePlan } from "../../shared/pipeline/executor";
import { throwIfRetryable, throwIfUnverified } from "../../shared/pipeline/outcome";
import type { Execution, Plan } from "../../shared/pipeline/types";
import type { StageContext } from "../config";
import { createRouteExecutor, createSecondaryIpExecutor } from "./apply";
import { CAPABILITY, type VfxtClusterConfig, type VfxtIpMoveConfig } from "./config";
import { clusterAddresses, observeClusters } from "./observe";
import {
  eventIdsOf,
  instanceOfStatusAlarm,
  regionOf,
  screen,
  type TriggerDecision,
  type VfxtInput,
} from "./parse";
import {
  type ClusterDecision,
  type ClusterObservation,
  type ClusterPlan,
  planCluster,
  type VfxtParams,
} from "./plan";
import { type ClusterSummary, ignored, logPlan, report, summaryOf, type VfxtResult } from "./report";

/** observe → plan → execute → report, for the clusters an event concerns (all of them on a reconcile). */

const SEVERITY: ClusterDecision[] = ["nothing-to-do", "move", "partial", "no-healthy-node"];

type ResultOf = (decision: string, clusters?: ClusterSummary[], execution?: Execution) => VfxtResult;

export const runVfxtIpMove = async (input: VfxtInput, context: StageContext): Promise<VfxtResult> => {
  const policy = context.config.vfxtIpMove;
  const region = requireRegion(regionOf(input), CAPABILITY);
  const screened = screen(input, policy);
  const result: ResultOf = (decision, clusters = [], execution) => ({
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
  const [members, failingAlarms] = await Promise.all([
    describeInstances(ec2, [
      { Name: `tag:${policy.clusterTagKey}`, Values: policy.clusters.map((c) => c.name) },
    ]),
    loadMetricAlarms(context.clients.cloudWatch(region), {
      prefix: policy.statusAlarmPrefix,
      state: "ALARM",
    }),
  ]);
  const failing = new Set(
    failingAlarms
      .map((a) => instanceOfStatusAlarm(a.name, a.metricDimensions, policy.statusAlarmPrefix))
      .filter((id): id is string => id !== undefined),
  );
  const selected = selectClusters(input, policy, members, failing, screened);
  if (selected.length === 0) return ignored(result, screened.decisions, context);
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
  const plans = planClusters(observed, policy.maxAddressesPerInvocation, context);
  const execution = await execute(plans, ec2, context);
  await report(execution, plans, context, region, input);
  throwIfUnfinished(execution, policy.verifyTimeoutMs);
  return result(execution.decision, plans.map(summaryOf), execution);
};

/** The configured clusters the event concerns (every one on a reconcile); each trigger's decision recorded. */
const selectClusters = (
  input: VfxtInput,
  policy: VfxtIpMoveConfig,
  members: readonly InstanceView[],
  failing: ReadonlySet<string>,
  { instanceIds, decisions }: { instanceIds: readonly string[]; decisions: TriggerDecision[] },
): VfxtClusterConfig[] => {
  if (input.kind === "reconcile") return [...policy.clusters];
  const eventId = eventIdsOf(input);
  const names = new Set<string>();
  for (const id of instanceIds) {
    const member = members.find((m) => m.id === id);
    const name = member?.tags[policy.clusterTagKey];
    if (name === undefined) {
      decisions.push({
        eventId,
        resource: id,
        decision: "ignored-not-a-cluster-node",
        detail: `no ${policy.clusterTagKey} tag naming a configured cluster`,
      });
      continue;
    }
    names.add(name);
    decisions.push({
      eventId,
      resource: id,
      decision: "acting",
      detail: `node of cluster ${name}, now ${member?.state}${failing.has(id) ? ", status checks failing" : ""}`,
    });
  }
  return policy.clusters.filter((c) => names.has(c.name));
};

/** One plan per cluster; the per-invocation address budget is shared in configuration order. */
const planClusters = (
  observed: readonly ClusterObservation[],
  maxAddresses: number,
  context: StageContext,
): ClusterPlan[] => {
  let budget = maxAddresses;
  const plans: ClusterPlan[] = [];
  for (const observation of observed) {
    const plan = planCluster(observation, { maxAddresses: budget });
    budget -= plan.moves.filter((m) => m.reason !== "route-repair").length;
    plans.push(plan);
    logPlan(plan, context);
  }
  return plans;
};

const execute = (
  plans: readonly ClusterPlan[],
  ec2: EC2Client,
  context: StageContext,
): Promise<Execution> => {
  const combined: Plan<VfxtParams> = {
    decision: plans
      .map((p) => p.decision)
      .reduce((a, b) => (SEVERITY.indexOf(b) > SEVERITY.indexOf(a) ? b : a)),
    actions: plans.flatMap((p) => p.actions),
    skips: plans.flatMap((p) => p.skips),
  };
  const deps = {
    ec2,
    deadline: context.deadline,
    verifyTimeoutMs: context.config.vfxtIpMove.verifyTimeoutMs,
  };
  return executePlan(combined, context.mode, [createSecondaryIpExecutor(deps), createRouteExecutor(deps)]);
};

/** Retryable: the retry re-reads the account; addresses that arrived meanwhile are not moved again. */
const throwIfUnfinished = (execution: Execution, verifyTimeoutMs: number): void => {
  const outcomes = execution.actions.flatMap((a) => a.resources);
  throwIfUnverified(outcomes, {
    summary: "address move(s) not seen in time",
    expected: "each address on its new ENI only, each /32 route active to its new ENI",
    waitedMs: verifyTimeoutMs,
  });
  throwIfRetryable(outcomes, { service: "ec2", writes: "route write(s)" });
};
