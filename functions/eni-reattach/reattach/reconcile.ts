import type { ScheduleTick } from "../../../shared/events";
import type { EniReattachGroupConfig } from "../config";
import { RECONCILE_INTERVAL_SECONDS } from "../config";
import { Heartbeat, probeAction } from "./apply";
import { executeHandOver, type Session } from "./execute";
import { type Handled, type HookRequest, handleHook } from "./handle";
import { loadWarmPoolMembers, observeGroup } from "./observe";
import { type GroupWorld, type MemberView, planRepair } from "./plan";
import { outcomeOf, reportGroupHealth } from "./report";

const LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING";
const TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING";

/** Wait states in which one of our hooks may hold a member, by the hook's transition. */
const WAITING: Record<string, readonly string[]> = {
  [LAUNCHING]: ["Pending:Wait", "Warmed:Pending:Wait"],
  [TERMINATING]: ["Terminating:Wait", "Warmed:Terminating:Wait", "Warmed:Pending:Wait"],
};

/**
 * Our hooks as Auto Scaling has them: each of `hookNames` must exist, at least one for launch, one for
 * terminate (the launch-before-terminate hand-over happens at the old instance's terminate hook), each
 * with DefaultResult CONTINUE (ABANDON, the API default, turns a failure of this function into a relaunch,
 * or cancels the owner's other terminate hooks: "abandon stops any remaining actions", adding-lifecycle-hooks)
 * and a heartbeat timeout long enough for the reconcile to keep a pending action alive (2 × its interval).
 */
export const hookIssues = (world: GroupWorld, group: EniReattachGroupConfig): string[] => {
  if (world.group === undefined) return [];
  const ours = world.hooks.filter((h) => group.hookNames.includes(h.name));
  const issues = group.hookNames
    .filter((name) => !ours.some((h) => h.name === name))
    .map((name) => `hook ${name} (hookNames) does not exist on ${group.name}`);
  if (!ours.some((h) => h.transition === LAUNCHING)) issues.push(`${group.name} has no launch hook of ours`);
  if (!ours.some((h) => h.transition === TERMINATING)) {
    issues.push(
      `${group.name} has no terminate hook of ours: after a launch-before-terminate replacement the ENIs move only at the next reconcile, once the old instance has terminated`,
    );
  }
  for (const h of ours.filter((x) => x.defaultResult !== "CONTINUE")) {
    issues.push(
      `hook ${h.name}: DefaultResult ${h.defaultResult} (Auto Scaling's default): if this function cannot act in time, ${
        h.transition === LAUNCHING
          ? "the new firewall is terminated and launched again"
          : "the termination's other hooks are cancelled"
      }; set DefaultResult CONTINUE (the reconcile repairs a firewall that went into service without its ENIs)`,
    );
  }
  for (const h of ours.filter((x) => x.heartbeatTimeoutSeconds < 2 * RECONCILE_INTERVAL_SECONDS)) {
    issues.push(
      `hook ${h.name}: HeartbeatTimeout ${h.heartbeatTimeoutSeconds} s is shorter than twice the reconcile interval (${2 * RECONCILE_INTERVAL_SECONDS} s): an action whose event is lost may time out before the reconcile keeps it alive`,
    );
  }
  return issues;
};

/** The (member, hook) pairs where one of our hooks may be holding a member. */
const waitingActions = (world: GroupWorld, members: readonly MemberView[], group: EniReattachGroupConfig) =>
  world.hooks
    .filter((h) => group.hookNames.includes(h.name) && WAITING[h.transition] !== undefined)
    .flatMap((h) =>
      members
        .filter((m) => WAITING[h.transition]?.includes(m.lifecycleState))
        .map((m) => ({
          member: m,
          hook: h.name,
          transition: h.transition === LAUNCHING ? ("launch" as const) : ("terminate" as const),
        })),
    );

/**
 * Lifecycle events are best effort: every member waiting on one of our hooks is handled as if its event had
 * arrived. Whether our action (not another system's) is pending is asked with a heartbeat by instance id,
 * which also restarts its timeout; only then is it planned, completed by instance id. Returns the group's
 * world when no member was waiting: nothing was called since those reads, so the repair decides on them
 * instead of reading the group again (about half the calls of a quiet reconcile).
 */
