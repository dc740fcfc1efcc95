import type { DescribeWarmPoolAnswer } from "@aws-sdk/client-auto-scaling";
import { describe, expect, it } from "vitest";
import type { SimulatedAccount } from "../../../sim";
import {
  addHook,
  attachmentOf,
  describeMember,
  ENIS,
  firewall,
  GROUP,
  groupOf,
  lifecycleEvents,
  memberState,
  OLD,
  type Raw,
} from "./asg-fixture";
import { asg, awsError } from "./helpers";

/**
 * The Auto Scaling lifecycle of one member (issue 9): several hooks per transition, Pending:Proceed,
 * terminate ABANDON and retention, heartbeat and global timeouts, warm pool two-stage launches and
 * their two tokens, lifecycle events and their best-effort delivery.
 */

const LAUNCH = "autoscaling:EC2_INSTANCE_LAUNCHING";
const TERMINATE = "autoscaling:EC2_INSTANCE_TERMINATING";

async function launch(a: SimulatedAccount, body: Record<string, unknown> = {}): Promise<string> {
  const r = await a.control("POST", `/__sim/autoscaling-groups/${GROUP}/launch`, body);
  expect(r.status).toBe(200);
  return (r.body as { instanceId: string }).instanceId;
}

async function terminate(a: SimulatedAccount, id: string, body: Record<string, unknown> = {}) {
  const r = await a.control("POST", `/__sim/autoscaling-groups/${GROUP}/instances/${id}/terminate`, body);
  expect(r.status).toBe(200);
  return (r.body as { actions: { token: string; hookName: string }[] }).actions;
}

const complete = (a: SimulatedAccount, hook: string, result: string, by: Record<string, unknown>) =>
  asg(a, "CompleteLifecycleAction", {
    AutoScalingGroupName: GROUP,
    LifecycleHookName: hook,
    LifecycleActionResult: result,
    ...by,
  });

const tokenOf = (a: SimulatedAccount, hook: string, instance: string, nth = 0): string => {
  const found = lifecycleEvents(a).filter(
    (e) => e.detail.LifecycleHookName === hook && e.detail.EC2InstanceId === instance,
  )[nth];
  return String(found?.detail.LifecycleActionToken);
};

const withSecondLaunchHook = (a?: (raw: Raw) => void) =>
  firewall((raw) => {
    addHook(raw, { name: "restore-config", heartbeatTimeout: 600 });
    a?.(raw);
  });

