import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_MANAGED_FLEET_TAG_PREFIXES,
  managedFleetTagPrefixes,
} from "../../../../functions/idle-hibernate/config";
import {
  type HibernationInput,
  type InstanceTypeFacts,
  planHibernation,
  SKIP_REASONS,
} from "../../../../functions/idle-hibernate/hibernate/plan";
import type { InstanceView } from "../../../../shared/observe/model";
import { DEFAULT_POLICY, instanceView, policyWith } from "../support";

const now = new Date("2026-11-21T12:00:00Z");
const A = "i-0000000000000000a";
const B = "i-0000000000000000b";

const TYPES: ReadonlyMap<string, InstanceTypeFacts> = new Map([
  ["m5.large", { instanceStorageSupported: false }],
  ["m5d.large", { instanceStorageSupported: true }],
  ["m3.medium", { instanceStorageSupported: true }],
]);

const inputOf = (instances: InstanceView[], extra: Partial<HibernationInput> = {}): HibernationInput => ({
  instanceIds: instances.map((i) => i.id),
  instances,
  instanceTypes: TYPES,
  routes: [],
  localGatewayRoutes: [],
  windowMinutes: new Map(instances.map((i) => [i.id, 15])),
  pausedBy: new Map(),
  recentRequests: 0,
  now,
  ...extra,
});

const plan = (instances: InstanceView[], extra: Partial<HibernationInput> = {}, policy = DEFAULT_POLICY) =>
  planHibernation(inputOf(instances, extra), policy);

