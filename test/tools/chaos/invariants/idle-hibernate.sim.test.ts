import { describe, expect, it } from "vitest";
import type { IdleHibernateConfig } from "../../../../functions/idle-hibernate/config";
import { parseFixture, SimulatedAccount } from "../../../../sim";
import type { CallRecord } from "../../../../sim/account/calls";
import type { AccountSnapshot } from "../../../../sim/account/snapshot";
import { checkIdleHibernate } from "../../../../tools/chaos/invariants/idle-hibernate";
import { DEFAULT_POLICY, policyWith } from "../../../functions/idle-hibernate/support";
import { START, W, worldFixture } from "../../../functions/idle-hibernate/world";

/** The idle-hibernate invariant checker finds each kind of violation (so that the campaign can fail). */

const snapshot = (): AccountSnapshot =>
  SimulatedAccount.fromFixture(parseFixture(worldFixture(), "world")).snapshot();

let seq = 0;
const call = (
  operation: string,
  input: Record<string, unknown>,
  outcome: "ok" | "error" = "ok",
): CallRecord => ({
  seq: ++seq,
  at: START,
  service: operation.includes("Alarm") ? "monitoring" : "ec2",
  operation,
  region: "us-east-1",
  requestId: `r-${seq}`,
  input,
  outcome,
});

const check = (
  calls: CallRecord[],
  results: unknown[] = [],
  config: IdleHibernateConfig = DEFAULT_POLICY,
  edit?: (s: AccountSnapshot) => void,
) => {
  const before = snapshot();
  edit?.(before);
  return checkIdleHibernate({ config, before, after: snapshot(), calls, results });
};

const proof = (instanceId: string) => ({ hibernation: [{ instanceId, verdict: "hibernate-initiated" }] });
const hibernate = (id: string) => call("StopInstances", { InstanceIds: [id], Hibernate: true });

describe("idle-hibernate invariants", () => {
  it("hold for an eligible hibernation whose verdict is reported", () => {
    expect(check([hibernate(W.happy)], [proof(W.happy)])).toEqual([]);
  });

  it.each([
    ["instance store", W.nvme, "instance store"],
    ["an instance store root", W.storeRoot, "instance store"],
    ["a Karpenter node", W.karpenter, "managed-fleet tag"],
    ["an ASG member", W.ecsOnAsg, "Auto Scaling member"],
    ["Operator.Managed", W.autoMode, "Operator.Managed"],
    ["a Capacity Reservation", W.reserved, "Capacity Reservation"],
    ["within its 24 h window", W.dayWindow, "within its 1440-minute window"],
  ])("find a stop of %s", (_what, id, message) => {
    expect(check([hibernate(id)], [proof(id)])).toEqual([
      expect.objectContaining({
        invariant: "stops-only-eligible",
        resource: id,
        message: expect.stringContaining(message),
      }),
    ]);
  });

  it("find a stop of an opted-out or not opted-in instance", () => {
    const violations = check(
      [hibernate(W.happy), hibernate(W.blog)],
      [proof(W.happy), proof(W.blog)],
      DEFAULT_POLICY,
      (s) => {
        s.instances[W.happy] = {
          ...(s.instances[W.happy] as NonNullable<AccountSnapshot["instances"][string]>),
          Tags: {},
        };
        const blog = s.instances[W.blog];
        if (blog !== undefined) blog.Tags = { ...blog.Tags, "ops:hibernate-opt-out": "" };
      },
    );
    expect(violations.map((v) => v.message)).toEqual(["stopped, but not opted in", "stopped, but opted out"]);
  });

  it("ignore refused and dry-run stops", () => {
    expect(check([call("StopInstances", { InstanceIds: [W.nvme], Hibernate: true }, "error")])).toEqual([]);
    expect(check([call("StopInstances", { InstanceIds: [W.nvme], Hibernate: true, DryRun: true })])).toEqual(
      [],
    );
  });

  it("find a hibernation neither proven nor reported", () => {
    expect(check([hibernate(W.happy)], [])).toEqual([
      expect.objectContaining({ invariant: "hibernation-proven-or-reported", resource: W.happy }),
    ]);
  });

  it("find alarm writes outside the prefix or on alarms the toolkit does not own", () => {
    const violations = check(
      [
        call("PutMetricAlarm", { AlarmName: "Hibernate-i-0c00000000000001c-idle" }),
        call("DeleteAlarms", { AlarmNames: [`ops-idle-${W.happy}`] }),
      ],
      [],
      DEFAULT_POLICY,
      (s) => {
        const alarm = s.alarms[`ops-idle-${W.happy}`];
        if (alarm !== undefined) alarm.Tags = {};
      },
    );
    expect(violations.map((v) => v.invariant)).toEqual([
      "nothing-outside-configuration",
      "only-owned-alarms-changed",
    ]);
  });

  it("find a disabled alarm that a put re-enabled", () => {
    const name = `ops-idle-${W.happy}`;
    const violations = check([call("PutMetricAlarm", { AlarmName: name })], [], DEFAULT_POLICY, (s) => {
      const alarm = s.alarms[name];
      if (alarm !== undefined) alarm.ActionsEnabled = false;
    });
    expect(violations).toEqual([
      expect.objectContaining({ invariant: "paused-alarm-stays-paused", resource: name }),
    ]);
  });

  it("find a start outside the start policy", () => {
    const start = call("StartInstances", { InstanceIds: [W.longHibernated] });
    expect(check([start])).toEqual([
      expect.objectContaining({ message: "started, but the hibernation-age action is report" }),
    ]);
    expect(check([start], [], policyWith({ hibernationAge: { action: "start" } }))).toEqual([]);
  });
});
