import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../sim/harness";
import { autoScalingGroupOf, type Fixture } from "../../support/fixtures";
import { startHarness } from "../../support/harness";
import {
  account,
  ENIS,
  eni,
  event,
  instance,
  invokeEni,
  mutations,
  NEW,
  OLD,
  outcomeOf,
  resultOf,
} from "./support";

/**
 * Review 5 finding 3: a group whose Launch (or ReplaceUnhealthy, Terminate, HealthCheck) is suspended never
 * replaces its firewall — Auto Scaling suspends Launch itself after a day of failed launches ("administrative
 * suspension", AS UG "Suspend and resume processes") and nothing launches again, even once capacity is back,
 * until someone resumes it. The reconcile reports it with the group's configuration issues
 * (`ConfigurationErrors`, its alarm), naming the process and AWS's reason.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
});

/** The old firewall serving with the set, hooks well configured (no other issue). */
const serving = (): Fixture => {
  const raw = account();
  autoScalingGroupOf(raw, "fw-asg").instances = [{ instanceId: OLD, lifecycleState: "InService" }];
  raw.lifecycleActions = [];
  Object.assign(instance(raw, OLD), { state: "running" });
  delete instance(raw, OLD).stateSince;
  raw.instances = raw.instances.filter((i) => i.id !== NEW);
  Object.assign(eni(raw, ENIS[0]), { sourceDestCheck: false });
  return raw;
};

const autoscaling = (operation: string, input: Record<string, unknown>) =>
  harness.account.dispatch(
    { service: "autoscaling", operation, region: harness.account.region, requestId: "test" },
    input,
  );

describe("suspended Auto Scaling processes", () => {
  it("a serving group with nothing suspended: no issue (the control)", async () => {
    harness.load(serving());
    const report = await invokeEni(harness, event("schedule-reconcile.json"));
    expect(resultOf(report).outcomes.flatMap((o) => o.issues)).toEqual([]);
  });

  it("ReplaceUnhealthy suspended by an operator is reported with its reason, nothing else done", async () => {
    harness.load(serving());
    await autoscaling("SuspendProcesses", {
      AutoScalingGroupName: "fw-asg",
      ScalingProcesses: ["ReplaceUnhealthy"],
    });
    const report = await invokeEni(harness, event("schedule-reconcile.json"));
    expect(outcomeOf(report).issues).toEqual([
      expect.stringMatching(
        /^fw-asg has ReplaceUnhealthy suspended \(User suspended at \S+Z\): no firewall is replaced until it is resumed/,
      ),
    ]);
    expect(mutations(report)).toEqual([]);
  });

  it("Launch suspended administratively after a day of failed launches is reported with AWS's reason", async () => {
    // Every replacement's launch hook times out with ABANDON (this function down for the day): each is a
    // failed launch, and Auto Scaling launches again until it suspends Launch.
    const raw = serving();
    for (const hook of raw.lifecycleHooks) if (hook.name === "fw-launch") hook.defaultResult = "ABANDON";
    harness.load(raw);
    await autoscaling("SetInstanceHealth", { InstanceId: OLD, HealthStatus: "Unhealthy" });
    for (let h = 0; h < 25; h += 1) harness.account.advance(3_600_000);
    const report = await invokeEni(harness, event("schedule-reconcile.json"));
    expect(outcomeOf(report).issues).toContainEqual(
      expect.stringMatching(
        /^fw-asg has Launch suspended \(Administrative suspension at \S+Z: .*over 24 hours/,
      ),
    );
  });
});
