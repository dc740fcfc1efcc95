import type { InstanceView } from "../../../../shared/observe/model";
import { stopTimeOf } from "./age";

/**
 * What the API can prove about a hibernation. `StateReason` `Client.UserInitiatedHibernate` means
 * "Hibernation was initiated" ([doc] API StateReason): EC2 accepted the hibernate request and signalled the
 * guest. Whether the guest then saved its RAM is not visible: "If the instance cannot hibernate
 * successfully, a normal shutdown occurs" ([doc] StopInstancesRequest.Hibernate), and AWS documents no
 * StateReason for that fallback. So:
 * - hibernate-initiated: the reason says a hibernation was initiated (the best the API can show);
 * - normal-shutdown: the instance stopped with any other reason (a plain stop, a fallback EC2 reports as
 *   one, or AWS stopping it): its memory is lost;
 * - stopped-by-fallback: the toolkit stopped it without hibernation on purpose (a fallback policy `stop`).
 */
export const HIBERNATE_REASON = "Client.UserInitiatedHibernate";

export type HibernationVerdict = "hibernate-initiated" | "normal-shutdown" | "stopped-by-fallback";

export interface HibernationProof {
  instanceId: string;
  verdict: HibernationVerdict;
  /** The StateReason code seen, or "none". */
  stateReason: string;
  state: string;
}

/**
 * The verdict for an instance seen stopping or stopped after a hibernate request (or a stop event), or
 * after the toolkit's own plain stop (`hibernateRequested` false).
 */
export const proofOf = (instance: InstanceView, hibernateRequested = true): HibernationProof => {
  const reason = instance.stateReasonCode ?? "none";
  const verdict: HibernationVerdict = !hibernateRequested
    ? "stopped-by-fallback"
    : reason === HIBERNATE_REASON
      ? "hibernate-initiated"
      : "normal-shutdown";
  return { instanceId: instance.id, verdict, stateReason: reason, state: instance.state };
};

/**
 * Put on an instance right after EC2 accepted the toolkit's hibernate request, with the time: the record,
 * kept in AWS, that a later stop is one the toolkit asked for. A user's or another scheduler's stop is not
 * judged as a hibernation.
 */
export const HIBERNATION_REQUEST_TAG = "ops:hibernation-requested";

/** A request and the stop it caused are seconds apart; 10 minutes leaves room for a slow tag call. */
const REQUEST_TOLERANCE_MS = 10 * 60_000;

/** Whether the instance's last stop (StateTransitionReason) is the one the toolkit's request tag records. */
export const stopWasRequested = (instance: InstanceView): boolean => {
  const requestedAt = Date.parse(instance.tags[HIBERNATION_REQUEST_TAG] ?? "");
  const stoppedAt = stopTimeOf(instance.stateTransitionReason);
  return (
    !Number.isNaN(requestedAt) &&
    stoppedAt !== undefined &&
    Math.abs(stoppedAt - requestedAt) <= REQUEST_TOLERANCE_MS
  );
};
