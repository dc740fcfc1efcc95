import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../sim/harness";
import { runTrace } from "../../../tools/chaos/driver";
import { idleHibernateModel } from "../../../tools/chaos/incidents/idle-hibernate";
import type { Trace } from "../../../tools/chaos/types";
import { startHarness } from "../../support/harness";

/**
 * CloudWatch alarm actions in a chaos run (issue 14): an idle alarm whose action is the idle-hibernate
 * function or the stack's idle-alarms topic reaches the function through that trigger too, besides the
 * EventBridge rule, as the deployed stack is wired (tools/lib/routing.ts).
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

const ALARM = "ops-idle-i-0123456789abcdef0";

/** The first opted-in instance goes idle (the campaign's idle alarms start in OK). */
const trace = (variant: string): Trace => ({
  capability: "idle-hibernate",
  seed: 0,
  days: 0.05,
  variant,
  items: [{ at: 60_000, kind: "incident:goes-idle", params: { pick: 0 } }],
});

const viaOf = async (variant: string) => {
  const run = await runTrace(harness, idleHibernateModel, trace(variant), { stopOnViolation: false });
  expect(run.violations).toEqual([]);
  expect(run.log.filter((l) => l.includes("incident")).map((l) => l.split(": ").pop())).toEqual(["ALARM"]);
  return run.delivered.filter((d) => d.function === "idle-hibernate").map((d) => d.via);
};

describe("alarm actions delivered by the chaos driver", () => {
  it("a Lambda action invokes idle-hibernate through its alarm-action trigger", {
    timeout: 60_000,
  }, async () => {
    expect(await viaOf("lambda-action")).toContain(`alarm action of ${ALARM}`);
  });

  it("an SNS action reaches idle-hibernate through its subscription to the stack's topic", {
    timeout: 60_000,
  }, async () => {
    expect(await viaOf("sns-action")).toContain("SNS subscription to ops-toolkit-dev-idle-alarms");
  });

  it("without actions only the EventBridge rule delivers", { timeout: 60_000 }, async () => {
    const via = await viaOf("demo");
    expect(via.filter((v) => !v.startsWith("schedule"))).toEqual([
      "EventBridge rule ops-toolkit-dev-idle-hibernate-alarm",
    ]);
  });
});
