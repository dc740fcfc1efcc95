import { describe, expect, it } from "vitest";
import type { AccountSnapshot } from "../../../sim/account/index";
import { changesBetween } from "../../../tools/what-if/changes";
import { formatTime, timelineText } from "../../../tools/what-if/timeline";
import type { InvocationEntry, WhatIfResult } from "../../../tools/what-if/types";

/** The what-if's pure parts: the changes between two snapshots, and the timeline text. */

const invocation = (at: number, over: Partial<InvocationEntry> = {}): InvocationEntry => ({
  at,
  function: "dx-failover",
  via: "schedule reconcile",
  attempt: 0,
  decision: "nothing-to-do",
  actions: [],
  writes: [],
  reads: { DescribeRouteTables: 2, GetMetricData: 1 },
  tookMs: 40,
  ...over,
});

const result = (over: Partial<WhatIfResult> = {}): WhatIfResult => ({
  scenario: { name: "dx-down", capability: "dx-failover", target: "g", description: "DX of g goes down" },
  account: "a.json",
  config: "c.json",
  start: "2026-01-05T00:00:00.000Z",
  settledMs: 0,
  incident: [{ at: 0, what: "dxvif-1 data plane down" }],
  events: [],
  invocations: [],
  changes: [],
  calls: { writes: 0, reads: 0, readsByOperation: {} },
  final: { routes: {}, enis: {}, addresses: {}, instances: {}, notes: [] },
  checks: [],
  end: { at: 600_000, quiet: true, reason: "quiet: nothing changed for 5 min" },
  notDriven: {},
  ...over,
});

describe("formatTime", () => {
  it("shows seconds, minutes and hours from the incident, before it negative", () => {
    expect([0, -400, 10_000, 65_000, -58_000, 3_720_000].map(formatTime)).toEqual([
      "t+0s",
      "t+0s",
      "t+10s",
      "t+1m05s",
      "t-58s",
      "t+1h02m",
    ]);
  });
});

describe("timelineText", () => {
  it("orders the incident, events, invocations (writes with parameters, reads counted) and changes", () => {
    const text = timelineText(
      result({
        events: [
          {
            at: 10_000,
            event: "DX Path Degraded g",
            source: "ops-toolkit",
            routedTo: [{ function: "dx-failover", via: "EventBridge rule trigger", run: true }],
          },
          { at: 10_000, event: "EC2 … pending", source: "aws.ec2", routedTo: [], ignored: "no rule matches" },
          {
            at: 20_000,
            event: "EC2 … stopped",
            source: "aws.ec2",
            routedTo: [{ function: "idle-alarms", via: "rule", run: false }],
          },
        ],
        invocations: [
          invocation(10_000, {
            via: "EventBridge rule trigger",
            decision: "failover",
            writes: [{ operation: "ec2:CreateRoute", input: { RouteTableId: "rtb-1" }, outcome: "ok" }],
          }),
        ],
        changes: [
          {
            at: 10_000,
            kind: "route",
            resource: "rtb-1",
            subject: "10.0.0.0/16",
            from: "vgw-1 (propagated, active)",
            to: "eni-1 (static, active)",
          },
          {
            at: 10_000,
            kind: "tag",
            resource: "rtb-1",
            subject: "ops:dx-failover:g:routes",
            from: "",
            to: "10.0.0.0/16",
          },
        ],
      }),
    );
    const timeline = text.slice(text.indexOf("Timeline"), text.indexOf("AWS calls"));
    expect(timeline.split("\n").slice(1, -2)).toEqual([
      "  t+0s       INCIDENT dxvif-1 data plane down",
      "  t+10s      event DX Path Degraded g → dx-failover",
      "  t+10s      event EC2 … pending: ignored (no rule matches)",
      "  t+10s      dx-failover ← EventBridge rule trigger: failover",
      '                 write ec2:CreateRoute {"RouteTableId":"rtb-1"} → ok',
      "                 reads 3 (DescribeRouteTables 2, GetMetricData 1)",
      "  t+10s      change route rtb-1 10.0.0.0/16: vgw-1 (propagated, active) → eni-1 (static, active)",
      '  t+10s      change tag rtb-1 ops:dx-failover:g:routes: "" → 10.0.0.0/16',
      "  t+20s      event EC2 … stopped → idle-alarms [not run: another capability]",
    ]);
  });

  it("folds invocations that wrote nothing and decided the same into one line with their count", () => {
    const text = timelineText(
      result({
        invocations: [
          invocation(60_000),
          invocation(120_000),
          invocation(180_000),
          invocation(240_000, {
            tookMs: 66_000,
            decision: "failback",
            writes: [{ operation: "ec2:DeleteRoute", input: {}, outcome: "ok" }],
          }),
          invocation(300_000),
        ],
      }),
    );
    expect(text).toContain(
      "  t+1m00s    dx-failover ← schedule reconcile: nothing-to-do ×3 until t+3m00s\n  t+4m00s    dx-failover ← schedule reconcile: failback (ran 1m06s)\n",
    );
    expect(text).toContain("  t+5m00s    dx-failover ← schedule reconcile: nothing-to-do\n");
  });

  it("lists the final state, a broken check with its violations, the end and the settling note", () => {
    const text = timelineText(
      result({
        settledMs: 358_000,
        final: {
          routes: { "rtb-1": { "10.0.0.0/16": "eni-1 (static, active)" } },
          enis: { "eni-7": "i-2 #1" },
          addresses: { "eni-7": ["10.0.0.5"] },
          instances: { "i-2": "running (InService, Healthy)" },
          notes: ["group g: active path vpn, flaps 0"],
        },
        checks: [
          { invariant: "path", meaning: "a working path", holds: true, violations: [], violationCount: 0 },
          {
            invariant: "flap",
            meaning: "no flap",
            holds: false,
            violations: Array.from({ length: 7 }, (_, k) => ({
              at: 60_000 + k * 5000,
              message: `failed back early ${k}`,
            })),
            violationCount: 30,
          },
        ],
      }),
    );
    expect(text).toContain(
      "(the account needed 5m58s to be ready for the incident: earlier times are negative)",
    );
    expect(text).toContain(
      "Final state\n  route table rtb-1\n    10.0.0.0/16 → eni-1 (static, active)\n  eni-7 → i-2 #1  [10.0.0.5]\n  i-2 running (InService, Healthy)\n  group g: active path vpn, flaps 0\n",
    );
    expect(text).toContain(
      "  holds  path: a working path\n  BROKEN flap: no flap\n         t+1m00s failed back early 0\n         t+1m05s failed back early 1\n",
    );
    expect(text).toContain(
      "         t+1m20s failed back early 4\n         … 25 more (--json has the first 7)\n",
    );
    expect(text).toContain("End: t+10m00s quiet: nothing changed for 5 min\n");
    expect(
      timelineText(
        result({
          end: { at: 21_600_000, quiet: false, reason: "not quiet 360 min after the incident (the cap)" },
        }),
      ),
    ).toContain(
      "End: t+6h00m not quiet 360 min after the incident (the cap) (so the end-of-run checks were not made: exit 1)\n",
    );
  });
});

