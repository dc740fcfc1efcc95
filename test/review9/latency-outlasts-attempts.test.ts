import { describe, expect, it } from "vitest";
import { generateTrace } from "../../tools/chaos/generate";
import { idleHibernateModel } from "../../tools/chaos/incidents/idle-hibernate";

/**
 * Review 9, finding 3 (fidelity: a class of bugs the campaign cannot draw). Since session 8 a simulated
 * `api-latency` fault longer than the SDK's request timeout (3 s) ends the attempt with a `TimeoutError`
 * after the write was applied (`ClockRequestTimeoutHandler`; the account applies a slow call at its start).
 * But `tools/chaos/generate.ts` `apiFault` draws `times: rng.int(1, 3)`, and the handlers' SDK clients make
 * `aws.maxAttempts` = 5 attempts (`shared/runtime/config.ts`): the 4th attempt always gets a fast answer
 * (`IncorrectInstanceState`, `RouteAlreadyExists`, …), which every capability reads back. The path where a
 * write landed and the caller saw only timeouts — finding 1 (`hibernate-timed-out-stop.sim.test.ts`) —
 * is reached only if a `short-deadline` delivery fault happens to stop the retries, never by a slow API alone.
 *
 * Source: AWS SDKs and Tools Reference Guide, "Retry behavior" (read timeouts are retried up to max
 * attempts); EC2 API Reference, "Ensuring idempotency in Amazon EC2 API requests" (a request may time out
 * after the resource was mutated). An EC2 control-plane slowdown lasts minutes, not three calls.
 *
 * Consequence for an operator: a green campaign says nothing about a write whose every answer was lost.
 *
 * Fix: `generate.ts` `apiFault`: draw `times` up to past `maxAttempts` (e.g. 1–8), or an `api-latency`
 * episode by duration (every call to the operation for 10–120 s) rather than by count.
 */

const MAX_ATTEMPTS = 5;

describe("review 9 finding 3: no drawn latency fault outlasts the SDK's attempts", () => {
  it("review: over 300 seeds, some api-latency fault (≥ 4 s) lasts at least aws.maxAttempts calls", () => {
    const outlasting = [];
    for (let seed = 1; seed <= 300; seed++)
      for (const item of generateTrace(idleHibernateModel, seed, 1).items)
        if (
          item.kind === "api-latency" &&
          Number(item.params.latencyMs) > 3_000 &&
          Number(item.params.times) >= MAX_ATTEMPTS
        )
          outlasting.push(seed);
    expect(outlasting.length).toBeGreaterThan(0);
  });

  it("review (control): the same seeds do draw api-latency faults longer than the request timeout", () => {
    const slow = [];
    for (let seed = 1; seed <= 300; seed++)
      for (const item of generateTrace(idleHibernateModel, seed, 1).items)
        if (item.kind === "api-latency" && Number(item.params.latencyMs) > 3_000) slow.push(item);
    expect(slow.length).toBeGreaterThan(0);
  });
});
