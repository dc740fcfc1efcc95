import type { DescribeInstanceRefreshesAnswer } from "@aws-sdk/client-auto-scaling";
import fc from "fast-check";
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
  launched,
  lifecycleEvents,
  memberState,
  OLD,
  type Raw,
} from "./asg-fixture";
import { asg, awsError, ec2 } from "./helpers";

/**
 * How Auto Scaling replaces an instance (issue 9): terminate and launch vs launch before terminating
 * (instance maintenance policy, instance refresh preferences), the old instance terminated only after
 * the new one is InService and warmed up, relaunch after an abandoned launch, instance refresh,
 * ReplaceRootVolume, EC2 health checks, TerminateInstanceInAutoScalingGroup, SetDesiredCapacity and
 * the launch template's ENIs.
 */

const launchBeforeTerminate = (raw: Raw) => {
  Object.assign(groupOf(raw), {
    instanceMaintenancePolicy: { minHealthyPercentage: 100, maxHealthyPercentage: 110 },
    defaultInstanceWarmup: 60,
  });
};

const unhealthy = (a: SimulatedAccount, id = OLD) =>
  asg(a, "SetInstanceHealth", { InstanceId: id, HealthStatus: "Unhealthy" });

const complete = (a: SimulatedAccount, hook: string, id: string, result = "CONTINUE") =>
  asg(a, "CompleteLifecycleAction", {
    AutoScalingGroupName: GROUP,
    LifecycleHookName: hook,
    InstanceId: id,
    LifecycleActionResult: result,
  });

const only = <T>(items: readonly T[]): T => {
  expect(items).toHaveLength(1);
  return items[0] as T;
};

describe("health-check replacement", () => {
  it("terminate and launch (no policy): the old instance waits in Terminating:Wait with its ENIs while the new one waits in Pending:Wait", async () => {
    const a = firewall();
    await unhealthy(a);
    expect(await describeMember(a, OLD)).toMatchObject({
      LifecycleState: "Terminating:Wait",
      HealthStatus: "UNHEALTHY",
    });
    const id = only(launched(a));
    a.advance(500);
    expect([memberState(a, OLD), memberState(a, id)]).toEqual(["Terminating:Wait", "Pending:Wait"]);
    expect(a.state().instances.get(OLD)?.state).toBe("running");
    expect(ENIS.map((e) => attachmentOf(a, e))).toEqual(ENIS.map(() => `${OLD}/attached`));
    expect(lifecycleEvents(a).map((e) => [e["detail-type"], e.detail.EC2InstanceId])).toEqual([
      ["EC2 Instance-terminate Lifecycle Action", OLD],
      ["EC2 Instance-launch Lifecycle Action", id],
    ]);
  });

  it("launch before terminating (minHealthyPercentage 100): the old one stays InService/Unhealthy until the new one is InService and warmed up", async () => {
    const a = firewall(launchBeforeTerminate);
    await unhealthy(a);
    expect(await describeMember(a, OLD)).toMatchObject({
      LifecycleState: "InService",
      HealthStatus: "UNHEALTHY",
    });
    const id = only(launched(a));
    a.advance(500);
    expect(memberState(a, id)).toBe("Pending:Wait");
    a.advance(120_000);
    expect(memberState(a, OLD)).toBe("InService");
    await complete(a, "fw-launch", id);
    a.advance(2000);
    expect(memberState(a, id)).toBe("InService");
    a.advance(59_999);
    expect(memberState(a, OLD)).toBe("InService");
    a.advance(1);
    expect(memberState(a, OLD)).toBe("Terminating:Wait");
    expect(ENIS.map((e) => attachmentOf(a, e))).toEqual(ENIS.map(() => `${OLD}/attached`));
    await complete(a, "fw-terminate", OLD);
    a.advance(2000);
    expect(a.state().groupOf(OLD)).toBeUndefined();
    expect(a.state().asg.replacements.map((r) => [r.mode, r.phase, r.attempts])).toEqual([
      ["launch-before-terminate", "done", 1],
    ]);
  });

  it("launch before terminating: holding the new instance until the old one leaves deadlocks until the global timeout, then ABANDON and a relaunch", async () => {
    const a = firewall(launchBeforeTerminate);
    await unhealthy(a);
    const first = only(launched(a));
    a.advance(500);
    // A consumer that heartbeats "until the holder is leaving": the holder never leaves.
    for (let t = 0; t < 30_000_000 - 250_000; t += 250_000) {
      a.advance(250_000);
      expect(memberState(a, OLD)).toBe("InService");
      await asg(a, "RecordLifecycleActionHeartbeat", {
        AutoScalingGroupName: GROUP,
        LifecycleHookName: "fw-launch",
        InstanceId: first,
      });
    }
    a.advance(250_000);
    expect(a.state().instances.get(first)?.state).toBe("shutting-down");
    a.advance(10_000);
    const [, second] = launched(a);
    expect(second).toBeDefined();
    expect(memberState(a, OLD)).toBe("InService");
    expect(a.state().asg.replacements[0]?.attempts).toBe(2);
  });

  it("a launch abandoned again and again is launched again relaunchDelayMs later, each time a new instance", async () => {
    const a = firewall((raw) => {
      launchBeforeTerminate(raw);
      const hook = raw.lifecycleHooks?.find((h) => h.name === "fw-launch");
      if (hook !== undefined) hook.heartbeatTimeout = 30;
    });
    await unhealthy(a);
    a.advance(3 * (500 + 30_000 + 10_000));
    expect(launched(a)).toHaveLength(4);
    expect(a.state().asg.replacements[0]?.attempts).toBe(4);
    expect(memberState(a, OLD)).toBe("InService");
  });
});

