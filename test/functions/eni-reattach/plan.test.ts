import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type EniReattachGroupConfig, EniReattachGroupSchema } from "../../../functions/eni-reattach/config";
import {
  forceAllowed,
  type GroupWorld,
  type HandOver,
  holderKind,
  type InstanceFacts,
  type MemberView,
  planLaunch,
  planRepair,
  planTerminate,
  preflight,
  type ReleaseParams,
  resolveEniSet,
} from "../../../functions/eni-reattach/reattach/plan";
import type { EniView } from "../../../shared/observe/attachments";
import * as z from "../../../shared/runtime/zod";

/** The pure planning of eni-reattach: the set, holders, preflight, and the three plans. */

const TAG = "ops:eni-attach";
const GROUP = "fw";
const group = (edit: Partial<z.input<typeof EniReattachGroupSchema>> = {}): EniReattachGroupConfig =>
  z.parse(EniReattachGroupSchema, {
    name: GROUP,
    hookNames: ["fw-launch", "fw-terminate"],
    expectedInterfaces: 3,
    allowedSubnetIds: ["subnet-0000000a"],
    ...edit,
  });

const eni = (id: string, tag: string | undefined, extra: Partial<EniView> = {}): EniView => ({
  id,
  subnetId: "subnet-0000000a",
  vpcId: "vpc-0000000a",
  availabilityZone: "us-east-1a",
  status: "available",
  sourceDestCheck: false,
  tags: tag === undefined ? {} : { [TAG]: tag },
  ...extra,
});
const on = (instanceId: string, deviceIndex: number, status: "attached" | "detaching" = "attached") => ({
  status: "in-use",
  attachment: {
    attachmentId: `eni-attach-${instanceId}-${deviceIndex}`,
    instanceId,
    deviceIndex,
    networkCardIndex: 0,
    status,
    deleteOnTermination: false,
  },
});
const host = (id: string, extra: Partial<InstanceFacts> = {}): InstanceFacts => ({
  id,
  state: "running",
  instanceType: "c5.xlarge",
  availabilityZone: "us-east-1a",
  impaired: false,
  ...extra,
});
const asMember = (
  instanceId: string,
  lifecycleState: string,
  healthy = true,
  groupName = GROUP,
): MemberView => ({
  instanceId,
  groupName,
  lifecycleState,
  healthy,
});
const LIMITS = new Map([
  [
    "c5.xlarge",
    {
      instanceType: "c5.xlarge",
      maximumNetworkInterfaces: 4,
      cards: [{ index: 0, maximumNetworkInterfaces: 4 }],
    },
  ],
]);

const world = (parts: {
  enis: EniView[];
  instances: InstanceFacts[];
  members: MemberView[];
  attachedTo?: Record<string, EniView[]>;
}): GroupWorld => ({
  groupName: GROUP,
  group: {
    desiredCapacity: 1,
    maxSize: 2,
    members: parts.members.filter((m) => m.groupName === GROUP && !m.lifecycleState.startsWith("Warmed")),
  },
  hooks: [],
  enis: parts.enis,
  instances: new Map(parts.instances.map((i) => [i.id, i])),
  memberships: new Map(parts.members.map((m) => [m.instanceId, m])),
  attachedTo: new Map(Object.entries(parts.attachedTo ?? {})),
  limits: LIMITS,
});

const SET = (holder?: string) =>
  [1, 2, 3].map((k) => eni(`eni-${k}`, `${GROUP}/${k}`, holder === undefined ? {} : on(holder, k)));
const LAUNCH = { groupName: GROUP, hookName: "fw-launch", instanceId: "i-new", token: "t-1" };
const TERMINATE = { groupName: GROUP, hookName: "fw-terminate", instanceId: "i-old", token: "t-2" };

const kinds = (plan: HandOver) => plan.actions.map((a) => a.params.kind);

