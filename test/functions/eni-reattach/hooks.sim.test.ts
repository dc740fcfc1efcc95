import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../sim/harness";
import { autoScalingGroupOf, type Fixture } from "../../support/fixtures";
import { startHarness } from "../../support/harness";
import {
  account,
  accountAsIs,
  completions,
  configEnv,
  ENIS,
  EXPOSED,
  eni,
  event,
  instance,
  invokeEni,
  LGW_TABLE,
  lifecycleState,
  member,
  mutations,
  NEW,
  OLD,
  ops,
  outcomeOf,
  resultOf,
  where,
} from "./support";

/** Terminate hook, ownership, warm pools, reconcile (lost events) and local gateway routes. */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

const TERMINATE_TOKEN = "c6d4f3b2-8e5a-4f2b-ad3c-4a7b9e1f2d3a";

/** The old firewall serving, now scaled in: it waits on the terminate hook with its ENIs. */
const terminating = (): Fixture => {
  const raw = account();
  Object.assign(instance(raw, OLD), { state: "running" });
  delete instance(raw, OLD).stateSince;
  Object.assign(member(raw, OLD), { lifecycleState: "Terminating:Wait", healthStatus: "Healthy" });
  raw.lifecycleActions.push({
    autoScalingGroupName: "fw-asg",
    hookName: "fw-terminate",
    instanceId: OLD,
    token: TERMINATE_TOKEN,
    startedAt: "2026-11-21T11:59:58Z",
    origin: "AutoScalingGroup",
    destination: "EC2",
  });
  return raw;
};

/** Launch before terminating: the new firewall is InService without the ENIs, the old one leaves now. */
const launchedFirst = (): Fixture => {
  const raw = terminating();
  Object.assign(member(raw, NEW), { lifecycleState: "InService", healthStatus: "Healthy" });
  raw.lifecycleActions = raw.lifecycleActions.filter((a) => a.hookName === "fw-terminate");
  return raw;
};

describe("terminate hook", () => {
  it("terminate then launch: the group's ENIs are detached from the leaving instance early, then CONTINUE", async () => {
    harness.load(terminating());
    const report = await invokeEni(harness, event("terminate-eventbridge.json"));
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("detached-early");
    expect(outcome.result).toBe("CONTINUE");
    expect(outcome.completion).toBe("completed");
    const detaches = report.calls.filter((c) => c.operation === "DetachNetworkInterface");
    expect(detaches.map((c) => c.input.Force)).toEqual([false, false, false]);
    expect(ops(report)).not.toContain("AttachNetworkInterface");
    expect(ENIS.map((id) => where(harness, id))).toEqual(["available", "available", "available"]);
    expect(lifecycleState(harness, OLD)).toBe("Terminating:Proceed");
  });

  it("then the replacement's launch attaches at once (no detach needed)", async () => {
    harness.load(terminating());
    await invokeEni(harness, event("terminate-eventbridge.json"));
    const launch = await invokeEni(harness, event("launch-eventbridge.json"));
    expect(outcomeOf(launch).decision).toBe("attached");
    expect(mutations(launch)).not.toContain("DetachNetworkInterface");
    expect(ENIS.map((id) => where(harness, id))).toEqual(ENIS.map((_, k) => `${NEW}/${k + 1}/attached`));
  });

  it("launch before terminating: the ENIs move from the leaving instance to the group's new InService one, then CONTINUE", async () => {
    harness.load(launchedFirst());
    const report = await invokeEni(harness, event("terminate-eventbridge.json"));
    const outcome = outcomeOf(report);
    expect(outcome).toMatchObject({ decision: "handed-over", target: NEW, completion: "completed" });
    expect(ENIS.map((id) => where(harness, id))).toEqual(ENIS.map((_, k) => `${NEW}/${k + 1}/attached`));
    const order = mutations(report).filter(
      (op) => op !== "PutEvents" && op !== "ModifyNetworkInterfaceAttribute",
    );
    expect(order).toEqual([
      "DetachNetworkInterface",
      "DetachNetworkInterface",
      "DetachNetworkInterface",
      "AttachNetworkInterface",
      "AttachNetworkInterface",
      "AttachNetworkInterface",
      "CompleteLifecycleAction",
    ]);
  });

  it("a terminate message for an InService instance (forged or misrouted): nothing detached, no call", async () => {
    const raw = account();
    Object.assign(instance(raw, OLD), { state: "running" });
    delete instance(raw, OLD).stateSince;
    Object.assign(member(raw, OLD), { lifecycleState: "InService", healthStatus: "Healthy" });
    harness.load(raw);
    const report = await invokeEni(harness, event("terminate-eventbridge.json"));
    expect(outcomeOf(report).decision).toBe("ignored-not-terminating");
    expect(mutations(report)).toEqual([]);
    expect(ENIS.map((id) => where(harness, id))).toEqual(ENIS.map((_, k) => `${OLD}/${k + 1}/attached`));
  });

  it("an impaired leaving instance whose plain detach hangs: Force after the bounded wait", async () => {
    const raw = terminating();
    instance(raw, OLD).status = { instance: "impaired" };
    harness.load(raw);
    const report = await invokeEni(
      harness,
      event("terminate-eventbridge.json"),
      configEnv({ eniReattach: { detachTimeoutMs: 1500 } }),
    );
    expect(outcomeOf(report).completion).toBe("completed");
    const detaches = report.calls.filter((c) => c.operation === "DetachNetworkInterface");
    expect(detaches.map((c) => c.input.Force)).toEqual([false, false, false, true, true, true]);
    expect(ENIS.map((id) => where(harness, id))).toEqual(["available", "available", "available"]);
  });
});

