import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { Harness } from "../../../../sim/harness";
import { CHAOS_START, runTrace } from "../../../../tools/chaos/driver";
import { generateTrace } from "../../../../tools/chaos/generate";
import { eniReattachModel } from "../../../../tools/chaos/incidents/eni-reattach";
import { idleHibernateModel } from "../../../../tools/chaos/incidents/idle-hibernate";
import { vfxtIpMoveModel } from "../../../../tools/chaos/incidents/vfxt-ip-move";
import { startHarness } from "../../../support/harness";
import { call, detailTypeOf, startMutantHarness, traceOf } from "./mutants";

const DEMO_FIXTURE = "test/fixtures/accounts/idle-hibernate.json";

/**
 * Review of the chaos driver (issue 14) against Lambda's and EventBridge's documented delivery, and of its
 * determinism: each test fails today (it.fails) and states what a faithful run would show.
 */

const SERVING = "i-0f1e2d3c4b5a60001";
const VARIANT = "terminate-then-launch";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const scheduled = (at: number) => ({
  version: "0",
  id: `review-${at}`,
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: new Date(at).toISOString(),
  region: "us-east-1",
  resources: ["arn:aws:events:us-east-1:123456789012:rule/ops-toolkit-dev-eni-reattach-reconcile"],
  detail: {},
});

describe("review: chaos driver", () => {
  it("review: a write made after the invocation's timeout does not land (Lambda stops the function at its timeout)", {
    timeout: 120_000,
  }, async () => {
    // Mutant: ignores its deadline, sleeps 30 s of simulated time, then writes.
    let invocation = 0;
    harness = await startMutantHarness("eni-reattach", ({ clock, account }) => async () => {
      const n = invocation++;
      await clock.sleep(30_000);
      await call(account(), "ec2", "CreateTags", {
        Resources: [SERVING],
        Tags: [{ Key: `review:late-${n}`, Value: "written after the deadline" }],
      });
      return { decision: "late-write" };
    });
    const result = await runTrace(
      harness,
      eniReattachModel,
      traceOf("eni-reattach", VARIANT, 0.25, [
        { at: 0, kind: "short-deadline", params: { timeoutMs: 5000 } },
      ]),
    );
    const timedOut = result.delivered.findIndex((d) => /timed out/.test(d.outcome));
    expect(timedOut).toBeGreaterThanOrEqual(0);
    const tags = harness.account.state().instances.get(SERVING)?.tags;
    expect(tags?.has(`review:late-${timedOut}`)).toBe(false);
  });

  it("review: the SDK's retry backoff passes on the simulated clock, not on real timers", {
    timeout: 120_000,
  }, async () => {
    harness = await startHarness({ clock: "manual" });
    const account = harness.load(eniReattachModel.fixture(VARIANT), { now: CHAOS_START });
    account.faults.add({
      service: "autoscaling",
      operation: "DescribeAutoScalingGroups",
      times: 2,
      error: { code: "Throttling", httpStatus: 400 },
    });
    const report = await harness.invoke("eni-reattach", scheduled(CHAOS_START.getTime()), {
      env: { OPS_CONFIG: JSON.stringify(eniReattachModel.stage(VARIANT)) },
      timeoutMs: 60_000,
    });
    const attempts = report.calls.filter((c) => c.operation === "DescribeAutoScalingGroups");
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    // Two backoffs (full jitter on 100 ms doubling) lie between the first attempt and the third.
    expect(Date.parse(attempts[2]?.at ?? "")).toBeGreaterThan(Date.parse(attempts[0]?.at ?? ""));
  });

  it("review: an EC2 state-change event reaches its rule's function within minutes, not after a fast-forwarded hour", {
    timeout: 180_000,
  }, async () => {
    harness = await startHarness({ clock: "manual" });
    const generated = generateTrace(idleHibernateModel, 1, 1);
    // Only incidents and API faults: no delivery fault delays anything.
    const trace = {
      ...generated,
      variant: "demo",
      items: generated.items.filter((i) => i.kind.startsWith("incident:") || i.kind.startsWith("api-")),
    };
    // The demo account as committed (its idle alarms in ALARM): the reconcile stops instances in quiet time.
    // (chaossim starts the campaign's idle alarms in OK, which hides this seed's case; the finding stands.)
    const demo = { ...idleHibernateModel, fixture: () => JSON.parse(readFileSync(DEMO_FIXTURE, "utf8")) };
    const result = await runTrace(harness, demo, trace, { stopOnViolation: false });
    const lags = result.delivered
      .filter((d) => !d.via.startsWith("schedule") && d.attempt === 0)
      .map((d) => d.at - (Date.parse(String((d.event as { time?: string }).time)) - CHAOS_START.getTime()));
    expect(lags.length).toBeGreaterThan(0);
    expect(Math.max(...lags)).toBeLessThanOrEqual(5 * 60_000);
  });

  it("review: an event the function drops without a reason breaks 'every event acted on, ignored with a reason, or kept'", {
    timeout: 180_000,
  }, async () => {
    // Mutant: every lifecycle event answered "ignored" with no reason and no action; reconciles are real.
    harness = await startMutantHarness(
      "eni-reattach",
      ({ real }) =>
        async (event, context) =>
          /Lifecycle Action/.test(detailTypeOf(event)) ? { decision: "ignored" } : real(event, context),
    );
    const result = await runTrace(
      harness,
      eniReattachModel,
      traceOf("eni-reattach", VARIANT, 6, [
        { at: 3_600_000, kind: "incident:unhealthy", params: { pick: 0 } },
      ]),
      { stopOnViolation: false },
    );
    expect(result.delivered.some((d) => /Lifecycle Action/.test(detailTypeOf(d.event)))).toBe(true);
    expect(result.violations.map((v) => v.invariant)).toContain("every-event-accounted");
  });

  it("review: an incident due while a handler waits out the vFXT grace happens at its time, not after the invocation", {
    timeout: 180_000,
  }, async () => {
    harness = await startHarness({ clock: "manual" });
    // A node is stopped and started again 5 minutes later: within the 900 s grace the function waits out.
    const result = await runTrace(
      harness,
      vfxtIpMoveModel,
      traceOf("vfxt-ip-move", "grace-900", 3, [
        { at: 3_600_000, kind: "incident:stop", params: { node: 0 } },
        { at: 3_900_000, kind: "incident:start", params: { node: 0 } },
      ]),
      { stopOnViolation: false },
    );
    const during = result.delivered.find((d) => d.at >= 3_600_000 && d.at < 3_900_000);
    expect(during).toBeDefined();
    expect(result.log.find((l) => l.includes("incident start"))).toMatch(/^t\+3900s /);
  });
});
