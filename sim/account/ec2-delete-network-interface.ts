/**
 * DeleteNetworkInterface (EC2 API reference): "You must detach the network interface before you can delete
 * it." An ENI with an attachment (attaching, attached, detaching) is refused with
 * `InvalidNetworkInterface.InUse` (the code AWS documents in "Error codes for the Amazon EC2 API"; the
 * message wording is a [decision]); a malformed or unknown id as every ENI operation; `DryRun`. The ENI is
 * gone at once: its addresses are free again, an Elastic IP on it is disassociated [decision].
 */

import type { OpContext, ServiceModel } from "./context";
import { awsError, dryRunOperation } from "./errors";
import { ID_PATTERNS } from "./ids";
import type { Params } from "./query";

function deleteNetworkInterface(c: OpContext, p: Params): Record<string, never> {
  const id = p.reqStr("NetworkInterfaceId");
  if (!ID_PATTERNS.networkInterface.test(id))
    throw awsError("InvalidNetworkInterfaceId.Malformed", `Invalid id: "${id}"`);
  const eni = c.state.networkInterfaces.get(id);
  if (eni === undefined)
    throw awsError("InvalidNetworkInterfaceID.NotFound", `The networkInterface ID '${id}' does not exist`);
  if (p.bool("DryRun") === true) throw dryRunOperation();
  if (eni.attachment !== undefined)
    throw awsError("InvalidNetworkInterface.InUse", `The network interface '${id}' is currently in use.`);
  for (const address of c.state.elasticIps.values())
    if (address.association?.networkInterfaceId === id) address.association = undefined;
  c.state.networkInterfaces.delete(id);
  return {};
}

export const deleteNetworkInterfaceModel: ServiceModel = {
  DeleteNetworkInterface: deleteNetworkInterface,
};
