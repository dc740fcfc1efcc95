import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Harness } from "../../../sim/harness";
import { packagedTimeoutMs } from "../../../tools/lib/packaged-timeout";
import { account, configEnv, event, instance, NEW } from "../../functions/eni-reattach/support";
import { startHarness } from "../../support/harness";

/** A function that answers the time its Lambda context gives it. */
const remainingTime = (name: string) => ({
  name,
  load: async () => () => async (_event: unknown, context: { getRemainingTimeInMillis(): number }) =>
    context.getRemainingTimeInMillis(),
});

describe("the harness's default timeout: the function's packaged one", () => {
  let bare: Harness;
  beforeAll(async () => {
    bare = await Harness.start({
      functions: [remainingTime("eni-reattach"), remainingTime("idle-hibernate")],
      clock: "manual",
      transport: "memory",
      packagedTimeoutMs,
    });
    bare.load(account());
  });
  afterAll(async () => {
    await bare.close();
  });

  it("eni-reattach without a timeout runs with its packaged one, under the OPS_CONFIG it is given", async () => {
    const env = { OPS_CONFIG: JSON.stringify({ eniReattach: { detachTimeoutMs: 60_000 } }) };
    expect((await bare.invoke("eni-reattach", {})).result).toBe(262_000);
    expect((await bare.invoke("eni-reattach", {}, { env })).result).toBe(202_000);
  });

  it("an explicit timeout wins; a function with none computed keeps 60 s", async () => {
    expect((await bare.invoke("eni-reattach", {}, { timeoutMs: 5_000 })).result).toBe(5_000);
    expect((await bare.invoke("idle-hibernate", {})).result).toBe(60_000);
  });
});

describe("the tests' harness gives the real eni-reattach its packaged timeout", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ clock: "manual", transport: "memory" });
  });
  afterAll(async () => {
    await harness.close();
  });

  it("a launch whose instance never runs waits for it past 60 s, until 20 s before its 262 s deadline", async () => {
    const now = new Date();
    const raw = account();
    Object.assign(raw.behaviour, { pendingToRunningMs: 3_600_000 });
    Object.assign(instance(raw, NEW), { state: "pending", stateSince: raw.clock.start });
    harness.load(raw, { now });
    const report = await harness.invoke("eni-reattach", event("launch-eventbridge.json", undefined, now), {
      env: configEnv(),
    });
    expect(report.timedOut).not.toBe(true);
    expect(String(report.error)).toContain("still pending");
    expect(report.simulatedMs).toBeGreaterThan(200_000);
    expect(report.simulatedMs).toBeLessThan(262_000);
  });
});
