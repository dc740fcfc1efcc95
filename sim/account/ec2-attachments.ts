/**
 * EC2 ENI attachment operations (issue 4): AttachNetworkInterface, DetachNetworkInterface,
 * ModifyNetworkInterfaceAttribute, and ModifyLocalGatewayRoute.
 *
 * Attach and detach are asynchronous, as in EC2: `attaching` → `attached` after
 * `behaviour.eniAttachMs`, `detaching` → detached (the ENI back to `available`) after
 * `behaviour.eniDetachMs`. The checks and error codes follow AWS-BEHAVIOUR.md; where the code was
 * verified, docs/simulated-account.md says where.
 *
 * Issue 9: attach to a `pending` instance is refused (`IncorrectInstanceState`); an ENI and an
 * instance must be on the same Outpost (or both in the Region); a plain detach from an instance whose
 * status check is impaired hangs in `detaching` until a `Force` detach (or the instance stops or
 * terminates); a forced detach leaves its device index unusable for another ENI until the instance
 * is started again ("you might not be able to attach a different network interface to the same index
 * on the instance without first stopping and starting the instance", DetachNetworkInterface `Force`).
 */
import type {
  AttachNetworkInterfaceResult,
  LocalGatewayRoute,
  ModifyLocalGatewayRouteResult,
} from "@aws-sdk/client-ec2";
import type { OpContext, ServiceModel } from "./context";
import { goneAfterTermination } from "./ec2-checks";
import { awsError, dryRunOperation } from "./errors";
import { ID_PATTERNS } from "./ids";
import type { Params } from "./query";
import { type EniModel, type InstanceModel, prune } from "./state";

function dryRun(p: Params): void {
  if (p.bool("DryRun") === true) throw dryRunOperation();
}

function eniById(c: OpContext, id: string): EniModel {
  if (!ID_PATTERNS.networkInterface.test(id))
    throw awsError("InvalidNetworkInterfaceId.Malformed", `Invalid id: "${id}"`);
  const eni = c.state.networkInterfaces.get(id);
  if (eni === undefined)
    throw awsError("InvalidNetworkInterfaceID.NotFound", `The networkInterface ID '${id}' does not exist`);
  return eni;
}

function instanceById(c: OpContext, id: string): InstanceModel {
  if (!ID_PATTERNS.instance.test(id)) throw awsError("InvalidInstanceID.Malformed", `Invalid id: "${id}"`);
  const instance = c.state.instances.get(id);
  if (instance === undefined || goneAfterTermination(instance, c.nowMs()))
    throw awsError("InvalidInstanceID.NotFound", `The instance ID '${id}' does not exist`);
  return instance;
}