describe("resolveEniSet", () => {
  it("one slot per declared index from tagged, allow-listed ENIs", () => {
    const set = resolveEniSet(
      [eni("eni-c", "fw/3"), eni("eni-a", "fw/1"), eni("eni-b", "fw/2"), eni("eni-x", "other/1")],
      group(),
      TAG,
    );
    expect(set.slots).toEqual([
      { deviceIndex: 1, eniId: "eni-a" },
      { deviceIndex: 2, eniId: "eni-b" },
      { deviceIndex: 3, eniId: "eni-c" },
    ]);
    expect(set.issues).toEqual([]);
  });

  it("a tag alone enrols nothing: an ENI outside the allow-list (id, subnet, VPC) is reported and ignored", () => {
    const foreign = eni("eni-0000000f", "fw/1", { subnetId: "subnet-0000000f", vpcId: "vpc-0000000f" });
    const set = resolveEniSet([foreign, eni("eni-b", "fw/2"), eni("eni-c", "fw/3")], group(), TAG);
    expect(set.slots.map((s) => s.eniId)).toEqual(["eni-b", "eni-c"]);
    expect(set.issues[0]).toContain("eni-0000000f is tagged ops:eni-attach=fw/1 but neither its id");
    expect(set.issues).toContain("missing ENI: no allow-listed ENI is tagged ops:eni-attach=fw/1");
    const byId = resolveEniSet(
      [foreign],
      group({ allowedSubnetIds: [], allowedEniIds: ["eni-0000000f"], expectedInterfaces: 1 }),
      TAG,
    );
    expect(byId.slots).toEqual([{ deviceIndex: 1, eniId: "eni-0000000f" }]);
    const byVpc = resolveEniSet(
      [foreign],
      group({ allowedSubnetIds: [], allowedVpcIds: ["vpc-0000000f"], expectedInterfaces: 1 }),
      TAG,
    );
    expect(byVpc.slots).toEqual([{ deviceIndex: 1, eniId: "eni-0000000f" }]);
  });

  it("reports malformed indexes, index 0, duplicates, indexes beyond the declared set and missing ones — the highest included", () => {
    const set = resolveEniSet(
      [
        eni("eni-a", "fw/x"),
        eni("eni-b", "fw/0"),
        eni("eni-c", "fw/1"),
        eni("eni-d", "fw/1"),
        eni("eni-e", "fw/2"),
        eni("eni-g", "fw/9"),
      ],
      group(),
      TAG,
    );
    expect(set.issues).toEqual([
      'eni-a: tag ops:eni-attach="fw/x" does not end with a device index (expected fw/<1..15>)',
      "eni-b: device index 0 is the instance's primary ENI and cannot be re-attached",
      "eni-g: device index 9 is beyond the declared set 1..3 (expectedInterfaces): ignored",
      "device index 1 is claimed by several ENIs: eni-c, eni-d",
      "missing ENI: no allow-listed ENI is tagged ops:eni-attach=fw/3",
    ]);
    expect(set.slots).toEqual([{ deviceIndex: 2, eniId: "eni-e" }]);
  });

  it("an allow-listed id that no longer exists is reported", () => {
    const set = resolveEniSet(SET(), group({ allowedEniIds: ["eni-0000000d"] }), TAG);
    expect(set.issues).toEqual(["eni-0000000d (allow-listed) does not exist"]);
  });
});

