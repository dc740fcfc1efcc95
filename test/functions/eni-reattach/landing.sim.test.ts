import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultSpec } from "../../../sim/account/faults";
import type { Harness } from "../../../sim/harness";
import { startHarness } from "../../support/harness";
import { account, ENIS, event, invokeEni, NEW, outcomeOf, where } from "./support";

/**
 * Writes that land although their caller sees a 5xx or no answer (EC2 API Reference, "Ensuring
 * idempotency": a request may "time out or encounter other server issues before they complete, even though
 * the request has already returned a result"): the SDK retries, and the retry meets the write done.
 */
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

const landing = (operation: string, answer: Pick<FaultSpec, "error" | "dropConnection">): FaultSpec => ({
  service: operation === "CompleteLifecycleAction" ? "autoscaling" : "ec2",
  operation,
  ...answer,
  applied: true,
  times: 3,
});

const attributeWrites = (report: Awaited<ReturnType<typeof invokeEni>>) =>
  report.calls.filter((c) => c.operation === "ModifyNetworkInterfaceAttribute").map((c) => c.input);

describe("eni-reattach: a write that landed before its error", () => {
  it.each([
    ["a 5xx", { error: { code: "InternalError" } }],
    ["a lost answer", { dropConnection: true }],
  ] as const)(
    "attach that landed (then %s, the SDK's retry answers InUse) is our attach: applied, attributes set",
    async (_what, answer) => {
      const raw = account();
      // DeleteOnTermination true on a fresh attachment: the hand-over has an attribute to set afterwards.
      harness.load(raw);
      const plain = await invokeEni(harness, event("launch-eventbridge.json"));
      harness.load(raw);
      harness.account.faults.add(landing("AttachNetworkInterface", answer));
      const report = await invokeEni(harness, event("launch-eventbridge.json"));
      const attaches = report.calls.filter((c) => c.operation === "AttachNetworkInterface");
      expect(attaches.filter((c) => c.applied === true)).toHaveLength(3);
      expect(attaches.filter((c) => c.error?.code === "InvalidNetworkInterface.InUse")).toHaveLength(3);
      const outcome = outcomeOf(report);
      expect(outcome.result).toBe("CONTINUE");
      expect(outcome.enis.map((e) => [e.eniId, e.status])).toEqual(ENIS.map((id) => [id, "applied"]));
      expect(attributeWrites(plain).length).toBeGreaterThan(0);
      expect(attributeWrites(report)).toEqual(attributeWrites(plain));
      harness.advance(5000);
      expect(ENIS.map((id) => where(harness, id))).toEqual(ENIS.map((_, k) => `${NEW}/${k + 1}/attached`));
    },
  );

  it("InUse for an ENI not attached to the target is still a refusal (the read-back does not make it ours)", async () => {
    harness.load(account());
    // EC2 refuses the first attach outright (an ENI another attach got first): nothing landed.
    harness.account.faults.add({
      service: "ec2",
      operation: "AttachNetworkInterface",
      error: { code: "InvalidNetworkInterface.InUse" },
      times: 1,
    });
    const report = await invokeEni(harness, event("launch-eventbridge.json"));
    const outcome = outcomeOf(report);
    expect(outcome.enis.map((e) => [e.eniId, e.status])).toEqual([
      [ENIS[0], "failed"],
      [ENIS[1], "applied"],
      [ENIS[2], "applied"],
    ]);
    expect(where(harness, ENIS[0])).not.toContain(NEW);
  });

  it("DetachNetworkInterface and CompleteLifecycleAction that landed: already done, the hand-over completes", async () => {
    for (const operation of ["DetachNetworkInterface", "CompleteLifecycleAction"]) {
      harness.load(account());
      harness.account.faults.add(
        landing(operation, {
          error: { code: operation === "CompleteLifecycleAction" ? "InternalFailure" : "InternalError" },
        }),
      );
      const report = await invokeEni(harness, event("launch-eventbridge.json"));
      expect(report.calls.some((c) => c.operation === operation && c.applied === true)).toBe(true);
      const outcome = outcomeOf(report);
      expect(outcome.enis.map((e) => e.status)).toEqual(["applied", "applied", "applied"]);
      expect(outcome.result).toBe("CONTINUE");
      expect(["completed", "already-complete"]).toContain(outcome.completion);
    }
  });
});
