import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../../sim/harness";
import { alarmOf as alarmInput, instanceOf } from "../../../support/fixtures";
import { startHarness } from "../../../support/harness";
import {
  actionEvents,
  callsTo,
  hibernateResult,
  instanceAfter,
  invokeChecked,
  loadWorld,
  outcomeOf,
  skipOf,
} from "../harness";
import {
  alarmEvent,
  BLOG_ALARM,
  BLOG_PATTERN,
  idleAlarm,
  NEVER_STOPPED,
  scheduleEvent,
  W,
  worldFixture,
} from "../world";

/**
 * The hibernation model of issue 12 through the real idle-hibernate handler against the simulated
 * account (manual clock): windows per instance, preconditions, what the API proves, the fallback
 * policies, Spot rules, paused alarms, adoption and the hibernation-age watch. Every step is checked
 * against the capability's invariants.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

const alarmOf = (id: string) => alarmEvent(`ops-idle-${id}`, id);
const RECONCILE = scheduleEvent("idle-hibernate-reconcile");

describe("idle-hibernate: each instance is judged by its own alarm's window", () => {
  it("mixed windows (24 h and 15 min) in the reconcile: the 15-minute instance is hibernated", async () => {
    loadWorld(harness, worldFixture());
    const report = await invokeChecked(harness, "idle-hibernate", RECONCILE);
    expect(instanceAfter(report, W.quarterWindow)).toMatchObject({ State: "stopping" });
    expect(skipOf(report, W.dayWindow)).toMatchObject({
      reason: "recently-started",
      detail: expect.stringContaining("its idle window of 1440 min"),
    });
    expect(instanceAfter(report, W.dayWindow)?.State).toBe("running");
  });

  it("the same in the event path: each alarm event is judged by its alarm's window", async () => {
    loadWorld(harness, worldFixture());
    const day = await invokeChecked(harness, "idle-hibernate", alarmOf(W.dayWindow));
    expect(skipOf(day, W.dayWindow)?.reason).toBe("recently-started");
    const quarter = await invokeChecked(harness, "idle-hibernate", alarmOf(W.quarterWindow));
    expect(hibernateResult(quarter).decision).toBe("hibernate");
  });
});

describe("idle-hibernate: preconditions with their own skip reasons", () => {
  it.each([
    ["an NVMe instance store type (m5d.large)", W.nvme, "instance-store"],
    ["an instance store root (m3.medium)", W.storeRoot, "instance-store"],
    ["an ECS host in a capacity-provider ASG", W.ecsOnAsg, "auto-scaling-member"],
    ["an EKS managed node group node", W.eks, "auto-scaling-member"],
    ["a Karpenter node", W.karpenter, "managed-fleet"],
    ["an EMR core node", W.emr, "managed-fleet"],
    ["an EC2 Fleet instance", W.ec2Fleet, "managed-fleet"],
    ["a Spot Fleet instance", W.spotFleet, "managed-fleet"],
    ["an EKS Auto Mode instance (Operator.Managed)", W.autoMode, "managed-fleet"],
    ["an instance in a Capacity Reservation", W.reserved, "capacity-reservation"],
  ])("skips %s, never stopped", async (_what, id, reason) => {
    loadWorld(harness, worldFixture());
    const report = await invokeChecked(harness, "idle-hibernate", alarmOf(id), {
      notConfiguredFallback: "stop",
    });
    expect(skipOf(report, id)).toMatchObject({ reason });
    expect(callsTo(report, "StopInstances")).toEqual([]);
    expect(report.changes).toEqual([]);
  });

  it("the reconcile over every kind at once stops none of them", async () => {
    loadWorld(harness, worldFixture());
    const report = await invokeChecked(harness, "idle-hibernate", RECONCILE, {
      notConfiguredFallback: "stop",
      refusedAtApplyFallback: "stop",
      maxInstancesPerInvocation: 100,
    });
    const stopped = callsTo(report, "StopInstances").flatMap((c) => c.input.InstanceIds as string[]);
    for (const id of NEVER_STOPPED) expect(stopped).not.toContain(id);
    harness.advance(600_000);
    for (const id of NEVER_STOPPED) {
      expect(harness.account.snapshot().instances[id]).toMatchObject({ State: "running" });
      expect(harness.account.snapshot().instances[id]?.InstanceStoreDataLost).toBeUndefined();
    }
  });

  it("hibernates in a Capacity Reservation when allowCapacityReservation is set", async () => {
    loadWorld(harness, worldFixture());
    const report = await invokeChecked(harness, "idle-hibernate", alarmOf(W.reserved), {
      allowCapacityReservation: true,
    });
    expect(instanceAfter(report, W.reserved)).toMatchObject({
      State: "stopping",
      StateReason: "Client.UserInitiatedHibernate",
    });
  });
});

describe("idle-hibernate: what the API proves of a hibernation", () => {
  it("a hibernation is reported as hibernate-initiated (StateReason Client.UserInitiatedHibernate)", async () => {
    loadWorld(harness, worldFixture());
    const report = await invokeChecked(harness, "idle-hibernate", alarmOf(W.happy));
    expect(hibernateResult(report).hibernation).toEqual([
      {
        instanceId: W.happy,
        verdict: "hibernate-initiated",
        stateReason: "Client.UserInitiatedHibernate",
        state: "stopping",
      },
    ]);
    expect(outcomeOf(report, W.happy)).toMatchObject({
      status: "applied",
      detail: expect.stringMatching(/^hibernate-initiated/),
    });
    expect(actionEvents(harness)).toEqual([
      expect.objectContaining({
        action: "hibernate-instance",
        details: { hibernation: "hibernate-initiated", stateReason: "Client.UserInitiatedHibernate" },
      }),
    ]);
  });

  it("EC2 falls back to a normal stop → reported as not hibernated on the stopped event (metric, event, outcome)", async () => {
    loadWorld(harness, worldFixture());
    const first = await invokeChecked(harness, "idle-hibernate", alarmOf(W.failingVisible));
    expect(hibernateResult(first).hibernation[0]?.verdict).toBe("hibernate-initiated");
    harness.advance(180_000);
    const stopped = harness.account.serviceEvents.find(
      (e) => e.detail["instance-id"] === W.failingVisible && e.detail.state === "stopped",
    );
    expect(stopped).toBeDefined();
    const report = await invokeChecked(harness, "idle-hibernate", stopped);
    expect(hibernateResult(report).decision).toBe("normal-shutdown");
    expect(hibernateResult(report).hibernation).toEqual([
      {
        instanceId: W.failingVisible,
        verdict: "normal-shutdown",
        stateReason: "Client.UserInitiatedShutdown",
        state: "stopped",
      },
    ]);
    expect(actionEvents(harness).map((e) => [e.action, e.status])).toEqual([
      ["hibernate-instance", "applied"],
      ["normal-shutdown", "reported"],
    ]);
    expect(harness.account.snapshot().instances[W.failingVisible]?.MemoryPreserved).toBe(false);
  });

  it("a fallback EC2 does not report stays hibernate-initiated: the API cannot show it (decision 14)", async () => {
    loadWorld(harness, worldFixture());
    await invokeChecked(harness, "idle-hibernate", alarmOf(W.failing));
    harness.advance(180_000);
    const stopped = harness.account.serviceEvents.find(
      (e) => e.detail["instance-id"] === W.failing && e.detail.state === "stopped",
    );
    const report = await invokeChecked(harness, "idle-hibernate", stopped);
    expect(hibernateResult(report).decision).toBe("hibernate-initiated");
    // The model knows better than the API: the memory was not saved.
    expect(harness.account.snapshot().instances[W.failing]?.MemoryPreserved).toBe(false);
  });

  it("a stopped event of an instance that is not opted in, or not configured, is not judged", async () => {
    const fixture = worldFixture();
    instanceOf(fixture, W.happy).tags = {};
    loadWorld(harness, fixture);
    const event = {
      ...alarmOf(W.happy),
      "detail-type": "EC2 Instance State-change Notification",
      source: "aws.ec2",
      detail: { "instance-id": W.happy, state: "stopped" },
    };
    const notOptedIn = await invokeChecked(harness, "idle-hibernate", event);
    expect(hibernateResult(notOptedIn).decision).toBe("ignored-not-opted-in");
    const notConfigured = await invokeChecked(harness, "idle-hibernate", {
      ...event,
      detail: { "instance-id": W.notConfigured, state: "stopped" },
    });
    expect(hibernateResult(notConfigured).decision).toBe("ignored-not-configured");
    expect(harness.account.publishedEvents).toEqual([]);
  });
});

describe("idle-hibernate: the two fallback policies", () => {
  it("not configured: skip by default, stop plainly under notConfiguredFallback stop", async () => {
    loadWorld(harness, worldFixture());
    const skipped = await invokeChecked(harness, "idle-hibernate", alarmOf(W.notConfigured));
    expect(skipOf(skipped, W.notConfigured)?.reason).toBe("hibernation-not-configured");
    const stopped = await invokeChecked(harness, "idle-hibernate", alarmOf(W.notConfigured), {
      notConfiguredFallback: "stop",
    });
    expect(callsTo(stopped, "StopInstances").map((c) => c.input)).toEqual([
      { InstanceIds: [W.notConfigured], DryRun: false },
    ]);
    expect(hibernateResult(stopped).hibernation[0]?.verdict).toBe("stopped-by-fallback");
  });

  it("refused at apply time: skipped (failed, reported) by default, stopped plainly under refusedAtApplyFallback stop", async () => {
    for (const [policy, expected] of [
      ["skip", "running"],
      ["stop", "stopping"],
    ] as const) {
      loadWorld(harness, worldFixture());
      harness.account.faults.add({
        service: "ec2",
        operation: "StopInstances",
        error: { code: "UnsupportedHibernationConfiguration", httpStatus: 400 },
        times: 1,
      });
      const report = await invokeChecked(harness, "idle-hibernate", alarmOf(W.happy), {
        refusedAtApplyFallback: policy,
      });
      expect(instanceAfter(report, W.happy)?.State).toBe(expected);
      expect(callsTo(report, "StopInstances").map((c) => c.input.Hibernate ?? false)).toEqual(
        policy === "skip" ? [true] : [true, false],
      );
      if (policy === "skip") {
        expect(outcomeOf(report, W.happy)).toMatchObject({
          status: "failed",
          code: "UnsupportedHibernationConfiguration",
        });
      } else {
        expect(hibernateResult(report).hibernation[0]?.verdict).toBe("stopped-by-fallback");
      }
    }
  });

  it("a one-time Spot request's instance: the refusal is reported, never followed by a plain stop", async () => {
    loadWorld(harness, worldFixture());
    const report = await invokeChecked(harness, "idle-hibernate", alarmOf(W.spotOneTime), {
      notConfiguredFallback: "stop",
      refusedAtApplyFallback: "stop",
    });
    expect(callsTo(report, "StopInstances")).toHaveLength(1);
    expect(outcomeOf(report, W.spotOneTime)).toMatchObject({
      status: "failed",
      code: "UnsupportedOperation",
    });
    expect(instanceAfter(report, W.spotOneTime)?.State).toBe("running");
  });

  it("a persistent Spot request's instance configured for hibernation hibernates like On-Demand", async () => {
    loadWorld(harness, worldFixture());
    const report = await invokeChecked(harness, "idle-hibernate", alarmOf(W.spotPersistent));
    expect(instanceAfter(report, W.spotPersistent)).toMatchObject({
      State: "stopping",
      StateReason: "Client.UserInitiatedHibernate",
      InstanceLifecycle: "spot",
    });
  });

  it("too soon after launch (EC2's two minutes): the refusal is reported, no fallback", async () => {
    const fixture = worldFixture();
    instanceOf(fixture, W.happy).launchTime = new Date(
      Date.parse("2026-03-02T09:00:00Z") - 90_000,
    ).toISOString();
    // A one-minute window (one 60-second period) and a one-minute floor let the plan act at 90 s.
    Object.assign(alarmInput(fixture, `ops-idle-${W.happy}`), {
      period: 60,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
    });
    loadWorld(harness, fixture);
    const report = await invokeChecked(harness, "idle-hibernate", alarmOf(W.happy), {
      minimumUptimeMinutes: 1,
      refusedAtApplyFallback: "stop",
    });
    expect(callsTo(report, "StopInstances").map((c) => [c.input.Hibernate, c.error?.code])).toEqual([
      [true, "UnsupportedOperation"],
    ]);
    expect(outcomeOf(report, W.happy)).toMatchObject({ status: "failed", code: "UnsupportedOperation" });
    expect(instanceAfter(report, W.happy)?.State).toBe("running");
  });

  it("the default floor (15 min) and the alarm's window keep it from being tried at all", async () => {
    const fixture = worldFixture();
    instanceOf(fixture, W.happy).launchTime = new Date(
      Date.parse("2026-03-02T09:00:00Z") - 90_000,
    ).toISOString();
    loadWorld(harness, fixture);
    const report = await invokeChecked(harness, "idle-hibernate", alarmOf(W.happy));
    expect(skipOf(report, W.happy)?.reason).toBe("recently-started");
    expect(callsTo(report, "StopInstances")).toEqual([]);
  });
});

describe("idle-hibernate: paused alarms and adopted alarms", () => {
  it("alarm actions disabled → paused: no EC2 write, in the event path and the reconcile", async () => {
    const fixture = worldFixture();
    // As DisableAlarmActions leaves it: state change events still reach EventBridge.
    alarmInput(fixture, `ops-idle-${W.happy}`).actionsEnabled = false;
    loadWorld(harness, fixture);
    const event = await invokeChecked(harness, "idle-hibernate", alarmOf(W.happy));
    expect(hibernateResult(event).decision).toBe("paused");
    expect(hibernateResult(event).alarms).toEqual([expect.objectContaining({ decision: "paused" })]);
    expect(skipOf(event, W.happy)?.reason).toBe("paused");
    expect(callsTo(event, "StopInstances")).toEqual([]);
    const reconcile = await invokeChecked(harness, "idle-hibernate", RECONCILE, {
      maxInstancesPerInvocation: 100,
    });
    expect(skipOf(reconcile, W.happy)?.reason).toBe("paused");
    expect(callsTo(reconcile, "StopInstances").flatMap((c) => c.input.InstanceIds as string[])).not.toContain(
      W.happy,
    );
  });

  it("the blog's alarm is adopted by its name pattern: acted on, in the event path and the reconcile", async () => {
    loadWorld(harness, worldFixture());
    const ignored = await invokeChecked(harness, "idle-hibernate", alarmEvent(BLOG_ALARM, W.blog));
    expect(hibernateResult(ignored).decision).toBe("ignored-foreign-alarm");
    const adopted = await invokeChecked(harness, "idle-hibernate", alarmEvent(BLOG_ALARM, W.blog), {
      adoptAlarmNamePatterns: [BLOG_PATTERN],
    });
    expect(hibernateResult(adopted).decision).toBe("hibernate");
    expect(instanceAfter(adopted, W.blog)?.State).toBe("stopping");
    loadWorld(harness, worldFixture());
    const reconcile = await invokeChecked(harness, "idle-hibernate", RECONCILE, {
      adoptAlarmNamePatterns: [BLOG_PATTERN],
      maxInstancesPerInvocation: 100,
    });
    expect(callsTo(reconcile, "DescribeAlarms").map((c) => c.input.AlarmNamePrefix)).toEqual([
      "ops-idle-",
      "Hibernate-",
    ]);
    expect(instanceAfter(reconcile, W.blog)?.State).toBe("stopping");
  });
});

describe("idle-hibernate: the hibernation-age watch (60 days)", () => {
  const AGE = scheduleEvent("idle-hibernate-hibernation-age");

  it("reports an instance hibernated 56 days: metric, event, no start by default", async () => {
    loadWorld(harness, worldFixture());
    const report = await invokeChecked(harness, "idle-hibernate", AGE);
    expect(hibernateResult(report).decision).toBe("hibernated-too-long");
    expect(hibernateResult(report).findings).toEqual([
      expect.objectContaining({ instanceId: W.longHibernated, verdict: "too-long", hibernatedDays: 56 }),
    ]);
    // Every hibernated instance is reported, opted in or not any more (a read); only opted-in ones start.
    expect(callsTo(report, "DescribeInstances")[0]?.input.Filters).toEqual([
      { Name: "instance-state-name", Values: ["stopped"] },
      { Name: "state-reason-code", Values: ["Client.UserInitiatedHibernate"] },
    ]);
    expect(callsTo(report, "StartInstances")).toEqual([]);
    expect(actionEvents(harness)).toEqual([
      expect.objectContaining({ action: "hibernated-too-long", status: "reported" }),
    ]);
  });

  it("the start policy resumes it once, so that it can hibernate again", async () => {
    const fixture = worldFixture();
    // Its idle alarm (actions enabled) will hibernate it again once it idles.
    fixture.alarms.push(idleAlarm(W.longHibernated, { state: "INSUFFICIENT_DATA" }));
    loadWorld(harness, fixture);
    const report = await invokeChecked(harness, "idle-hibernate", AGE, {
      hibernationAge: { action: "start" },
    });
    expect(hibernateResult(report).decision).toBe("start");
    expect(callsTo(report, "StartInstances").map((c) => c.input.InstanceIds)).toEqual([[W.longHibernated]]);
    expect(instanceAfter(report, W.longHibernated)?.State).toMatch(/pending|running/);
    harness.advance(60_000);
    expect(harness.account.snapshot().instances[W.longHibernated]?.MemoryPreserved).toBe(true);
    const again = await invokeChecked(harness, "idle-hibernate", AGE, {
      hibernationAge: { action: "start" },
    });
    expect(callsTo(again, "StartInstances")).toEqual([]);
    expect(hibernateResult(again).decision).toBe("nothing-to-do");
  });
});