describe("holders", () => {
  const w = (m: MemberView | undefined, i: InstanceFacts | undefined) =>
    world({ enis: [], instances: i === undefined ? [] : [i], members: m === undefined ? [] : [m] });
  it.each([
    ["Terminating:Wait", true, "running", "leaving", true],
    ["Terminating:Proceed", true, "running", "leaving", true],
    ["Terminating:Retained", true, "running", "leaving", true],
    ["InService", false, "running", "unhealthy", true],
    ["InService", true, "running", "serving", false],
    ["Pending:Proceed", true, "running", "launching", false],
    ["Pending:Wait", true, "running", "launching", false],
    ["Warmed:Running", true, "running", "launching", false],
    ["Standby", true, "running", "standby", false],
    ["ReplacingRootVolume", true, "running", "serving", false],
    ["InService", true, "stopped", "stopped", true],
    ["InService", true, "shutting-down", "stopped", true],
  ] as const)("%s (healthy %s, EC2 %s) → %s, a launch may take: %s", (state, healthy, ec2, kind, takes) => {
    const world0 = w(asMember("i-h", state, healthy), host("i-h", { state: ec2 }));
    expect(holderKind("i-h", world0)).toBe(kind);
    const launch = planLaunch(
      LAUNCH,
      world({
        enis: SET("i-h"),
        instances: [host("i-h", { state: ec2 }), host("i-new")],
        members: [asMember("i-h", state, healthy), asMember("i-new", "Pending:Wait")],
      }),
      group(),
      TAG,
    );
    expect(kinds(launch).includes("release")).toBe(takes);
    expect(launch.result).toBe("CONTINUE");
  });

  it("another group's member (even stopped), or no group and running: foreign, never taken; gone or stopped outside any group: taken", () => {
    expect(holderKind("i-h", w(asMember("i-h", "InService", true, "web"), host("i-h")))).toBe("other-group");
    expect(holderKind("i-h", w(undefined, host("i-h")))).toBe("outside-running");
    expect(holderKind("i-h", w(undefined, host("i-h", { state: "stopped" })))).toBe("stopped");
    expect(
      holderKind("i-h", w(asMember("i-h", "InService", true, "web"), host("i-h", { state: "stopped" }))),
    ).toBe("other-group");
    expect(holderKind("i-h", w(undefined, undefined))).toBe("gone");
  });

  it("Force only for a holder that is not serving: leaving, stopped or gone; Unhealthy in service only when impaired or not running", () => {
    expect(forceAllowed("leaving", host("i", { impaired: true }))).toBe(true);
    expect(forceAllowed("leaving", host("i"))).toBe(true);
    expect(forceAllowed("unhealthy", host("i"))).toBe(false);
    expect(forceAllowed("launching", host("i", { impaired: true }))).toBe(false);
    expect(forceAllowed("other-group", host("i", { state: "stopped" }))).toBe(false);
    expect(forceAllowed("stopped", host("i", { state: "stopped" }))).toBe(true);
    expect(forceAllowed("serving", host("i", { impaired: true }))).toBe(false);
    expect(forceAllowed("unhealthy", host("i", { impaired: true }))).toBe(true);
  });
});

describe("preflight", () => {
  const facts = (instance: InstanceFacts, enis: EniView[], instanceEnis: EniView[] = []) => ({
    instance,
    limits: LIMITS.get(instance.instanceType),
    slots: resolveEniSet(enis, group(), TAG).slots,
    enis: new Map(enis.map((e) => [e.id, e])),
    instanceEnis,
    networkCardIndex: 0,
  });
  it("zone, Outpost (either side in the Region counts as different), card capacity with the ENIs the instance has, index collisions", () => {
    expect(preflight(facts(host("i-new"), SET()))).toEqual([]);
    expect(preflight(facts(host("i-new", { availabilityZone: "us-east-1b" }), SET()))).toHaveLength(3);
    const outpost = "arn:aws:outposts:us-east-1:123456789012:outpost/op-0a1b2c3d4e5f60001";
    expect(preflight(facts(host("i-new", { outpostArn: outpost }), SET()))[0]).toContain(
      "in the Region, the instance i-new on arn:aws:outposts",
    );
    const lt = eni("eni-lt", undefined, on("i-new", 1));
    const primary = eni("eni-p", undefined, on("i-new", 0));
    expect(preflight(facts(host("i-new"), SET(), [primary, lt]))).toEqual([
      "c5.xlarge allows 4 ENIs on network card 0; the firewall needs 5 (3 + 2 already attached: eni-p, eni-lt)",
      "device index 1 of i-new is taken by eni-lt (not one of the group's ENIs, e.g. from the launch template); eni-1 needs it",
    ]);
  });
});