const snapshot = (over: Partial<AccountSnapshot>): AccountSnapshot =>
  ({
    instances: {},
    networkInterfaces: {},
    routeTables: {},
    autoScalingGroups: {},
    virtualInterfaces: {},
    ...over,
  }) as AccountSnapshot;

describe("changesBetween", () => {
  it("a static route beside the propagated one is one destination's change; our tags, not the group tag", () => {
    const before = snapshot({
      routeTables: {
        "rtb-1": {
          VpcId: "vpc-1",
          Routes: {
            "10.0.0.0/16": { Target: "vgw-1", Origin: "EnableVgwRoutePropagation", State: "active" },
          },
          PropagatingVgws: [],
          Associations: [],
          Tags: { "ops:failover-group": "g" },
        },
      },
    });
    const after = snapshot({
      routeTables: {
        "rtb-1": {
          VpcId: "vpc-1",
          Routes: {
            "10.0.0.0/16": { Target: "eni-1", Origin: "CreateRoute", State: "active" },
            "10.0.0.0/16 (propagated)": {
              Target: "vgw-1",
              Origin: "EnableVgwRoutePropagation",
              State: "active",
            },
          },
          PropagatingVgws: [],
          Associations: [],
          Tags: { "ops:failover-group": "h", "ops:dx-failover:g:state": "active=vpn", Name: "x" },
        },
      },
    });
    expect(changesBetween(before, after, 5)).toEqual([
      {
        at: 5,
        kind: "route",
        resource: "rtb-1",
        subject: "10.0.0.0/16",
        from: "vgw-1 (propagated, active)",
        to: "eni-1 (static, active) + vgw-1 (propagated, active)",
      },
      { at: 5, kind: "tag", resource: "rtb-1", subject: "ops:dx-failover:g:state", to: "active=vpn" },
    ]);
  });

  it("ENI attachments, addresses, instance states, group members and the DX data plane", () => {
    const eni = (instance: string | undefined, ips: string[]) => ({
      Status: "in-use",
      SubnetId: "subnet-1",
      PrivateIpAddresses: ips,
      SourceDestCheck: true,
      ...(instance === undefined
        ? {}
        : { Attachment: { InstanceId: instance, DeviceIndex: 1, NetworkCardIndex: 0, Status: "attached" } }),
      Tags: {},
    });
    const vif = (plane: "up" | "down") => ({
      State: "available",
      DataPlane: plane,
      BgpPeers: { p: { AddressFamily: "ipv4", BgpStatus: "up" } },
    });
    const before = snapshot({
      networkInterfaces: { "eni-1": eni("i-1", ["10.0.0.1", "10.0.0.9"]) },
      instances: { "i-1": { State: "running" } as AccountSnapshot["instances"][string] },
      autoScalingGroups: {
        fw: {
          DesiredCapacity: 1,
          Instances: { "i-1": { LifecycleState: "InService", HealthStatus: "Healthy" } },
        },
      },
      virtualInterfaces: { "dxvif-1": vif("up") },
    });
    const after = snapshot({
      networkInterfaces: { "eni-1": eni(undefined, ["10.0.0.1"]) },
      instances: { "i-1": { State: "stopping" } as AccountSnapshot["instances"][string] },
      autoScalingGroups: { fw: { DesiredCapacity: 1, Instances: {} } },
      virtualInterfaces: { "dxvif-1": vif("down") },
    });
    expect(
      changesBetween(before, after, 0).map((c) => [c.kind, c.resource, c.subject, c.from, c.to]),
    ).toEqual([
      ["eni", "eni-1", "attachment", "i-1 #1 (attached)", "detached"],
      ["address", "eni-1", "10.0.0.9", "assigned", undefined],
      ["instance", "i-1", "state", "running", "stopping"],
      ["group", "fw", "i-1", "InService Healthy", undefined],
      ["dx", "dxvif-1", "data plane", "up", "down"],
    ]);
  });
});