describe("instance refresh", () => {
  const refreshes = async (a: SimulatedAccount) =>
    (
      await asg<DescribeInstanceRefreshesAnswer>(a, "DescribeInstanceRefreshes", {
        AutoScalingGroupName: GROUP,
      })
    ).InstanceRefreshes ?? [];

  it("MinHealthyPercentage 100 / MaxHealthyPercentage 110: launch first, the Healthy old one leaves after the new one is ready", async () => {
    const a = firewall();
    const out = await asg<{ InstanceRefreshId: string }>(a, "StartInstanceRefresh", {
      AutoScalingGroupName: GROUP,
      Preferences: { MinHealthyPercentage: 100, MaxHealthyPercentage: 110, InstanceWarmup: 30 },
    });
    expect((await refreshes(a))[0]).toMatchObject({
      InstanceRefreshId: out.InstanceRefreshId,
      Status: "InProgress",
    });
    await awsError(
      asg(a, "StartInstanceRefresh", { AutoScalingGroupName: GROUP }),
      "InstanceRefreshInProgress",
    );
    const id = only(launched(a));
    expect(await describeMember(a, OLD)).toMatchObject({
      LifecycleState: "InService",
      HealthStatus: "HEALTHY",
    });
    a.advance(500);
    await complete(a, "fw-launch", id);
    a.advance(2000 + 29_999);
    expect(memberState(a, OLD)).toBe("InService");
    a.advance(1);
    expect(memberState(a, OLD)).toBe("Terminating:Wait");
    await complete(a, "fw-terminate", OLD);
    a.advance(2000);
    expect((await refreshes(a))[0]).toMatchObject({
      Status: "Successful",
      PercentageComplete: 100,
      InstancesToUpdate: 0,
    });
    await awsError(
      asg(a, "CancelInstanceRefresh", { AutoScalingGroupName: GROUP }),
      "ActiveInstanceRefreshNotFound",
    );
  });

  it("the defaults (90/100) terminate first: with one instance the group has none in service for a while", async () => {
    const a = firewall();
    await asg(a, "StartInstanceRefresh", { AutoScalingGroupName: GROUP });
    expect(memberState(a, OLD)).toBe("Terminating:Wait");
    expect(launched(a)).toHaveLength(1);
    const cancelled = await asg<{ InstanceRefreshId: string }>(a, "CancelInstanceRefresh", {
      AutoScalingGroupName: GROUP,
    });
    expect((await refreshes(a))[0]).toMatchObject({
      InstanceRefreshId: cancelled.InstanceRefreshId,
      Status: "Cancelled",
    });
  });

  it("fails when a replacement does not succeed within the hour (its launch abandoned again and again)", async () => {
    const a = firewall((raw) => {
      const hook = raw.lifecycleHooks?.find((h) => h.name === "fw-launch");
      if (hook !== undefined) hook.heartbeatTimeout = 60;
    });
    await asg(a, "StartInstanceRefresh", {
      AutoScalingGroupName: GROUP,
      Preferences: { MinHealthyPercentage: 100, MaxHealthyPercentage: 200 },
    });
    a.advance(3_600_000);
    const [refresh] = await refreshes(a);
    expect(refresh).toMatchObject({ Status: "Failed" });
    expect(refresh?.StatusReason).toContain(OLD);
    expect(a.state().asg.replacements[0]?.attempts).toBeGreaterThan(10);
  });

  it("ReplaceRootVolume keeps the instance and its ENIs: ReplacingRootVolume → RootVolumeReplaced → InService", async () => {
    const a = firewall();
    await asg(a, "StartInstanceRefresh", { AutoScalingGroupName: GROUP, Strategy: "ReplaceRootVolume" });
    expect(memberState(a, OLD)).toBe("ReplacingRootVolume");
    a.advance(60_000);
    expect(memberState(a, OLD)).toBe("RootVolumeReplaced");
    a.advance(2000);
    expect(memberState(a, OLD)).toBe("InService");
    expect((await refreshes(a))[0]).toMatchObject({ Status: "Successful", Strategy: "ReplaceRootVolume" });
    expect(ENIS.map((e) => attachmentOf(a, e))).toEqual(ENIS.map(() => `${OLD}/attached`));
    expect(launched(a)).toEqual([]);
    expect(lifecycleEvents(a)).toEqual([]);
  });
});

