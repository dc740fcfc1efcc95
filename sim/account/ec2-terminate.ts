/**
 * EC2 TerminateInstances (issue 14: a vFXT node or a firewall terminated outside the toolkit), from the
 * TerminateInstances API reference and the EC2 User Guide ("Terminate your instance", "How instance
 * termination works", "Instance lifecycle"):
 *
 * - parameters, instance id format then existence (an instance terminated for longer than it stays
 *   visible, about an hour, is unknown), `DryRun`; an unknown id fails the whole call ("If you specify
 *   multiple instances and the request fails … none of the instances are terminated");
 * - termination protection (`disableApiTermination`) → `OperationNotPermitted` "The instance '…' may not
 *   be terminated. Modify its 'disableApiTermination' instance attribute and try again.". With several
 *   instances, those in the Availability Zone of a protected one are not terminated, those in other zones
 *   with no protected instance are (the API reference's example), and the call still fails;
 * - `pending`, `running`, `stopping`, `stopped` → `shutting-down` → `terminated` after
 *   `behaviour.shuttingDownToTerminatedMs`, each change an "EC2 Instance State-change Notification";
 *   `shutting-down` and `terminated` are answered unchanged ("This operation is idempotent");
 * - once `terminated` (sim/account/settle.ts): ENIs attached with `DeleteOnTermination` are deleted (their
 *   addresses released, their Elastic IPs disassociated), the others are detached and `available` with
 *   their secondary addresses and Elastic IP associations; routes to them become blackholes.
 * An Auto Scaling group sees a terminated member as unhealthy and replaces it (asg-replacement.ts).
 */
import type { InstanceStateChange, TerminateInstancesResult } from "@aws-sdk/client-ec2";
import type { OpContext, ServiceModel } from "./context";
import { checkIds, dryRun, goneAfterTermination, RULES } from "./ec2-checks";
import { awsError, ec2ParamErrors } from "./errors";
import type { Params } from "./query";
import { type InstanceModel, STATE_CODES, STATE_REASONS, userInitiatedReason } from "./state";

const stateOf = (inst: InstanceModel) => ({ Code: STATE_CODES[inst.state], Name: inst.state });

const protectedError = (id: string) =>
  awsError(
    "OperationNotPermitted",
    `The instance '${id}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`,
  );

/** Starts the shutdown of one instance (no change when it is already shutting down or terminated). */
function shutDown(c: OpContext, inst: InstanceModel): InstanceStateChange {
  const previous = stateOf(inst);
  if (inst.state !== "shutting-down" && inst.state !== "terminated") {
    const now = c.nowMs();
    inst.stateReason = { ...STATE_REASONS.userShutdown };
    inst.stateTransitionReason = userInitiatedReason(now);
    c.state.changeInstanceState(inst, "shutting-down", now, c.emit, {
      to: "terminated",
      at: now + c.state.behaviour.shuttingDownToTerminatedMs,
    });
  }
  return { InstanceId: inst.id, CurrentState: stateOf(inst), PreviousState: previous };
}

function terminateInstances(c: OpContext, p: Params): TerminateInstancesResult {
  const ids = p.strList("InstanceIds");
  if (ids === undefined || ids.length === 0) throw ec2ParamErrors.missing("InstanceId");
  p.bool("Force"); // accepted (type-checked); the simulated shutdown is the same
  p.bool("SkipOsShutdown");
  const now = c.nowMs();
  checkIds(ids, RULES.instance, (id) => {
    const inst = c.state.instances.get(id);
    return inst !== undefined && !goneAfterTermination(inst, now);
  });
  dryRun(p);
  const instances = [...new Set(ids)].map((id) => c.state.instances.get(id) as InstanceModel);
  const guarded = instances.filter((i) => i.disableApiTermination);
  const blockedZones = new Set(guarded.map((i) => i.availabilityZone));
  const result = instances.filter((i) => !blockedZones.has(i.availabilityZone)).map((i) => shutDown(c, i));
  const first = guarded[0];
  if (first !== undefined) throw protectedError(first.id);
  return { TerminatingInstances: result };
}

/** Registered in ec2Model (sim/account/ec2.ts). */
export const ec2TerminateModel: ServiceModel = { TerminateInstances: terminateInstances };
