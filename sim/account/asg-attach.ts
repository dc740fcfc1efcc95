/**
 * Auto Scaling AttachInstances (issue 14: an idle instance joining an Auto Scaling group), from the API
 * reference and the Auto Scaling User Guide ("Detach or attach instances"):
 *
 * - `AutoScalingGroupName` required (unknown → `ValidationError` "AutoScalingGroup name not found - …");
 *   `InstanceIds` at most 20;
 * - "Amazon EC2 Auto Scaling increases the desired capacity of the group by the number of instances being
 *   attached. If the number of instances being attached plus the desired capacity of the group exceeds the
 *   maximum size of the group, the operation fails" (`ValidationError`);
 * - the instance must be `running`, in one of the group's Availability Zones and in no other group
 *   (User Guide requirements); otherwise `ValidationError` [decision: the message texts are ours];
 * - an attached instance gets the tag `aws:autoscaling:groupName` (as the group's instances carry it) and
 *   becomes an `InService` member at once [decision: the group's other tags are not propagated, the launch
 *   lifecycle hooks are not run, and the grace period starts at the attachment].
 */
import type { OpContext, ServiceModel } from "./context";
import { awsError } from "./errors";
import { setMemberState } from "./lifecycle-engine";
import type { Params } from "./query";
import type { AsgModel, InstanceModel } from "./state";

const GROUP_TAG = "aws:autoscaling:groupName";

function refusal(
  c: OpContext,
  group: AsgModel,
  inst: InstanceModel | undefined,
  id: string,
): string | undefined {
  if (inst === undefined) return `Instance ${id} is not found.`;
  if (inst.state !== "running") return `Instance ${id} is not in correct state (${inst.state}).`;
  if (!group.availabilityZones.includes(inst.availabilityZone))
    return `Instance ${id} is in ${inst.availabilityZone}, not in the group's Availability Zones.`;
  if (c.state.groupOf(id) !== undefined) return `Instance ${id} is already part of an Auto Scaling group.`;
  return undefined;
}

function attachInstances(c: OpContext, p: Params): Record<string, never> {
  const name = p.reqStr("AutoScalingGroupName");
  const group = c.state.autoScalingGroups.get(name);
  if (group === undefined) throw awsError("ValidationError", `AutoScalingGroup name not found - ${name}`);
  const ids = [...new Set(p.strList("InstanceIds") ?? [])];
  if (ids.length > 20) throw awsError("ValidationError", "You can attach at most 20 instances at a time.");
  for (const id of ids) {
    const why = refusal(c, group, c.state.instances.get(id), id);
    if (why !== undefined) throw awsError("ValidationError", why);
  }
  if (group.desiredCapacity + ids.length > group.maxSize)
    throw awsError(
      "ValidationError",
      `New SetDesiredCapacity value ${group.desiredCapacity + ids.length} is above max value ${group.maxSize} for the AutoScalingGroup.`,
    );
  const now = c.nowMs();
  for (const id of ids) {
    const inst = c.state.instances.get(id) as InstanceModel;
    inst.tags.set(GROUP_TAG, group.name);
    const member = { instanceId: id, lifecycleState: "InService", protectedFromScaleIn: false };
    group.instances.push(member);
    setMemberState(c.state, member, "InService", now);
  }
  group.desiredCapacity += ids.length;
  return {};
}

/** Registered in autoScalingModel (sim/account/autoscaling.ts). */
export const asgAttachModel: ServiceModel = { AttachInstances: attachInstances };