describe("EC2 health checks (behaviour.healthChecks)", () => {
  const ec2Checks = (raw: Raw) => Object.assign(raw.behaviour ?? {}, { healthChecks: "ec2" });

  it("off (default): a stopped member shows Unhealthy and stays; ec2: it is replaced at once", async () => {
    const off = firewall();
    await ec2(off, "StopInstances", { InstanceIds: [OLD] });
    off.advance(60_000);
    expect(await describeMember(off, OLD)).toMatchObject({
      LifecycleState: "InService",
      HealthStatus: "UNHEALTHY",
    });
    expect(launched(off)).toEqual([]);

    const on = firewall(ec2Checks);
    await ec2(on, "StopInstances", { InstanceIds: [OLD] });
    expect(memberState(on, OLD)).toBe("Terminating:Wait");
    expect(launched(on)).toHaveLength(1);
  });

  it("an impaired status check is acted on at the next health check tick; a new member is checked only after its grace period", async () => {
    const a = firewall(ec2Checks);
    a.setInstanceStatus(OLD, { instance: "impaired" });
    expect(memberState(a, OLD)).toBe("InService");
    a.advance(60_000);
    expect(memberState(a, OLD)).toBe("Terminating:Wait");
    const id = only(launched(a));
    a.advance(500);
    await complete(a, "fw-launch", id);
    a.advance(2000);
    a.setInstanceStatus(id, { system: "impaired" });
    a.advance(299_000);
    expect(memberState(a, id)).toBe("InService");
    a.advance(60_000);
    expect(memberState(a, id)).toBe("Terminating:Wait");
  });
});

