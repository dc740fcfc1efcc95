import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { EC2Client } from "@aws-sdk/client-ec2";
import { awsErrorCode } from "../../../shared/aws/errors";
import { loadAvailableCapacity } from "../../../shared/observe/attachments";
import { executePlan } from "../../../shared/pipeline/executor";
import { throwIfRetryable, throwIfUnverified } from "../../../shared/pipeline/outcome";
import type { ActionOutcome, Execution } from "../../../shared/pipeline/types";
import type { StageContext } from "../../config";
import type { EniReattachConfig, EniReattachGroupConfig } from "../config";
import { createExecutors, type Heartbeat } from "./apply";
import { checkLocalGatewayRoutes, type LocalGatewayRouteCheck } from "./lgw";
import { ACTION_KINDS, type GroupWorld, type HandOver, resolveEniSet } from "./plan";

/** One invocation's clients and policy. */
export interface Session {
  region: string;
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
  context: StageContext;
  policy: EniReattachConfig;
  apply: boolean;
}

export interface HandOverRun {
  execution: Execution;
  /** Advisory checks that could not be made (never a verdict: DESIGN safety rule 7). */
  issues: string[];
  localGatewayRoutes: LocalGatewayRouteCheck[];
  heartbeats: number;
}

/**
 * The local gateway routes towards the ENIs, after they are attached and before CONTINUE. Advisory: a
 * check that fails (AccessDenied on a route table shared by another account…) is reported, and the
 * lifecycle action is still completed.
 */
const advisoryRouteCheck = async (
  session: Session,
  handOver: HandOver,
  world: GroupWorld,
  group: EniReattachGroupConfig,
): Promise<{ checks: LocalGatewayRouteCheck[]; issues: string[] }> => {
  const target = handOver.target === undefined ? undefined : world.instances.get(handOver.target);
  if (target === undefined) return { checks: [], issues: [] };
  // Past the deadline the completion is left for the retry, which checks the routes again.
  if (!session.context.deadline.hasTimeForAttempt())
    return { checks: [], issues: ["local gateway route check not made (advisory): deadline reached"] };
  try {
    const checks = await checkLocalGatewayRoutes(session.ec2, {
      outpostArn: target.outpostArn,
      slots: resolveEniSet(world.enis, group, session.policy.tagKey).slots,
      group,
      apply: session.apply,
      logger: session.context.logger,
    });
    return { checks, issues: [] };
  } catch (error) {
    session.context.logger.warn("Local gateway route check failed (advisory)", { error });
    return { checks: [], issues: [`local gateway route check not made (advisory): ${awsErrorCode(error)}`] };
  }
};

/** Outposts capacity on the launch path: a warning when the type is known to have none left. */
export const capacityWarning = async (session: Session, world: GroupWorld, instanceId: string) => {
  const instance = world.instances.get(instanceId);
  const outpostId = instance?.outpostArn?.split("/").pop();
  if (instance === undefined || outpostId === undefined || outpostId === "") return undefined;
  try {
    const counts = await loadAvailableCapacity(
      session.context.clients.cloudWatch(session.region),
      outpostId,
      [instance.instanceType],
      new Date(session.context.clock.now()),
    );
    if (counts.get(instance.instanceType) !== 0) return undefined; // unknown is not 0
    return `Outpost ${outpostId} has no ${instance.instanceType} capacity left: a further replacement would not launch`;
  } catch (error) {
    session.context.logger.warn("Outposts capacity check failed (advisory)", { error });
    return undefined;
  }
};

/**
 * Executes a hand-over one action at a time, in plan order (release → attach → attributes → complete),
 * with the shared executor. A throttled or transient write, a write the deadline left unstarted, or a change
 * not yet visible ends the invocation with a retryable error (nothing rolled back: the retry, or the
 * reconcile, continues from what AWS then shows). The local gateway routes are checked before CONTINUE.
 */
export const executeHandOver = async (
  session: Session,
  handOver: HandOver,
  world: GroupWorld,
  group: EniReattachGroupConfig,
  heartbeat: Heartbeat,
): Promise<HandOverRun> => {
  const deps = { ...session, deadline: session.context.deadline, heartbeat, logger: session.context.logger };
  const executors = createExecutors(deps);
  const done: ActionOutcome[] = [];
  const run: HandOverRun = {
    execution: { mode: session.context.mode, decision: handOver.decision, actions: done, skips: [] },
    issues: [],
    localGatewayRoutes: [],
    heartbeats: 0,
  };
  let routesChecked = false;
  for (const action of handOver.actions) {
    if (action.kind === ACTION_KINDS.complete && !routesChecked) {
      const routes = await advisoryRouteCheck(session, handOver, world, group);
      run.localGatewayRoutes = routes.checks;
      run.issues.push(...routes.issues);
      routesChecked = true;
    }
    const step = await executePlan(
      { decision: handOver.decision, actions: [action], skips: [] },
      session.context.mode,
      executors,
    );
    done.push(...step.actions);
    const outcomes = step.actions.flatMap((a) => a.resources);
    session.context.logger.info(`Executed ${action.kind}`, { outcomes });
    throwIfRetryable(outcomes, { service: action.kind.split(":")[0] ?? "ec2", writes: action.kind });
    throwIfUnverified(outcomes, {
      summary: `${action.kind} not yet visible`,
      expected: action.description,
      waitedMs: 0,
    });
  }
  if (!routesChecked && handOver.actions.length > 0) {
    const routes = await advisoryRouteCheck(session, handOver, world, group);
    run.localGatewayRoutes = routes.checks;
    run.issues.push(...routes.issues);
  }
  run.heartbeats = heartbeat.beats;
  return run;
};
