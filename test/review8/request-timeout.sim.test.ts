import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../sim/harness";
import { CHAOS_START, runTrace } from "../../tools/chaos/driver";
import { vfxtIpMoveModel } from "../../tools/chaos/incidents/vfxt-ip-move";
import type { Trace } from "../../tools/chaos/types";
import { startHarness } from "../support/harness";

/**
 * Review 8, finding 6: the campaign's "slow or hanging asynchronous operations" (`api-latency`, 1–20 s) never
 * meet the SDK's request timeout. The handlers' clients are built with `requestTimeout: aws.requestTimeoutMs`
 * (3,000 ms by default; shared/aws/clients.ts), which NodeHttpHandler enforces ("The number of milliseconds a
 * request can take before automatically being terminated", NodeHttpHandlerOptions); the SDK's standard retry
 * strategy retries the resulting `TimeoutError` (a transient error: @smithy/service-error-classification
 * TRANSIENT_ERROR_CODES). On the harness's manual clock the request goes through `GatedHttpHandler` over the
 * in-memory transport, which has no request timeout: a 20 s call is answered after 20 s as a success. So the
 * path AWS takes — the call abandoned at 3 s, retried (a write possibly applied twice), the retry quota spent,
 * a hang cut short — is never exercised, and a slow call holds an invocation far longer than deployed.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual", transport: "memory" });
});
afterAll(async () => {
  await harness.close();
});

/** The reconcile at t+300 s meets a 20 s DescribeInstances (as review5's latency test). */
const trace: Trace = {
  capability: "vfxt-ip-move",
  seed: 7,
  days: 900_000 / 86_400_000,
  variant: "grace-900",
  items: [
    {
      at: 290_000,
      kind: "api-latency",
      params: { service: "ec2", operation: "DescribeInstances", latencyMs: 20_000, times: 1 },
    },
  ],
};

describe("review 8 finding 6: a slow call meets the SDK's request timeout", () => {
  it("review: a 20 s DescribeInstances is abandoned at the 3 s request timeout and retried by the SDK", {
    timeout: 120_000,
  }, async () => {
    const stopAt = CHAOS_START.getTime() + 400_000;
    await runTrace(harness, vfxtIpMoveModel, trace, { until: (now) => now >= stopAt });
    const reads = harness.account.calls.filter((c) => c.operation === "DescribeInstances");
    const slow = reads.findIndex((c) => c.latencyMs !== undefined);
    expect(slow).toBeGreaterThanOrEqual(0);
    const retry = reads[slow + 1];
    // The SDK's retry goes out once the request timeout (3 s) and its backoff have passed, not after 20 s.
    expect(retry).toBeDefined();
    expect(Date.parse(retry?.at ?? "") - Date.parse(reads[slow]?.at ?? "")).toBeLessThan(20_000);
  });
});