describe("planHibernation", () => {
  it("hibernates eligible instances in one batched action", () => {
    const result = plan([instanceView(A), instanceView(B)]);
    expect(result.decision).toBe("hibernate");
    expect(result.actions.map((a) => a.params)).toEqual([
      { instanceIds: [A, B], hibernate: true, refusedFallback: "skip" },
    ]);
    expect(result.skips).toEqual([]);
  });

  it.each([
    ["not found", [] as InstanceView[], SKIP_REASONS.notFound],
    ["stopped", [instanceView(A, { state: "stopped" })], SKIP_REASONS.notRunning],
    ["not opted in", [instanceView(A, { tags: { "ops:hibernate": "never" } })], SKIP_REASONS.notOptedIn],
    [
      "opted out",
      [instanceView(A, { tags: { "ops:hibernate": "idle", "ops:hibernate-opt-out": "" } })],
      SKIP_REASONS.optedOut,
    ],
    ["an ASG member", [instanceView(A, { autoScalingGroup: "web" })], SKIP_REASONS.autoScalingMember],
    [
      "an EC2 Fleet member",
      [instanceView(A, { tags: { "ops:hibernate": "idle", "aws:ec2:fleet-id": "fleet-1" } })],
      SKIP_REASONS.managedFleet,
    ],
    [
      "a Spot Fleet member",
      [instanceView(A, { tags: { "ops:hibernate": "idle", "aws:ec2spot:fleet-request-id": "sfr-1" } })],
      SKIP_REASONS.managedFleet,
    ],
    [
      "an EMR node",
      [instanceView(A, { tags: { "ops:hibernate": "idle", "aws:elasticmapreduce:job-flow-id": "j-1" } })],
      SKIP_REASONS.managedFleet,
    ],
    [
      "a Karpenter node",
      [instanceView(A, { tags: { "ops:hibernate": "idle", "karpenter.sh/nodepool": "default" } })],
      SKIP_REASONS.managedFleet,
    ],
    [
      "an EKS Auto Mode node (Operator.Managed)",
      [instanceView(A, { operator: { managed: true, principal: "eks.amazonaws.com" } })],
      SKIP_REASONS.managedFleet,
    ],
    [
      "in a Capacity Block",
      [instanceView(A, { instanceLifecycle: "capacity-block" })],
      SKIP_REASONS.capacityBlock,
    ],
    [
      "a Scheduled Instance",
      [instanceView(A, { instanceLifecycle: "scheduled" })],
      SKIP_REASONS.scheduledInstance,
    ],
    [
      "with NVMe instance store",
      [instanceView(A, { instanceType: "m5d.large" })],
      SKIP_REASONS.instanceStore,
    ],
    [
      "on an instance store root",
      [instanceView(A, { instanceType: "m3.medium", rootDeviceType: "instance-store" })],
      SKIP_REASONS.instanceStore,
    ],
    [
      "of a type DescribeInstanceTypes did not describe",
      [instanceView(A, { instanceType: "x9.huge" })],
      SKIP_REASONS.preconditionUnknown,
    ],
    [
      "in a Capacity Reservation",
      [instanceView(A, { capacityReservationId: "cr-0123456789abcdef0" })],
      SKIP_REASONS.capacityReservation,
    ],
    [
      "targeting a Capacity Reservation",
      [
        instanceView(A, {
          capacityReservation: { preference: "capacity-reservations-only", targeted: true },
        }),
      ],
      SKIP_REASONS.capacityReservation,
    ],
    [
      "recently started",
      [instanceView(A, { launchTime: new Date("2026-11-21T11:50:00Z") })],
      SKIP_REASONS.recentlyStarted,
    ],
    [
      "not configured for hibernation",
      [instanceView(A, { hibernationConfigured: false })],
      SKIP_REASONS.hibernationNotConfigured,
    ],
  ])("skips an instance that is %s, with its reason", (_name, instances, reason) => {
    const result = planHibernation(inputOf(instances, { instanceIds: [A] }), DEFAULT_POLICY);
    expect(result.actions).toEqual([]);
    expect(result.decision).toBe("nothing-to-do");
    expect(result.skips).toEqual([expect.objectContaining({ resource: A, reason })]);
  });

  it("never falls back to a plain stop for instance store, even under notConfiguredFallback stop", () => {
    const result = plan(
      [instanceView(A, { instanceType: "m5d.large", hibernationConfigured: false })],
      {},
      policyWith({ notConfiguredFallback: "stop" }),
    );
    expect(result.actions).toEqual([]);
    expect(result.skips[0]?.reason).toBe(SKIP_REASONS.instanceStore);
  });

  it("hibernates in a Capacity Reservation when the configuration allows it", () => {
    const reserved = instanceView(A, { capacityReservationId: "cr-0123456789abcdef0" });
    expect(plan([reserved], {}, policyWith({ allowCapacityReservation: true })).decision).toBe("hibernate");
  });

  it("judges each instance by its own alarm's window (mixed 24 h and 15 min windows)", () => {
    const started5hAgo = { launchTime: new Date("2026-11-21T07:00:00Z") };
    const result = plan([instanceView(A, started5hAgo), instanceView(B, started5hAgo)], {
      windowMinutes: new Map([
        [A, 24 * 60],
        [B, 15],
      ]),
    });
    expect(result.actions.map((a) => a.params.instanceIds)).toEqual([[B]]);
    expect(result.skips).toEqual([
      expect.objectContaining({
        resource: A,
        reason: SKIP_REASONS.recentlyStarted,
        detail: expect.stringContaining("1440 min"),
      }),
    ]);
  });

  it("pauses the instances of an alarm whose actions are disabled", () => {
    const result = plan([instanceView(A), instanceView(B)], { pausedBy: new Map([[A, "ops-idle-a"]]) });
    expect(result.actions.map((a) => a.params.instanceIds)).toEqual([[B]]);
    expect(result.skips).toEqual([expect.objectContaining({ resource: A, reason: SKIP_REASONS.paused })]);
    expect(plan([instanceView(A)], { pausedBy: new Map([[A, "ops-idle-a"]]) }).decision).toBe("paused");
  });

  it("never hibernates the target of a route or a local gateway route", () => {
    const appliance = instanceView(A);
    const viaEni = plan([appliance], {
      routes: [
        {
          routeTableId: "rtb-1",
          destination: "10.0.0.0/8",
          targets: [{ kind: "network-interface", id: `eni-${A.slice(2)}` }],
          state: "active",
          origin: "CreateRoute",
        },
      ],
    });
    expect(viaEni.skips[0]).toMatchObject({
      reason: SKIP_REASONS.routeTarget,
      detail: expect.stringContaining("rtb-1"),
    });
    const viaLgw = plan([appliance], {
      localGatewayRoutes: [
        {
          localGatewayRouteTableId: "lgw-rtb-1",
          destination: "192.168.0.0/16",
          networkInterfaceId: `eni-${A.slice(2)}`,
          state: "active",
          type: "static",
        },
      ],
    });
    expect(viaLgw.skips[0]?.reason).toBe(SKIP_REASONS.localGatewayRouteTarget);
  });

  it("stops a not-configured instance plainly under notConfiguredFallback stop, and passes the refused-at-apply policy", () => {
    const result = plan(
      [instanceView(A, { hibernationConfigured: false }), instanceView(B)],
      {},
      policyWith({ notConfiguredFallback: "stop", refusedAtApplyFallback: "stop" }),
    );
    expect(result.actions.map((a) => a.params)).toEqual([
      { instanceIds: [B], hibernate: true, refusedFallback: "stop" },
      { instanceIds: [A], hibernate: false, refusedFallback: "stop" },
    ]);
  });

  it("with blastRadiusWindow, counts the hibernations already requested in the window against its limit", () => {
    const windowed = policyWith({ blastRadiusWindow: { minutes: 15, maxInstances: 3 } });
    const two = plan([instanceView(A), instanceView(B)], { recentRequests: 2 }, windowed);
    expect(two.actions[0]?.resources).toEqual([A]);
    expect(two.skips).toEqual([
      expect.objectContaining({
        resource: B,
        reason: "limit-exceeded",
        detail: expect.stringContaining("2 hibernation(s) requested in the last 15 min"),
      }),
    ]);
    expect(plan([instanceView(A)], { recentRequests: 3 }, windowed).actions).toEqual([]);
    // Without a window the count does not matter: the limit is per invocation.
    expect(plan([instanceView(A), instanceView(B)], { recentRequests: 99 }).actions[0]?.resources).toEqual([
      A,
      B,
    ]);
  });

  it("bounds the blast radius with the per-invocation limit, deterministically", () => {
    const ids = ["i-0000000000000000c", A, B];
    const result = plan(
      ids.map((id) => instanceView(id)),
      {},
      policyWith({ maxInstancesPerInvocation: 2 }),
    );
    expect(result.actions[0]?.params.instanceIds).toEqual([A, B]);
    expect(result.skips).toEqual([
      expect.objectContaining({ resource: "i-0000000000000000c", reason: SKIP_REASONS.limitExceeded }),
    ]);
  });
});

