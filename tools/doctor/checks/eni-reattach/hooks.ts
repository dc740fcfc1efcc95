/**
 * Pure judgements of a firewall group's lifecycle hooks: ours exist for both transitions, their heartbeat
 * timeouts outlast what the hand-over needs, their DefaultResult, and the other systems' hooks of the group.
 */
import {
  type EniReattachConfig,
  type EniReattachGroupConfig,
  RECONCILE_INTERVAL_SECONDS,
} from "../../../../functions/eni-reattach/config";
import type { LifecycleHookView } from "../../../../shared/observe/attachments";
import type { Finding } from "../../types";
import { CHECK, finding, SOURCES } from "./sources";

export const LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING";
export const TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING";

const putHookFix = (
  group: string,
  hook: LifecycleHookView | { name: string; transition: string },
  extra: string,
) =>
  `aws autoscaling put-lifecycle-hook --auto-scaling-group-name ${group} --lifecycle-hook-name ${hook.name} --lifecycle-transition ${hook.transition} ${extra}`;

/** Every configured hook exists; one of ours handles launches, one terminations. */
export const hookPresenceFindings = (
  group: EniReattachGroupConfig,
  hooks: readonly LifecycleHookView[],
): Finding[] => {
  const ours = hooks.filter((h) => group.hookNames.includes(h.name));
  const out = group.hookNames
    .filter((name) => !ours.some((h) => h.name === name))
    .map((name) =>
      finding(
        CHECK.hooks,
        "error",
        `${group.name}/${name}`,
        `hook ${name} (eniReattach.groups[].hookNames) does not exist on ${group.name}: the function would heartbeat and complete an action that never comes`,
        `create it (${putHookFix(group.name, { name, transition: "<launch or terminate transition>" }, "--heartbeat-timeout 900 --default-result CONTINUE")}) or remove it from hookNames`,
        SOURCES.lifecycleHooks,
      ),
    );
  if (!ours.some((h) => h.transition === LAUNCHING)) {
    out.push(
      finding(
        CHECK.hooks,
        "error",
        group.name,
        `${group.name} has no launch hook of ours: a new firewall goes into service with no ENI until the reconcile (every ${RECONCILE_INTERVAL_SECONDS} s) attaches them`,
        `${putHookFix(group.name, { name: "<name>", transition: LAUNCHING }, "--heartbeat-timeout 900 --default-result CONTINUE")}, then add its name to hookNames`,
        SOURCES.lifecycleHooks,
      ),
    );
  }
  if (!ours.some((h) => h.transition === TERMINATING)) {
    out.push(
      finding(
        CHECK.hooks,
        "warning",
        group.name,
        `${group.name} has no terminate hook of ours: after a launch-before-terminate replacement the ENIs move only at the next reconcile, once the old firewall has terminated`,
        `${putHookFix(group.name, { name: "<name>", transition: TERMINATING }, "--heartbeat-timeout 900 --default-result CONTINUE")}, then add its name to hookNames`,
        SOURCES.maintenancePolicy,
      ),
    );
  }
  return out;
};

/** What our hooks' heartbeat timeouts must outlast. */
export interface HeartbeatBudget {
  /** The deployed eni-reattach function's timeout (s), when known. */
  functionTimeoutSeconds?: number;
  policy: Pick<EniReattachConfig, "detachTimeoutMs" | "attachTimeoutMs">;
}

const handOverSeconds = (policy: HeartbeatBudget["policy"]) =>
  Math.ceil((policy.detachTimeoutMs + policy.attachTimeoutMs) / 1000);

/**
 * Our hooks' HeartbeatTimeout: at least twice the reconcile interval (an action whose event was lost is
 * kept alive only by the reconcile: the capability's own configuration rule), and at least one invocation
 * of the function (its bounded detach and attach waits included), or the hand-over depends on every
 * heartbeat getting through: one throttled or denied heartbeat and the action ends in DefaultResult while
 * the ENIs are still moving.
 */