describe("ownership: only configured groups, only their hooks", () => {
  it("a lifecycle action of a group that is not configured is never touched", async () => {
    harness.load(terminating());
    const report = await invokeEni(
      harness,
      event("terminate-eventbridge.json", (e) => {
        e.detail.AutoScalingGroupName = "web-asg";
      }),
    );
    expect(outcomeOf(report).decision).toBe("ignored-unconfigured-group");
    expect(report.calls).toEqual([]);
  });

  it("a hook not listed in hookNames is left to its owner", async () => {
    harness.load(terminating());
    const report = await invokeEni(
      harness,
      event("terminate-eventbridge.json"),
      configEnv({ group: { hookNames: ["fw-launch"] } }),
    );
    expect(outcomeOf(report).decision).toBe("ignored-foreign-hook");
    expect(report.calls).toEqual([]);
    expect(lifecycleState(harness, OLD)).toBe("Terminating:Wait");
  });

  it("a message naming an instance of another group: nothing done", async () => {
    harness.load(account());
    const report = await invokeEni(
      harness,
      event("launch-eventbridge.json", (e) => {
        e.detail.EC2InstanceId = "i-0f1e2d3c4b5a6ffff";
      }),
    );
    expect(outcomeOf(report).decision).toBe("ignored-not-a-member");
    expect(mutations(report)).toEqual([]);
  });

  it("with no group configured: every lifecycle action is ignored without a call", async () => {
    harness.load(account());
    const report = await invokeEni(harness, event("launch-eventbridge.json"), { OPS_CONFIG: "{}" });
    expect(outcomeOf(report).decision).toBe("ignored-unconfigured-group");
    expect(report.calls).toEqual([]);
  });
});

describe("warm pool transitions", () => {
  it("launch into the warm pool: CONTINUE without taking the ENIs", async () => {
    const raw = account();
    Object.assign(member(raw, NEW), { lifecycleState: "Warmed:Pending:Wait" });
    Object.assign(raw.lifecycleActions[0] ?? {}, { destination: "WarmPool" });
    harness.load(raw);
    const report = await invokeEni(
      harness,
      event("launch-into-warm-pool.json", (e) => {
        e.detail.EC2InstanceId = NEW;
        e.detail.LifecycleActionToken = "b5c3e2a1-7d4f-4e1a-9c2b-3f6a8d0e1c2f";
      }),
    );
    const outcome = outcomeOf(report);
    expect(outcome.decision).toBe("warm-pool-continue");
    expect(mutations(report)).toEqual(["CompleteLifecycleAction", "PutEvents"]);
    expect(completions(report)[0]?.result).toBe("CONTINUE");
    expect(ENIS.map((id) => where(harness, id))).not.toContain(`${NEW}/1/attached`);
  });

  it("leaving the warm pool into the group (Origin WarmPool): the full attach", async () => {
    harness.load(account());
    const outcome = outcomeOf(await invokeEni(harness, event("launch-warm-pool-to-group.json")));
    expect(outcome.decision).toBe("attached");
    expect(ENIS.map((id) => where(harness, id))).toEqual(ENIS.map((_, k) => `${NEW}/${k + 1}/attached`));
  });
});