describe("TerminateInstanceInAutoScalingGroup, SetDesiredCapacity", () => {
  it("decrementing below the minimum is refused; without decrement a replacement is launched; an unknown instance is refused", async () => {
    const a = firewall();
    const e = await awsError(
      asg(a, "TerminateInstanceInAutoScalingGroup", {
        InstanceId: OLD,
        ShouldDecrementDesiredCapacity: true,
      }),
      "ValidationError",
    );
    expect(e.message).toContain("min size");
    const unknown = await awsError(
      asg(a, "TerminateInstanceInAutoScalingGroup", {
        InstanceId: "i-0123456789abcdef9",
        ShouldDecrementDesiredCapacity: false,
      }),
      "ValidationError",
    );
    expect(unknown.message).toBe(
      "Instance Id not found - No managed instance found for instance ID: i-0123456789abcdef9",
    );
    await asg(a, "TerminateInstanceInAutoScalingGroup", {
      InstanceId: OLD,
      ShouldDecrementDesiredCapacity: false,
    });
    expect(memberState(a, OLD)).toBe("Terminating:Wait");
    expect(launched(a)).toHaveLength(1);
  });

  it("SetDesiredCapacity launches and scales in within min and max", async () => {
    const a = firewall();
    const above = await awsError(
      asg(a, "SetDesiredCapacity", { AutoScalingGroupName: GROUP, DesiredCapacity: 3 }),
      "ValidationError",
    );
    expect(above.message).toBe(
      "New SetDesiredCapacity value 3 is above max value 2 for the AutoScalingGroup.",
    );
    await asg(a, "SetDesiredCapacity", { AutoScalingGroupName: GROUP, DesiredCapacity: 2 });
    const id = only(launched(a));
    a.advance(500);
    await complete(a, "fw-launch", id);
    a.advance(2000);
    await asg(a, "SetDesiredCapacity", { AutoScalingGroupName: GROUP, DesiredCapacity: 1 });
    expect([memberState(a, OLD), memberState(a, id)]).toEqual(["Terminating:Wait", "InService"]);
  });
});

describe("instances the group launches", () => {
  it("carry the launch template's ENIs, which take device indexes and count toward the card's limit", async () => {
    const a = firewall((raw) => {
      const group = groupOf(raw);
      group.launchTemplate = {
        launchTemplateName: "firewall",
        version: "$Latest",
        instanceType: "c5.large",
        networkInterfaces: [{ deviceIndex: 1, description: "management" }],
      };
    });
    await unhealthy(a);
    const id = only(launched(a));
    a.advance(1000);
    const enis = a.state().enisOf(id);
    expect(
      enis.map((n) => [n.attachment?.deviceIndex, n.attachment?.deleteOnTermination, n.subnetId]),
    ).toEqual([
      [0, true, "subnet-0f0e0d0c0b0a00011"],
      [1, true, "subnet-0f0e0d0c0b0a00011"],
    ]);
    expect(a.state().instances.get(id)?.instanceType).toBe("c5.large");
    await complete(a, "fw-terminate", OLD);
    a.advance(2000);
    const attach = (eni: string, index: number) =>
      ec2(a, "AttachNetworkInterface", { NetworkInterfaceId: eni, InstanceId: id, DeviceIndex: index });
    const taken = await awsError(attach(ENIS[0], 1), "InvalidParameterValue");
    expect(taken.message).toBe(`Instance '${id}' already has an interface attached at device index '1'.`);
    await attach(ENIS[0], 2);
    await awsError(attach(ENIS[1], 3), "AttachmentLimitExceeded");
  });

  it("the new instance is pending when its launch event arrives: attach refused until it runs", async () => {
    const a = firewall();
    await unhealthy(a);
    const id = only(launched(a));
    const attachmentId = a.state().networkInterfaces.get(ENIS[0])?.attachment?.attachmentId;
    await ec2(a, "DetachNetworkInterface", { AttachmentId: attachmentId });
    a.advance(500);
    expect([memberState(a, id), a.state().instances.get(id)?.state, attachmentOf(a, ENIS[0])]).toEqual([
      "Pending:Wait",
      "pending",
      "available",
    ]);
    const attach = () =>
      ec2(a, "AttachNetworkInterface", { NetworkInterfaceId: ENIS[0], InstanceId: id, DeviceIndex: 1 });
    const refused = await awsError(attach(), "IncorrectInstanceState");
    expect(refused.message).toBe(`The pending instance '${id}' is not in a valid state for this operation.`);
    a.advance(500);
    expect(a.state().instances.get(id)?.state).toBe("running");
    await attach();
    expect(attachmentOf(a, ENIS[0])).toBe(`${id}/attaching`);
  });
});

