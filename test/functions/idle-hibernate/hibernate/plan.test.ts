import { describe, expect, it } from "vitest";
import { parseStageConfig } from "../../../../functions/config";
import { planHibernation, SKIP_REASONS } from "../../../../functions/idle-hibernate/hibernate/plan";
import type { InstanceView } from "../../../../shared/observe/model";

const now = new Date("2026-11-21T12:00:00Z");
const policy = parseStageConfig({}, "test").idleHibernate;

const instance = (id: string, overrides: Partial<InstanceView> = {}): InstanceView => ({
  id,
  state: "running",
  instanceType: "m5.large",
  launchTime: new Date("2026-11-21T08:00:00Z"),
  tags: { "ops:hibernate": "idle" },
  hibernationConfigured: true,
  networkInterfaceIds: [`eni-${id.slice(2)}`],
  ...overrides,
});

const plan = (
  instances: InstanceView[],
  extra: Partial<Parameters<typeof planHibernation>[0]> = {},
  p = policy,
) =>
  planHibernation(
    {
      instanceIds: instances.map((i) => i.id),
      instances,
      routes: [],
      localGatewayRoutes: [],
      alarmWindowMinutes: 15,
      now,
      ...extra,
    },
    p,
  );

describe("planHibernation", () => {
  it("hibernates an eligible instance in one batched action", () => {
    const result = plan([instance("i-0000000000000000a"), instance("i-0000000000000000b")]);
    expect(result.decision).toBe("hibernate");
    expect(result.actions).toHaveLength(1);
    expect(result.actions[0]?.params).toEqual({
      instanceIds: ["i-0000000000000000a", "i-0000000000000000b"],
      hibernate: true,
      fallback: "skip",
    });
    expect(result.skips).toEqual([]);
  });

  it.each([
    ["not found", [] as InstanceView[], SKIP_REASONS.notFound],
    ["stopped", [instance("i-0000000000000000a", { state: "stopped" })], SKIP_REASONS.notRunning],
    [
      "not opted in",
      [instance("i-0000000000000000a", { tags: { "ops:hibernate": "never" } })],
      SKIP_REASONS.notOptedIn,
    ],
    [
      "opted out",
      [instance("i-0000000000000000a", { tags: { "ops:hibernate": "idle", "ops:hibernate-opt-out": "" } })],
      SKIP_REASONS.optedOut,
    ],
    [
      "ASG member",
      [instance("i-0000000000000000a", { autoScalingGroup: "web" })],
      SKIP_REASONS.autoScalingMember,
    ],
    [
      "recently started",
      [instance("i-0000000000000000a", { launchTime: new Date("2026-11-21T11:50:00Z") })],
      SKIP_REASONS.recentlyStarted,
    ],
    [
      "not configured",
      [instance("i-0000000000000000a", { hibernationConfigured: false })],
      SKIP_REASONS.hibernationNotConfigured,
    ],
  ])("skips an instance that is %s", (_name, instances, reason) => {
    const result = planHibernation(
      {
        instanceIds: ["i-0000000000000000a"],
        instances,
        routes: [],
        localGatewayRoutes: [],
        alarmWindowMinutes: 15,
        now,
      },
      policy,
    );
    expect(result.actions).toEqual([]);
    expect(result.decision).toBe("nothing-to-do");
    expect(result.skips).toEqual([expect.objectContaining({ resource: "i-0000000000000000a", reason })]);
  });

  it("uses the alarm's window when it is longer than the minimum uptime", () => {
    const started = instance("i-0000000000000000a", { launchTime: new Date("2026-11-21T11:00:00Z") });
    expect(plan([started], { alarmWindowMinutes: 90 }).skips[0]?.reason).toBe(SKIP_REASONS.recentlyStarted);
    expect(plan([started], { alarmWindowMinutes: 30 }).actions).toHaveLength(1);
  });

  it("never hibernates the target of a route or a local gateway route", () => {
    const appliance = instance("i-0000000000000000a");
    const viaEni = plan([appliance], {
      routes: [
        {
          routeTableId: "rtb-1",
          destination: "10.0.0.0/8",
          targets: [{ kind: "network-interface", id: "eni-0000000000000000a" }],
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
          networkInterfaceId: "eni-0000000000000000a",
          state: "active",
          type: "static",
        },
      ],
    });
    expect(viaLgw.skips[0]?.reason).toBe(SKIP_REASONS.localGatewayRouteTarget);
  });

  it("stops plainly instead under the stop fallback", () => {
    const stopPolicy = parseStageConfig(
      { idleHibernate: { notConfiguredFallback: "stop" } },
      "test",
    ).idleHibernate;
    const result = plan(
      [instance("i-0000000000000000a", { hibernationConfigured: false }), instance("i-0000000000000000b")],
      {},
      stopPolicy,
    );
    expect(result.actions.map((a) => [a.params.hibernate, a.params.instanceIds])).toEqual([
      [true, ["i-0000000000000000b"]],
      [false, ["i-0000000000000000a"]],
    ]);
  });

  it("bounds the blast radius with the per-invocation limit, deterministically", () => {
    const limited = parseStageConfig(
      { idleHibernate: { maxInstancesPerInvocation: 2 } },
      "test",
    ).idleHibernate;
    const ids = ["i-0000000000000000c", "i-0000000000000000a", "i-0000000000000000b"];
    const result = plan(
      ids.map((id) => instance(id)),
      {},
      limited,
    );
    expect(result.actions[0]?.params.instanceIds).toEqual(["i-0000000000000000a", "i-0000000000000000b"]);
    expect(result.skips).toEqual([
      expect.objectContaining({ resource: "i-0000000000000000c", reason: SKIP_REASONS.limitExceeded }),
    ]);
  });
});
