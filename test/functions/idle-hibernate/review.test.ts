import { describe, expect, it } from "vitest";
import { parseStageConfig } from "../../../functions/config";
import { PUT_ALARM_ACTION, planIdleAlarms } from "../../../functions/idle-hibernate/alarms/plan";
import { planHibernation } from "../../../functions/idle-hibernate/hibernate/plan";
import { isIdleShaped } from "../../../functions/idle-hibernate/idle-alarm";
import { FUNCTIONS, iamActionsOf } from "../../../functions/index";
import { SERVICE } from "../../../functions/triggers";
import type { AlarmQueryView } from "../../../shared/observe/model";
import { alarmView, instanceView, DEFAULT_POLICY as policy, policyWith } from "./support";

/**
 * Review of issue 12 (senior EC2 cost-optimisation engineer): each test is a finding of
 * /work/notes/review-idle-hibernate.md that failed before its fix (README failure catalogue, "review N" rows).
 */

const A = "i-0000000000000000a";

const cpu = (id: string): AlarmQueryView => ({
  id: "m1",
  returnData: false,
  metric: {
    namespace: "AWS/EC2",
    metricName: "CPUUtilization",
    dimensions: { InstanceId: id },
    periodSeconds: 300,
    stat: "Average",
  },
});

describe("review: which alarms may hibernate an instance (adoption)", () => {
  it("review: an adopted metric-math alarm that fires on HIGH CPU is not an idle alarm", () => {
    // Named by the adoption pattern, reads CPUUtilization of one instance, but fires when CPU > 90 %.
    const busy = alarmView(A, {
      name: `Hibernate-${A}-idle`,
      namespace: undefined,
      metricName: undefined,
      dimensions: {},
      periodSeconds: undefined,
      statistic: undefined,
      queries: [cpu(A), { id: "e1", returnData: true, expression: "IF(m1 > 90, 1, 0)" }],
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
    });
    expect(isIdleShaped(busy)).toBe(false);
  });

  it("review: an adopted alarm that treats missing data as breaching is not an idle alarm", () => {
    // With `breaching`, a gap in AWS/EC2 data (agentless metrics delayed, an API outage) reads as idle:
    // missing evidence would become a hibernation (safety rule 7).
    const breaching = alarmView(A, { name: `Hibernate-${A}-idle`, treatMissingData: "breaching" });
    expect(isIdleShaped(breaching)).toBe(false);
  });
});

describe("review: an instance that can never be hibernated gets no idle alarm (eligibility.ts claim)", () => {
  const empty = {
    missingInstanceIds: [],
    alarms: [],
    adoptedByInstance: new Map<string, string>(),
    managedAlarmNames: new Set<string>(),
    unreadOwnership: new Set<string>(),
    reconcileAll: false,
  };

  it("review: no alarm for an instance launched without hibernation under notConfiguredFallback skip", () => {
    const plan = planIdleAlarms(
      { ...empty, instances: [instanceView(A, { hibernationConfigured: false })] },
      policy,
    );
    expect(plan.actions.filter((a) => a.kind === PUT_ALARM_ACTION)).toEqual([]);
  });

  it("review: no alarm for an instance with an instance store root device (DescribeInstances shows it)", () => {
    const plan = planIdleAlarms(
      { ...empty, instances: [instanceView(A, { rootDeviceType: "instance-store" })] },
      policy,
    );
    expect(plan.actions.filter((a) => a.kind === PUT_ALARM_ACTION)).toEqual([]);
  });
});

describe("review: configuring one more managed-fleet signal keeps the AWS-set ones", () => {
  it("review: managedFleetTagPrefixes set to a team's own prefix still skips EMR, EC2 Fleet and Spot Fleet nodes", () => {
    // An operator adds a signal; the list replaces the defaults, and every aws:* fleet tag is forgotten.
    const custom = policyWith({ managedFleetTagPrefixes: ["myteam:batch-"] });
    const nodes = [
      instanceView("i-0000000000000000b", {
        tags: { "ops:hibernate": "idle", "aws:elasticmapreduce:job-flow-id": "j-2AXXXXXXGAPLF" },
      }),
      instanceView("i-0000000000000000c", {
        tags: { "ops:hibernate": "idle", "aws:ec2:fleet-id": "fleet-0c000000-0000-0000-0000-000000000001" },
      }),
      instanceView("i-0000000000000000d", {
        tags: { "ops:hibernate": "idle", "aws:ec2spot:fleet-request-id": "sfr-0c00-0000" },
      }),
    ];
    const plan = planHibernation(
      {
        instanceIds: nodes.map((n) => n.id),
        instances: nodes,
        instanceTypes: new Map([["m5.large", { instanceStorageSupported: false }]]),
        routes: [],
        localGatewayRoutes: [],
        windowMinutes: new Map(),
        pausedBy: new Map(),
        recentRequests: 0,
        now: new Date("2026-11-21T12:00:00Z"),
      },
      custom,
    );
    expect(plan.actions).toEqual([]);
    expect(plan.skips.map((s) => s.reason)).toEqual(["managed-fleet", "managed-fleet", "managed-fleet"]);
  });
});

describe("review: what feeds the single writer", () => {
  it("review: the account-wide EC2 stopped rule does not feed the single-writer function that hibernates", () => {
    // Every stop in the account (a scheduler stopping a fleet at 19:00) would queue, behind reserved
    // concurrency 1, ahead of the idle alarm events that function exists for.
    const ctx = { config: parseStageConfig({}, "test"), service: SERVICE, stage: "test" };
    const writers = FUNCTIONS.filter(
      (f) => f.capability === "idle-hibernate" && iamActionsOf(f, ctx.config).includes("ec2:StopInstances"),
    );
    expect(writers.length).toBeGreaterThan(0);
    const stoppedRules = writers
      .flatMap((f) => f.triggers(ctx))
      .filter((t) => t.kind === "eventbridge" && JSON.stringify(t.pattern).includes('"stopped"'));
    expect(stoppedRules).toEqual([]);
  });
});

describe("review: cooperate with another scheduler (safety rule 8)", () => {
  it("review: an instance scheduled by Instance Scheduler on AWS (tag Schedule) is left to it", () => {
    // With `enforced: true` Instance Scheduler restarts an instance stopped during its running period:
    // hibernate → restart → idle 15 min → hibernate… every cycle a RAM write and a boot, billed.
    const scheduled = instanceView(A, { tags: { "ops:hibernate": "idle", Schedule: "office-hours" } });
    const plan = planHibernation(
      {
        instanceIds: [A],
        instances: [scheduled],
        instanceTypes: new Map([["m5.large", { instanceStorageSupported: false }]]),
        routes: [],
        localGatewayRoutes: [],
        windowMinutes: new Map(),
        pausedBy: new Map(),
        recentRequests: 0,
        now: new Date("2026-11-21T12:00:00Z"),
      },
      policy,
    );
    expect(plan.actions).toEqual([]);
  });
});
