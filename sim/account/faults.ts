/**
 * Deterministic fault injection: errors (throttling, transient 5xx, any AWS error code) and
 * simulated latency, matched by service / operation / region, fired a set number of times after a
 * set number of matching calls. No randomness: the same scenario always fails the same way.
 *
 * Usual throttling answers: EC2 `RequestLimitExceeded` (503), Auto Scaling and CloudWatch
 * `Throttling` (400), EventBridge `ThrottlingException` (400). Transient: `InternalError` (500),
 * `ServiceUnavailable` / `Unavailable` (503).
 *
 * A fault that lands (`applied`): the operation takes effect, then the answer is the error or nothing
 * (`dropConnection`). EC2 API Reference, "Ensuring idempotency": a mutating request may "time out or
 * encounter other server issues before they complete, even though the request has already returned a
 * result"; the SDK then retries a call whose effect already happened (docs/aws-behaviour.md).
 */
import { SimAwsError, type SimCallContext, SimConnectionLost, type SimServiceName } from "../types";
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
  /**
   * The call is applied before the fault answers (a write that lands although its caller sees a 5xx or
   * no answer). Needs `error` or `dropConnection`. An operation that fails by itself answers its own error.
   */
  applied?: boolean;
  /** No answer: the connection closes (the SDK sees ECONNRESET, a transient error it retries). */
  dropConnection?: boolean;
  /** Fire at most this many times; default: every matching call until removed. */
  times?: number;
  /** Let this many matching calls through before firing; default 0. */
  after?: number;
  /** Advance the simulated clock by this much before answering. */
  latencyMs?: number;
  /**
   * Eventual consistency (stale-reads.ts): the matching Describe answers, for each resource written
   * (or instance launched) within this many ms before it, the resource's version before that write.
   */
  staleReadMs?: number;
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
  /** The longest stale-read window of the faults that fired (0: a consistent read). */
  staleReadMs: number;
  error?: SimAwsError;
  /** The error comes after the operation took effect (`FaultSpec.applied`). */
  applied: boolean;
  /** Ids of the faults that fired for this call. */
  fired: string[];
}

function checkSpec(spec: FaultSpec): void {
  if (typeof spec.operation !== "string" || spec.operation === "")
    throw new TypeError("fault: operation is required");
  const stale = spec.staleReadMs !== undefined && spec.staleReadMs > 0;
  const answer = spec.error !== undefined || spec.dropConnection === true;
  if (!answer && !stale && (spec.latencyMs === undefined || spec.latencyMs <= 0)) {
    throw new TypeError("fault: give an error, a latencyMs, a staleReadMs, or a combination");
  }
  if (spec.error !== undefined && spec.dropConnection === true)
    throw new TypeError("fault: an error or dropConnection, not both");
  if (spec.applied === true && !answer)
    throw new TypeError("fault: applied needs an error or dropConnection (what the caller sees)");
  if (spec.error !== undefined && (typeof spec.error.code !== "string" || spec.error.code === "")) {
    throw new TypeError("fault: error.code is required");
  }
  for (const [key, value, min] of [
    ["times", spec.times, 1],
    ["after", spec.after, 0],
    ["latencyMs", spec.latencyMs, 0],
    ["staleReadMs", spec.staleReadMs, 0],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < min)) {
      throw new TypeError(`fault: ${key} must be an integer ≥ ${min}`);
    }
  }
  if ((spec as { probability?: unknown }).probability !== undefined) {
    throw new TypeError("fault: probability is not supported (faults are deterministic: use times/after)");
  }
}

/**
 * Errors a fault may inject that are not generic throttling or 5xx: a Region short of capacity for
 * StartInstances/RunInstances (EC2 API "Error codes": InsufficientInstanceCapacity is a server error,
 * "There is not enough capacity to fulfill your request", sim/account/instance-capacity.ts).
 */
