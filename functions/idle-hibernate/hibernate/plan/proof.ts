import type { InstanceView } from "../../../../shared/observe/model";

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
