import { describe, expect, it } from "vitest";
import { type EniReattachConfig, EniReattachConfigSchema } from "../../../../functions/eni-reattach/config";
import * as z from "../../../../shared/runtime/zod";
import type { AccountSnapshot, CallRecord } from "../../../../sim";
import {
  ALARM_GRACE_MS,
  checkEniReattachSettled,
  checkEniReattachStep,
  type EniReattachStep,
  settledOrAlarm,
} from "../../../../tools/chaos/invariants/eni-reattach";

/** The eni-reattach invariants checker on hand-made steps: each invariant caught, and not caught when it holds. */

const config: EniReattachConfig = z.parse(EniReattachConfigSchema, {
  groups: [
    {
      name: "fw",
      hookNames: ["fw-launch", "fw-terminate"],
      expectedInterfaces: 2,
      allowedSubnetIds: ["subnet-0000000a"],
    },
  ],
});

const SUBNETS: EniReattachStep["subnets"] = {
  "subnet-0000000a": { vpcId: "vpc-a", availabilityZone: "us-east-1a" },
  "subnet-0000000b": { vpcId: "vpc-a", availabilityZone: "us-east-1b" },
};

type Instances = Record<string, { state: string; subnet?: string; group?: [string, string, string] }>;

const snapshot = (
  instances: Instances,
  enis: Record<string, { on?: [string, number]; tag?: string; subnet?: string }>,
): AccountSnapshot => {
  const groups: AccountSnapshot["autoScalingGroups"] = {};
  for (const [id, i] of Object.entries(instances)) {
    if (i.group === undefined) continue;
    const [name, state, health] = i.group;
    groups[name] ??= { DesiredCapacity: 1, Instances: {} };
    (groups[name] as { Instances: Record<string, unknown> }).Instances[id] = {
      LifecycleState: state,
      HealthStatus: health,
    };
  }
  return {
    at: "2026-11-21T12:00:00.000Z",
    accountId: "123456789012",
    region: "us-east-1",
    instances: Object.fromEntries(
      Object.entries(instances).map(([id, i]) => [
        id,
        {
          InstanceType: "c5.xlarge",
          State: i.state,
          StateTransitionReason: "",
          HibernationConfigured: false,
          DisableApiStop: false,
          LaunchTime: "2026-11-21T11:00:00.000Z",
          SubnetId: i.subnet ?? "subnet-0000000a",
          PrivateIpAddress: "10.0.0.1",
          Tags: {},
        },
      ]),
    ),
    networkInterfaces: Object.fromEntries(
      Object.entries(enis).map(([id, e]) => [
        id,
        {
          Status: e.on === undefined ? "available" : "in-use",
          SubnetId: e.subnet ?? "subnet-0000000a",
          PrivateIpAddresses: [],
          SourceDestCheck: false,
          Tags: (e.tag === undefined ? {} : { "ops:eni-attach": e.tag }) as Record<string, string>,
          ...(e.on === undefined
            ? {}
            : {
                Attachment: {
                  InstanceId: e.on[0],
                  DeviceIndex: e.on[1],
                  NetworkCardIndex: 0,
                  Status: "attached",
                },
              }),
        },
      ]),
    ),
    routeTables: {},
    localGatewayRouteTables: {},
    autoScalingGroups: groups,
    alarms: {},
    elasticIps: {},
    subnetCidrReservations: {},
    virtualInterfaces: {},
    bgpFailoverTests: {},
    managedPrefixLists: {},
    publishedEvents: [],
    serviceEvents: [],
  };
};

let seq = 0;
const call = (
  operation: string,
  input: Record<string, unknown>,
  output?: Record<string, unknown>,
): CallRecord => ({
  seq: ++seq,
  at: "2026-11-21T12:00:01.000Z",
  service: operation.includes("Lifecycle") ? "autoscaling" : "ec2",
  operation,
  region: "us-east-1",
  requestId: `r-${seq}`,
  input,
  outcome: "ok",
  ...(output !== undefined ? { output } : {}),
});
const described = (eni: string, attachmentId: string) =>
  call(
    "DescribeNetworkInterfaces",
    {},
    { NetworkInterfaces: [{ NetworkInterfaceId: eni, Attachment: { AttachmentId: attachmentId } }] },
  );

const step = (before: AccountSnapshot, calls: CallRecord[]): EniReattachStep => ({
  before,
  after: before,
  calls,
  subnets: SUBNETS,
  maxInterfaces: () => 4,
});

const ENIS = {
  "eni-1": { on: ["i-old", 1] as [string, number], tag: "fw/1" },
  "eni-2": { on: ["i-old", 2] as [string, number], tag: "fw/2" },
};