describe("several hooks of one transition", () => {
  it("concurrent (default): one action, token and event per hook at once; Pending:Wait until all are completed", async () => {
    const a = withSecondLaunchHook();
    const id = await launch(a);
    expect(memberState(a, id)).toBe("Pending");
    a.advance(500);
    expect(memberState(a, id)).toBe("Pending:Wait");
    // The lifecycle event can arrive while EC2 still says pending.
    expect(a.state().instances.get(id)?.state).toBe("pending");
    const events = lifecycleEvents(a);
    expect(
      events.map((e) => [e["detail-type"], e.detail.LifecycleHookName, e.detail.EC2InstanceId, e.time]),
    ).toEqual([
      ["EC2 Instance-launch Lifecycle Action", "fw-launch", id, "2026-11-21T12:00:00Z"],
      ["EC2 Instance-launch Lifecycle Action", "restore-config", id, "2026-11-21T12:00:00Z"],
    ]);
    expect(tokenOf(a, "fw-launch", id)).not.toBe(tokenOf(a, "restore-config", id));
    await complete(a, "fw-launch", "CONTINUE", { LifecycleActionToken: tokenOf(a, "fw-launch", id) });
    expect(memberState(a, id)).toBe("Pending:Wait");
    await complete(a, "restore-config", "CONTINUE", { InstanceId: id });
    expect(memberState(a, id)).toBe("Pending:Proceed");
    a.advance(1999);
    expect(memberState(a, id)).toBe("Pending:Proceed");
    a.advance(1);
    expect(memberState(a, id)).toBe("InService");
  });

  it("sequential: the next hook's action and event start when the previous one is completed", async () => {
    const a = withSecondLaunchHook((raw) =>
      Object.assign(raw.behaviour ?? {}, { lifecycleHookOrder: "sequential" }),
    );
    const id = await launch(a);
    a.advance(500);
    expect(lifecycleEvents(a).map((e) => e.detail.LifecycleHookName)).toEqual(["fw-launch"]);
    const early = await awsError(
      complete(a, "restore-config", "CONTINUE", { InstanceId: id }),
      "ValidationError",
    );
    expect(early.message).toBe(`No active Lifecycle Action found with instance ID ${id}`);
    a.advance(10_000);
    await complete(a, "fw-launch", "CONTINUE", { InstanceId: id });
    expect(memberState(a, id)).toBe("Pending:Wait");
    const second = lifecycleEvents(a)[1];
    expect([second?.detail.LifecycleHookName, second?.time]).toEqual([
      "restore-config",
      "2026-11-21T12:00:10Z",
    ]);
    await complete(a, "restore-config", "CONTINUE", { InstanceId: id });
    expect(memberState(a, id)).toBe("Pending:Proceed");
  });

  it("a launch ABANDON by any hook terminates the instance and ends the other actions", async () => {
    const a = withSecondLaunchHook();
    const id = await launch(a);
    a.advance(500);
    await complete(a, "restore-config", "ABANDON", { InstanceId: id });
    expect(a.state().instances.get(id)?.state).toBe("shutting-down");
    await awsError(complete(a, "fw-launch", "CONTINUE", { InstanceId: id }), "ValidationError");
    a.advance(2000);
    expect(a.state().instances.get(id)?.state).toBe("terminated");
    expect(a.state().groupOf(id)).toBeUndefined();
  });

  it("terminate: CONTINUE waits for the other hooks; ABANDON skips the remaining ones and the termination goes on", async () => {
    const a = firewall((raw) =>
      addHook(raw, { name: "drain", transition: TERMINATE, heartbeatTimeout: 600 }),
    );
    const actions = await terminate(a, OLD);
    expect(actions.map((x) => x.hookName)).toEqual(["fw-terminate", "drain"]);
    expect(memberState(a, OLD)).toBe("Terminating:Wait");
    await complete(a, "fw-terminate", "CONTINUE", { InstanceId: OLD });
    expect([memberState(a, OLD), a.state().instances.get(OLD)?.state]).toEqual([
      "Terminating:Wait",
      "running",
    ]);
    await complete(a, "drain", "ABANDON", { InstanceId: OLD });
    expect([memberState(a, OLD), a.state().instances.get(OLD)?.state]).toEqual([
      "Terminating:Proceed",
      "shutting-down",
    ]);
    a.advance(2000);
    expect(ENIS.map((e) => attachmentOf(a, e))).toEqual(["available", "available", "available"]);

    const b = firewall((raw) =>
      addHook(raw, { name: "drain", transition: TERMINATE, heartbeatTimeout: 600 }),
    );
    await terminate(b, OLD);
    await complete(b, "fw-terminate", "ABANDON", { InstanceId: OLD });
    expect(memberState(b, OLD)).toBe("Terminating:Proceed");
    await awsError(complete(b, "drain", "CONTINUE", { InstanceId: OLD }), "ValidationError");
  });
});

describe("Pending:Proceed", () => {
  it("InService never comes before EC2 says running", async () => {
    const a = firewall((raw) => Object.assign(raw.behaviour ?? {}, { pendingToRunningMs: 10_000 }));
    const id = await launch(a);
    a.advance(5000);
    await complete(a, "fw-launch", "CONTINUE", { InstanceId: id });
    a.advance(4999);
    expect([memberState(a, id), a.state().instances.get(id)?.state]).toEqual(["Pending:Proceed", "pending"]);
    a.advance(1);
    expect([memberState(a, id), a.state().instances.get(id)?.state]).toEqual(["InService", "running"]);
  });

  it("a member loaded in Pending:Proceed goes InService pendingProceedMs after the clock start", async () => {
    const a = firewall((raw) => {
      groupOf(raw).instances = [{ instanceId: OLD, lifecycleState: "Pending:Proceed" }];
    });
    expect((await describeMember(a, OLD))?.LifecycleState).toBe("Pending:Proceed");
    a.advance(2000);
    expect((await describeMember(a, OLD))?.LifecycleState).toBe("InService");
  });
});