function attachNetworkInterface(c: OpContext, p: Params): AttachNetworkInterfaceResult {
  const eniId = p.reqStr("NetworkInterfaceId");
  const instanceId = p.reqStr("InstanceId");
  const deviceIndex = p.int("DeviceIndex");
  if (deviceIndex === undefined)
    throw awsError("MissingParameter", "The request must contain the parameter DeviceIndex");
  const cardIndex = p.int("NetworkCardIndex") ?? 0;
  const eni = eniById(c, eniId);
  const instance = instanceById(c, instanceId);
  dryRun(p);
  if (eni.attachment !== undefined)
    throw awsError("InvalidNetworkInterface.InUse", `Interface: [${eniId}] in use.`);
  if (instance.state !== "running" && instance.state !== "stopped") {
    throw awsError(
      "IncorrectInstanceState",
      `The ${instance.state} instance '${instanceId}' is not in a valid state for this operation.`,
    );
  }
  if (eni.availabilityZone !== instance.availabilityZone) {
    throw awsError(
      "InvalidParameterCombination",
      "You may not attach a network interface to an instance if they are not in the same availability zone",
    );
  }
  if ((eni.outpostArn ?? "") !== (instance.outpostArn ?? "")) {
    throw awsError(
      "InvalidParameterCombination",
      "You may not attach a network interface to an instance if they are not on the same Outpost",
    );
  }
  const type = c.state.instanceTypes.get(instance.instanceType);
  const card = type?.networkCards.find((n) => n.index === cardIndex);
  if (deviceIndex < 0 || card === undefined) {
    throw awsError(
      "InvalidParameterValue",
      card === undefined
        ? `Network card index ${cardIndex} is not valid for instance type ${instance.instanceType}.`
        : `Value (${deviceIndex}) for parameter deviceIndex is invalid.`,
    );
  }
  const onCard = c.state
    .enisOf(instanceId)
    .filter((n) => (n.attachment?.networkCardIndex ?? 0) === cardIndex);
  if (onCard.some((n) => n.attachment?.deviceIndex === deviceIndex)) {
    throw awsError(
      "InvalidParameterValue",
      `Instance '${instanceId}' already has an interface attached at device index '${deviceIndex}'.`,
    );
  }
  const forced = c.state.asg.forcedSlots.find(
    (f) =>
      f.instanceId === instanceId &&
      f.networkCardIndex === cardIndex &&
      f.deviceIndex === deviceIndex &&
      f.at >= instance.launchTime.getTime(),
  );
  if (forced !== undefined && forced.eniId !== eniId) {
    throw awsError(
      "InvalidParameterValue",
      `Instance '${instanceId}' cannot use device index '${deviceIndex}' after a forced detach until it is stopped and started.`,
    );
  }
  if (onCard.length >= card.maximumNetworkInterfaces) {
    throw awsError(
      "AttachmentLimitExceeded",
      `Interface count ${onCard.length + 1} exceeds the limit for ${instance.instanceType}`,
    );
  }
  const now = c.nowMs();
  const attachmentId = c.ids.next("eni-attach");
  eni.attachment = {
    attachmentId,
    instanceId,
    deviceIndex,
    networkCardIndex: cardIndex,
    status: "attaching",
    deleteOnTermination: false,
    attachTime: new Date(now),
    transition: { to: "attached", at: now + c.state.behaviour.eniAttachMs },
  };
  if (c.state.behaviour.eniAttachMs === 0) {
    eni.attachment.status = "attached";
    eni.attachment.transition = undefined;
  }
  return { AttachmentId: attachmentId, NetworkCardIndex: cardIndex };
}

function eniByAttachment(c: OpContext, attachmentId: string): EniModel {
  for (const eni of c.state.networkInterfaces.values())
    if (eni.attachment?.attachmentId === attachmentId) return eni;
  throw awsError("InvalidAttachmentID.NotFound", `The attachmentId '${attachmentId}' does not exist`);
}

function detachNetworkInterface(c: OpContext, p: Params): Record<string, never> {
  const attachmentId = p.reqStr("AttachmentId");
  const eni = eniByAttachment(c, attachmentId);
  dryRun(p);
  const a = eni.attachment;
  if (a === undefined) return {};
  if (a.deviceIndex === 0 && a.networkCardIndex === 0) {
    throw awsError(
      "OperationNotPermitted",
      "The network interface at device index 0 and networkCard index 0 cannot be detached.",
    );
  }
  const force = p.bool("Force") === true;
  if (a.status === "detaching" && (!force || a.transition !== undefined)) return {};
  const now = c.nowMs();
  if (force)
    c.state.asg.forcedSlots.push({
      instanceId: a.instanceId,
      networkCardIndex: a.networkCardIndex,
      deviceIndex: a.deviceIndex,
      eniId: eni.id,
      at: now,
    });
  a.status = "detaching";
  const instance = c.state.instances.get(a.instanceId);
  const impaired = instance?.status?.instance === "impaired" || instance?.status?.system === "impaired";
  if (!force && impaired && instance?.state === "running" && c.state.behaviour.impairedDetach === "hang") {
    // Hangs: no transition until a Force detach, or the instance stops or terminates (settle.ts).
    a.transition = undefined;
    return {};
  }
  a.transition = { to: "detached", at: now + c.state.behaviour.eniDetachMs };
  if (c.state.behaviour.eniDetachMs === 0) eni.attachment = undefined;
  return {};
}

