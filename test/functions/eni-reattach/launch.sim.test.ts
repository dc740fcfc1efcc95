import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../sim/harness";
import { setTag } from "../../support/fixtures";
import { startHarness } from "../../support/harness";
import {
  account,
  completions,
  ENIS,
  EXPOSED,
  eni,
  event,
  IT,
  instance,
  lifecycleState,
  member,
  mutations,
  NEW,
  OLD,
  OT,
  ops,
  outcomeOf,
  resultOf,
  where,
} from "./support";

/** Replayed lifecycle events through the real eni-reattach handler against the simulated account. */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

const attachedToNew = () => ENIS.map((id, k) => [id, `${NEW}/${k + 1}/attached`]);

describe("launch hook: normal replacement", () => {
  // sim-faithful: after CONTINUE the member shows Pending:Proceed for a while (behaviour.pendingProceedMs)
  // before InService; capability fix pending (issue 9)
  it.fails.each([
    ["EventBridge", "launch-eventbridge.json"],
    ["SNS-wrapped", "launch-sns.json"],
    ["SQS-wrapped", "events/not-delivered/eni-reattach/launch-sqs.json"],
  ])("%s event: detaches from the terminating instance, attaches at 1..3, CONTINUE", async (_shape, file) => {
    harness.load(account());
    const report = await harness.invoke("eni-reattach", event(file));
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("attached");
    expect(outcome.result).toBe("CONTINUE");
    expect(outcome.completion).toBe("completed");
    expect(ENIS.map((id) => [id, where(harness, id)])).toEqual(attachedToNew());
    expect(lifecycleState(harness, NEW)).toBe("InService");
    // The old instance is shutting down (not running): its ENIs are detached with Force.
    const detaches = report.calls.filter((c) => c.operation === "DetachNetworkInterface");
    expect(detaches).toHaveLength(3);
    expect(detaches.every((c) => c.input.Force === true)).toBe(true);
    // Explicit DeviceIndex and NetworkCardIndex on every attach.
    const attaches = report.calls.filter((c) => c.operation === "AttachNetworkInterface");
    expect(
      attaches.map((c) => [c.input.NetworkInterfaceId, c.input.DeviceIndex, c.input.NetworkCardIndex]),
    ).toEqual([
      [IT, 1, 0],
      [OT, 2, 0],
      [EXPOSED, 3, 0],
    ]);
    // DeleteOnTermination false and source/dest check off (IT had it on).
    const state = harness.account.state();
    for (const id of ENIS) {
      expect(state.networkInterfaces.get(id)?.attachment?.deleteOnTermination).toBe(false);
      expect(state.networkInterfaces.get(id)?.sourceDestCheck).toBe(false);
    }
    expect(completions(report)).toEqual([{ result: "CONTINUE", outcome: "ok", code: undefined }]);
    // The local gateway route to the exposed ENI is active again.
    expect(outcome.localGatewayRoutes).toEqual([
      expect.objectContaining({ networkInterfaceId: EXPOSED, finding: "ok" }),
    ]);
    // CONTINUE comes last (then our own action event).
    expect(mutations(report).slice(-2)).toEqual(["CompleteLifecycleAction", "PutEvents"]);
  });

  it("ENIs still attached to an instance that terminates on its own are released after a delay and then attached", async () => {
    const raw = account();
    // The old instance is already terminated and its ENIs still read "detaching": wait for available.
    for (const id of ENIS) Object.assign(eni(raw, id).attachment ?? {}, { status: "detaching" });
    harness.load(raw);
    const report = await harness.invoke("eni-reattach", event("launch-eventbridge.json"));
    expect(outcomeOf(report).decision).toBe("attached");
    expect(ops(report)).not.toContain("DetachNetworkInterface");
    expect(report.calls.filter((c) => c.operation === "DescribeNetworkInterfaces").length).toBeGreaterThan(3);
    expect(ENIS.map((id) => [id, where(harness, id)])).toEqual(attachedToNew());
  });

  it("the old firewall still running and InService: never steals, ABANDON, nothing moves", async () => {
    const raw = account();
    Object.assign(instance(raw, OLD), { state: "running" });
    delete instance(raw, OLD).stateSince;
    Object.assign(member(raw, OLD), { lifecycleState: "InService", healthStatus: "Healthy" });
    harness.load(raw);
    const report = await harness.invoke("eni-reattach", event("launch-eventbridge.json"));
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("abandoned-eni-in-use");
    expect(outcome.result).toBe("ABANDON");
    expect(outcome.issues[0]).toContain(`is attached to ${OLD}, which is running and InService`);
    expect(mutations(report)).toEqual(["CompleteLifecycleAction", "PutEvents"]);
    expect(ENIS.map((id) => where(harness, id))).toEqual(ENIS.map((_, k) => `${OLD}/${k + 1}/attached`));
    // ABANDON on launch terminates the new instance.
    expect(harness.account.state().instances.get(NEW)?.state).toBe("shutting-down");
  });

  it("an instance type with too few ENIs per card: preflight fails before anything moves, ABANDON", async () => {
    const raw = account();
    Object.assign(instance(raw, NEW), { instanceType: "c5.large" });
    harness.load(raw);
    const report = await harness.invoke("eni-reattach", event("launch-eventbridge.json"));
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("abandoned-preflight-failed");
    expect(outcome.issues).toEqual([
      "c5.large allows 3 ENIs on network card 0; the firewall needs 4 (3 + the primary)",
    ]);
    expect(mutations(report)).toEqual(["CompleteLifecycleAction", "PutEvents"]);
    expect(completions(report)[0]?.result).toBe("ABANDON");
  });

  it("the new instance in another Availability Zone: reported per ENI, ABANDON", async () => {
    const raw = account();
    Object.assign(instance(raw, NEW), {
      subnetId: "subnet-0f0e0d0c0b0a00012",
      privateIpAddress: "10.10.2.11",
    });
    harness.load(raw);
    const report = await harness.invoke("eni-reattach", event("launch-eventbridge.json"));
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("abandoned-preflight-failed");
    expect(outcome.issues).toHaveLength(3);
    expect(outcome.issues[0]).toBe(
      `${IT} is in us-east-1a, the instance ${NEW} in us-east-1b: ENIs attach only in the same Availability Zone`,
    );
    expect(mutations(report)).toEqual(["CompleteLifecycleAction", "PutEvents"]);
  });

  it("a duplicate device index in the tags: configuration error before anything moves, ABANDON", async () => {
    const raw = account();
    setTag(eni(raw, OT), "ops:eni-attach", "fw-asg/1");
    harness.load(raw);
    const report = await harness.invoke("eni-reattach", event("launch-eventbridge.json"));
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("abandoned-configuration-error");
    expect(outcome.issues).toEqual([
      `device index 1 is claimed by several ENIs: ${IT}, ${OT}`,
      "missing ENI: no ENI is tagged ops:eni-attach=fw-asg/2",
    ]);
    expect(mutations(report)).toEqual(["CompleteLifecycleAction", "PutEvents"]);
    expect(ENIS.map((id) => where(harness, id))).toEqual(ENIS.map((_, k) => `${OLD}/${k + 1}/attached`));
  });

  it("index 0 in a tag is a configuration error", async () => {
    const raw = account();
    setTag(eni(raw, EXPOSED), "ops:eni-attach", "fw-asg/0");
    harness.load(raw);
    const outcome = outcomeOf(await harness.invoke("eni-reattach", event("launch-eventbridge.json")));
    expect(outcome.decision).toBe("abandoned-configuration-error");
    expect(outcome.issues).toEqual([
      `${EXPOSED}: device index 0 is the instance's primary ENI and cannot be re-attached`,
    ]);
  });

  it("a missing ENI (expectedInterfaces 4) is a configuration error", async () => {
    harness.load(account());
    const env = {
      OPS_CONFIG: JSON.stringify({ eniReattach: { groups: [{ name: "fw-asg", expectedInterfaces: 4 }] } }),
    };
    const outcome = outcomeOf(
      await harness.invoke("eni-reattach", event("launch-eventbridge.json"), { env }),
    );
    expect(outcome.decision).toBe("abandoned-configuration-error");
    expect(outcome.issues).toEqual(["missing ENI: no ENI is tagged ops:eni-attach=fw-asg/4"]);
  });

  it("an attach failing midway: what this run attached is detached (never deleted), ABANDON", async () => {
    const raw = account();
    raw.faults = [
      {
        service: "ec2",
        operation: "AttachNetworkInterface",
        after: 1,
        times: 1,
        error: { code: "InvalidParameterValue", message: "simulated failure" },
      },
    ];
    harness.load(raw);
    const report = await harness.invoke("eni-reattach", event("launch-eventbridge.json"));
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("abandoned-attach-failed");
    expect(outcome.result).toBe("ABANDON");
    expect(outcome.enis.filter((e) => e.status === "rolled-back").map((e) => e.eniId)).toEqual([IT]);
    expect(mutations(report)).toEqual([
      "DetachNetworkInterface",
      "DetachNetworkInterface",
      "DetachNetworkInterface",
      "AttachNetworkInterface",
      "AttachNetworkInterface",
      "DetachNetworkInterface",
      "CompleteLifecycleAction",
      "PutEvents",
    ]);
    harness.account.advance(1000);
    expect(ENIS.map((id) => where(harness, id))).toEqual(["available", "available", "available"]);
    expect(report.calls.some((c) => c.operation === "DeleteNetworkInterface")).toBe(false);
  });

  it("heartbeats are sent while a long detach wait approaches the hook timeout", async () => {
    const raw = account();
    Object.assign(raw.behaviour, { eniDetachMs: 2500 });
    Object.assign(raw.lifecycleHooks[0] ?? {}, { heartbeatTimeout: 30 });
    harness.load(raw);
    const env = {
      OPS_CONFIG: JSON.stringify({ eniReattach: { heartbeatMarginSeconds: 29, pollMaxIntervalMs: 250 } }),
    };
    const report = await harness.invoke("eni-reattach", event("launch-eventbridge.json"), { env });
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("attached");
    expect(outcome.heartbeats).toBeGreaterThanOrEqual(1);
    const beats = report.calls.filter((c) => c.operation === "RecordLifecycleActionHeartbeat");
    expect(beats.length).toBe(outcome.heartbeats);
    expect(beats.every((c) => c.outcome === "ok")).toBe(true);
    expect(completions(report)).toEqual([{ result: "CONTINUE", outcome: "ok", code: undefined }]);
  });

  // sim-faithful: right after CONTINUE the member is in Pending:Proceed (not yet InService), so a
  // repeated event is answered as "not pending" before any completion call; capability fix pending (issue 9)
  it.fails("a repeated event after completion: nothing moves, 'no active lifecycle action' means done", async () => {
    harness.load(account());
    const first = await harness.invoke("eni-reattach", event("launch-eventbridge.json"));
    expect(outcomeOf(first).decision).toBe("attached");
    const again = await harness.invoke("eni-reattach", event("launch-eventbridge.json"));
    const outcome = outcomeOf(again);
    expect(outcome.decision).toBe("already-complete");
    expect(outcome.completion).toBe("already-complete");
    expect(mutations(again)).toEqual(["CompleteLifecycleAction"]);
    expect(completions(again)).toEqual([{ result: "CONTINUE", outcome: "error", code: "ValidationError" }]);
    expect(again.calls.find((c) => c.operation === "CompleteLifecycleAction")?.error?.message).toBe(
      "No active Lifecycle Action found with token b5c3e2a1-7d4f-4e1a-9c2b-3f6a8d0e1c2f",
    );
    expect(ENIS.map((id) => [id, where(harness, id)])).toEqual(attachedToNew());
  });

  it("plan mode: the plan is reported, nothing is called that changes anything", async () => {
    harness.load(account());
    const report = await harness.invoke("eni-reattach", event("launch-eventbridge.json"), {
      env: { OPS_MODE: "plan" },
    });
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("planned");
    expect(outcome.completion).toBe("not-sent");
    expect(outcome.enis.map((e) => [e.step, e.from])).toEqual([
      ["move", OLD],
      ["move", OLD],
      ["move", OLD],
    ]);
    expect(mutations(report)).toEqual([]);
  });

  it("dry-run mode: EC2 DryRun proves the attach permissions, nothing changes, no lifecycle call", async () => {
    const raw = account();
    for (const id of ENIS) delete eni(raw, id).attachment; // released already: plain attaches
    harness.load(raw);
    const report = await harness.invoke("eni-reattach", event("launch-eventbridge.json"), {
      env: { OPS_MODE: "dry-run" },
    });
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("planned");
    expect(outcome.enis.map((e) => e.status)).toEqual(["permitted", "permitted", "permitted"]);
    const attaches = report.calls.filter((c) => c.operation === "AttachNetworkInterface");
    expect(attaches.map((c) => [c.input.DryRun, c.error?.code])).toEqual([
      [true, "DryRunOperation"],
      [true, "DryRunOperation"],
      [true, "DryRunOperation"],
    ]);
    expect(ops(report)).not.toContain("CompleteLifecycleAction");
    expect(ENIS.map((id) => where(harness, id))).toEqual(["available", "available", "available"]);
  });

  it("a multi-card instance type: the configured NetworkCardIndex is passed and the per-card limit checked", async () => {
    const raw = account();
    Object.assign(instance(raw, NEW), { instanceType: "c6in.32xlarge" });
    harness.load(raw);
    const env = {
      OPS_CONFIG: JSON.stringify({ eniReattach: { groups: [{ name: "fw-asg", networkCardIndex: 1 }] } }),
    };
    const report = await harness.invoke("eni-reattach", event("launch-eventbridge.json"), { env });
    expect(outcomeOf(report).decision).toBe("attached");
    const attaches = report.calls.filter((c) => c.operation === "AttachNetworkInterface");
    expect(attaches.map((c) => c.input.NetworkCardIndex)).toEqual([1, 1, 1]);
    const state = harness.account.state();
    expect(ENIS.map((id) => state.networkInterfaces.get(id)?.attachment?.networkCardIndex)).toEqual([
      1, 1, 1,
    ]);
  });

  it("the test notification (SNS and SQS) is ignored without a call", async () => {
    harness.load(account());
    for (const file of [
      "test-notification-sns.json",
      "events/not-delivered/eni-reattach/test-notification-sqs.json",
    ]) {
      const report = await harness.invoke("eni-reattach", event(file));
      expect(resultOf(report).decision).toBe("ignored-test-notification");
      expect(report.calls).toEqual([]);
    }
  });

  it("an event of another kind is rejected, not retried", async () => {
    harness.load(account());
    const report = await harness.invoke("eni-reattach", {
      version: "0",
      id: "x",
      "detail-type": "EC2 Instance State-change Notification",
      source: "aws.ec2",
      account: "123456789012",
      time: "2026-11-21T12:00:00Z",
      region: "us-east-1",
      resources: [],
      detail: { "instance-id": NEW, state: "running" },
    });
    expect(resultOf(report).decision).toBe("rejected");
    expect(report.calls).toEqual([]);
  });
});
