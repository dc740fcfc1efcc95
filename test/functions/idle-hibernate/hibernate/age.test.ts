import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  planHibernationAge,
  START_ACTION,
  stopTimeOf,
} from "../../../../functions/idle-hibernate/hibernate/plan/age";
import { proofOf } from "../../../../functions/idle-hibernate/hibernate/plan/proof";
import type { AlarmView } from "../../../../shared/observe/model";
import { alarmView, DEFAULT_POLICY, instanceView, policyWith } from "../support";

const now = new Date("2026-11-21T12:00:00Z");
const DAY = 86_400_000;
const gmt = (at: number) =>
  `User initiated (${new Date(at).toISOString().slice(0, 19).replace("T", " ")} GMT)`;
/** Every instance has its idle alarm, actions enabled (what the start policy needs). */
const withAlarms = (ids: string[], overrides: Partial<AlarmView> = {}) =>
  new Map(ids.map((id) => [id, [alarmView(id, { state: "INSUFFICIENT_DATA", ...overrides })]]));
const NONE = new Map<string, AlarmView[]>();
const hibernatedFor = (id: string, days: number, overrides = {}) =>
  instanceView(id, {
    state: "stopped",
    stateReasonCode: "Client.UserInitiatedHibernate",
    stateTransitionReason: gmt(now.getTime() - days * DAY),
    ...overrides,
  });

describe("stopTimeOf", () => {
  it("reads the stop time of StateTransitionReason", () => {
    expect(stopTimeOf("User initiated (2019-10-02 17:21:00 GMT)")).toBe(Date.parse("2019-10-02T17:21:00Z"));
  });

  it.each([
    [""],
    [undefined],
    ["User initiated"],
    ["Server.InternalError"],
    ["User initiated (2019-13-45 99:00:00 GMT)"],
  ])("has none in %j", (text) => {
    expect(stopTimeOf(text)).toBeUndefined();
  });

  it("round-trips any second since 2000", () => {
    fc.assert(
      fc.property(fc.integer({ min: 946_684_800, max: 4_102_444_799 }), (seconds) => {
        expect(stopTimeOf(gmt(seconds * 1000))).toBe(seconds * 1000);
      }),
    );
  });
});

describe("planHibernationAge", () => {
  it("reports an instance hibernated 56 days (default 55), and leaves a 54-day one alone", () => {
    const plan = planHibernationAge(
      [hibernatedFor("i-0000000000000000a", 56), hibernatedFor("i-0000000000000000b", 54)],
      NONE,
      DEFAULT_POLICY,
      now,
    );
    expect(plan.decision).toBe("hibernated-too-long");
    expect(plan.actions).toEqual([]);
    expect(plan.findings).toEqual([
      expect.objectContaining({ instanceId: "i-0000000000000000a", verdict: "too-long", hibernatedDays: 56 }),
    ]);
  });

  it("starts it under the start policy, never an opted-out or managed one", () => {
    const startPolicy = policyWith({ hibernationAge: { action: "start" } });
    const plan = planHibernationAge(
      [
        hibernatedFor("i-0000000000000000a", 56),
        hibernatedFor("i-0000000000000000b", 57, {
          tags: { "ops:hibernate": "idle", "ops:hibernate-opt-out": "" },
        }),
        hibernatedFor("i-0000000000000000c", 58, {
          tags: { "ops:hibernate": "idle", "aws:ec2:fleet-id": "fleet-1" },
        }),
      ],
      withAlarms(["i-0000000000000000a", "i-0000000000000000b", "i-0000000000000000c"]),
      startPolicy,
      now,
    );
    expect(plan.decision).toBe("start");
    expect(plan.actions).toEqual([
      expect.objectContaining({ kind: START_ACTION, params: { instanceIds: ["i-0000000000000000a"] } }),
    ]);
    expect(plan.skips.map((s) => [s.resource, s.reason])).toEqual([
      ["i-0000000000000000b", "not-started"],
      ["i-0000000000000000c", "not-started"],
    ]);
    expect(plan.findings).toHaveLength(3);
  });

  it("reports an unknown age and never starts it", () => {
    const plan = planHibernationAge(
      [hibernatedFor("i-0000000000000000a", 0, { stateTransitionReason: "" })],
      withAlarms(["i-0000000000000000a"]),
      policyWith({ hibernationAge: { action: "start" } }),
      now,
    );
    expect(plan.actions).toEqual([]);
    expect(plan.findings).toEqual([expect.objectContaining({ verdict: "age-unknown" })]);
  });

  it("never starts one whose idle alarm is paused, or that no idle alarm names, or that is not opted in", () => {
    const ids = ["i-0000000000000000a", "i-0000000000000000b", "i-0000000000000000c"];
    const plan = planHibernationAge(
      [
        hibernatedFor(ids[0] as string, 56),
        hibernatedFor(ids[1] as string, 56),
        hibernatedFor(ids[2] as string, 56, { tags: {} }),
      ],
      new Map([
        ...withAlarms([ids[0] as string], { actionsEnabled: false }),
        ...withAlarms([ids[2] as string]),
      ]),
      policyWith({ hibernationAge: { action: "start" } }),
      now,
    );
    expect(plan.actions).toEqual([]);
    expect(plan.findings.map((f) => f.verdict)).toEqual(["too-long", "too-long", "too-long"]);
    expect(plan.skips.map((s) => [s.resource, s.detail])).toEqual([
      [ids[0], expect.stringContaining("paused")],
      [ids[1], expect.stringContaining("no idle alarm")],
      [ids[2], "not opted in"],
    ]);
  });

  it("starts at most maxInstancesPerInvocation", () => {
    const plan = planHibernationAge(
      ["a", "b", "c"].map((x) => hibernatedFor(`i-000000000000000${x}0`, 60)),
      withAlarms(["a", "b", "c"].map((x) => `i-000000000000000${x}0`)),
      policyWith({ maxInstancesPerInvocation: 2, hibernationAge: { action: "start" } }),
      now,
    );
    expect(plan.actions[0]?.params.instanceIds).toHaveLength(2);
    expect(plan.skips.map((s) => s.reason)).toEqual(["limit-exceeded"]);
  });
});

describe("proofOf", () => {
  it.each([
    ["Client.UserInitiatedHibernate", true, "hibernate-initiated"],
    ["Client.UserInitiatedShutdown", true, "normal-shutdown"],
    ["Server.SpotInstanceShutdown", true, "normal-shutdown"],
    [undefined, true, "normal-shutdown"],
    ["Client.UserInitiatedShutdown", false, "stopped-by-fallback"],
  ])("StateReason %s (hibernate requested: %s) → %s", (code, requested, verdict) => {
    const instance = instanceView("i-0000000000000000a", { state: "stopping", stateReasonCode: code });
    expect(proofOf(instance, requested)).toEqual({
      instanceId: "i-0000000000000000a",
      verdict,
      stateReason: code ?? "none",
      state: "stopping",
    });
  });
});