describe("never-detach-serving", () => {
  const detach = [
    described("eni-1", "att-1"),
    call("DetachNetworkInterface", { AttachmentId: "att-1", Force: false }),
  ];
  it.each([
    ["InService", "Healthy", 1],
    ["Pending:Proceed", "Healthy", 1],
    ["Standby", "Healthy", 1],
    ["InService", "Unhealthy", 0],
    ["Terminating:Wait", "Healthy", 0],
  ])("a detach from a holder %s/%s: %i violation(s)", (state, health, n) => {
    const before = snapshot({ "i-old": { state: "running", group: ["fw", state, health] } }, ENIS);
    expect(
      checkEniReattachStep(step(before, detach), config).filter(
        (v) => v.invariant === "never-detach-serving",
      ),
    ).toHaveLength(n);
  });

  it("a running instance of another group, or of none: serving; a stopped one is not", () => {
    const other = snapshot({ "i-old": { state: "running", group: ["web", "InService", "Healthy"] } }, ENIS);
    const none = snapshot({ "i-old": { state: "running" } }, ENIS);
    const stopped = snapshot({ "i-old": { state: "stopped" } }, ENIS);
    expect(checkEniReattachStep(step(other, detach), config).map((v) => v.invariant)).toContain(
      "never-detach-serving",
    );
    expect(checkEniReattachStep(step(none, detach), config).map((v) => v.invariant)).toContain(
      "never-detach-serving",
    );
    expect(checkEniReattachStep(step(stopped, detach), config)).toEqual([]);
  });
});

describe("only-our-hooks and abandon-only-when-impossible", () => {
  const before = snapshot(
    {
      "i-old": { state: "shutting-down", group: ["fw", "Terminating:Proceed", "Unhealthy"] },
      "i-new": { state: "running", group: ["fw", "Pending:Wait", "Healthy"] },
    },
    ENIS,
  );
  const complete = (hook: string, result: string, group = "fw") =>
    call("CompleteLifecycleAction", {
      AutoScalingGroupName: group,
      LifecycleHookName: hook,
      InstanceId: "i-new",
      LifecycleActionResult: result,
    });

  it("a foreign hook or group completed is a violation; ours is not", () => {
    expect(checkEniReattachStep(step(before, [complete("fw-launch", "CONTINUE")]), config)).toEqual([]);
    expect(
      checkEniReattachStep(step(before, [complete("restore-config", "CONTINUE")]), config).map(
        (v) => v.invariant,
      ),
    ).toEqual(["only-our-hooks"]);
    expect(
      checkEniReattachStep(step(before, [complete("fw-launch", "CONTINUE", "web")]), config).map(
        (v) => v.invariant,
      ),
    ).toEqual(["only-our-hooks"]);
  });

  it("ABANDON of an instance that could take the set is a violation; of one in another zone it is not", () => {
    expect(
      checkEniReattachStep(step(before, [complete("fw-launch", "ABANDON")]), config).map((v) => v.invariant),
    ).toEqual(["abandon-only-when-impossible"]);
    const elsewhere = snapshot(
      {
        "i-old": { state: "shutting-down" },
        "i-new": { state: "running", subnet: "subnet-0000000b", group: ["fw", "Pending:Wait", "Healthy"] },
      },
      ENIS,
    );
    expect(checkEniReattachStep(step(elsewhere, [complete("fw-launch", "ABANDON")]), config)).toEqual([]);
  });
});

describe("nothing-outside-configuration and settled", () => {
  it("an attach of an ENI that is not in the set (not allow-listed) is a violation", () => {
    const before = snapshot(
      { "i-new": { state: "running", group: ["fw", "Pending:Wait", "Healthy"] } },
      { "eni-x": { tag: "fw/1", subnet: "subnet-0000000f" } },
    );
    const attach = call("AttachNetworkInterface", {
      NetworkInterfaceId: "eni-x",
      InstanceId: "i-new",
      DeviceIndex: 1,
    });
    expect(checkEniReattachStep(step(before, [attach]), config).map((v) => v.invariant)).toEqual([
      "nothing-outside-configuration",
    ]);
  });

  it("at a quiet point the one serving member must hold the whole set", () => {
    const half = snapshot(
      { "i-new": { state: "running", group: ["fw", "InService", "Healthy"] } },
      {
        "eni-1": { on: ["i-new", 1], tag: "fw/1" },
        "eni-2": { tag: "fw/2" },
      },
    );
    expect(checkEniReattachSettled(half, SUBNETS, config).map((v) => v.message)).toEqual([
      "fw: eni-2 is not attached to the serving i-new at 2 (available)",
    ]);
    const whole = snapshot(
      { "i-new": { state: "running", group: ["fw", "InService", "Healthy"] } },
      {
        "eni-1": { on: ["i-new", 1], tag: "fw/1" },
        "eni-2": { on: ["i-new", 2], tag: "fw/2" },
      },
    );
    expect(checkEniReattachSettled(whole, SUBNETS, config)).toEqual([]);
  });
});

describe("settledOrAlarm (issue 14: all ENIs on the serving instance or an alarm)", () => {
  const gap = {
    invariant: "settled",
    message: "fw-asg: eni-1 is not attached to the serving i-1 at 1 (available)",
  };
  it("a gap younger than the alarm grace is not yet a violation", () => {
    expect(settledOrAlarm([gap], [], ALARM_GRACE_MS - 1)).toEqual([]);
  });
  it("a gap with a raised alarm of the group is not a violation", () => {
    expect(
      settledOrAlarm([gap], ["ops-toolkit-dev-eni-fw-asg-missing-interfaces"], ALARM_GRACE_MS * 3),
    ).toEqual([]);
  });
  it("a gap that outlasted the grace with no alarm is a violation", () => {
    expect(settledOrAlarm([gap], [], ALARM_GRACE_MS)).toEqual([
      { invariant: "settled", message: expect.stringContaining("no alarm of the group") },
    ]);
  });
});
