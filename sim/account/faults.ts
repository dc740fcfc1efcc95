/**
 * Deterministic fault injection: errors (throttling, transient 5xx, any AWS error code) and
 * simulated latency, matched by service / operation / region, fired a set number of times after a
 * set number of matching calls. No randomness: the same scenario always fails the same way.
 *
 * Usual throttling answers: EC2 `RequestLimitExceeded` (503), Auto Scaling and CloudWatch
 * `Throttling` (400), EventBridge `ThrottlingException` (400). Transient: `InternalError` (500),
 * `ServiceUnavailable` / `Unavailable` (503).
 */
import { SimAwsError, type SimCallContext, type SimServiceName } from "../types";
import { defaultHttpStatus, defaultMessage } from "./errors";

export interface FaultSpec {
  /** Limit to one service; default any. */
  service?: SimServiceName;
  /** Operation name (e.g. "StopInstances"), or "*" for every operation. */
  operation: string;
  /** Limit to one region; default any. */
  region?: string;
  /** The error to answer with. Omit for a latency-only fault. */
  error?: { code: string; httpStatus?: number; message?: string };
  /** Fire at most this many times; default: every matching call until removed. */
  times?: number;
  /** Let this many matching calls through before firing; default 0. */
  after?: number;
  /** Advance the simulated clock by this much before answering. */
  latencyMs?: number;
  /** Faults are deterministic; probabilistic faults are deliberately not supported. */
  probability?: never;
}

export interface Fault extends Readonly<FaultSpec> {
  readonly id: string;
  /** Matching calls seen so far. */
  readonly matched: number;
  /** Times the fault fired. */
  readonly fired: number;
}

interface MutableFault extends FaultSpec {
  id: string;
  matched: number;
  fired: number;
}

export interface FaultOutcome {
  latencyMs: number;
  error?: SimAwsError;
  /** Ids of the faults that fired for this call. */
  fired: string[];
}

function checkSpec(spec: FaultSpec): void {
  if (typeof spec.operation !== "string" || spec.operation === "")
    throw new TypeError("fault: operation is required");
  if (spec.error === undefined && (spec.latencyMs === undefined || spec.latencyMs <= 0)) {
    throw new TypeError("fault: give an error, a latencyMs, or both");
  }
  if (spec.error !== undefined && (typeof spec.error.code !== "string" || spec.error.code === "")) {
    throw new TypeError("fault: error.code is required");
  }
  for (const [key, value, min] of [
    ["times", spec.times, 1],
    ["after", spec.after, 0],
    ["latencyMs", spec.latencyMs, 0],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < min)) {
      throw new TypeError(`fault: ${key} must be an integer ≥ ${min}`);
    }
  }
  if ((spec as { probability?: unknown }).probability !== undefined) {
    throw new TypeError("fault: probability is not supported (faults are deterministic: use times/after)");
  }
}

export class FaultInjector {
  private faults: MutableFault[] = [];
  private counter = 0;

  /** Adds a fault; returns it (with its id, for `remove`). */
  add(spec: FaultSpec): Fault {
    checkSpec(spec);
    this.counter += 1;
    const fault: MutableFault = {
      ...structuredClone(spec),
      id: `fault-${this.counter}`,
      matched: 0,
      fired: 0,
    };
    this.faults.push(fault);
    return { ...fault };
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length !== before;
  }

  clear(): void {
    this.faults = [];
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** Faults that may still fire. */
  pending(): Fault[] {
    return this.list().filter((f) => f.times === undefined || f.fired < f.times);
  }

  /**
   * Evaluates the faults for one call, in the order they were added. Latency-only faults
   * accumulate; the first error fault that fires decides the error, and later faults are not
   * consulted (nor counted) for this call.
   */
  evaluate(ctx: Pick<SimCallContext, "service" | "operation" | "region">): FaultOutcome {
    const outcome: FaultOutcome = { latencyMs: 0, fired: [] };
    for (const fault of this.faults) {
      if (fault.service !== undefined && fault.service !== ctx.service) continue;
      if (fault.operation !== "*" && fault.operation !== ctx.operation) continue;
      if (fault.region !== undefined && fault.region !== ctx.region) continue;
      fault.matched += 1;
      const exhausted = fault.times !== undefined && fault.fired >= fault.times;
      if (exhausted || fault.matched <= (fault.after ?? 0)) continue;
      fault.fired += 1;
      outcome.fired.push(fault.id);
      outcome.latencyMs += fault.latencyMs ?? 0;
      if (fault.error !== undefined) {
        const status = fault.error.httpStatus ?? defaultHttpStatus(fault.error.code);
        outcome.error = new SimAwsError(
          fault.error.code,
          fault.error.message ?? defaultMessage(fault.error.code),
          status,
          status >= 500 ? "server" : "client",
        );
        break;
      }
    }
    return outcome;
  }
}
