import type { Logger } from "@aws-lambda-powertools/logger";
import { type AutoScalingClient, RecordLifecycleActionHeartbeatCommand } from "@aws-sdk/client-auto-scaling";
import { awsCall } from "../../../../shared/aws/errors";
import { classifyWrite } from "../../../../shared/pipeline/outcome";
import type { Clock } from "../../../../shared/runtime/clock";
import type { ActionRef } from "../plan";

/** After a heartbeat that failed, the next try waits this long (the SDK already retried it). */
const RETRY_AFTER_FAILURE_MS = 5000;

/**
 * Keeps our lifecycle action alive during long waits: `RecordLifecycleActionHeartbeat` "restart[s] the
 * timeout period" (completing-lifecycle-hooks). Sent when less than `marginSeconds` is left of the hook's
 * heartbeat timeout, counted from the last heartbeat that got through (or the action's start): a failed
 * one is tried again at the next poll (at most every 5 s), before the action times out to its
 * DefaultResult. A token refused while our action is pending by instance id (a late warm-pool event: the
 * same instance, a new action) falls back to the instance id, for the rest of the invocation. Only for our
 * own action: the ref is always one of the group's `hookNames`.
 */
export class Heartbeat {
  beats = 0;
  #last: number;
  #failedAt: number | undefined;
  #byToken: boolean;

  constructor(
    private readonly deps: { autoScaling: AutoScalingClient; clock: Clock; logger: Logger; enabled: boolean },
    private readonly ref: ActionRef | undefined,
    private readonly timeoutSeconds: number,
    private readonly marginSeconds: number,
    startedAt: number,
  ) {
    this.#last = Math.min(startedAt, deps.clock.now());
    this.#byToken = ref?.token !== undefined;
  }

  async maybeBeat(): Promise<void> {
    const ref = this.ref;
    if (ref === undefined || !this.deps.enabled) return;
    const now = this.deps.clock.now();
    const margin = Math.min(this.marginSeconds, this.timeoutSeconds);
    if (now < this.#last + (this.timeoutSeconds - margin) * 1000) return;
    if (this.#failedAt !== undefined && now < this.#failedAt + RETRY_AFTER_FAILURE_MS) return;
    await this.#beat(ref);
  }

  /**
   * A heartbeat now, whatever is left of the timeout: before the invocation ends with work left for
   * Lambda's retry (1 minute later, then 2), the action gets its whole heartbeat timeout again.
   */
  async keepAlive(): Promise<void> {
    if (this.ref === undefined || !this.deps.enabled) return;
    await this.#beat(this.ref);
  }

  async #beat(ref: ActionRef): Promise<void> {
    try {
      await this.#send(ref);
      this.beats += 1;
      this.#last = this.deps.clock.now();
      this.#failedAt = undefined;
      this.deps.logger.info("Lifecycle heartbeat sent", { instanceId: ref.instanceId, beats: this.beats });
    } catch (error) {
      // The completion reports whether the action was still pending; a heartbeat never fails the run.
      this.#failedAt = this.deps.clock.now();
      this.deps.logger.warn("Lifecycle heartbeat failed: tried again at the next poll", { error });
    }
  }

  async #send(ref: ActionRef): Promise<void> {
    try {
      await recordHeartbeat(this.deps.autoScaling, ref, this.#byToken);
    } catch (error) {
      if (!this.#byToken || !isNoActiveAction(error)) throw error;
      this.deps.logger.warn("Heartbeat token refused: by instance id from now on", {
        instanceId: ref.instanceId,
      });
      this.#byToken = false;
      await recordHeartbeat(this.deps.autoScaling, ref, false);
    }
  }
}

const recordHeartbeat = (autoScaling: AutoScalingClient, ref: ActionRef, byToken: boolean) =>
  awsCall("autoscaling", "RecordLifecycleActionHeartbeat", () =>
    autoScaling.send(
      new RecordLifecycleActionHeartbeatCommand({
        AutoScalingGroupName: ref.groupName,
        LifecycleHookName: ref.hookName,
        InstanceId: ref.instanceId,
        ...(byToken && ref.token !== undefined ? { LifecycleActionToken: ref.token } : {}),
      }),
    ),
  );

/**
 * Whether our hook's action is pending for an instance (the reconcile, whose event may have been lost):
 * a heartbeat by instance id. Pending → the heartbeat only restarts its timeout; not pending →
 * `ValidationError` "No active Lifecycle Action found with instance ID …" (another hook's, or none).
 */
export const probeAction = async (autoScaling: AutoScalingClient, ref: ActionRef): Promise<boolean> => {
  try {
    await recordHeartbeat(autoScaling, ref, false);
    return true;
  } catch (error) {
    if (isNoActiveAction(error)) return false;
    throw error;
  }
};

/** Auto Scaling's answer for an action that is not pending (the one outcome policy classifies it). */
export const isNoActiveAction = (error: unknown): boolean =>
  classifyWrite("RecordLifecycleActionHeartbeat", error).category === "not-found";
