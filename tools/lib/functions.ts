import type { ToolkitEvent } from "../../shared/events";
import type { BuildHandler, HarnessFunction } from "../../sim/lambda";

/** The deployed functions, by the name replay and bench use (same as serverless.yml's, kebab-cased). */
export interface FunctionEntry extends HarnessFunction {
  /** serverless.yml function key, for `osls invoke local -f`. */
  serverlessName: string;
  /** Builds the real handler for an environment (mode, configuration). */
  load: () => Promise<BuildHandler>;
  /** Event kinds this function takes, in order of preference when replay picks a function by shape. */
  accepts: ReadonlyArray<ToolkitEvent["kind"]>;
}

export const FUNCTIONS: readonly FunctionEntry[] = [
  {
    name: "idle-hibernate",
    serverlessName: "idleHibernate",
    load: async () => (await import("../../functions/idle-hibernate/handler")).buildHandler,
    accepts: ["alarm-change", "schedule"],
  },
  {
    name: "idle-alarms",
    serverlessName: "idleAlarms",
    load: async () => (await import("../../functions/idle-hibernate/alarms-handler")).buildHandler,
    accepts: ["ec2-state-change"],
  },
  {
    name: "eni-reattach",
    serverlessName: "eniReattach",
    load: async () => (await import("../../functions/eni-reattach/handler")).buildHandler,
    accepts: ["lifecycle-action", "lifecycle-test"],
  },
  {
    name: "outposts-capacity",
    serverlessName: "outpostsCapacity",
    load: async () => (await import("../../functions/eni-reattach/capacity-handler")).buildHandler,
    accepts: [],
  },
  {
    name: "vfxt-ip-move",
    serverlessName: "vfxtIpMove",
    load: async () => (await import("../../functions/vfxt-ip-move/handler")).buildHandler,
    accepts: ["ec2-state-change", "alarm-change", "schedule"],
  },
  {
    name: "dx-failover",
    serverlessName: "dxFailover",
    load: async () => (await import("../../functions/dx-failover/failover/handler")).buildHandler,
    accepts: ["alarm-change", "schedule"],
  },
  {
    name: "dx-probe",
    serverlessName: "dxProbe",
    load: async () => (await import("../../functions/dx-failover/probe/handler")).buildHandler,
    accepts: [],
  },
];
