import type { EC2Client } from "@aws-sdk/client-ec2";
import { requireRegion } from "../../shared/aws/region";
import { describeInstances } from "../../shared/observe/loaders";
import type { InstanceView } from "../../shared/observe/model";
import { executePlan } from "../../shared/pipeline/executor";
import { throwIfRetryable, throwIfUnverified } from "../../shared/pipeline/outcome";
import type { Execution, Plan } from "../../shared/pipeline/types";
import type { StageContext } from "../config";
import { createExecutors } from "./apply";
import { CAPABILITY, effectiveGraceMs, type VfxtClusterConfig, type VfxtIpMoveConfig } from "./config";
import { lostElasticIps, type WatchedElasticIp, watchedIn } from "./elastic-ips";
import { observeCluster, type VpcShape } from "./observe";
import { eventIdsOf, regionOf, type Screened, screen, triggerTimeOf, type VfxtInput } from "./parse";
import { type ClusterPlan, mostSevere, planCluster, type VfxtParams } from "./plan";
import { ignored, logPlan, type Round, report, summariesOf, type VfxtResult } from "./report";
import { checkReservations } from "./reservations";

/**
 * observe → plan → execute → report for the clusters an event concerns (every cluster on a reconcile).
 * Addresses still inside their cluster's grace are waited for within the invocation (when its deadline
 * allows), then everything is read again: what the cluster moved itself meanwhile is left alone.
 */

/** Rounds of observe → plan → execute: the first, and at most two after waiting for a grace to pass. */
const MAX_ROUNDS = 3;
/** Time kept after a wait for the reads, the writes and the read-back. */
const WAIT_RESERVE_MS = 10_000;

/** The nodes of every configured cluster, by tag: the one read an unrelated event costs. */
const loadMembers = (ec2: EC2Client, policy: VfxtIpMoveConfig) =>
  describeInstances(ec2, [
    { Name: `tag:${policy.clusterTagKey}`, Values: policy.clusters.map((c) => c.name) },
  ]);

/**
 * The cluster's nodes: tagged with its name and, when it lists `instanceIds`, listed (a tag grants nothing
 * alone, safety rule 9). A tagged instance the list does not name is no node: its addresses are foreign.
 */
const nodesOf = (config: VfxtClusterConfig, tagKey: string, members: readonly InstanceView[]) => {
  const tagged = members.filter((m) => m.tags[tagKey] === config.name);
  if (config.instanceIds.length === 0) return { nodes: tagged, unlisted: [] };
  const listed = new Set(config.instanceIds);
  return {
    nodes: tagged.filter((m) => listed.has(m.id)),
    unlisted: tagged.filter((m) => !listed.has(m.id)).map((m) => m.id),
  };
};

/** The configured clusters the event concerns (every one on a reconcile); each trigger's decision recorded. */
const selectClusters = (
  input: VfxtInput,
  policy: VfxtIpMoveConfig,
  members: readonly InstanceView[],
  { instanceIds, decisions }: Screened,
): VfxtClusterConfig[] => {
  if (input.kind === "reconcile") return [...policy.clusters];
  const eventId = eventIdsOf(input);
  const names = new Set<string>();
  for (const id of instanceIds) {
    const member = members.find((m) => m.id === id);
    const name = member?.tags[policy.clusterTagKey];
    const config = policy.clusters.find((c) => c.name === name);
    const listed =
      config === undefined || member === undefined
        ? []
        : nodesOf(config, policy.clusterTagKey, [member]).nodes;
    if (member === undefined || name === undefined || listed.length === 0) {
      const detail = `no ${policy.clusterTagKey} tag naming a configured cluster that lists it`;
      decisions.push({ eventId, resource: id, decision: "ignored-not-a-cluster-node", detail });
      continue;
    }
    names.add(name);
    decisions.push({
      eventId,
      resource: id,
      decision: "acting",
      detail: `node of cluster ${name}, now ${member.state}`,
    });
  }
  return policy.clusters.filter((c) => names.has(c.name));
};

interface Invocation {
  input: VfxtInput;
  context: StageContext;
  ec2: EC2Client;
  clusters: VfxtClusterConfig[];
}

/** One round: fresh reads of every selected cluster, one plan each (sharing the address budget), executed. */
const runRound = async (
  inv: Invocation,
  members: readonly InstanceView[],
  budget: number,
): Promise<Round> => {
  const { context, ec2 } = inv;
  const policy = context.config.vfxtIpMove;
  const cleanup = inv.input.kind === "reconcile";
  const now = context.clock.now();
  const plans: ClusterPlan[] = [];
  const unlisted: Round["unlisted"] = [];
  const watched: WatchedElasticIp[] = [];
  let left = budget;
  const vpcReads = new Map<string, Promise<VpcShape>>();
  for (const config of inv.clusters) {
    const { nodes, unlisted: strangers } = nodesOf(config, policy.clusterTagKey, members);
    if (strangers.length > 0) unlisted.push({ cluster: config.name, instanceIds: strangers });
    const observation = await observeCluster(ec2, config, nodes, {
      tagKey: policy.clusterTagKey,
      cleanup,
      vpcReads,
    });
    const plan = planCluster(observation, {
      mode: config.mode,
      graceMs: effectiveGraceMs(config),
      bootGraceMs: config.bootGraceSeconds * 1000,
      rebalance: config.rebalance,
      homeNodes: config.homeNodes,
      maxAddresses: left,
      cleanup,
      now,
      triggerAt: Math.min(now, triggerTimeOf(inv.input)),
    });
    left -= plan.moves.filter((m) => m.reason !== "route-repair").length;
    logPlan(plan, context);
    plans.push(plan);
    watched.push(...watchedIn(plan, observation));
  }
  const combined: Plan<VfxtParams> = {
    decision: mostSevere(plans.map((p) => p.decision)),
    actions: plans.flatMap((p) => p.actions),
    skips: plans.flatMap((p) => p.skips),
  };
  const deps = { ec2, deadline: context.deadline, verifyTimeoutMs: policy.verifyTimeoutMs };
  const execution = await executePlan(combined, context.mode, createExecutors(deps));
  return { plans, execution, unlisted, watched };
};

