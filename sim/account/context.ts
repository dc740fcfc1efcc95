/** What every operation of a service model receives. */
import type { IdGenerator } from "./ids";
import type { Params } from "./query";
import type { EmitServiceEvent, RegionState } from "./state";

export interface OpContext {
  state: RegionState;
  accountId: string;
  region: string;
  /** Current simulated time (ms). */
  nowMs: () => number;
  ids: IdGenerator;
  /** Records an event AWS itself would send to EventBridge. */
  emit: EmitServiceEvent;
  /** The access key the caller signed with (from the wire), if known: who is calling. */
  callerAccessKeyId?: string;
  /** Records an entry accepted by PutEvents. */
  publish: (entry: Record<string, unknown>, eventId: string) => void;
}

export type Operation = (c: OpContext, p: Params) => object;

export type ServiceModel = Readonly<Record<string, Operation>>;