/** True one time in `n`: the attributes that forbid a stop are rarer, so that plans do stop instances. */
const rarely = (n: number) => fc.integer({ min: 1, max: n }).map((v) => v === 1);
const sometimes = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });

/** Arbitrary instances: every attribute the preconditions read, in every combination. */
const arbInstance = fc
  .record({
    n: fc.integer({ min: 0, max: 0xffff }),
    state: fc.constantFrom("running", "running", "running", "stopped", "pending", "stopping"),
    instanceType: fc.constantFrom("m5.large", "m5.large", "m5d.large", "m3.medium", "x9.huge"),
    instanceStoreRoot: rarely(4),
    optedOut: rarely(4),
    notOptedIn: rarely(4),
    fleetTag: sometimes(fc.constantFrom(...DEFAULT_MANAGED_FLEET_TAG_PREFIXES.map((p) => `${p}x`))),
    managed: rarely(4),
    lifecycle: sometimes(
      fc.constantFrom("spot", "scheduled", "capacity-block", "interruptible-capacity-reservation"),
    ),
    reservation: sometimes(fc.constant("cr-0123456789abcdef0")),
    configured: fc.boolean(),
    upMinutes: fc.integer({ min: 0, max: 3000 }),
    windowMinutes: fc.integer({ min: 0, max: 1440 }),
  })
  .map((r) => ({
    window: r.windowMinutes,
    view: instanceView(`i-${r.n.toString(16).padStart(17, "0")}`, {
      state: r.state as InstanceView["state"],
      instanceType: r.instanceType,
      rootDeviceType: r.instanceStoreRoot ? "instance-store" : "ebs",
      tags: {
        ...(r.notOptedIn ? {} : { "ops:hibernate": "idle" }),
        ...(r.optedOut ? { "ops:hibernate-opt-out": "" } : {}),
        ...(r.fleetTag === undefined ? {} : { [r.fleetTag]: "x" }),
      },
      operator: r.managed ? { managed: true } : undefined,
      instanceLifecycle: r.lifecycle,
      capacityReservationId: r.reservation,
      hibernationConfigured: r.configured,
      launchTime: new Date(now.getTime() - r.upMinutes * 60_000),
    }),
  }));

