import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planSlots, preflight, resolveEniSet } from "../../../functions/eni-reattach/reattach/plan";
import type { AsgMemberView, EniView } from "../../../shared/observe/attachments";
import type { InstanceView } from "../../../shared/observe/model";

/** The pure planning of eni-reattach: ENI set from tags, preflight, per-ENI steps. */

const eni = (id: string, tag: string | undefined, extra: Partial<EniView> = {}): EniView => ({
  id,
  subnetId: "subnet-1",
  vpcId: "vpc-1",
  availabilityZone: "us-east-1a",
  status: "available",
  sourceDestCheck: true,
  tags: tag === undefined ? {} : { "ops:eni-attach": tag },
  ...extra,
});
const attached = (instanceId: string, deviceIndex: number, status = "attached") => ({
  attachment: {
    attachmentId: `eni-attach-${instanceId}-${deviceIndex}`,
    instanceId,
    deviceIndex,
    networkCardIndex: 0,
    status: status as "attached",
    deleteOnTermination: false,
  },
  status: "in-use",
});
const instance = (
  id: string,
  state: InstanceView["state"],
  extra: Partial<InstanceView> = {},
): InstanceView => ({
  id,
  state,
  instanceType: "c5.xlarge",
  launchTime: new Date(0),
  tags: {},
  hibernationConfigured: false,
  availabilityZone: "us-east-1a",
  networkInterfaceIds: [],
  ...extra,
});
const member = (instanceId: string, lifecycleState: string): AsgMemberView => ({
  instanceId,
  groupName: "fw",
  lifecycleState,
  healthStatus: "HEALTHY",
});
const POLICY = { maxInterfaces: 8 };

describe("resolveEniSet", () => {
  it("orders by device index, ignores other groups and untagged ENIs", () => {
    const set = resolveEniSet(
      [
        eni("eni-c", "fw/3"),
        eni("eni-a", "fw/1"),
        eni("eni-b", "fw/2"),
        eni("eni-x", "other/1"),
        eni("eni-y", undefined),
      ],
      "fw",
      "ops:eni-attach",
      POLICY,
    );
    expect(set).toEqual({
      group: "fw",
      issues: [],
      slots: [
        { deviceIndex: 1, eniId: "eni-a" },
        { deviceIndex: 2, eniId: "eni-b" },
        { deviceIndex: 3, eniId: "eni-c" },
      ],
    });
  });

  it("a group name that is a prefix of another is not confused with it", () => {
    const set = resolveEniSet([eni("eni-a", "fw/1"), eni("eni-b", "fw2/1")], "fw", "ops:eni-attach", POLICY);
    expect(set.slots).toEqual([{ deviceIndex: 1, eniId: "eni-a" }]);
  });

  it("reports malformed indexes, index 0, duplicates, gaps, expected count and the limit", () => {
    const set = resolveEniSet(
      [eni("eni-a", "fw/one"), eni("eni-b", "fw/0"), eni("eni-c", "fw/2"), eni("eni-d", "fw/2")],
      "fw",
      "ops:eni-attach",
      { maxInterfaces: 0, expectedInterfaces: 3 },
    );
    expect(set.issues).toEqual([
      'eni-a: tag ops:eni-attach="fw/one" does not end with a device index (expected fw/<1..15>)',
      "eni-b: device index 0 is the instance's primary ENI and cannot be re-attached",
      "device index 2 is claimed by several ENIs: eni-c, eni-d",
      "missing ENI: no ENI is tagged ops:eni-attach=fw/1",
      "missing ENI: no ENI is tagged ops:eni-attach=fw/3",
      "1 ENIs are tagged for fw, more than maxInterfacesPerGroup (0)",
    ]);
  });

  it("deterministic: the same tags in any order give the same set (property)", () => {
    fc.assert(
      fc.property(fc.shuffledSubarray([1, 2, 3, 4, 5, 6], { minLength: 1 }), (indexes) => {
        const enis = indexes.map((k) => eni(`eni-${k}`, `fw/${k}`));
        const a = resolveEniSet(enis, "fw", "ops:eni-attach", POLICY);
        const b = resolveEniSet([...enis].reverse(), "fw", "ops:eni-attach", POLICY);
        expect(a).toEqual(b);
        expect(a.slots.map((s) => s.deviceIndex)).toEqual([...indexes].sort((x, y) => x - y));
      }),
    );
  });
});

