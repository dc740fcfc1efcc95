/** The capability models the campaign knows, by capability name. */

import { dxFailoverModel } from "./incidents/dx-failover";
import { eniReattachModel } from "./incidents/eni-reattach";
import { idleHibernateModel } from "./incidents/idle-hibernate";
import { vfxtIpMoveModel } from "./incidents/vfxt-ip-move";
import type { CapabilityModel } from "./types";

export const MODELS: readonly CapabilityModel[] = [
  idleHibernateModel,
  dxFailoverModel,
  eniReattachModel,
  vfxtIpMoveModel,
];

export const modelOf = (capability: string): CapabilityModel => {
  const model = MODELS.find((m) => m.capability === capability);
  if (model === undefined)
    throw new Error(
      `unknown capability ${capability} (known: ${MODELS.map((m) => m.capability).join(", ")})`,
    );
  return model;
};
