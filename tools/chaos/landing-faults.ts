/**
 * Api faults that land (review5-sim finding 11, indeterminate outcomes): a write takes effect, then its
 * caller sees a 5xx or no answer at all (EC2 API Reference, "Ensuring idempotency": a request may "time
 * out or encounter other server issues before they complete, even though the request has already returned
 * a result"). The SDK retries a 5xx and a closed connection (AWS SDKs and Tools reference, "Retry
 * behavior"), and so does Lambda when the invocation fails: the retry meets a write that already happened.
 * Per capability, every write its functions make; drawn from a stream of its own, so the other items of a
 * seed's trace are the ones it had before this fault existed.
 */
import type { Capability } from "../../functions/index";
import type { FaultSpec } from "../../sim/account/faults";
import type { SimServiceName } from "../../sim/types";
import { createRng } from "./prng";
import type { Params, TraceItem } from "./types";

/** The writes of each capability (functions/<capability>/**: the SDK commands that change state). */
export const LANDING_TARGETS: Record<
  Capability,
  ReadonlyArray<{ service: SimServiceName; operation: string }>
> = {
  "idle-hibernate": [
    { service: "ec2", operation: "StopInstances" },
    { service: "ec2", operation: "StartInstances" },
    { service: "ec2", operation: "CreateTags" },
    { service: "monitoring", operation: "PutMetricAlarm" },
    { service: "monitoring", operation: "DeleteAlarms" },
  ],
  "dx-failover": [
    { service: "ec2", operation: "CreateRoute" },
    { service: "ec2", operation: "ReplaceRoute" },
    { service: "ec2", operation: "DeleteRoute" },
    { service: "ec2", operation: "CreateTags" },
    { service: "ec2", operation: "DeleteTags" },
  ],
  "eni-reattach": [
    { service: "ec2", operation: "AttachNetworkInterface" },
    { service: "ec2", operation: "DetachNetworkInterface" },
    { service: "ec2", operation: "ModifyNetworkInterfaceAttribute" },
    { service: "autoscaling", operation: "CompleteLifecycleAction" },
    { service: "autoscaling", operation: "RecordLifecycleActionHeartbeat" },
  ],
  "vfxt-ip-move": [
    { service: "ec2", operation: "AssignPrivateIpAddresses" },
    { service: "ec2", operation: "UnassignPrivateIpAddresses" },
    { service: "ec2", operation: "ReplaceRoute" },
    { service: "ec2", operation: "CreateRoute" },
    { service: "ec2", operation: "DeleteRoute" },
  ],
};

/**
 * The server errors each service answers when it fails on its side (a throttle is refused before the
 * work: it never lands, nor does InsufficientInstanceCapacity).
 */
const SERVER_ERRORS: Partial<Record<SimServiceName, ReadonlyArray<{ code: string; httpStatus: number }>>> = {
  ec2: [
    { code: "InternalError", httpStatus: 500 },
    { code: "Unavailable", httpStatus: 503 },
  ],
  autoscaling: [{ code: "InternalFailure", httpStatus: 500 }],
  monitoring: [{ code: "InternalServiceError", httpStatus: 500 }],
};

const DAY_MS = 86_400_000;
/** Share of incidents whose response meets landing faults. */
const CHANCE = 0.5;
/**
 * When, around its incident, the landing faults are armed (s): from before it to the writes of a response
 * that comes minutes later (an instance launched, a grace waited); the driver keeps an api fault armed for
 * its burst time (10 min).
 */
const ARMED_S: readonly [number, number] = [-120, 300];
/** Share of landing faults whose answer is lost with the connection (the rest answer a 5xx). */
const DROPPED = 1 / 3;

/**
 * Landing faults around the trace's incidents: for a share of them (`CHANCE`), every write of the
 * capability lands once before its error (the first attempt of each; the SDK's retry then meets the write
 * already done), armed at one time around the incident (`ARMED_S`).
 */
export const landingFaultItems = (
  capability: Capability,
  seed: number,
  items: readonly TraceItem[],
): TraceItem[] => {
  // Its own stream (a multiplicative hash: the first draws of nearby seeds would otherwise be alike).
  const rng = createRng((Math.imul(seed, 0x85ebca6b) ^ 0x1a4d) >>> 0);
  const out: TraceItem[] = [];
  for (const item of items) {
    if (!item.kind.startsWith("incident:") || !rng.chance(CHANCE)) continue;
    // Inside the incident's day, as every item of a trace.
    const dayEnd = (Math.floor(item.at / DAY_MS) + 1) * DAY_MS - 1000;
    const at = Math.min(dayEnd, Math.max(0, item.at + rng.int(ARMED_S[0], ARMED_S[1]) * 1000));
    for (const target of LANDING_TARGETS[capability]) {
      const answer: Params = rng.chance(DROPPED)
        ? { dropConnection: true }
        : { ...rng.pick(SERVER_ERRORS[target.service] ?? [{ code: "InternalError", httpStatus: 500 }]) };
      out.push({ at, kind: "api-fault", params: { ...target, ...answer, applied: true, times: 1 } });
    }
  }
  return out;
};

/** What an `api-fault` item answers: its error, or no answer; applied first when the item lands. */
export const apiFaultAnswer = (params: Params): Pick<FaultSpec, "error" | "applied" | "dropConnection"> => ({
  ...(params.dropConnection === true
    ? { dropConnection: true }
    : { error: { code: String(params.code), httpStatus: Number(params.httpStatus) } }),
  ...(params.applied === true ? { applied: true } : {}),
});