describe("preflight", () => {
  const slots = [
    { deviceIndex: 1, eniId: "eni-a" },
    { deviceIndex: 2, eniId: "eni-b" },
  ];
  const enis = new Map([
    ["eni-a", eni("eni-a", "fw/1")],
    ["eni-b", eni("eni-b", "fw/2")],
  ]);
  const limits = (max: number, cards = [{ index: 0, maximumNetworkInterfaces: max }]) => ({
    instanceType: "c5.xlarge",
    maximumNetworkInterfaces: max,
    cards,
  });

  it("passes with room for N + 1 on card 0", () => {
    expect(
      preflight({
        instance: instance("i-new", "running"),
        limits: limits(3),
        slots,
        enis,
        instanceEnis: [],
        networkCardIndex: 0,
      }),
    ).toEqual([]);
  });

  it("N on another card does not count the primary", () => {
    const multi = limits(2, [
      { index: 0, maximumNetworkInterfaces: 1 },
      { index: 1, maximumNetworkInterfaces: 2 },
    ]);
    expect(
      preflight({
        instance: instance("i-new", "running"),
        limits: multi,
        slots,
        enis,
        instanceEnis: [],
        networkCardIndex: 1,
      }),
    ).toEqual([]);
  });

  it("reports the limit, the zone, a taken index and a vanished ENI together", () => {
    const far = new Map([["eni-a", eni("eni-a", "fw/1", { availabilityZone: "us-east-1b" })]]);
    const issues = preflight({
      instance: instance("i-new", "running"),
      limits: limits(2),
      slots,
      enis: far,
      instanceEnis: [eni("eni-z", undefined, attached("i-new", 1))],
      networkCardIndex: 0,
    });
    expect(issues).toEqual([
      "eni-a is in us-east-1b, the instance i-new in us-east-1a: ENIs attach only in the same Availability Zone",
      "eni-b (device index 2) no longer exists",
      "c5.xlarge allows 2 ENIs on network card 0; the firewall needs 3 (2 + the primary)",
      "device index 1 of i-new is taken by eni-z (expected eni-a)",
    ]);
  });
});

describe("planSlots", () => {
  const slot = { deviceIndex: 1, eniId: "eni-a" };
  const owners = (state: InstanceView["state"], lifecycle: string | undefined) => ({
    instances: new Map([["i-old", instance("i-old", state)]]),
    members: new Map(lifecycle === undefined ? [] : [["i-old", member("i-old", lifecycle)]]),
  });
  const plan = (e: EniView, o = owners("running", "InService")) =>
    planSlots("i-new", [slot], new Map([["eni-a", e]]), o, 0)[0];

  it("available → attach; already right → in-place", () => {
    expect(plan(eni("eni-a", "fw/1"))?.kind).toBe("attach");
    expect(plan(eni("eni-a", "fw/1", attached("i-new", 1, "attaching")))).toMatchObject({
      kind: "in-place",
      status: "attaching",
    });
  });

  it("on the new instance at another index → move (no force)", () => {
    expect(plan(eni("eni-a", "fw/1", attached("i-new", 2)))).toMatchObject({
      kind: "move",
      from: "i-new",
      force: false,
    });
  });

  it.each([
    ["running", "InService", "refuse", undefined],
    ["running", "Terminating:Wait", "move", false],
    ["running", "Standby", "move", false],
    ["running", undefined, "move", false],
    ["shutting-down", "Terminating:Proceed", "move", true],
    ["stopped", "InService", "move", true],
    ["terminated", undefined, "move", true],
  ] as const)("old instance %s / %s → %s (force %s)", (state, lifecycle, kind, force) => {
    const step = plan(eni("eni-a", "fw/1", attached("i-old", 1)), owners(state, lifecycle));
    expect(step?.kind).toBe(kind);
    if (step?.kind === "move") expect(step.force).toBe(force);
  });

  it("already detaching from an in-service instance → wait for it (move, detaching), never a refusal", () => {
    expect(plan(eni("eni-a", "fw/1", attached("i-old", 1, "detaching")))).toMatchObject({
      kind: "move",
      detaching: true,
    });
  });
});
