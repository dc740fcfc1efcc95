import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LifecycleOutcome } from "../../../functions/eni-reattach/reattach/report";
import type { Harness, InvocationReport } from "../../../sim/harness";
import { asg } from "../../sim/account/helpers";
import { autoScalingGroupOf, type Fixture } from "../../support/fixtures";
import { startHarness } from "../../support/harness";
import { FirewallDriver, serving } from "./driver";
import { configEnv, ENIS, eni, instance, lifecycleState, OLD, where } from "./support";

/**
 * Auto Scaling's replacement engine (simulated from its documentation) against the real handler, on the
 * simulated clock: terminate then launch, launch before terminating with the old instance Unhealthy or
 * Healthy (maintenance policy, instance refresh), lost terminate events, warm pools, an impaired holder,
 * a deadline mid-attach. Every invocation is checked against the invariants; every scenario must end with
 * the whole set on the serving instance, no ABANDON and no relaunch.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

const START = new Date("2026-11-21T12:00:00Z");
const GROUP = "fw-asg";

const load = (raw: Fixture) => harness.load(raw, { now: START });

/** Instances the group launched (not OLD), oldest first. */
const launched = (): string[] =>
  [...harness.account.state().instances.values()]
    .filter((i) => i.id !== OLD && i.tags.get("aws:autoscaling:groupName") === GROUP)
    .sort((a, b) => a.launchTime.getTime() - b.launchTime.getTime())
    .map((i) => i.id);

const outcomesOf = (report: InvocationReport | undefined): LifecycleOutcome[] =>
  (report?.result as { outcomes?: LifecycleOutcome[] } | undefined)?.outcomes ?? [];

const onlyReplacement = (): string => {
  const ids = launched();
  expect(ids).toHaveLength(1);
  return ids[0] ?? "";
};

const expectHandedOver = (driver: FirewallDriver, replacement: string) => {
  expect(driver.violations).toEqual([]);
  expect(driver.settled()).toEqual([]);
  expect(ENIS.map((id) => where(harness, id))).toEqual(
    ENIS.map((_, k) => `${replacement}/${k + 1}/attached`),
  );
  expect(lifecycleState(harness, replacement)).toBe("InService");
  expect(harness.account.state().instances.get(OLD)?.state ?? "gone").toMatch(/terminated|gone/);
  const results = driver.calls("CompleteLifecycleAction").map((c) => c.input.LifecycleActionResult);
  expect(results).not.toContain("ABANDON");
};

const launchBeforeTerminate = (raw: Fixture) => {
  Object.assign(autoScalingGroupOf(raw, GROUP), {
    instanceMaintenancePolicy: { minHealthyPercentage: 100, maxHealthyPercentage: 200 },
    defaultInstanceWarmup: 60,
  });
};

describe("terminate then launch (no maintenance policy)", () => {
  it("health replacement: the old instance waits in Terminating:Wait with the ENIs while the new one waits in Pending:Wait → moved, both CONTINUE", async () => {
    load(serving());
    const driver = new FirewallDriver(harness, configEnv());
    await asg(harness.account, "SetInstanceHealth", { InstanceId: OLD, HealthStatus: "Unhealthy" });
    await driver.runFor(10 * 60_000);
    const replacement = onlyReplacement();
    expectHandedOver(driver, replacement);
    expect(
      driver
        .calls("CompleteLifecycleAction")
        .filter((c) => c.outcome === "ok")
        .map((c) => c.input.LifecycleHookName)
        .sort(),
    ).toEqual(["fw-launch", "fw-terminate"]);
  });
});

