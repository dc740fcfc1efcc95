import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../sim/harness";
import { autoScalingGroupOf, setTag } from "../../support/fixtures";
import { startHarness } from "../../support/harness";
import {
  account,
  completions,
  configEnv,
  ENIS,
  EXPOSED,
  eni,
  event,
  IT,
  instance,
  invokeEni,
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

/** Replayed launch lifecycle events through the real eni-reattach handler against the simulated account. */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

const attachedToNew = () => ENIS.map((id, k) => [id, `${NEW}/${k + 1}/attached`]);
const onOld = () => ENIS.map((_, k) => `${OLD}/${k + 1}/attached`);

/** The old firewall serving: running, InService and Healthy, with the ENIs. */
const oldServing = () => {
  const raw = account();
  Object.assign(instance(raw, OLD), { state: "running" });
  delete instance(raw, OLD).stateSince;
  Object.assign(member(raw, OLD), { lifecycleState: "InService", healthStatus: "Healthy" });
  return raw;
};

describe("launch hook: normal replacement", () => {
  it.each([
    ["EventBridge", "launch-eventbridge.json"],
    ["SNS-wrapped", "launch-sns.json"],
    ["SQS-wrapped", "events/not-delivered/eni-reattach/launch-sqs.json"],
  ])("%s event: detaches from the terminating instance, attaches at 1..3, CONTINUE", async (_shape, file) => {
    // The old instance stays shutting-down for the test (the fixture's 2 s run on the real clock here: on
    // a loaded machine it terminated first and EC2 freed the ENIs, so there was nothing left to detach).
    const raw = account();
    raw.behaviour = { ...raw.behaviour, shuttingDownToTerminatedMs: 600_000 };
    harness.load(raw);
    const report = await invokeEni(harness, event(file));
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("attached");
    expect(outcome.result).toBe("CONTINUE");
    expect(outcome.completion).toBe("completed");
    expect(ENIS.map((id) => [id, where(harness, id)])).toEqual(attachedToNew());
    // Read back: CONTINUE takes the instance out of Pending:Wait (Pending:Proceed, then InService).
    expect(lifecycleState(harness, NEW)).toBe("Pending:Proceed");
    harness.advance(2000);
    expect(lifecycleState(harness, NEW)).toBe("InService");
    // A plain detach first, always: Force is a last resort (the old instance is not impaired).
    const detaches = report.calls.filter((c) => c.operation === "DetachNetworkInterface");
    expect(detaches).toHaveLength(3);
    expect(detaches.every((c) => c.input.Force === false)).toBe(true);
    const attaches = report.calls.filter((c) => c.operation === "AttachNetworkInterface");
    expect(
      attaches.map((c) => [c.input.NetworkInterfaceId, c.input.DeviceIndex, c.input.NetworkCardIndex]),
    ).toEqual([
      [IT, 1, 0],
      [OT, 2, 0],
      [EXPOSED, 3, 0],
    ]);
    const state = harness.account.state();
    for (const id of ENIS) {
      expect(state.networkInterfaces.get(id)?.attachment?.deleteOnTermination).toBe(false);
      expect(state.networkInterfaces.get(id)?.sourceDestCheck).toBe(false);
    }
    expect(completions(report)).toEqual([{ result: "CONTINUE", outcome: "ok", code: undefined }]);
    expect(outcome.localGatewayRoutes).toEqual([
      expect.objectContaining({ networkInterfaceId: EXPOSED, finding: "ok" }),
    ]);
    // CONTINUE comes after the ENIs, then our own action events.
    expect(
      mutations(report)
        .filter((op) => op !== "PutEvents")
        .at(-1),
    ).toBe("CompleteLifecycleAction");
    expect(mutations(report).at(-1)).toBe("PutEvents");
  });

  it("ENIs still attached to an instance that terminates on its own are released after a delay and then attached", async () => {
    const raw = account();
    for (const id of ENIS) Object.assign(eni(raw, id).attachment ?? {}, { status: "detaching" });
    harness.load(raw);
    const report = await invokeEni(harness, event("launch-eventbridge.json"));
    expect(outcomeOf(report).decision).toBe("attached");
    expect(ops(report)).not.toContain("DetachNetworkInterface");
    expect(ENIS.map((id) => [id, where(harness, id)])).toEqual(attachedToNew());
  });

  it("the old firewall serving (InService, Healthy): never taken, never ABANDON — CONTINUE without the ENIs (deferred to its termination)", async () => {
    harness.load(oldServing());
    const report = await invokeEni(harness, event("launch-eventbridge.json"));
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("deferred-to-holder");
    expect(outcome.result).toBe("CONTINUE");
    expect(outcome.issues[0]).toContain(
      `is attached to ${OLD} (running, InService/Healthy in fw-asg; serving)`,
    );
    expect(mutations(report)).toEqual(["CompleteLifecycleAction", "PutEvents"]);
    expect(ENIS.map((id) => where(harness, id))).toEqual(onOld());
    expect(harness.account.state().instances.get(NEW)?.state).toBe("running");
  });

  it("the old firewall InService but Unhealthy (being replaced by this launch): its ENIs are taken", async () => {
    const raw = oldServing();
    Object.assign(member(raw, OLD), { healthStatus: "Unhealthy" });
    harness.load(raw);
    const report = await invokeEni(harness, event("launch-eventbridge.json"));
    expect(outcomeOf(report).decision).toBe("attached");
    expect(
      report.calls.filter((c) => c.operation === "DetachNetworkInterface").map((c) => c.input.Force),
    ).toEqual([false, false, false]);
    expect(ENIS.map((id) => [id, where(harness, id)])).toEqual(attachedToNew());
  });

  it("a holder in Pending:Proceed (a launch of the group in flight): untouched, CONTINUE without the ENIs", async () => {
    const raw = oldServing();
    Object.assign(member(raw, OLD), { lifecycleState: "Pending:Proceed" });
    harness.load(raw);
    const report = await invokeEni(harness, event("launch-eventbridge.json"));
    expect(outcomeOf(report).decision).toBe("deferred-to-holder");
    expect(ops(report)).not.toContain("DetachNetworkInterface");
    expect(ENIS.map((id) => where(harness, id))).toEqual(onOld());
  });

  it("a holder of another Auto Scaling group: never taken, the others move, CONTINUE (alarm)", async () => {
    const raw = account();
    raw.autoScalingGroups.push({
      name: "web-asg",
      maxSize: 1,
      desiredCapacity: 1,
      vpcZoneIdentifier: ["subnet-0f0e0d0c0b0a00011"],
      instances: [{ instanceId: OLD, lifecycleState: "InService" }],
    });
    autoScalingGroupOf(raw, "fw-asg").instances = [{ instanceId: NEW, lifecycleState: "Pending:Wait" }];
    Object.assign(instance(raw, OLD), { state: "running", autoScalingGroup: "web-asg" });
    delete instance(raw, OLD).stateSince;
    harness.load(raw);
    const report = await invokeEni(harness, event("launch-eventbridge.json"));
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("blocked-by-foreign-holder");
    expect(outcome.result).toBe("CONTINUE");
    expect(ops(report)).not.toContain("DetachNetworkInterface");
    expect(ENIS.map((id) => where(harness, id))).toEqual(onOld());
  });
});

describe("launch hook: preflight (the only ABANDON: the instance can never take the set)", () => {
  it("an instance type with too few ENIs per card: ABANDON before anything moves", async () => {
    const raw = account();
    Object.assign(instance(raw, NEW), { instanceType: "c5.large" });
    harness.load(raw);
    const report = await invokeEni(harness, event("launch-eventbridge.json"));
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("abandoned-preflight-failed");
    expect(outcome.issues).toEqual([
      expect.stringMatching(
        /^c5\.large allows 3 ENIs on network card 0; the firewall needs 4 \(3 \+ 1 already attached: eni-[0-9a-f]+\)$/,
      ),
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
    const report = await invokeEni(harness, event("launch-eventbridge.json"));
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("abandoned-preflight-failed");
    expect(outcome.issues).toHaveLength(3);
    expect(outcome.issues[0]).toBe(
      `${IT} is in us-east-1a, the instance ${NEW} in us-east-1b: ENIs attach only in the same Availability Zone`,
    );
    expect(mutations(report)).toEqual(["CompleteLifecycleAction", "PutEvents"]);
    expect(ENIS.map((id) => where(harness, id))).toEqual(onOld());
  });

  it("the new instance in the Region while the ENIs are on the Outpost (same zone): ABANDON, OutpostArn compared", async () => {
    const raw = account();
    raw.subnets.push({
      id: "subnet-0f0e0d0c0b0a00013",
      vpcId: "vpc-0f0e0d0c0b0a00001",
      availabilityZone: "us-east-1a",
      cidrBlock: "10.10.3.0/24",
    });
    Object.assign(instance(raw, NEW), {
      subnetId: "subnet-0f0e0d0c0b0a00013",
      privateIpAddress: "10.10.3.11",
    });
    harness.load(raw);
    const report = await invokeEni(harness, event("launch-eventbridge.json"));
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("abandoned-preflight-failed");
    expect(outcome.issues[0]).toContain(
      `the instance ${NEW} in the Region: an Outpost subnet's ENI attaches only`,
    );
    expect(ops(report)).not.toContain("AttachNetworkInterface");
  });

  it("a launch-template ENI at device index 1: the collision is reported, nothing moves, ABANDON", async () => {
    const raw = account();
    raw.networkInterfaces.push({
      id: "eni-0e1d2c3b4a5f6aaaa",
      subnetId: "subnet-0f0e0d0c0b0a00011",
      privateIpAddress: "10.10.1.50",
      attachment: { instanceId: NEW, deviceIndex: 1 },
    });
    harness.load(raw);
    const outcome = outcomeOf(await invokeEni(harness, event("launch-eventbridge.json")));
    expect(outcome.decision).toBe("abandoned-preflight-failed");
    expect(outcome.issues).toContain(
      `device index 1 of ${NEW} is taken by eni-0e1d2c3b4a5f6aaaa (not one of the group's ENIs, e.g. from the launch template); ${IT} needs it`,
    );
    expect(ENIS.map((id) => where(harness, id))).toEqual(onOld());
  });
});

describe("launch hook: the declared set (tags, allow-list)", () => {
  it("a duplicate device index: reported; the unambiguous ENI moves, CONTINUE", async () => {
    const raw = account();
    setTag(eni(raw, OT), "ops:eni-attach", "fw-asg/1");
    harness.load(raw);
    const outcome = outcomeOf(await invokeEni(harness, event("launch-eventbridge.json")));
    expect(outcome.issues).toEqual([
      `device index 1 is claimed by several ENIs: ${IT}, ${OT}`,
      "missing ENI: no allow-listed ENI is tagged ops:eni-attach=fw-asg/2",
    ]);
    expect(outcome.result).toBe("CONTINUE");
    expect(where(harness, EXPOSED)).toBe(`${NEW}/3/attached`);
    expect(where(harness, IT)).not.toContain(NEW);
  });

  it("index 0 in a tag is reported", async () => {
    const raw = account();
    setTag(eni(raw, EXPOSED), "ops:eni-attach", "fw-asg/0");
    harness.load(raw);
    const outcome = outcomeOf(await invokeEni(harness, event("launch-eventbridge.json")));
    expect(outcome.issues).toEqual([
      `${EXPOSED}: device index 0 is the instance's primary ENI and cannot be re-attached`,
      "missing ENI: no allow-listed ENI is tagged ops:eni-attach=fw-asg/3",
    ]);
  });

  it("the highest-index ENI deleted: missing against the declared set, the others move", async () => {
    const raw = account();
    raw.networkInterfaces = raw.networkInterfaces.filter((n) => n.id !== EXPOSED);
    for (const table of raw.localGatewayRouteTables) table.routes = [];
    harness.load(raw);
    const outcome = outcomeOf(await invokeEni(harness, event("launch-eventbridge.json")));
    expect(outcome.issues).toEqual(["missing ENI: no allow-listed ENI is tagged ops:eni-attach=fw-asg/3"]);
    expect([where(harness, IT), where(harness, OT)]).toEqual([`${NEW}/1/attached`, `${NEW}/2/attached`]);
  });

  it("a tag added to a foreign ENI (another VPC, not allow-listed): never attached, reported", async () => {
    const raw = account();
    raw.vpcs.push({ id: "vpc-0f0e0d0c0b0a00009", cidrBlock: "10.90.0.0/16" });
    raw.subnets.push({
      id: "subnet-0f0e0d0c0b0a00091",
      vpcId: "vpc-0f0e0d0c0b0a00009",
      availabilityZone: "us-east-1a",
      cidrBlock: "10.90.1.0/24",
    });
    raw.networkInterfaces.push({
      id: "eni-0e1d2c3b4a5f6f00d",
      subnetId: "subnet-0f0e0d0c0b0a00091",
      privateIpAddress: "10.90.1.5",
      tags: { "ops:eni-attach": "fw-asg/4" },
    });
    harness.load(raw);
    const report = await invokeEni(
      harness,
      event("launch-eventbridge.json"),
      configEnv({ group: { expectedInterfaces: 4 } }),
    );
    const outcome = outcomeOf(report);
    expect(outcome.issues).toContain(
      "eni-0e1d2c3b4a5f6f00d is tagged ops:eni-attach=fw-asg/4 but neither its id, its subnet subnet-0f0e0d0c0b0a00091 nor its VPC vpc-0f0e0d0c0b0a00009 is in the group's allow-list: ignored (a tag alone enrols nothing)",
    );
    expect(where(harness, "eni-0e1d2c3b4a5f6f00d")).toBe("available");
    expect(
      report.calls
        .filter((c) => c.operation === "AttachNetworkInterface")
        .map((c) => c.input.NetworkInterfaceId),
    ).toEqual([...ENIS]);
  });
});

describe("launch hook: our own limits are never a verdict", () => {
  it("an attach refused midway: nothing rolled back, nothing deleted; the rest attached, CONTINUE, reported", async () => {
    const raw = account();
    raw.faults = [
      {
        service: "ec2",
        operation: "AttachNetworkInterface",
        after: 1,
        times: 1,
        error: { code: "InvalidParameterValue", message: "simulated refusal" },
      },
    ];
    harness.load(raw);
    const report = await invokeEni(harness, event("launch-eventbridge.json"));
    const outcome = outcomeOf(report);
    expect(outcome.result).toBe("CONTINUE");
    expect(outcome.enis.map((e) => e.status)).toEqual(["applied", "failed", "applied"]);
    expect(report.calls.filter((c) => c.operation === "DetachNetworkInterface")).toHaveLength(3);
    expect(ops(report)).not.toContain("DeleteNetworkInterface");
    expect([where(harness, IT), where(harness, OT), where(harness, EXPOSED)]).toEqual([
      `${NEW}/1/attached`,
      "available",
      `${NEW}/3/attached`,
    ]);
  });

  it("the local gateway route check denied (a route table shared by another account): reported, CONTINUE still sent", async () => {
    const raw = account();
    raw.faults = [
      { service: "ec2", operation: "SearchLocalGatewayRoutes", error: { code: "UnauthorizedOperation" } },
    ];
    harness.load(raw);
    const report = await invokeEni(harness, event("launch-eventbridge.json"));
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("attached");
    expect(outcome.completion).toBe("completed");
    expect(outcome.issues).toEqual(["local gateway route check not made (advisory): UnauthorizedOperation"]);
    expect(completions(report)).toEqual([{ result: "CONTINUE", outcome: "ok", code: undefined }]);
  });

  it("the new instance still pending when its event arrives: waits for running, then attaches", async () => {
    const raw = account();
    Object.assign(instance(raw, NEW), { state: "pending", launchTime: "2026-11-21T12:00:00Z" });
    harness.load(raw);
    const report = await invokeEni(harness, event("launch-eventbridge.json"));
    expect(outcomeOf(report).decision).toBe("attached");
    const attach = report.calls.find((c) => c.operation === "AttachNetworkInterface");
    const running = report.calls.filter((c) => c.operation === "DescribeInstances");
    expect(attach?.outcome).toBe("ok");
    expect(running.length).toBeGreaterThan(2);
    expect(ENIS.map((id) => [id, where(harness, id)])).toEqual(attachedToNew());
  });

  it("heartbeats are sent while a long detach wait approaches the hook timeout", async () => {
    const raw = account();
    Object.assign(raw.behaviour, { eniDetachMs: 2500 });
    Object.assign(raw.lifecycleHooks[0] ?? {}, { heartbeatTimeout: 30 });
    harness.load(raw);
    const env = configEnv({ eniReattach: { heartbeatMarginSeconds: 29, pollMaxIntervalMs: 250 } });
    const report = await invokeEni(harness, event("launch-eventbridge.json"), env);
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("attached");
    expect(outcome.heartbeats).toBeGreaterThanOrEqual(1);
    const beats = report.calls.filter((c) => c.operation === "RecordLifecycleActionHeartbeat");
    expect(beats.length).toBe(outcome.heartbeats);
    expect(beats.every((c) => c.outcome === "ok" && c.input.LifecycleHookName === "fw-launch")).toBe(true);
    expect(completions(report)).toEqual([{ result: "CONTINUE", outcome: "ok", code: undefined }]);
  });

  it("ResourceContention on CompleteLifecycleAction: retried, completed", async () => {
    const raw = account();
    raw.faults = [
      {
        service: "autoscaling",
        operation: "CompleteLifecycleAction",
        times: 1,
        error: { code: "ResourceContention", httpStatus: 500 },
      },
    ];
    harness.load(raw);
    const report = await invokeEni(harness, event("launch-eventbridge.json"));
    expect(outcomeOf(report).completion).toBe("completed");
    expect(completions(report)).toEqual([
      { result: "CONTINUE", outcome: "error", code: "ResourceContention" },
      { result: "CONTINUE", outcome: "ok", code: undefined },
    ]);
  });
});

describe("launch hook: verified completion", () => {
  it("a repeated event after completion: nothing moves, 'no active lifecycle action' means done once read back", async () => {
    harness.load(account());
    const first = await invokeEni(harness, event("launch-eventbridge.json"));
    expect(outcomeOf(first).decision).toBe("attached");
    const again = await invokeEni(harness, event("launch-eventbridge.json"));
    const outcome = outcomeOf(again);
    expect(outcome.decision).toBe("already-complete");
    expect(outcome.completion).toBe("already-complete");
    expect(mutations(again)).toEqual(["CompleteLifecycleAction"]);
    expect(completions(again)).toEqual([{ result: "CONTINUE", outcome: "error", code: "ValidationError" }]);
    expect(again.calls.find((c) => c.operation === "CompleteLifecycleAction")?.error?.message).toBe(
      "No active Lifecycle Action found with token b5c3e2a1-7d4f-4e1a-9c2b-3f6a8d0e1c2f",
    );
    // Read back: the instance has left Pending:Wait.
    expect(again.calls.some((c) => c.operation === "DescribeAutoScalingInstances")).toBe(true);
    expect(ENIS.map((id) => [id, where(harness, id)])).toEqual(attachedToNew());
  });

  it("a token that is not the pending one while the instance still waits: completed by instance id, state read back", async () => {
    harness.load(account());
    const stale = event("launch-eventbridge.json", (e) => {
      e.detail.LifecycleActionToken = "0f0e0d0c-0b0a-4900-8877-665544332211";
    });
    const report = await invokeEni(harness, stale);
    const outcome = outcomeOf(report);
    expect(outcome.completion).toBe("completed");
    const calls = report.calls.filter((c) => c.operation === "CompleteLifecycleAction");
    expect(calls.map((c) => [c.input.LifecycleActionToken, c.input.InstanceId, c.outcome])).toEqual([
      ["0f0e0d0c-0b0a-4900-8877-665544332211", NEW, "error"],
      [undefined, NEW, "ok"],
    ]);
    expect(lifecycleState(harness, NEW)).toBe("Pending:Proceed");
  });

  it("another system's launch hook still pending: ours is done, theirs untouched, the member stays in Pending:Wait", async () => {
    const raw = account();
    raw.lifecycleHooks.push({
      autoScalingGroupName: "fw-asg",
      name: "restore-config",
      transition: "autoscaling:EC2_INSTANCE_LAUNCHING",
      heartbeatTimeout: 900,
    });
    raw.lifecycleActions.push({
      autoScalingGroupName: "fw-asg",
      hookName: "restore-config",
      instanceId: NEW,
    });
    harness.load(raw);
    const first = await invokeEni(harness, event("launch-eventbridge.json"));
    expect(outcomeOf(first)).toMatchObject({ decision: "attached", completion: "completed" });
    expect(lifecycleState(harness, NEW)).toBe("Pending:Wait");
    const again = await invokeEni(harness, event("launch-eventbridge.json"));
    expect(outcomeOf(again)).toMatchObject({ decision: "already-complete", completion: "already-complete" });
    const all = [...first.calls, ...again.calls].filter((c) =>
      /^(Complete|Record)Lifecycle/.test(c.operation),
    );
    expect(all.every((c) => c.input.LifecycleHookName === "fw-launch")).toBe(true);
    expect([...harness.account.state().lifecycleActions.values()].map((a) => a.hookName)).toEqual([
      "restore-config",
    ]);
  });
});

describe("modes and shapes", () => {
  it("plan mode: the plan is reported, nothing is called that changes anything", async () => {
    harness.load(account());
    const report = await invokeEni(harness, event("launch-eventbridge.json"), configEnv({ mode: "plan" }));
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("planned");
    expect(outcome.completion).toBe("not-sent");
    expect(outcome.enis.map((e) => [e.step, e.from, e.status])).toEqual([
      ["take", OLD, "planned"],
      ["take", OLD, "planned"],
      ["take", OLD, "planned"],
    ]);
    expect(mutations(report)).toEqual([]);
  });

  it("dry-run mode: EC2 DryRun proves the permissions, nothing changes, no lifecycle call", async () => {
    const raw = account();
    for (const id of ENIS) delete eni(raw, id).attachment;
    harness.load(raw);
    const report = await invokeEni(harness, event("launch-eventbridge.json"), configEnv({ mode: "dry-run" }));
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
    const report = await invokeEni(
      harness,
      event("launch-eventbridge.json"),
      configEnv({ group: { networkCardIndex: 1 } }),
    );
    expect(outcomeOf(report).decision).toBe("attached");
    const attaches = report.calls.filter((c) => c.operation === "AttachNetworkInterface");
    expect(attaches.map((c) => c.input.NetworkCardIndex)).toEqual([1, 1, 1]);
  });

  it("the test notification (SNS and SQS) is ignored without a call", async () => {
    harness.load(account());
    for (const file of [
      "test-notification-sns.json",
      "events/not-delivered/eni-reattach/test-notification-sqs.json",
    ]) {
      const report = await invokeEni(harness, event(file));
      expect(resultOf(report).decision).toBe("ignored-test-notification");
      expect(report.calls).toEqual([]);
    }
  });

  it("an event of another kind is rejected, not retried", async () => {
    harness.load(account());
    const report = await invokeEni(harness, {
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

  it("an SQS batch whose second message fails retryably: only that message is reported (partial batch response)", async () => {
    const raw = account();
    raw.faults = [
      {
        service: "autoscaling",
        operation: "DescribeAutoScalingGroups",
        after: 1,
        times: 1,
        error: { code: "Throttling" },
      },
    ];
    harness.load(raw);
    const one = event("events/not-delivered/eni-reattach/launch-sqs.json") as {
      Records: Array<Record<string, unknown>>;
    };
    const second = { ...one.Records[0], messageId: "0b9e1f5c-2d3a-4b5c-8d6e-7f8091a2b3c4" };
    const batch = { Records: [one.Records[0], second] };
    const report = await invokeEni(harness, batch, configEnv({ common: { aws: { maxAttempts: 1 } } }));
    const result = resultOf(report);
    expect(result.outcomes.map((o) => o.decision)).toEqual(["attached", "failed"]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "0b9e1f5c-2d3a-4b5c-8d6e-7f8091a2b3c4" }]);
  });
});