const FAULT_ERRORS: Record<string, { httpStatus: number; message: string }> = {
  InsufficientInstanceCapacity: {
    httpStatus: 500,
    message:
      "There is not enough capacity to fulfill your request. Our system will be working on provisioning additional capacity.",
  },
};
const faultStatus = (code: string) => FAULT_ERRORS[code]?.httpStatus ?? defaultHttpStatus(code);
const faultMessage = (code: string) => FAULT_ERRORS[code]?.message ?? defaultMessage(code);

/** What the caller gets from a fault that fired: its AWS error, no answer at all, or nothing (latency). */
function faultError(fault: FaultSpec): SimAwsError | undefined {
  if (fault.dropConnection === true) return new SimConnectionLost();
  if (fault.error === undefined) return undefined;
  const status = fault.error.httpStatus ?? faultStatus(fault.error.code);
  return new SimAwsError(
    fault.error.code,
    fault.error.message ?? faultMessage(fault.error.code),
    status,
    status >= 500 ? "server" : "client",
  );
}

/**
 * A token bucket (EC2 "request rate limiting"): every matching call takes one token from the bucket of
 * its operation (one bucket per operation and region); an empty bucket answers the throttling error.
 * Tokens refill continuously at `refillPerSecond` on the simulated clock, up to `capacity`.
 */
export interface TokenBucketSpec {
  service: SimServiceName;
  /** Operation names; a trailing `*` matches a prefix (`Describe*`). Default: every operation. */
  operations?: string[];
  /** Limit to one region; default any. */
  region?: string;
  capacity: number;
  refillPerSecond: number;
  /** Default: EC2 `RequestLimitExceeded` (503), EventBridge `ThrottlingException`, others `Throttling`. */
  error?: { code: string; httpStatus?: number; message?: string };
}

export interface TokenBucket extends Readonly<TokenBucketSpec> {
  readonly id: string;
  /** Calls throttled so far. */
  readonly throttled: number;
}

interface MutableBucket extends TokenBucketSpec {
  id: string;
  throttled: number;
  /** `region|operation` → tokens and the time they were counted. */
  levels: Map<string, { tokens: number; at: number }>;
}

/**
 * The documented EC2 request-rate buckets of the route operations dx-failover calls ("Request throttling
 * for the Amazon EC2 API", docs/simulated-account.md "Throttling"): non-mutating actions 100 tokens,
 * refill 20/s; mutating actions 200 tokens, refill 5/s.
 */
export const EC2_DOCUMENTED_BUCKETS: readonly TokenBucketSpec[] = [
  { service: "ec2", operations: ["Describe*"], capacity: 100, refillPerSecond: 20 },
  {
    service: "ec2",
    operations: ["CreateRoute", "DeleteRoute", "ReplaceRoute", "CreateTags", "DeleteTags"],
    capacity: 200,
    refillPerSecond: 5,
  },
];

function throttleCode(service: SimServiceName): string {
  if (service === "ec2") return "RequestLimitExceeded";
  if (service === "events") return "ThrottlingException";
  return "Throttling";
}

function operationMatches(patterns: readonly string[] | undefined, operation: string): boolean {
  if (patterns === undefined || patterns.length === 0) return true;
  return patterns.some((p) => (p.endsWith("*") ? operation.startsWith(p.slice(0, -1)) : p === operation));
}

export class FaultInjector {
  private faults: MutableFault[] = [];
  private buckets: MutableBucket[] = [];
  private counter = 0;

  /** Adds a token bucket (see `TokenBucketSpec`); returns it with its id (for `remove`). */
  tokenBucket(spec: TokenBucketSpec): TokenBucket {
    if (!Number.isFinite(spec.capacity) || spec.capacity < 1)
      throw new TypeError("tokenBucket: capacity must be ≥ 1");
    if (!Number.isFinite(spec.refillPerSecond) || spec.refillPerSecond < 0)
      throw new TypeError("tokenBucket: refillPerSecond must be ≥ 0");
    this.counter += 1;
    const bucket: MutableBucket = {
      ...structuredClone(spec),
      id: `bucket-${this.counter}`,
      throttled: 0,
      levels: new Map(),
    };
    this.buckets.push(bucket);
    return this.describeBucket(bucket);
  }