describe("reconcile schedule", () => {
  it("a launch whose event was lost: the Pending:Wait member is handled and completed by instance id", async () => {
    harness.load(account());
    const report = await invokeEni(harness, event("schedule-reconcile.json"));
    const outcome = outcomeOf(report);
    expect(outcome.trigger).toBe("reconcile");
    expect(outcome.decision).toBe("attached");
    // Whether our action is pending is asked with a heartbeat by instance id (which also extends it).
    const probe = report.calls.find((c) => c.operation === "RecordLifecycleActionHeartbeat");
    expect(probe?.input).toMatchObject({ InstanceId: NEW, LifecycleHookName: "fw-launch" });
    const complete = report.calls.find((c) => c.operation === "CompleteLifecycleAction");
    expect(complete?.input).toMatchObject({
      InstanceId: NEW,
      LifecycleHookName: "fw-launch",
      LifecycleActionResult: "CONTINUE",
    });
    expect(complete?.input.LifecycleActionToken).toBeUndefined();
    expect(lifecycleState(harness, NEW)).toBe("Pending:Proceed");
    harness.advance(2000);
    const again = await invokeEni(harness, event("schedule-reconcile.json"));
    expect(resultOf(again).decision).toBe("nothing-to-do");
    expect(mutations(again)).toEqual([]);
  });

  it("another system's hook holding a member: never completed by the reconcile", async () => {
    const raw = account();
    raw.lifecycleHooks.push({
      autoScalingGroupName: "fw-asg",
      name: "restore-config",
      transition: "autoscaling:EC2_INSTANCE_LAUNCHING",
      heartbeatTimeout: 900,
    });
    raw.lifecycleActions = [{ autoScalingGroupName: "fw-asg", hookName: "restore-config", instanceId: NEW }];
    harness.load(raw);
    const report = await invokeEni(harness, event("schedule-reconcile.json"));
    const lifecycle = report.calls.filter((c) => /^(Complete|Record)Lifecycle/.test(c.operation));
    expect(lifecycle.map((c) => [c.operation, c.input.LifecycleHookName, c.outcome])).toEqual([
      ["RecordLifecycleActionHeartbeat", "fw-launch", "error"],
    ]);
    expect([...harness.account.state().lifecycleActions.values()].map((a) => a.hookName)).toEqual([
      "restore-config",
    ]);
    expect(lifecycleState(harness, NEW)).toBe("Pending:Wait");
  });

  it("an in-service firewall missing an ENI gets it back (no lifecycle call)", async () => {
    const raw = account();
    autoScalingGroupOf(raw, "fw-asg").instances = [{ instanceId: NEW, lifecycleState: "InService" }];
    raw.lifecycleActions = [];
    raw.instances = raw.instances.filter((i) => i.id !== OLD);
    for (const [k, id] of ENIS.entries())
      eni(raw, id).attachment =
        k < 2 ? { instanceId: NEW, deviceIndex: k + 1, deleteOnTermination: false } : undefined;
    delete eni(raw, EXPOSED).attachment;
    harness.load(raw);
    const report = await invokeEni(harness, event("schedule-reconcile.json"));
    const outcome = outcomeOf(report);
    expect(outcome.transition).toBe("repair");
    expect(outcome.decision).toBe("repaired");
    expect(
      mutations(report).filter((op) => op !== "PutEvents" && op !== "ModifyNetworkInterfaceAttribute"),
    ).toEqual(["AttachNetworkInterface"]);
    expect(where(harness, EXPOSED)).toBe(`${NEW}/3/attached`);
  });

  it("a reconcile reads the group once when no member waits on our hooks, again after handling one", async () => {
    const groupReads = (report: Awaited<ReturnType<typeof invokeEni>>) =>
      report.calls.filter((c) => c.operation === "DescribeLifecycleHooks").length;
    const quiet = account();
    autoScalingGroupOf(quiet, "fw-asg").instances = [{ instanceId: NEW, lifecycleState: "InService" }];
    quiet.lifecycleActions = [];
    quiet.instances = quiet.instances.filter((i) => i.id !== OLD);
    for (const [k, id] of ENIS.entries())
      eni(quiet, id).attachment = { instanceId: NEW, deviceIndex: k + 1, deleteOnTermination: false };
    harness.load(quiet);
    expect(groupReads(await invokeEni(harness, event("schedule-reconcile.json")))).toBe(1);
    // NEW waits on our launch hook: the heartbeat and the hand-over change the group, the repair reads it afresh.
    harness.load(account());
    const waiting = await invokeEni(harness, event("schedule-reconcile.json"));
    expect(waiting.calls.some((c) => c.operation === "RecordLifecycleActionHeartbeat")).toBe(true);
    expect(groupReads(waiting)).toBeGreaterThanOrEqual(2);
  });

  it("our launch hook left with DefaultResult ABANDON (Auto Scaling's default) is reported, nothing else done", async () => {
    const raw = accountAsIs();
    for (const hook of raw.lifecycleHooks) hook.heartbeatTimeout = 900;
    autoScalingGroupOf(raw, "fw-asg").instances = [{ instanceId: OLD, lifecycleState: "InService" }];
    raw.lifecycleActions = [];
    Object.assign(instance(raw, OLD), { state: "running" });
    delete instance(raw, OLD).stateSince;
    raw.instances = raw.instances.filter((i) => i.id !== NEW);
    Object.assign(eni(raw, ENIS[0]), { sourceDestCheck: false });
    harness.load(raw);
    const report = await invokeEni(harness, event("schedule-reconcile.json"));
    expect(outcomeOf(report).issues).toEqual([
      expect.stringMatching(/^hook fw-launch: DefaultResult ABANDON .*terminated and launched again/),
    ]);
    expect(mutations(report)).toEqual([]);
  });

  it("a hook whose heartbeat timeout is shorter than twice the reconcile interval is reported", async () => {
    const raw = account();
    autoScalingGroupOf(raw, "fw-asg").instances = [{ instanceId: OLD, lifecycleState: "InService" }];
    raw.lifecycleActions = [];
    Object.assign(instance(raw, OLD), { state: "running" });
    delete instance(raw, OLD).stateSince;
    raw.instances = raw.instances.filter((i) => i.id !== NEW);
    Object.assign(raw.lifecycleHooks[1] ?? {}, { heartbeatTimeout: 60 });
    Object.assign(eni(raw, ENIS[0]), { sourceDestCheck: false });
    harness.load(raw);
    const report = await invokeEni(harness, event("schedule-reconcile.json"));
    expect(outcomeOf(report).issues).toEqual([
      "hook fw-terminate: HeartbeatTimeout 60 s is shorter than twice the reconcile interval (600 s): an action whose event is lost may time out before the reconcile keeps it alive",
    ]);
    expect(mutations(report)).toEqual([]);
  });
});