function booleanValue(p: Params, name: string): boolean | undefined {
  const raw = p.input[name];
  if (raw === undefined || raw === null) return undefined;
  const value = typeof raw === "object" ? (raw as { Value?: unknown }).Value : raw;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  throw awsError("InvalidParameterValue", `Value (${String(value)}) for parameter ${name} is invalid.`);
}

function modifyNetworkInterfaceAttribute(c: OpContext, p: Params): Record<string, never> {
  const eni = eniById(c, p.reqStr("NetworkInterfaceId"));
  const sourceDestCheck = booleanValue(p, "SourceDestCheck");
  const attachment = p.input.Attachment as
    | { AttachmentId?: unknown; DeleteOnTermination?: unknown }
    | undefined;
  const description = p.input.Description as { Value?: unknown } | undefined;
  if (sourceDestCheck === undefined && attachment == null && description == null && !p.has("Groups")) {
    throw awsError("MissingParameter", "The request must contain the parameter attribute");
  }
  dryRun(p);
  if (attachment != null) {
    const id = attachment.AttachmentId;
    if (typeof id !== "string" || id === "")
      throw awsError("MissingParameter", "The request must contain the parameter attachmentId");
    if (eni.attachment?.attachmentId !== id)
      throw awsError("InvalidAttachmentID.NotFound", `The attachmentId '${id}' does not exist`);
    const value = attachment.DeleteOnTermination;
    if (typeof value === "boolean" || value === "true" || value === "false")
      eni.attachment.deleteOnTermination = value === true || value === "true";
  }
  if (sourceDestCheck !== undefined) eni.sourceDestCheck = sourceDestCheck;
  if (description != null && typeof description.Value === "string") eni.description = description.Value;
  return {};
}

function modifyLocalGatewayRoute(c: OpContext, p: Params): ModifyLocalGatewayRouteResult {
  const tableId = p.reqStr("LocalGatewayRouteTableId");
  const destination = p.reqStr("DestinationCidrBlock");
  const eniId = p.str("NetworkInterfaceId");
  const vifGroup = p.str("LocalGatewayVirtualInterfaceGroupId");
  if ((eniId === undefined) === (vifGroup === undefined)) {
    throw awsError(
      "InvalidParameterCombination",
      "Exactly one of NetworkInterfaceId or LocalGatewayVirtualInterfaceGroupId must be specified.",
    );
  }
  if (!ID_PATTERNS.localGatewayRouteTable.test(tableId))
    throw awsError("InvalidLocalGatewayRouteTableId.Malformed", `Invalid id: "${tableId}"`);
  const table = c.state.localGatewayRouteTables.get(tableId);
  if (table === undefined) {
    throw awsError(
      "InvalidLocalGatewayRouteTableID.NotFound",
      `The localGatewayRouteTable ID '${tableId}' does not exist`,
    );
  }
  if (eniId !== undefined) eniById(c, eniId);
  dryRun(p);
  const route = table.routes.find((r) => r.destinationCidrBlock === destination && r.type === "static");
  if (route === undefined) {
    throw awsError(
      "InvalidRoute.NotFound",
      `The route identified by ${destination} does not exist in local gateway route table ${tableId}.`,
    );
  }
  route.networkInterfaceId = eniId;
  route.localGatewayVirtualInterfaceGroupId = vifGroup;
  const out: LocalGatewayRoute = prune({
    DestinationCidrBlock: route.destinationCidrBlock,
    NetworkInterfaceId: route.networkInterfaceId,
    LocalGatewayVirtualInterfaceGroupId: route.localGatewayVirtualInterfaceGroupId,
    Type: route.type,
    State: c.state.lgwRouteState(route),
    LocalGatewayRouteTableId: table.id,
    OwnerId: c.accountId,
  });
  return { Route: out };
}

export const ec2AttachmentModel: ServiceModel = {
  AttachNetworkInterface: attachNetworkInterface,
  DetachNetworkInterface: detachNetworkInterface,
  ModifyNetworkInterfaceAttribute: modifyNetworkInterfaceAttribute,
  ModifyLocalGatewayRoute: modifyLocalGatewayRoute,
};