export const heartbeatFindings = (
  group: EniReattachGroupConfig,
  hooks: readonly LifecycleHookView[],
  budget: HeartbeatBudget,
): Finding[] =>
  hooks
    .filter((h) => group.hookNames.includes(h.name))
    .flatMap((h) => {
      const seconds = h.heartbeatTimeoutSeconds;
      const resource = `${group.name}/${h.name}`;
      const fix = `${putHookFix(group.name, h, `--heartbeat-timeout ${Math.max(900, budget.functionTimeoutSeconds ?? 0)} --default-result ${h.defaultResult}`)}`;
      if (seconds < 2 * RECONCILE_INTERVAL_SECONDS) {
        return [
          finding(
            CHECK.heartbeat,
            "error",
            resource,
            `HeartbeatTimeout ${seconds} s is shorter than twice the reconcile interval (${2 * RECONCILE_INTERVAL_SECONDS} s): when the lifecycle event is lost (EventBridge delivers them best effort), the action times out to ${h.defaultResult} before the reconcile moves the ENIs`,
            fix,
            SOURCES.completingHooks,
          ),
        ];
      }
      // Without the deployed timeout, the bounded waits alone are the least one hand-over takes.
      const limit = budget.functionTimeoutSeconds ?? handOverSeconds(budget.policy);
      if (seconds >= limit) return [];
      return [
        finding(
          CHECK.heartbeat,
          "warning",
          resource,
          `HeartbeatTimeout ${seconds} s is shorter than one eni-reattach invocation (${limit} s${budget.functionTimeoutSeconds === undefined ? ", its waits alone" : ""}, with up to ${handOverSeconds(budget.policy)} s of detach and attach waits): the hand-over then relies on every RecordLifecycleActionHeartbeat getting through, and one that is throttled or denied ends the action in ${h.defaultResult} before the ENIs have moved`,
          fix,
          SOURCES.completingHooks,
        ),
      ];
    });

/**
 * Our hooks' DefaultResult. ABANDON on the launch hook turns any failure of the function into terminate and
 * relaunch of the new firewall; on the terminate hook it cancels the termination's other hooks (the
 * owner's). CONTINUE on the launch hook puts a firewall in service without its ENIs when the function
 * fails: said as information, since that is what the reconcile repairs.
 */
export const defaultResultFindings = (
  group: EniReattachGroupConfig,
  hooks: readonly LifecycleHookView[],
): Finding[] =>
  hooks
    .filter((h) => group.hookNames.includes(h.name))
    .flatMap((h): Finding[] => {
      const resource = `${group.name}/${h.name}`;
      const fix = putHookFix(
        group.name,
        h,
        `--heartbeat-timeout ${h.heartbeatTimeoutSeconds} --default-result CONTINUE`,
      );
      if (h.defaultResult === "CONTINUE") {
        if (h.transition !== LAUNCHING) return [];
        return [
          finding(
            CHECK.defaultResult,
            "info",
            resource,
            `launch hook ${h.name}: DefaultResult CONTINUE puts a new firewall in service without its ENIs if the function cannot finish in time; the reconcile attaches them within ${RECONCILE_INTERVAL_SECONDS} s and the missing-interfaces alarm pages after 15 minutes`,
            "nothing to change; keep the reconcile schedule and the missing-interfaces alarm enabled",
            SOURCES.putLifecycleHook,
          ),
        ];
      }
      const launch = h.transition === LAUNCHING;
      return [
        finding(
          CHECK.defaultResult,
          launch ? "error" : "warning",
          resource,
          launch
            ? `launch hook ${h.name}: DefaultResult ${h.defaultResult}: if the function fails or runs out of time, Auto Scaling terminates the new firewall and launches another (a relaunch loop while its ENIs cannot move)`
            : `terminate hook ${h.name}: DefaultResult ${h.defaultResult}: if the function fails or runs out of time, the termination's other lifecycle hooks (another system's) are cancelled`,
          fix,
          launch ? SOURCES.putLifecycleHook : SOURCES.addingHooks,
        ),
      ];
    });

/**
 * Another system's hooks on the group: the member waits for them too, and this function never completes
 * them. One with ABANDON can undo the hand-over: on launch it terminates the new firewall after the ENIs
 * moved; on terminate it cancels the remaining hooks, ours included.
 */
export const foreignHookFindings = (
  group: EniReattachGroupConfig,
  hooks: readonly LifecycleHookView[],
): Finding[] =>
  hooks
    .filter((h) => !group.hookNames.includes(h.name))
    .map((h) => {
      const launch = h.transition === LAUNCHING;
      const resource = `${group.name}/${h.name}`;
      if (h.defaultResult !== "ABANDON") {
        return finding(
          CHECK.foreignHooks,
          "info",
          resource,
          `hook ${h.name} (${launch ? "launch" : "terminate"}) is not ours: the member also waits for it, its owner completes it; this function leaves it alone`,
          "nothing to change if another system owns it; otherwise add it to hookNames",
          SOURCES.lifecycleHooks,
        );
      }
      return finding(
        CHECK.foreignHooks,
        "warning",
        resource,
        launch
          ? `hook ${h.name} (launch, not ours) has DefaultResult ABANDON: if its owner fails or times out, Auto Scaling terminates the new firewall even after its ENIs moved`
          : `hook ${h.name} (terminate, not ours) has DefaultResult ABANDON: if its owner fails or times out, the termination's remaining hooks are cancelled, ours included, and the ENIs move only at the next reconcile`,
        `ask the hook's owner to use --default-result CONTINUE (${putHookFix(group.name, h, `--heartbeat-timeout ${h.heartbeatTimeoutSeconds} --default-result CONTINUE`)})`,
        launch ? SOURCES.putLifecycleHook : SOURCES.addingHooks,
      );
    });
