import { requireRegion } from "../../../shared/aws/region";
import { loadInstances } from "../../../shared/observe/loaders";
import { executePlan } from "../../../shared/pipeline/executor";
import { throwIfRetryable, throwIfUnverified } from "../../../shared/pipeline/outcome";
import type { Execution, ResourceOutcome } from "../../../shared/pipeline/types";
import type { StageContext } from "../../config";
import { CAPABILITY } from "../config";
import { isOptedIn } from "../eligibility";
import { createStartExecutor } from "./apply/start";
import { createStopExecutor } from "./apply/stop";
import {
  observeHibernated,
  observeHibernation,
  observeIdleAlarmsByInstance,
  observeRecentRequests,
} from "./observe";
import { planOnOwnedAlarms } from "./owned";
import type { HibernateInput } from "./parse";
import { planHibernationAge } from "./plan/age";
import { type HibernationProof, proofOf, stopWasRequested } from "./plan/proof";
import {
  countAlarmDecisions,
  emptyResult,
  type HibernateResult,
  hibernateResult,
  reportActions,
  reportFindings,
  reportProofs,
  whereOf,
} from "./report";

const clientsFor = (input: HibernateInput, context: StageContext) => {
  const region = requireRegion(whereOf(input, context).region, CAPABILITY);
  return { ec2: context.clients.ec2(region), cloudWatch: context.clients.cloudWatch(region) };
};

/** Retryable: the retry re-reads the instances and converges (stopping instances are skipped). */
const throwIfNotSeen = (execution: Execution, what: string, waitedMs: number) =>
  throwIfUnverified(
    execution.actions.flatMap((a): ResourceOutcome[] => a.resources),
    { summary: `instance(s) did not show ${what} in time`, expected: what, waitedMs },
  );

/** Alarm events and the 15-minute reconcile: observe → plan → stop → prove → report. */
const runIdleAlarms = async (
  input: Extract<HibernateInput, { kind: "alarms" | "reconcile" }>,
  context: StageContext,
): Promise<HibernateResult> => {
  const policy = context.config.idleHibernate;
  const clients = clientsFor(input, context);
  const observed = await observeHibernation(
    input.kind === "alarms" ? input : { kind: "reconcile", eventId: input.tick.eventId },
    clients,
    policy,
  );
  if (observed.alarms.length === 0 && observed.paused.length === 0)
    return emptyResult(observed.decisions, context);
  const { plan, observed: owned } = await planOnOwnedAlarms(observed, clients.cloudWatch, policy, {
    recentRequests: await observeRecentRequests(clients.ec2, policy, context.clock.now()),
    now: context.clock.now(),
  });
  countAlarmDecisions(owned.decisions, context);
  context.logger.info("Plan", { decision: plan.decision, actions: plan.actions, skips: plan.skips });
  const proofs = new Map<string, HibernationProof>();
  const deps = {
    ec2: clients.ec2,
    clock: context.clock,
    deadline: context.deadline,
    verifyTimeoutMs: policy.verifyTimeoutMs,
    proofs,
  };
  const execution = await executePlan(plan, context.mode, [createStopExecutor(deps)]);
  const where = whereOf(input, context);
  await reportActions(execution, context, where, proofs);
  await reportProofs([...proofs.values()], context, where);
  throwIfNotSeen(execution, "stopping or stopped", policy.verifyTimeoutMs);
  throwIfRetryable(
    execution.actions.flatMap((a) => a.resources),
    { service: "ec2", writes: "hibernation(s)" },
  );
  return hibernateResult(context, plan.decision, {
    alarms: owned.decisions,
    execution,
    hibernation: [...proofs.values()],
  });
};

/** The daily watch: instances hibernated too long are reported, and started under policy `start`. */
const runHibernationAge = async (input: HibernateInput, context: StageContext): Promise<HibernateResult> => {
  const policy = context.config.idleHibernate;
  const { ec2 } = clientsFor(input, context);
  const hibernated = await observeHibernated(ec2);
  // Under the start policy, an instance is started only if an idle alarm with its actions enabled would
  // hibernate it again (a paused one would run 24/7).
  const alarms =
    policy.hibernationAge.action === "start" && hibernated.length > 0
      ? await observeIdleAlarmsByInstance(clientsFor(input, context).cloudWatch, policy)
      : new Map();
  const plan = planHibernationAge(hibernated, alarms, policy, new Date(context.clock.now()));
  context.logger.info("Plan", { decision: plan.decision, actions: plan.actions, skips: plan.skips });
  const deps = { ec2, deadline: context.deadline, verifyTimeoutMs: policy.verifyTimeoutMs };
  const execution = await executePlan(plan, context.mode, [createStartExecutor(deps)]);
  const where = whereOf(input, context);
  await reportActions(execution, context, where, new Map());
  await reportFindings(plan.findings, context, where);
  throwIfNotSeen(execution, "pending or running", policy.verifyTimeoutMs);
  return hibernateResult(context, plan.decision, { execution, findings: plan.findings });
};

/**
 * An instance reached stopped: what the API proves of a hibernation the toolkit requested. Deployed, the
 * stopped rule feeds idle-alarms (not this single writer); this handler judges one when invoked directly.
 */
export const runStopped = async (
  input: Extract<HibernateInput, { kind: "stopped" }>,
  context: StageContext,
): Promise<HibernateResult> => {
  const policy = context.config.idleHibernate;
  const [instance] = await loadInstances(clientsFor(input, context).ec2, [input.change.instanceId]);
  const ignored =
    instance === undefined
      ? "ignored-instance-not-found"
      : !isOptedIn(instance, policy)
        ? "ignored-not-opted-in"
        : !instance.hibernationConfigured
          ? "ignored-not-configured"
          : instance.state !== "stopped"
            ? `ignored-now-${instance.state}`
            : !stopWasRequested(instance)
              ? "ignored-not-requested"
              : undefined;
  if (ignored !== undefined || instance === undefined) {
    context.logger.info("Stopped instance not judged", {
      instanceId: input.change.instanceId,
      decision: ignored,
    });
    return hibernateResult(context, ignored ?? "ignored-instance-not-found", {});
  }
  const proof = proofOf(instance);
  // The read-back already counted the initiation: the stopped event adds only a normal shutdown.
  await reportProofs([proof], context, whereOf(input, context), { countInitiated: false });
  return hibernateResult(context, proof.verdict, { hibernation: [proof] });
};

/** Routes the input to its run. */
export const runHibernate = (input: HibernateInput, context: StageContext): Promise<HibernateResult> => {
  if (input.kind === "hibernation-age") return runHibernationAge(input, context);
  if (input.kind === "stopped") return runStopped(input, context);
  return runIdleAlarms(input, context);
};
