import type { Logger } from "@aws-lambda-powertools/logger";
import { type AutoScalingClient, RecordLifecycleActionHeartbeatCommand } from "@aws-sdk/client-auto-scaling";
import { awsCall } from "../../../../shared/aws/errors";
import { classifyWrite } from "../../../../shared/pipeline/outcome";
import type { Clock } from "../../../../shared/runtime/clock";
import type { ActionRef } from "../plan";

/**
 * Keeps our lifecycle action alive during long waits: `RecordLifecycleActionHeartbeat` "restart[s] the
 * timeout period" (completing-lifecycle-hooks). Sent when less than `marginSeconds` is left of the hook's
 * heartbeat timeout, counted from the last heartbeat (or the action's start). Only for our own action:
 * the ref is always one of the group's `hookNames`.
 */
export class Heartbeat {
  beats = 0;
  #last: number;

  constructor(
    private readonly deps: { autoScaling: AutoScalingClient; clock: Clock; logger: Logger; enabled: boolean },
    private readonly ref: ActionRef | undefined,
    private readonly timeoutSeconds: number,
    private readonly marginSeconds: number,
    startedAt: number,
  ) {
    this.#last = Math.min(startedAt, deps.clock.now());
  }

  async maybeBeat(): Promise<void> {
    const ref = this.ref;
    if (ref === undefined || !this.deps.enabled) return;
    const margin = Math.min(this.marginSeconds, this.timeoutSeconds);
    if (this.deps.clock.now() < this.#last + (this.timeoutSeconds - margin) * 1000) return;
    try {
      await awsCall("autoscaling", "RecordLifecycleActionHeartbeat", () =>
        this.deps.autoScaling.send(
          new RecordLifecycleActionHeartbeatCommand({
            AutoScalingGroupName: ref.groupName,
            LifecycleHookName: ref.hookName,
            InstanceId: ref.instanceId,
            ...(ref.token !== undefined ? { LifecycleActionToken: ref.token } : {}),
          }),
        ),
      );
      this.beats += 1;
      this.deps.logger.info("Lifecycle heartbeat sent", { instanceId: ref.instanceId, beats: this.beats });
    } catch (error) {
      // The completion reports whether the action was still pending; a heartbeat never fails the run.
      this.deps.logger.warn("Lifecycle heartbeat failed", { error });
    }
    this.#last = this.deps.clock.now();
  }
}

/**
 * Whether our hook's action is pending for an instance (the reconcile, whose event may have been lost):
 * a heartbeat by instance id. Pending → the heartbeat only restarts its timeout; not pending →
 * `ValidationError` "No active Lifecycle Action found with instance ID …" (another hook's, or none).
 */
export const probeAction = async (autoScaling: AutoScalingClient, ref: ActionRef): Promise<boolean> => {
  try {
    await awsCall("autoscaling", "RecordLifecycleActionHeartbeat", () =>
      autoScaling.send(
        new RecordLifecycleActionHeartbeatCommand({
          AutoScalingGroupName: ref.groupName,
          LifecycleHookName: ref.hookName,
          InstanceId: ref.instanceId,
        }),
      ),
    );
    return true;
  } catch (error) {
    if (isNoActiveAction(error)) return false;
    throw error;
  }
};

/** Auto Scaling's answer for an action that is not pending (the one outcome policy classifies it). */
export const isNoActiveAction = (error: unknown): boolean =>
  classifyWrite("RecordLifecycleActionHeartbeat", error).category === "not-found";
