/** The call log of the simulated account: one record per API call, successful or not. */
import type { SimOutput, SimServiceName } from "../types";

export interface CallRecord {
  /** 1, 2, 3… in call order. */
  seq: number;
  /**
   * Simulated time at which the call was answered: after any fault latency, or, when the caller waits
   * it on simulated time (`SimulatedAccount.latencyWait`), before it (the answer reaches the caller later).
   */
  at: string;
  service: SimServiceName;
  operation: string;
  region: string;
  requestId: string;
  /** The SDK-shaped input, as received. */
  input: Record<string, unknown>;
  outcome: "ok" | "error";
  output?: SimOutput;
  error?: { code: string; message: string; httpStatus: number };
  /** Faults that fired for this call (latency or error). */
  faults?: string[];
  /** The operation took effect although the call answered an error (a fault that lands: `output` holds its result). */
  applied?: true;
  /** Simulated latency added by faults. */
  latencyMs?: number;
}
