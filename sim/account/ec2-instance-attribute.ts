/**
 * `DescribeInstanceAttribute` of the simulated account, for the attributes the model holds: `disableApiStop`
 * (stop protection: StopInstances then answers OperationNotPermitted), `disableApiTermination`,
 * `instanceType`, `rootDeviceName` and `sourceDestCheck` (the primary network interface's). DescribeInstances
 * does not show stop protection: this is the only read of it (EC2 API reference, DescribeInstanceAttribute).
 * The other attributes the API names are refused as not simulated.
 */
import type { InstanceAttribute } from "@aws-sdk/client-ec2";
import type { OpContext, ServiceModel } from "./context";
import { checkIds, dryRun, goneAfterTermination, RULES } from "./ec2-checks";
import { awsError, ec2ParamErrors } from "./errors";
import type { Params } from "./query";
import type { InstanceModel } from "./state";

/** Every attribute name of the API (`InstanceAttributeName`). */
const API_ATTRIBUTES = new Set([
  "instanceType",
  "kernel",
  "ramdisk",
  "userData",
  "disableApiTermination",
  "instanceInitiatedShutdownBehavior",
  "rootDeviceName",
  "blockDeviceMapping",
  "productCodes",
  "sourceDestCheck",
  "groupSet",
  "ebsOptimized",
  "sriovNetSupport",
  "enaSupport",
  "enclaveOptions",
  "disableApiStop",
]);

type Modelled = (c: OpContext, inst: InstanceModel) => Omit<InstanceAttribute, "InstanceId">;

const MODELLED: Readonly<Record<string, Modelled>> = {
  disableApiStop: (_c, inst) => ({ DisableApiStop: { Value: inst.disableApiStop } }),
  disableApiTermination: (_c, inst) => ({ DisableApiTermination: { Value: inst.disableApiTermination } }),
  instanceType: (_c, inst) => ({ InstanceType: { Value: inst.instanceType } }),
  rootDeviceName: (_c, inst) => ({ RootDeviceName: { Value: inst.launchDetails.rootDeviceName } }),
  sourceDestCheck: (c, inst) => {
    const primary = [...c.state.networkInterfaces.values()].find(
      (n) => n.attachment?.instanceId === inst.id && n.attachment.deviceIndex === 0,
    );
    return { SourceDestCheck: { Value: primary?.sourceDestCheck ?? true } };
  },
};

function describeInstanceAttribute(c: OpContext, p: Params): InstanceAttribute {
  const instanceId = p.str("InstanceId");
  const attribute = p.str("Attribute");
  if (instanceId === undefined) throw ec2ParamErrors.missing("InstanceId");
  if (attribute === undefined) throw ec2ParamErrors.missing("Attribute");
  if (!API_ATTRIBUTES.has(attribute))
    throw awsError(
      "InvalidParameterValue",
      `Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`,
    );
  const live = (id: string) => {
    const inst = c.state.instances.get(id);
    return inst !== undefined && !goneAfterTermination(inst, c.nowMs());
  };
  checkIds([instanceId], RULES.instance, live);
  dryRun(p);
  const model = MODELLED[attribute];
  if (model === undefined)
    throw awsError(
      "InvalidParameterValue",
      `The simulated account does not model the attribute ${attribute}.`,
    );
  const inst = c.state.instances.get(instanceId) as InstanceModel;
  return { InstanceId: instanceId, ...model(c, inst) };
}

export const ec2InstanceAttributeOperations: ServiceModel = {
  DescribeInstanceAttribute: describeInstanceAttribute,
};