describe("timeouts, retention, contention", () => {
  it("heartbeats extend the action until the global timeout (100 × 300 s), then DefaultResult ABANDON", async () => {
    const a = firewall();
    const id = await launch(a);
    a.advance(500);
    const started = a.clock.nowMs();
    const heartbeat = () =>
      asg(a, "RecordLifecycleActionHeartbeat", {
        AutoScalingGroupName: GROUP,
        LifecycleHookName: "fw-launch",
        InstanceId: id,
      });
    for (let t = 250_000; t < 30_000_000; t += 250_000) {
      a.advance(250_000);
      await heartbeat();
      expect(memberState(a, id)).toBe("Pending:Wait");
    }
    a.clock.set(new Date(started + 30_000_000));
    a.settle();
    const instance = a.state().instances.get(id);
    expect([instance?.state, instance?.stateSince]).toEqual(["shutting-down", started + 30_000_000]);
    await awsError(heartbeat(), "ValidationError");
  });

  it("retention: a terminate hook abandoned (explicitly or by timeout) leaves the instance running in Terminating:Retained", async () => {
    const retain = (raw: Raw) => {
      Object.assign(groupOf(raw), {
        instanceLifecyclePolicy: { retentionTriggers: { terminateHookAbandon: "retain" } },
      });
    };
    const a = firewall(retain);
    await terminate(a, OLD);
    await complete(a, "fw-terminate", "ABANDON", { InstanceId: OLD });
    a.advance(60_000);
    expect([memberState(a, OLD), a.state().instances.get(OLD)?.state]).toEqual([
      "Terminating:Retained",
      "running",
    ]);
    expect(ENIS.map((e) => attachmentOf(a, e))).toEqual(ENIS.map(() => `${OLD}/attached`));
    const out = await asg<{ Activity: { Description: string } }>(a, "TerminateInstanceInAutoScalingGroup", {
      InstanceId: OLD,
      ShouldDecrementDesiredCapacity: false,
    });
    expect(out.Activity.Description).toBe(`Terminating EC2 instance: ${OLD}`);
    expect(a.state().instances.get(OLD)?.state).toBe("shutting-down");

    const b = firewall((raw) => {
      retain(raw);
      addHook(raw, { name: "drain", transition: TERMINATE, heartbeatTimeout: 60, defaultResult: "ABANDON" });
    });
    await terminate(b, OLD);
    await complete(b, "fw-terminate", "CONTINUE", { InstanceId: OLD });
    b.advance(60_000);
    expect(memberState(b, OLD)).toBe("Terminating:Retained");
  });

  it("ResourceContention (500) changes nothing; the retry completes", async () => {
    const a = firewall();
    const id = await launch(a);
    a.advance(500);
    a.faults.add({
      service: "autoscaling",
      operation: "CompleteLifecycleAction",
      error: { code: "ResourceContention" },
      times: 1,
    });
    const e = await awsError(
      complete(a, "fw-launch", "CONTINUE", { InstanceId: id }),
      "ResourceContention",
      500,
    );
    expect(e.message).toContain("pending update");
    expect(memberState(a, id)).toBe("Pending:Wait");
    await complete(a, "fw-launch", "CONTINUE", { InstanceId: id });
    expect(memberState(a, id)).toBe("Pending:Proceed");
  });
});