const arbPolicy = fc
  .record({
    notConfiguredFallback: fc.constantFrom("skip", "stop"),
    refusedAtApplyFallback: fc.constantFrom("skip", "stop"),
    allowCapacityReservation: fc.boolean(),
    maxInstancesPerInvocation: fc.integer({ min: 1, max: 20 }),
  })
  .map((p) => policyWith(p));

const planned = (
  instances: ReadonlyArray<{ view: InstanceView; window: number }>,
  policy = DEFAULT_POLICY,
) => {
  const unique = [...new Map(instances.map((i) => [i.view.id, i])).values()];
  const result = planHibernation(
    inputOf(
      unique.map((i) => i.view),
      { windowMinutes: new Map(unique.map((i) => [i.view.id, i.window])) },
    ),
    policy,
  );
  const stopped = new Set(result.actions.flatMap((a) => a.params.instanceIds));
  return { unique, result, stopped };
};

describe("planHibernation properties", () => {
  it("the generated instances include stoppable ones (so the properties below can fail)", () => {
    const stops = fc
      .sample(fc.array(arbInstance, { maxLength: 12 }), { numRuns: 100, seed: 12 })
      .map(
        (instances) =>
          planned(instances, policyWith({ notConfiguredFallback: "stop", allowCapacityReservation: true }))
            .stopped.size,
      );
    expect(stops.filter((n) => n > 0).length).toBeGreaterThan(5);
  });

  it("never stops an instance with instance store or a managed-fleet signal", () => {
    fc.assert(
      fc.property(fc.array(arbInstance, { maxLength: 12 }), arbPolicy, (instances, policy) => {
        const { unique, stopped } = planned(instances, policy);
        for (const { view } of unique) {
          if (!stopped.has(view.id)) continue;
          expect(view.rootDeviceType).toBe("ebs");
          expect(TYPES.get(view.instanceType)?.instanceStorageSupported).toBe(false);
          expect(view.operator?.managed).not.toBe(true);
          expect(
            Object.keys(view.tags).some((k) => managedFleetTagPrefixes(policy).some((p) => k.startsWith(p))),
          ).toBe(false);
          expect(["capacity-block", "scheduled"]).not.toContain(view.instanceLifecycle);
        }
      }),
    );
  });

  it("never stops an instance that is not opted in, opted out, not running or started within its window", () => {
    fc.assert(
      fc.property(fc.array(arbInstance, { maxLength: 12 }), arbPolicy, (instances, policy) => {
        const { unique, stopped } = planned(instances, policy);
        for (const { view, window } of unique) {
          if (!stopped.has(view.id)) continue;
          expect(view.tags["ops:hibernate"]).toBe("idle");
          expect("ops:hibernate-opt-out" in view.tags).toBe(false);
          expect(view.state).toBe("running");
          const up = (now.getTime() - view.launchTime.getTime()) / 60_000;
          expect(up).toBeGreaterThanOrEqual(Math.max(window, policy.minimumUptimeMinutes));
        }
      }),
    );
  });

  it("accounts for every named instance exactly once, within the limit", () => {
    fc.assert(
      fc.property(fc.array(arbInstance, { minLength: 1, maxLength: 12 }), arbPolicy, (instances, policy) => {
        const { unique, result, stopped } = planned(instances, policy);
        const skipped = result.skips.map((s) => s.resource);
        expect([...stopped, ...skipped].sort()).toEqual(unique.map((i) => i.view.id).sort());
        expect(stopped.size).toBeLessThanOrEqual(policy.maxInstancesPerInvocation);
      }),
    );
  });

  it("stops only configured instances without hibernation under the skip fallback", () => {
    fc.assert(
      fc.property(fc.array(arbInstance, { maxLength: 12 }), (instances) => {
        const { result } = planned(instances);
        for (const action of result.actions) expect(action.params.hibernate).toBe(true);
      }),
    );
  });
});