describe("planLaunch", () => {
  const base = (holder: MemberView, extra: Partial<InstanceFacts> = {}) =>
    world({
      enis: SET(holder.instanceId),
      instances: [host(holder.instanceId, extra), host("i-new")],
      members: [holder, asMember("i-new", "Pending:Wait")],
    });

  it("takes from a leaving holder: release (Force allowed when impaired), attach, complete — in that order", () => {
    const plan = planLaunch(
      LAUNCH,
      base(asMember("i-old", "Terminating:Wait"), { impaired: true }),
      group(),
      TAG,
    );
    expect(plan.decision).toBe("attached");
    expect(kinds(plan)).toEqual(["release", "attach", "complete"]);
    const release = plan.actions[0]?.params as ReleaseParams | undefined;
    expect(release?.enis.map((e) => e.forceAllowed)).toEqual([true, true, true]);
  });

  it("a serving holder: CONTINUE without the ENIs (deferred), no ENI action", () => {
    const plan = planLaunch(LAUNCH, base(asMember("i-old", "InService")), group(), TAG);
    expect(plan).toMatchObject({
      decision: "deferred-to-holder",
      result: "CONTINUE",
      flags: { deferred: true },
    });
    expect(kinds(plan)).toEqual(["complete"]);
  });

  it("an instance still pending in EC2: wait (no action); into the warm pool: CONTINUE; over: complete to verify", () => {
    const pending = world({
      enis: SET(),
      instances: [host("i-new", { state: "pending" })],
      members: [asMember("i-new", "Pending:Wait")],
    });
    expect(planLaunch(LAUNCH, pending, group(), TAG).decision).toBe("wait-for-running");
    const pooled = world({
      enis: SET(),
      instances: [host("i-new", { state: "running" })],
      members: [asMember("i-new", "Warmed:Pending:Wait")],
    });
    expect(planLaunch(LAUNCH, pooled, group(), TAG)).toMatchObject({
      decision: "warm-pool-continue",
      result: "CONTINUE",
    });
    const over = world({
      enis: SET("i-new"),
      instances: [host("i-new")],
      members: [asMember("i-new", "Pending:Proceed")],
    });
    expect(kinds(planLaunch(LAUNCH, over, group(), TAG))).toEqual(["complete"]);
  });

  it("an instance that is not the named group's member: ignored, no action", () => {
    const other = world({
      enis: SET(),
      instances: [host("i-new")],
      members: [asMember("i-new", "Pending:Wait", true, "web")],
    });
    expect(planLaunch(LAUNCH, other, group(), TAG)).toMatchObject({
      decision: "ignored-not-a-member",
      actions: [],
    });
  });

  it("an instance that can never take the set: ABANDON, nothing else", () => {
    const w = world({
      enis: SET(),
      instances: [host("i-new", { availabilityZone: "us-east-1b" })],
      members: [asMember("i-new", "Pending:Wait")],
    });
    const plan = planLaunch(LAUNCH, w, group(), TAG);
    expect(plan).toMatchObject({
      decision: "abandoned-preflight-failed",
      result: "ABANDON",
      flags: { preflight: true },
    });
    expect(kinds(plan)).toEqual(["complete"]);
  });
});

describe("planTerminate and planRepair", () => {
  it("acts only for an instance waiting on a terminate hook", () => {
    const serving = world({
      enis: SET("i-old"),
      instances: [host("i-old")],
      members: [asMember("i-old", "InService")],
    });
    expect(planTerminate(TERMINATE, serving, group(), TAG)).toMatchObject({
      decision: "ignored-not-terminating",
      actions: [],
    });
  });

  it("hands the leaving instance's ENIs to the group's one InService member, then CONTINUE", () => {
    const w = world({
      enis: SET("i-old"),
      instances: [host("i-old"), host("i-new")],
      members: [asMember("i-old", "Terminating:Wait"), asMember("i-new", "InService")],
      attachedTo: { "i-new": [eni("eni-p", undefined, on("i-new", 0))] },
    });
    const plan = planTerminate(TERMINATE, w, group(), TAG);
    expect(plan).toMatchObject({ decision: "handed-over", target: "i-new" });
    expect(kinds(plan)).toEqual(["release", "attach", "complete"]);
  });

  it("with no receiver: released (detached early), CONTINUE", () => {
    const w = world({
      enis: SET("i-old"),
      instances: [host("i-old"), host("i-new", { state: "pending" })],
      members: [asMember("i-old", "Terminating:Wait"), asMember("i-new", "Pending:Wait")],
    });
    const plan = planTerminate(TERMINATE, w, group(), TAG);
    expect(plan.decision).toBe("detached-early");
    expect(kinds(plan)).toEqual(["release", "complete"]);
  });

  it("repair: the serving firewall gets what is free; nothing from an Unhealthy member still in service", () => {
    const free = world({
      enis: SET(),
      instances: [host("i-new")],
      members: [asMember("i-new", "InService")],
    });
    expect(planRepair(free, group(), TAG)).toMatchObject({ decision: "repaired", target: "i-new" });
    const unhealthy = world({
      enis: SET("i-old"),
      instances: [host("i-old"), host("i-new")],
      members: [asMember("i-old", "InService", false), asMember("i-new", "InService")],
    });
    expect(planRepair(unhealthy, group(), TAG)).toMatchObject({ decision: "repair-blocked", actions: [] });
  });
});