describe("invariants over any interleaving (property)", () => {
  type Step =
    | { kind: "advance"; ms: number }
    | { kind: "complete"; hook: number; member: number; result: "CONTINUE" | "ABANDON" }
    | { kind: "heartbeat"; hook: number; member: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 400_000 }) }),
    fc.record({
      kind: fc.constant("complete" as const),
      hook: fc.nat(3),
      member: fc.nat(3),
      result: fc.constantFrom("CONTINUE" as const, "ABANDON" as const),
    }),
    fc.record({ kind: fc.constant("heartbeat" as const), hook: fc.nat(3), member: fc.nat(3) }),
  );
  const HOOKS = ["fw-launch", "restore-config", "fw-terminate", "drain"];

  it("the old member of a launch-before-terminate replacement serves until a new one has been InService for the warmup; waits have actions; no InService with a launch action pending", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(step, { minLength: 1, maxLength: 25 }),
        async (sequential, steps) => {
          const a = firewall((raw) => {
            launchBeforeTerminate(raw);
            addHook(raw, { name: "restore-config", heartbeatTimeout: 120, defaultResult: "CONTINUE" });
            addHook(raw, {
              name: "drain",
              transition: "autoscaling:EC2_INSTANCE_TERMINATING",
              heartbeatTimeout: 60,
            });
            if (sequential) Object.assign(raw.behaviour ?? {}, { lifecycleHookOrder: "sequential" });
          });
          await unhealthy(a);
          const inServiceAt = new Map<string, number>();
          for (const s of steps) {
            const members = [OLD, ...launched(a)];
            const target = members[("member" in s ? s.member : 0) % members.length] ?? OLD;
            const hook = HOOKS[("hook" in s ? s.hook : 0) % HOOKS.length] ?? "fw-launch";
            const by = { AutoScalingGroupName: GROUP, LifecycleHookName: hook, InstanceId: target };
            if (s.kind === "advance") a.advance(s.ms);
            else if (s.kind === "complete")
              await asg(a, "CompleteLifecycleAction", { ...by, LifecycleActionResult: s.result }).catch(
                () => undefined,
              );
            else await asg(a, "RecordLifecycleActionHeartbeat", by).catch(() => undefined);
            a.settle();
            const now = a.clock.nowMs();
            const group = a.state().autoScalingGroups.get(GROUP);
            for (const m of group?.instances ?? []) {
              const pending = [...a.state().lifecycleActions.values()].filter(
                (x) => x.instanceId === m.instanceId,
              );
              if (m.lifecycleState.endsWith(":Wait")) expect(pending.length).toBeGreaterThan(0);
              if (m.lifecycleState === "InService") {
                expect(pending.filter((x) => x.transition === "autoscaling:EC2_INSTANCE_LAUNCHING")).toEqual(
                  [],
                );
                if (!inServiceAt.has(m.instanceId))
                  inServiceAt.set(m.instanceId, a.state().asg.stateSince.get(m.instanceId) ?? now);
              }
            }
            const old = group?.instances.find((m) => m.instanceId === OLD);
            if (old !== undefined && old.lifecycleState !== "InService") {
              const ready = [...inServiceAt.entries()].some(([id, at]) => id !== OLD && at + 60_000 <= now);
              expect(ready).toBe(true);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