/** The earliest end of a grace the invocation can wait for (reads and writes after it included). */
const waitTarget = (round: Round, context: StageContext): number | undefined => {
  const ends = round.plans.flatMap((p) => (p.waitUntil === undefined ? [] : [p.waitUntil]));
  if (ends.length === 0) return undefined;
  const at = Math.min(...ends);
  const reserve = context.config.vfxtIpMove.verifyTimeoutMs + WAIT_RESERVE_MS;
  return at + reserve <= context.deadline.at ? at : undefined;
};

/** Rounds until nothing waits for a grace, the deadline does not allow another wait, or MAX_ROUNDS. */
const converge = async (
  inv: Invocation,
  firstMembers: readonly InstanceView[],
): Promise<{ rounds: Round[]; waitedMs: number; watched: WatchedElasticIp[] }> => {
  const rounds: Round[] = [];
  let waitedMs = 0;
  const watched: WatchedElasticIp[] = [];
  let members = firstMembers;
  let budget = inv.context.config.vfxtIpMove.maxAddressesPerInvocation;
  let current = inv;
  for (let i = 0; i < MAX_ROUNDS; i += 1) {
    if (i > 0) {
      members = await loadMembers(inv.ec2, inv.context.config.vfxtIpMove);
      // One writer (reserved concurrency 1): other clusters' events are throttled while it waits, so
      // every round after a wait covers every configured cluster.
      current = { ...inv, clusters: [...inv.context.config.vfxtIpMove.clusters] };
    }
    const round = await runRound(current, members, budget);
    rounds.push(round);
    for (const eip of round.watched)
      if (!watched.some((w) => w.allocationId === eip.allocationId)) watched.push(eip);
    budget -= round.plans.flatMap((p) => p.moves).filter((m) => m.reason !== "route-repair").length;
    const until = waitTarget(round, inv.context);
    if (until === undefined || i === MAX_ROUNDS - 1) break;
    const pause = Math.max(0, until - inv.context.clock.now());
    inv.context.logger.info("Waiting for the cluster's grace to pass", {
      until: new Date(until).toISOString(),
      pauseMs: pause,
    });
    await inv.context.clock.sleep(pause);
    waitedMs += pause;
  }
  return { rounds, waitedMs, watched };
};

/** Retryable: the retry re-reads the account; addresses that arrived meanwhile are not moved again. */
const throwIfUnfinished = (rounds: readonly Round[], verifyTimeoutMs: number): void => {
  const outcomes = rounds.flatMap((r) => r.execution.actions.flatMap((a) => a.resources));
  throwIfUnverified(outcomes, {
    summary: "address move(s) not seen in time",
    expected: "each address on its new ENI only, each /32 route active to its new ENI",
    waitedMs: verifyTimeoutMs,
  });
  throwIfRetryable(outcomes, { service: "ec2", writes: "address or route write(s)" });
};

export const runVfxtIpMove = async (input: VfxtInput, context: StageContext): Promise<VfxtResult> => {
  const policy = context.config.vfxtIpMove;
  const region = requireRegion(regionOf(input), CAPABILITY);
  const screened = screen(input, policy);
  const base = { capability: CAPABILITY, mode: context.mode, triggers: screened.decisions };
  const empty: VfxtResult = {
    ...base,
    decision: "nothing-to-do",
    clusters: [],
    actions: [],
    skips: [],
    waitedMs: 0,
  };
  if (policy.clusters.length === 0) {
    context.logger.warn("No vFXT cluster is configured (vfxtIpMove.clusters is empty)");
    return { ...empty, decision: "no-clusters-configured" };
  }
  if (input.kind !== "reconcile" && screened.instanceIds.length === 0) return ignored(empty, context);
  const ec2 = context.clients.ec2(region);
  const members = await loadMembers(ec2, policy);
  const clusters = selectClusters(input, policy, members, screened);
  if (clusters.length === 0) return ignored(empty, context);
  const { rounds, waitedMs, watched } = await converge({ input, context, ec2, clusters }, members);
  const lost = await lostElasticIps(ec2, watched);
  const reservations =
    input.kind === "reconcile" ? await checkReservations(ec2, clusters, rounds.at(-1)?.plans ?? []) : [];
  await report({ rounds, reservations, lost, context, region, input });
  throwIfUnfinished(rounds, policy.verifyTimeoutMs);
  const summaries = summariesOf(rounds);
  const execution: Execution = {
    mode: context.mode,
    decision: "",
    actions: rounds.flatMap((r) => r.execution.actions),
    skips: rounds.at(-1)?.execution.skips ?? [],
  };
  return {
    ...base,
    decision: mostSevere(summaries.map((s) => s.decision)),
    clusters: summaries,
    actions: execution.actions,
    skips: execution.skips,
    reservations,
    waitedMs,
  };
};