describe("the group of one (MaxSize > 1 allowed, DesiredCapacity > 1 reported)", () => {
  it("DesiredCapacity 2: reported as a configuration issue; two serving members: ambiguous, nothing moves, never ABANDON", () => {
    const base = world({
      enis: SET(),
      instances: [host("i-a"), host("i-b")],
      members: [asMember("i-a", "InService"), asMember("i-b", "InService")],
    });
    const two: GroupWorld = {
      ...base,
      group: { desiredCapacity: 2, maxSize: 2, members: base.group?.members ?? [] },
    };
    const repair = planRepair(two, group(), TAG);
    expect(repair).toMatchObject({ decision: "no-serving-firewall", actions: [] });
    expect(repair.flags.configuration).toBe(true);
    expect(repair.issues.join("\n")).toMatch(/DesiredCapacity 2.*ambiguous/s);
    const launching = world({
      enis: SET("i-a"),
      instances: [host("i-a"), host("i-new")],
      members: [asMember("i-a", "InService"), asMember("i-new", "Pending:Wait")],
    });
    const launch = planLaunch(
      LAUNCH,
      { ...launching, group: { desiredCapacity: 2, maxSize: 3, members: launching.group?.members ?? [] } },
      group(),
      TAG,
    );
    expect(launch).toMatchObject({ decision: "deferred-to-holder", result: "CONTINUE" });
    expect(kinds(launch)).toEqual(["complete"]);
    expect(launch.flags.configuration).toBe(true);
  });

  it("MaxSize 2 with DesiredCapacity 1 (room for launch before terminating): no issue", () => {
    const w = world({ enis: SET("i-a"), instances: [host("i-a")], members: [asMember("i-a", "InService")] });
    expect(planRepair(w, group(), TAG)).toMatchObject({ decision: "in-place", issues: [] });
  });
});