describe("launch before terminating", () => {
  it("maintenance policy, the old instance Unhealthy: the launch takes its ENIs (it is being replaced), no deadlock", async () => {
    load(serving(launchBeforeTerminate));
    const driver = new FirewallDriver(harness, configEnv());
    await asg(harness.account, "SetInstanceHealth", { InstanceId: OLD, HealthStatus: "Unhealthy" });
    await driver.runFor(10 * 60_000);
    const replacement = onlyReplacement();
    expectHandedOver(driver, replacement);
    expect(driver.decisions()).toContain("attached");
    expect(driver.decisions()).not.toContain("deferred-to-holder");
  });

  it("instance refresh (MinHealthy 100, MaxHealthy 110), the old instance Healthy: CONTINUE without the ENIs, moved at its terminate hook; never a deadlock or a relaunch", async () => {
    load(serving());
    const driver = new FirewallDriver(harness, configEnv());
    await asg(harness.account, "StartInstanceRefresh", {
      AutoScalingGroupName: GROUP,
      Preferences: { MinHealthyPercentage: 100, MaxHealthyPercentage: 110, InstanceWarmup: 60 },
    });
    await driver.runFor(2 * 60_000);
    // The new one serves without the ENIs while the Healthy old one still holds them.
    const replacement = onlyReplacement();
    expect(driver.decisions()[0]).toBe("deferred-to-holder");
    await driver.runFor(10 * 60_000);
    expectHandedOver(driver, replacement);
    expect(driver.decisions()).toContain("handed-over");
    const refreshes = await asg<{ InstanceRefreshes?: Array<{ Status?: string }> }>(
      harness.account,
      "DescribeInstanceRefreshes",
      {
        AutoScalingGroupName: GROUP,
      },
    );
    expect(refreshes.InstanceRefreshes?.[0]?.Status).toBe("Successful");
  });

  it("…with every terminate event lost: the reconcile finds the old instance in Terminating:Wait and hands over", async () => {
    load(serving());
    const driver = new FirewallDriver(harness, configEnv(), {
      drop: (e) => e["detail-type"] === "EC2 Instance-terminate Lifecycle Action",
    });
    await asg(harness.account, "StartInstanceRefresh", {
      AutoScalingGroupName: GROUP,
      Preferences: { MinHealthyPercentage: 100, MaxHealthyPercentage: 110, InstanceWarmup: 60 },
    });
    await driver.runFor(20 * 60_000);
    expectHandedOver(driver, onlyReplacement());
  });

  it("a group without our terminate hook: the ENIs reach the new firewall at the reconcile after the old one terminated", async () => {
    load(serving());
    const driver = new FirewallDriver(harness, configEnv({ group: { hookNames: ["fw-launch"] } }));
    await asg(harness.account, "StartInstanceRefresh", {
      AutoScalingGroupName: GROUP,
      Preferences: { MinHealthyPercentage: 100, MaxHealthyPercentage: 110, InstanceWarmup: 60 },
    });
    await driver.runFor(30 * 60_000);
    expectHandedOver(driver, onlyReplacement());
    expect(
      driver.calls("CompleteLifecycleAction").every((c) => c.input.LifecycleHookName === "fw-launch"),
    ).toBe(true);
  });
});

