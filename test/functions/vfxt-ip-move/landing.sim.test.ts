import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultSpec } from "../../../sim/account/faults";
import type { Harness } from "../../../sim/harness";
import type { Fixture } from "../../support/fixtures";
import { startHarness } from "../../support/harness";
import {
  A,
  addressesAfter,
  atTime,
  callsTo,
  EVENTS,
  ec2StateEvent,
  event,
  resultOf,
  START,
  setSecondaries,
  setState,
  vfxtEnv,
  vfxtFixture,
} from "./support";

/**
 * Writes that land although their caller sees a 5xx or no answer (EC2 API Reference, "Ensuring
 * idempotency": a request may "time out or encounter other server issues before they complete, even though
 * the request has already returned a result"): the SDK retries, and the retry meets the write done.
 */
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

const load = (edit: (f: Fixture) => void = () => undefined) =>
  harness.load(vfxtFixture(edit), { now: new Date(START) });
type Overrides = Parameters<typeof vfxtEnv>[0];
const invoke = (raw: Record<string, unknown>, overrides: Overrides = {}) =>
  harness.invoke("vfxt-ip-move", raw, { env: vfxtEnv(overrides), timeoutMs: 120_000 });
const landing = (operation: string, answer: Pick<FaultSpec, "error" | "dropConnection">): FaultSpec => ({
  service: "ec2",
  operation,
  ...answer,
  applied: true,
  times: 1,
});
const ANSWERS = [
  ["a 5xx", { error: { code: "InternalError" } }],
  ["a lost answer", { dropConnection: true }],
] as const;

describe("vfxt-ip-move: a write that landed before its error", () => {
  it.each(ANSWERS)(
    "an unassign that landed (then %s; the SDK's retry answers 'not assigned') is done, not failed",
    async (_what, answer) => {
      load((f) => setSecondaries(f, A.enis[0], ["10.20.1.101", "10.20.1.102", "10.20.1.150"]));
      harness.account.faults.add(landing("UnassignPrivateIpAddresses", answer));
      const report = await invoke(atTime(event(EVENTS.reconcile), START), {
        cluster: { retiredAddresses: ["10.20.1.150"] },
      });
      expect(callsTo(report, "UnassignPrivateIpAddresses").map((c) => c.error?.code)).toEqual([
        answer === ANSWERS[0][1] ? "InternalError" : "ConnectionLost",
        "InvalidParameterValue",
      ]);
      const result = resultOf(report);
      expect(result.actions.flatMap((a) => a.resources).map((r) => [r.resource, r.status])).toEqual([
        ["10.20.1.150", "already-done"],
      ]);
      expect(result.decision).not.toBe("partial");
      expect(addressesAfter(report, A.enis[0])).toEqual(["10.20.1.11", "10.20.1.101", "10.20.1.102"]);
    },
  );

  it("an unassign refused for an address still on the ENI stays refused (the read-back does not make it done)", async () => {
    load((f) => setSecondaries(f, A.enis[0], ["10.20.1.101", "10.20.1.102", "10.20.1.150"]));
    harness.account.faults.add({
      service: "ec2",
      operation: "UnassignPrivateIpAddresses",
      error: { code: "InvalidParameterValue" },
      times: 1,
    });
    const report = await invoke(atTime(event(EVENTS.reconcile), START), {
      cluster: { retiredAddresses: ["10.20.1.150"] },
    });
    const resources = resultOf(report).actions.flatMap((a) => a.resources);
    expect(resources.map((r) => [r.resource, r.status, r.code])).toEqual([
      ["10.20.1.150", "failed", "InvalidParameterValue"],
    ]);
  });

  it.each(["AssignPrivateIpAddresses"])(
    "%s that landed before a lost answer: the SDK's retry is idempotent, the move applied",
    async (operation) => {
      load((f) => setState(f, A.nodes[0], "stopped"));
      harness.account.faults.add(landing(operation, { dropConnection: true }));
      const report = await invoke(atTime(ec2StateEvent(A.nodes[0], "stopped"), START));
      expect(callsTo(report, operation).filter((c) => c.applied === true)).toHaveLength(1);
      const result = resultOf(report);
      expect(result.decision).toBe("move");
      expect(result.actions.flatMap((a) => a.resources).every((r) => r.status === "applied")).toBe(true);
      expect(addressesAfter(report, A.enis[0])).toEqual(["10.20.1.11"]);
    },
  );
});