const handleWaiting = async (
  session: Session,
  group: EniReattachGroupConfig,
  tick: ScheduleTick,
  out: Reconciled,
): Promise<GroupWorld | undefined> => {
  const world = await observeGroup(
    { ec2: session.ec2, autoScaling: session.autoScaling },
    group,
    session.policy.tagKey,
  );
  const pooled = world.warmPool ? await loadWarmPoolMembers(session.autoScaling, group.name) : [];
  const waiting = waitingActions(world, [...(world.group?.members ?? []), ...pooled], group);
  for (const { member, hook, transition } of waiting) {
    const ref = { groupName: group.name, hookName: hook, instanceId: member.instanceId };
    try {
      if (session.apply && !(await probeAction(session.autoScaling, ref))) continue;
      const request: HookRequest = {
        trigger: "reconcile",
        eventId: tick.eventId,
        ref,
        transition,
        startedAt: session.context.clock.now(),
      };
      out.handled.push(await handleHook(session, group, request));
    } catch (error) {
      out.failed.push({ groupName: group.name, instanceId: member.instanceId, error });
    }
  }
  return waiting.length === 0 ? world : undefined;
};

/** The serving firewall gets the ENIs it is missing; MissingInterfaces is published for the alarm. */
const repair = async (
  session: Session,
  group: EniReattachGroupConfig,
  tick: ScheduleTick,
  observed: GroupWorld | undefined,
): Promise<Handled | undefined> => {
  const world =
    observed ??
    (await observeGroup(
      { ec2: session.ec2, autoScaling: session.autoScaling },
      group,
      session.policy.tagKey,
    ));
  const handOver = planRepair(world, group, session.policy.tagKey);
  const hooks = hookIssues(world, group);
  if (hooks.length > 0) {
    handOver.issues.unshift(...hooks);
    handOver.flags.configuration = true;
  }
  const heartbeat = new Heartbeat(
    {
      autoScaling: session.autoScaling,
      clock: session.context.clock,
      logger: session.context.logger,
      enabled: false,
    },
    undefined,
    3600,
    60,
    session.context.clock.now(),
  );
  const run = await executeHandOver(session, handOver, world, group, heartbeat);
  const outcome = outcomeOf(
    {
      trigger: "reconcile",
      eventId: tick.eventId,
      groupName: group.name,
      instanceId: handOver.target ?? "",
      transition: "repair",
    },
    handOver,
    run,
    session.context.mode,
  );
  const attached = outcome.enis.filter((e) => e.step === "in-place" || e.status === "applied").length;
  reportGroupHealth(session.context, group.name, {
    missing: group.expectedInterfaces - (handOver.target === undefined ? 0 : attached),
    configuration: handOver.flags.configuration,
  });
  const quiet = handOver.actions.length === 0 && handOver.issues.length === 0;
  return quiet ? undefined : { outcome, handOver };
};

/** A part of the reconcile that failed (one group, or one waiting member): the others still run. */
export interface ReconcileFailure {
  groupName: string;
  instanceId?: string;
  error: unknown;
}

export interface Reconciled {
  handled: Handled[];
  failed: ReconcileFailure[];
}

/**
 * The reconcile of every configured group (sorted by name). Each group, and each member waiting on one of
 * its hooks, is isolated: a failure (a denied or throttled call, a wait cut short) is recorded and the
 * rest goes on, so one group's trouble never leaves another group's lost launch unhandled (run.ts reports
 * the failures and fails the invocation at the end when one is retryable).
 */
export const reconcile = async (session: Session, tick: ScheduleTick): Promise<Reconciled> => {
  const out: Reconciled = { handled: [], failed: [] };
  for (const group of [...session.policy.groups].sort((a, b) => a.name.localeCompare(b.name))) {
    try {
      const observed = await handleWaiting(session, group, tick, out);
      const repaired = await repair(session, group, tick, observed);
      if (repaired !== undefined) out.handled.push(repaired);
    } catch (error) {
      out.failed.push({ groupName: group.name, error });
    }
  }
  return out;
};