describe("warm pool", () => {
  const pooled = (raw: Raw, reuse = false) => {
    Object.assign(groupOf(raw), {
      warmPool: { minSize: 1, poolState: "Stopped", instanceReusePolicy: { reuseOnScaleIn: reuse } },
    });
  };

  async function warmOne(a: SimulatedAccount): Promise<string> {
    const id = await launch(a, { warmPool: true });
    a.advance(500);
    await complete(a, "fw-launch", "CONTINUE", { LifecycleActionToken: tokenOf(a, "fw-launch", id) });
    expect(memberState(a, id)).toBe("Warmed:Pending:Proceed");
    a.advance(2000);
    return id;
  }

  it("into the pool: Warmed:Pending:Wait (EC2 → WarmPool), then Warmed:Stopped; only DescribeWarmPool shows it", async () => {
    const a = firewall((raw) => pooled(raw));
    const id = await launch(a, { warmPool: true });
    expect(memberState(a, id)).toBe("Warmed:Pending");
    a.advance(500);
    expect(memberState(a, id)).toBe("Warmed:Pending:Wait");
    expect(lifecycleEvents(a)[0]?.detail).toMatchObject({
      Origin: "EC2",
      Destination: "WarmPool",
      LifecycleTransition: LAUNCH,
    });
    await complete(a, "fw-launch", "CONTINUE", { InstanceId: id });
    a.advance(2000);
    expect([memberState(a, id), a.state().instances.get(id)?.state]).toEqual(["Warmed:Stopped", "stopping"]);
    const pool = await asg<DescribeWarmPoolAnswer>(a, "DescribeWarmPool", { AutoScalingGroupName: GROUP });
    expect(pool.WarmPoolConfiguration).toEqual({
      MinSize: 1,
      PoolState: "Stopped",
      InstanceReusePolicy: { ReuseOnScaleIn: false },
    });
    expect(pool.Instances?.map((i) => [i.InstanceId, i.LifecycleState, i.HealthStatus])).toEqual([
      [id, "Warmed:Stopped", "Healthy"],
    ]);
    const groups = await asg<{
      AutoScalingGroups: { Instances: { InstanceId: string }[]; WarmPoolSize: number }[];
    }>(a, "DescribeAutoScalingGroups", { AutoScalingGroupNames: [GROUP] });
    expect(groups.AutoScalingGroups[0]?.Instances.map((i) => i.InstanceId)).toEqual([OLD]);
    expect(groups.AutoScalingGroups[0]?.WarmPoolSize).toBe(1);
  });

  it("out of the pool: a second action with a new token; the first token is refused while the instance waits, the instance id completes", async () => {
    const a = firewall((raw) => pooled(raw));
    const id = await warmOne(a);
    a.advance(60_000);
    const first = tokenOf(a, "fw-launch", id, 0);
    expect(await launch(a)).toBe(id);
    expect(a.state().instances.get(id)?.state).toBe("pending");
    a.advance(500);
    expect(memberState(a, id)).toBe("Pending:Wait");
    const second = tokenOf(a, "fw-launch", id, 1);
    expect(second).not.toBe(first);
    const secondEvent = lifecycleEvents(a).filter((e) => e.detail.EC2InstanceId === id)[1];
    expect(secondEvent?.detail).toMatchObject({ Origin: "WarmPool", Destination: "AutoScalingGroup" });
    const stale = await awsError(
      complete(a, "fw-launch", "CONTINUE", { LifecycleActionToken: first, InstanceId: id }),
      "ValidationError",
    );
    expect(stale.message).toBe(`No active Lifecycle Action found with token ${first}`);
    expect(memberState(a, id)).toBe("Pending:Wait");
    await complete(a, "fw-launch", "CONTINUE", { InstanceId: id });
    expect(memberState(a, id)).toBe("Pending:Proceed");
    // The pool is refilled to max(MinSize, MaxSize − desired) = 1.
    const pool = await asg<DescribeWarmPoolAnswer>(a, "DescribeWarmPool", { AutoScalingGroupName: GROUP });
    expect(pool.Instances?.map((i) => i.LifecycleState)).toEqual(["Warmed:Pending:Wait"]);
  });

  it("scale-in with instance reuse waits in Warmed:Pending:Wait; a pooled instance terminated waits in Warmed:Terminating:Wait", async () => {
    const a = firewall((raw) => pooled(raw, true));
    await terminate(a, OLD, { reuse: true });
    expect(memberState(a, OLD)).toBe("Warmed:Pending:Wait");
    expect(lifecycleEvents(a)[0]?.detail).toMatchObject({
      Origin: "AutoScalingGroup",
      Destination: "WarmPool",
      LifecycleTransition: TERMINATE,
    });
    await complete(a, "fw-terminate", "CONTINUE", { InstanceId: OLD });
    a.advance(2000);
    expect([memberState(a, OLD), a.state().instances.get(OLD)?.state]).toEqual([
      "Warmed:Stopped",
      "stopping",
    ]);
    await terminate(a, OLD);
    expect(memberState(a, OLD)).toBe("Warmed:Terminating:Wait");
    expect(lifecycleEvents(a).at(-1)?.detail).toMatchObject({ Origin: "WarmPool", Destination: "EC2" });
    await complete(a, "fw-terminate", "CONTINUE", { InstanceId: OLD });
    expect(memberState(a, OLD)).toBe("Warmed:Terminating:Proceed");
    a.advance(2000);
    expect(a.state().groupOf(OLD)).toBeUndefined();
  });
});

