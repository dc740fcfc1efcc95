import { loadInstances } from "../../../shared/observe/loaders";
import { readUntil } from "../../../shared/pipeline/verify";
import { DeadlineExceededError } from "../../../shared/runtime/errors";
import { type EniReattachGroupConfig, POLL_LATE_FRACTION } from "../config";
import { Heartbeat } from "./apply";
import { capacityWarning, executeHandOver, type Session } from "./execute";
import { observeGroup } from "./observe";
import { type ActionRef, type GroupWorld, type HandOver, planLaunch, planTerminate } from "./plan";
import { type LifecycleOutcome, outcomeOf } from "./report";

/** Time kept after waiting for `running`: the reads, the moves and the completion. */
const RUNNING_WAIT_RESERVE_MS = 20_000;

export interface HookRequest {
  trigger: LifecycleOutcome["trigger"];
  eventId: string;
  ref: ActionRef;
  transition: "launch" | "terminate";
  /** When the action started (its timeout counts from it): the event's time, or the reconcile's probe. */
  startedAt: number;
}

export interface Handled {
  outcome: LifecycleOutcome;
  handOver: HandOver;
}

const heartbeatFor = (session: Session, request: HookRequest, world: GroupWorld) =>
  new Heartbeat(
    {
      autoScaling: session.autoScaling,
      clock: session.context.clock,
      logger: session.context.logger,
      enabled: session.apply,
    },
    request.ref,
    world.hooks.find((h) => h.name === request.ref.hookName)?.heartbeatTimeoutSeconds ?? 3600,
    session.policy.heartbeatMarginSeconds,
    request.startedAt,
  );

/**
 * The launch event can come while EC2 still says `pending` (attach needs `running` or `stopped`): wait for
 * it within the invocation, with heartbeats; past the deadline, a retryable error (never "instance gone").
 */
const waitUntilRunning = async (
  session: Session,
  instanceId: string,
  heartbeat: Heartbeat,
): Promise<void> => {
  const deadline = session.context.deadline;
  const waited = await readUntil(
    async () => {
      await heartbeat.maybeBeat();
      return (await loadInstances(session.ec2, [instanceId]))[0]?.state;
    },
    (state) => state !== "pending",
    {
      deadline,
      timeoutMs: Math.max(0, deadline.remainingMs() - RUNNING_WAIT_RESERVE_MS),
      maxIntervalMs: session.policy.pollMaxIntervalMs,
      lateFraction: POLL_LATE_FRACTION,
    },
  );
  if (!waited.done) {
    throw new DeadlineExceededError(`${instanceId} is still pending: the retry attaches once it runs`, {
      operation: "AttachNetworkInterface",
      notStarted: 1,
    });
  }
};

const plan = (request: HookRequest, world: GroupWorld, group: EniReattachGroupConfig, tagKey: string) =>
  request.transition === "launch"
    ? planLaunch(request.ref, world, group, tagKey)
    : planTerminate(request.ref, world, group, tagKey);

/** One of our lifecycle actions: observe → plan → execute (waiting for `running` first if needed). */
export const handleHook = async (
  session: Session,
  group: EniReattachGroupConfig,
  request: HookRequest,
): Promise<Handled> => {
  const clients = { ec2: session.ec2, autoScaling: session.autoScaling };
  let world = await observeGroup(clients, group, session.policy.tagKey, [request.ref.instanceId]);
  const heartbeat = heartbeatFor(session, request, world);
  let handOver = plan(request, world, group, session.policy.tagKey);
  if (handOver.decision === "wait-for-running" && session.apply) {
    await waitUntilRunning(session, request.ref.instanceId, heartbeat);
    world = await observeGroup(clients, group, session.policy.tagKey, [request.ref.instanceId]);
    handOver = plan(request, world, group, session.policy.tagKey);
  }
  session.context.logger.info("Plan", {
    ref: request.ref,
    decision: handOver.decision,
    actions: handOver.actions.map((a) => a.description),
    issues: handOver.issues,
  });
  const capacity =
    request.transition === "launch" && handOver.target !== undefined
      ? capacityWarning(session, world, request.ref.instanceId)
      : Promise.resolve(undefined);
  // The advisory capacity read (it never throws) ends before the invocation does, even when the hand-over
  // ends early with a retryable error: no call is left in flight after the handler returns.
  const run = await executeHandOver(session, handOver, world, group, heartbeat).finally(() => capacity);
  const warning = await capacity;
  const outcome = outcomeOf(
    {
      trigger: request.trigger,
      eventId: request.eventId,
      groupName: group.name,
      instanceId: request.ref.instanceId,
      hookName: request.ref.hookName,
      transition: request.transition,
    },
    handOver,
    run,
    session.context.mode,
  );
  if (warning !== undefined) outcome.capacityWarning = warning;
  // Only an event carries the action's real start (a reconcile's start is when it found the action).
  if (request.trigger === "event" && outcome.completion === "completed")
    outcome.handOverMs = session.context.clock.now() - request.startedAt;
  return { outcome, handOver };
};