describe("holders and limits", () => {
  it("an impaired old instance (EC2 health check): replaced; its plain detach hangs, Force after the bounded wait", async () => {
    load(
      serving((raw) => {
        Object.assign(raw.behaviour, { healthChecks: "ec2", healthCheckIntervalMs: 60_000 });
        instance(raw, OLD).status = { instance: "impaired" };
      }),
    );
    const driver = new FirewallDriver(harness, configEnv({ eniReattach: { detachTimeoutMs: 20_000 } }));
    await driver.runFor(15 * 60_000);
    expectHandedOver(driver, onlyReplacement());
    const forces = driver.calls("DetachNetworkInterface").map((c) => c.input.Force);
    expect(forces.slice(0, 3)).toEqual([false, false, false]);
    expect(forces).toContain(true);
  });

  it("the deadline hit mid-attach: a retryable error, nothing rolled back; Lambda's retry finishes", async () => {
    // The ENIs already free (an operator detached them): an attach needs no release, so nothing holds it
    // back for the time the detach and attach waits need, and a short invocation's deadline ends its wait.
    load(
      serving((raw) => {
        Object.assign(raw.behaviour, { eniAttachMs: 45_000 });
        for (const id of ENIS) delete eni(raw, id).attachment;
      }),
    );
    const driver = new FirewallDriver(harness, configEnv(), { timeoutMs: 30_000 });
    await asg(harness.account, "SetInstanceHealth", { InstanceId: OLD, HealthStatus: "Unhealthy" });
    await driver.runFor(10 * 60_000);
    const replacement = onlyReplacement();
    expectHandedOver(driver, replacement);
    const failed = driver.reports.findIndex((r) => r.error !== undefined);
    const error = driver.reports[failed]?.error as { kind?: string; retryable?: boolean } | undefined;
    expect(error).toMatchObject({ kind: "verification", retryable: true });
    const ops = (i: number) => driver.reports[i]?.calls.map((c) => c.operation) ?? [];
    expect(ops(failed).filter((op) => op === "AttachNetworkInterface")).toHaveLength(3);
    // Nothing rolled back; the retry finds the ENIs in place and completes.
    expect(ops(failed)).not.toContain("DetachNetworkInterface");
    expect(ops(failed + 1)).not.toContain("AttachNetworkInterface");
    expect(ops(failed + 1)).not.toContain("DetachNetworkInterface");
    expect(driver.decisions()[failed + 1]).toBe("already-attached");
  });
});

describe("warm pools", () => {
  it("into the pool without the ENIs; out of it while the firewall serves: deferred, and a late copy of its first event (a token no longer pending) completes the new action by instance id; handed over at the old one's termination", async () => {
    load(
      serving((raw) =>
        Object.assign(autoScalingGroupOf(raw, GROUP), { warmPool: { minSize: 1, poolState: "Stopped" } }),
      ),
    );
    // The pool entry event comes again 150 s later; the pool → group event is lost.
    harness.account.control("POST", "/__sim/lifecycle-events/rules", {
      action: "duplicate",
      delayMs: 150_000,
      times: 1,
      groupName: GROUP,
      transition: "autoscaling:EC2_INSTANCE_LAUNCHING",
    });
    const driver = new FirewallDriver(harness, configEnv(), { drop: (e) => e.detail.Origin === "WarmPool" });
    harness.account.control("POST", `/__sim/autoscaling-groups/${GROUP}/launch`, { warmPool: true });
    await driver.runFor(2 * 60_000);
    const pooled = onlyReplacement();
    expect(driver.decisions()).toEqual(["warm-pool-continue"]);
    expect(ENIS.map((id) => where(harness, id))).toEqual(ENIS.map((_, k) => `${OLD}/${k + 1}/attached`));
    expect(lifecycleState(harness, pooled)).toBe("Warmed:Stopped");
    harness.account.control("POST", `/__sim/autoscaling-groups/${GROUP}/launch`, {});
    await driver.runFor(60_000);
    // The pool is refilled meanwhile (another pooled instance: its own warm-pool-continue).
    const late = driver.reports.find((r, i) => i > 0 && outcomesOf(r)[0]?.instanceId === pooled);
    expect(outcomesOf(late)[0]?.decision).toBe("deferred-to-holder");
    const completions = late?.calls.filter((c) => c.operation === "CompleteLifecycleAction") ?? [];
    expect(
      completions.map((c) => [
        c.input.LifecycleActionToken === undefined ? "by instance id" : "by token",
        c.outcome,
      ]),
    ).toEqual([
      ["by token", "error"],
      ["by instance id", "ok"],
    ]);
    expect(lifecycleState(harness, pooled)).toBe("InService");
    harness.account.control("POST", `/__sim/autoscaling-groups/${GROUP}/instances/${OLD}/terminate`, {});
    await driver.runFor(5 * 60_000);
    expect(driver.decisions()).toContain("handed-over");
    expect(launched()[0]).toBe(pooled);
    expectHandedOver(driver, pooled);
  });
});
