import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AutoScalingInstancesType } from "@aws-sdk/client-auto-scaling";
import { type AccountFixtureInput, parseFixture, SimulatedAccount } from "../../../sim";
import type { ServiceEvent } from "../../../sim/account/state";
import { asg, ROOT } from "./helpers";

/**
 * The eni-reattach account (test/fixtures/accounts/eni-reattach.json) reduced to one serving firewall: OLD
 * running and InService with the three group ENIs at device indexes 1..3, the hooks fw-launch and
 * fw-terminate, no pending action. Timings: pending → running 1 s, attach 0.3 s, detach 0.4 s,
 * shutting-down → terminated 2 s; a launched instance enters Pending:Wait after 0.5 s.
 */
export const OLD = "i-0f1e2d3c4b5a60001";
export const ENIS = ["eni-0e1d2c3b4a5f60001", "eni-0e1d2c3b4a5f60002", "eni-0e1d2c3b4a5f60003"] as const;
export const GROUP = "fw-asg";
export const OUTPOST_SUBNET = "subnet-0f0e0d0c0b0a00011";
export const REGION_SUBNET_B = "subnet-0f0e0d0c0b0a00012";

export type Raw = AccountFixtureInput & Record<string, unknown>;
type GroupInput = NonNullable<AccountFixtureInput["autoScalingGroups"]>[number];
type HookInput = NonNullable<AccountFixtureInput["lifecycleHooks"]>[number];

export function firewallJson(): Raw {
  const raw = JSON.parse(
    readFileSync(join(ROOT, "test", "fixtures", "accounts", "eni-reattach.json"), "utf8"),
  ) as Raw;
  const old = raw.instances?.find((i) => i.id === OLD);
  if (old !== undefined) {
    old.state = "running";
    delete old.stateSince;
  }
  raw.instances = raw.instances?.filter((i) => i.id === OLD);
  raw.lifecycleActions = [];
  const group = groupOf(raw);
  group.instances = [{ instanceId: OLD, lifecycleState: "InService" }];
  return raw;
}

export function groupOf(raw: Raw): GroupInput {
  const group = raw.autoScalingGroups?.find((g) => g.name === GROUP);
  if (group === undefined) throw new Error("no fw-asg in the fixture");
  return group;
}

export function addHook(raw: Raw, hook: Partial<HookInput> & { name: string }): void {
  raw.lifecycleHooks = [
    ...(raw.lifecycleHooks ?? []),
    {
      autoScalingGroupName: GROUP,
      transition: "autoscaling:EC2_INSTANCE_LAUNCHING",
      heartbeatTimeout: 300,
      defaultResult: "ABANDON",
      ...hook,
    },
  ];
}

export function firewall(edit?: (raw: Raw) => void): SimulatedAccount {
  const raw = firewallJson();
  edit?.(raw);
  return SimulatedAccount.fromFixture(parseFixture(raw));
}

export function memberState(a: SimulatedAccount, id: string): string | undefined {
  a.settle();
  return a
    .state()
    .groupOf(id)
    ?.instances.find((m) => m.instanceId === id)?.lifecycleState;
}

export async function describeMember(a: SimulatedAccount, id: string) {
  const out = await asg<AutoScalingInstancesType>(a, "DescribeAutoScalingInstances", { InstanceIds: [id] });
  return out.AutoScalingInstances?.[0];
}

/** Lifecycle events emitted so far: [detail-type, instance, hook, token, origin, destination]. */
export function lifecycleEvents(a: SimulatedAccount): ServiceEvent[] {
  return a.serviceEvents.filter((e) => e.source === "aws.autoscaling");
}

/** Instances of the group other than OLD, in launch order. */
export function launched(a: SimulatedAccount): string[] {
  return [...a.state().instances.values()]
    .filter((i) => i.id !== OLD && i.tags.get("aws:autoscaling:groupName") === GROUP)
    .sort((x, y) => x.launchTime.getTime() - y.launchTime.getTime() || (x.id < y.id ? -1 : 1))
    .map((i) => i.id);
}

export function attachmentOf(a: SimulatedAccount, eni: string): string {
  a.settle();
  const n = a.state().networkInterfaces.get(eni);
  if (n === undefined) return "deleted";
  return n.attachment === undefined ? "available" : `${n.attachment.instanceId}/${n.attachment.status}`;
}