describe("local gateway routes", () => {
  const DEAD = "eni-0e1d2c3b4a5f6dead";
  const withDeadTarget = () => {
    const raw = account();
    raw.localGatewayRouteTables[0]?.routes?.push({
      destinationCidrBlock: "10.41.0.0/16",
      networkInterfaceId: DEAD,
    });
    return raw;
  };
  const groupConfig = (repair: boolean) =>
    configEnv({
      group: {
        repairLocalGatewayRoutes: repair,
        localGatewayRoutes: [
          { localGatewayRouteTableId: LGW_TABLE, destinationCidrBlock: "10.41.0.0/16", deviceIndex: 3 },
        ],
      },
    });

  it("a blackhole route to an ENI that no longer exists is reported", async () => {
    harness.load(withDeadTarget());
    const report = await invokeEni(harness, event("launch-eventbridge.json"), groupConfig(false));
    const outcome = outcomeOf(report);
    expect(outcome.result).toBe("CONTINUE");
    expect(outcome.localGatewayRoutes).toEqual([
      expect.objectContaining({ destination: "10.40.0.0/16", state: "active", finding: "ok" }),
      expect.objectContaining({
        destination: "10.41.0.0/16",
        networkInterfaceId: DEAD,
        state: "blackhole",
        finding: "wrong-target",
      }),
    ]);
    expect(report.calls.map((c) => c.operation)).not.toContain("ModifyLocalGatewayRoute");
  });

  it("…and repaired with ModifyLocalGatewayRoute when the group allows it", async () => {
    harness.load(withDeadTarget());
    const report = await invokeEni(harness, event("launch-eventbridge.json"), groupConfig(true));
    const check = outcomeOf(report).localGatewayRoutes.find((c) => c.destination === "10.41.0.0/16");
    expect(check).toMatchObject({ finding: "repaired", networkInterfaceId: EXPOSED, state: "active" });
    expect(
      harness.account.state().localGatewayRouteTables.get(LGW_TABLE)?.routes[1]?.networkInterfaceId,
    ).toBe(EXPOSED);
  });

  it("a route to the group's ENI that stays a blackhole (instance stopped) is reported", async () => {
    const raw = account();
    Object.assign(instance(raw, NEW), { state: "stopped" });
    harness.load(raw);
    const outcome = outcomeOf(await invokeEni(harness, event("launch-eventbridge.json")));
    expect(outcome.decision).toBe("attached");
    expect(outcome.localGatewayRoutes).toEqual([
      expect.objectContaining({ networkInterfaceId: EXPOSED, state: "blackhole", finding: "blackhole" }),
    ]);
  });
});