  /** The token buckets, with the calls each has throttled. */
  tokenBuckets(): TokenBucket[] {
    return this.buckets.map((b) => this.describeBucket(b));
  }

  /** Tokens left now in the bucket of one operation (for tests and the benchmark). */
  tokensLeft(bucketId: string, operation: string, nowMs: number, region = "*"): number | undefined {
    const bucket = this.buckets.find((b) => b.id === bucketId);
    if (bucket === undefined) return undefined;
    return this.level(bucket, `${region}|${operation}`, nowMs).tokens;
  }

  private describeBucket(b: MutableBucket): TokenBucket {
    const { levels: _levels, ...rest } = b;
    return structuredClone(rest);
  }

  private level(b: MutableBucket, key: string, nowMs: number): { tokens: number; at: number } {
    let level = b.levels.get(key);
    if (level === undefined) {
      level = { tokens: b.capacity, at: nowMs };
      b.levels.set(key, level);
    }
    if (nowMs > level.at) {
      level.tokens = Math.min(b.capacity, level.tokens + ((nowMs - level.at) / 1000) * b.refillPerSecond);
      level.at = nowMs;
    }
    return level;
  }

  /** Takes a token from every bucket matching the call; the throttling error when one is empty. */
  private takeTokens(
    ctx: Pick<SimCallContext, "service" | "operation" | "region">,
    nowMs: number,
  ): { error: SimAwsError; id: string } | undefined {
    for (const b of this.buckets) {
      if (b.service !== ctx.service || !operationMatches(b.operations, ctx.operation)) continue;
      if (b.region !== undefined && b.region !== ctx.region) continue;
      const level = this.level(b, `${b.region === undefined ? "*" : ctx.region}|${ctx.operation}`, nowMs);
      if (level.tokens >= 1) {
        level.tokens -= 1;
        continue;
      }
      b.throttled += 1;
      const code = b.error?.code ?? throttleCode(ctx.service);
      const status = b.error?.httpStatus ?? defaultHttpStatus(code);
      return {
        id: b.id,
        error: new SimAwsError(
          code,
          b.error?.message ?? defaultMessage(code),
          status,
          status >= 500 ? "server" : "client",
        ),
      };
    }
    return undefined;
  }

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
    const before = this.faults.length + this.buckets.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    this.buckets = this.buckets.filter((b) => b.id !== id);
    return this.faults.length + this.buckets.length !== before;
  }

  /** The longest stale-read window of the faults that may still fire (0: none armed; stale-reads.ts). */
  staleReadWindowMs(): number {
    let window = 0;
    for (const f of this.faults) {
      if (f.staleReadMs !== undefined && (f.times === undefined || f.fired < f.times))
        window = Math.max(window, f.staleReadMs);
    }
    return window;
  }

  /** Removes every fault and token bucket. */
  clear(): void {
    this.faults = [];
    this.buckets = [];
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** Faults that may still fire. */
  pending(): Fault[] {
    return this.list().filter((f) => f.times === undefined || f.fired < f.times);
  }

  /**
   * Evaluates the faults for one call, in the order they were added (token buckets first, when the
   * call's time is given: a throttled call consumes no fault). Latency-only faults
   * accumulate; the first error fault that fires decides the error, and later faults are not
   * consulted (nor counted) for this call.
   */
  evaluate(ctx: Pick<SimCallContext, "service" | "operation" | "region">, nowMs?: number): FaultOutcome {
    const outcome: FaultOutcome = { latencyMs: 0, staleReadMs: 0, applied: false, fired: [] };
    if (nowMs !== undefined && this.buckets.length > 0) {
      const throttled = this.takeTokens(ctx, nowMs);
      if (throttled !== undefined) {
        outcome.fired.push(throttled.id);
        outcome.error = throttled.error;
        return outcome;
      }
    }
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
      outcome.staleReadMs = Math.max(outcome.staleReadMs, fault.staleReadMs ?? 0);
      const error = faultError(fault);
      if (error !== undefined) {
        outcome.error = error;
        outcome.applied = fault.applied === true;
        break;
      }
    }
    return outcome;
  }
}