describe("properties", () => {
  const STATES = [
    "Pending",
    "Pending:Wait",
    "Pending:Proceed",
    "InService",
    "Standby",
    "Terminating",
    "Terminating:Wait",
    "Terminating:Proceed",
    "Terminating:Retained",
    "Warmed:Pending:Wait",
    "Warmed:Stopped",
    "ReplacingRootVolume",
    "Detached",
  ];
  const EC2 = ["pending", "running", "stopping", "stopped", "shutting-down", "terminated"] as const;
  const ids = ["i-a", "i-b", "i-c"];
  const arbitraryMember = (id: string) =>
    fc.record({
      id: fc.constant(id),
      // Biased towards the states that matter most: serving and leaving members that run.
      state: fc.oneof(fc.constantFrom("InService", "Terminating:Wait"), fc.constantFrom(...STATES)),
      healthy: fc.boolean(),
      ec2: fc.oneof(fc.constant("running" as const), fc.constantFrom(...EC2)),
      impaired: fc.boolean(),
      groupName: fc.constantFrom(GROUP, GROUP, GROUP, "web"),
      member: fc.oneof(fc.constant(true), fc.boolean()),
    });
  /** The action's instance: most often this group's member waiting on the hook, running. */
  const arbitraryTarget = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        id: fc.constant("i-t"),
        state: fc.constantFrom("Pending:Wait", "Terminating:Wait"),
        healthy: fc.constant(true),
        ec2: fc.constant("running" as const),
        impaired: fc.boolean(),
        groupName: fc.constant(GROUP),
        member: fc.constant(true),
      }),
    },
    { weight: 1, arbitrary: arbitraryMember("i-t") },
  );
  const arbitraryWorld = fc
    .record({
      members: fc.tuple(arbitraryTarget, ...ids.map(arbitraryMember)),
      holders: fc.array(
        fc.option(fc.record({ id: fc.constantFrom("i-t", ...ids), detaching: fc.boolean() }), {
          nil: undefined,
        }),
        { minLength: 3, maxLength: 3 },
      ),
      hook: fc.constantFrom("fw-launch", "fw-terminate"),
    })
    .map(({ members, holders, hook }) => {
      const w = world({
        enis: holders.map((h, k) =>
          eni(
            `eni-${k + 1}`,
            `${GROUP}/${k + 1}`,
            h === undefined ? {} : on(h.id, k + 1, h.detaching ? "detaching" : "attached"),
          ),
        ),
        instances: members
          .filter((m) => m.ec2 !== "terminated")
          .map((m) => host(m.id, { state: m.ec2, impaired: m.impaired })),
        members: members.filter((m) => m.member).map((m) => asMember(m.id, m.state, m.healthy, m.groupName)),
      });
      return { w, ref: { groupName: GROUP, hookName: hook, instanceId: "i-t" } };
    });

  const NEVER = new Set(["serving", "launching", "standby", "other-group", "outside-running"]);

  /** Where every planned detach comes from: allowed when detaching already, the target itself, or `also`. */
  const releasesOnlyFromFree = (plan: HandOver, w: GroupWorld, also?: string) =>
    plan.actions.every(
      (action) =>
        action.params.kind !== "release" ||
        action.params.enis.every(
          (e) =>
            e.detaching || e.from === plan.target || e.from === also || !NEVER.has(holderKind(e.from, w)),
        ),
    );

  it("no plan ever detaches an ENI from a serving, launching, standby or foreign instance (unless already detaching)", () => {
    fc.assert(
      fc.property(arbitraryWorld, ({ w, ref }) => {
        const launch = planLaunch(ref, w, group(), TAG);
        // A terminate hook's own instance is leaving, whatever its wait state is called.
        const terminate = planTerminate(ref, w, group(), TAG);
        return (
          releasesOnlyFromFree(launch, w) &&
          releasesOnlyFromFree(terminate, w, ref.instanceId) &&
          releasesOnlyFromFree(planRepair(w, group(), TAG), w)
        );
      }),
      { numRuns: 2000 },
    );
  });

  it("only the action's own hook is ever completed, ABANDON only after a failed preflight, never with an ENI action", () => {
    fc.assert(
      fc.property(arbitraryWorld, ({ w, ref }) => {
        for (const plan of [planLaunch(ref, w, group(), TAG), planTerminate(ref, w, group(), TAG)]) {
          for (const action of plan.actions) {
            if (action.params.kind !== "complete") continue;
            if (
              action.params.ref.hookName !== ref.hookName ||
              action.params.ref.instanceId !== ref.instanceId
            )
              return false;
            if (action.params.result === "ABANDON" && (!plan.flags.preflight || plan.actions.length !== 1))
              return false;
          }
        }
        return planRepair(w, group(), TAG).actions.every((a) => a.params.kind !== "complete");
      }),
      { numRuns: 2000 },
    );
  });

  it("a launch whose ENIs a serving member of its group holds: always CONTINUE alone (never ABANDON, never a wait)", () => {
    const holderState = fc.constantFrom(
      "InService",
      "Pending:Proceed",
      "Pending:Wait",
      "Standby",
      "ReplacingRootVolume",
    );
    fc.assert(
      fc.property(holderState, fc.boolean(), fc.integer({ min: 1, max: 3 }), (state, impaired, held) => {
        const enis = [1, 2, 3].map((k) => eni(`eni-${k}`, `${GROUP}/${k}`, k <= held ? on("i-old", k) : {}));
        const w = world({
          enis,
          instances: [host("i-old", { impaired }), host("i-new")],
          members: [asMember("i-old", state), asMember("i-new", "Pending:Wait")],
        });
        const plan = planLaunch(LAUNCH, w, group(), TAG);
        return plan.flags.deferred && plan.result === "CONTINUE" && kinds(plan).join() === "complete";
      }),
    );
  });
});