describe("lifecycle events (best effort)", () => {
  it("Origin/Destination: always by default; warm-pool-only leaves them out for a group without a pool", async () => {
    const a = firewall();
    await terminate(a, OLD);
    expect(lifecycleEvents(a)[0]?.detail).toMatchObject({ Origin: "AutoScalingGroup", Destination: "EC2" });
    const b = firewall((raw) =>
      Object.assign(raw.behaviour ?? {}, { lifecycleEventOriginDestination: "warm-pool-only" }),
    );
    await terminate(b, OLD);
    const detail = lifecycleEvents(b)[0]?.detail ?? {};
    expect("Origin" in detail || "Destination" in detail).toBe(false);
    expect(detail).toMatchObject({ EC2InstanceId: OLD, LifecycleHookName: "fw-terminate" });
  });

  it("delivery rules drop, delay and duplicate events; the action itself is pending either way", async () => {
    const a = firewall();
    const rule = await a.control("POST", "/__sim/lifecycle-events/rules", { action: "drop", times: 1 });
    expect(rule.status).toBe(201);
    const dropped = await launch(a);
    a.advance(500);
    expect(lifecycleEvents(a)).toEqual([]);
    expect(memberState(a, dropped)).toBe("Pending:Wait");
    expect((await describeMember(a, dropped))?.LifecycleState).toBe("Pending:Wait");

    await a.control("POST", "/__sim/lifecycle-events/rules", { action: "delay", delayMs: 5000, times: 1 });
    await terminate(a, OLD);
    expect(lifecycleEvents(a)).toEqual([]);
    a.advance(5000);
    expect(lifecycleEvents(a).map((e) => [e.detail.EC2InstanceId, e.time])).toEqual([
      [OLD, "2026-11-21T12:00:05Z"],
    ]);

    await a.control("DELETE", "/__sim/lifecycle-events/rules");
    await a.control("POST", "/__sim/lifecycle-events/rules", {
      action: "duplicate",
      delayMs: 60_000,
      hookName: "fw-launch",
    });
    const again = await launch(a);
    a.advance(500);
    const token = tokenOf(a, "fw-launch", again);
    await complete(a, "fw-launch", "CONTINUE", { LifecycleActionToken: token });
    a.advance(60_000);
    // The late copy carries a token that is no longer pending.
    expect(lifecycleEvents(a).filter((e) => e.detail.LifecycleActionToken === token)).toHaveLength(2);
    await awsError(complete(a, "fw-launch", "CONTINUE", { LifecycleActionToken: token }), "ValidationError");
    const listed = await a.control("GET", "/__sim/lifecycle-events/rules");
    expect((listed.body as { rules: { fired: number }[] }).rules.map((r) => r.fired)).toEqual([1]);
  });
});
