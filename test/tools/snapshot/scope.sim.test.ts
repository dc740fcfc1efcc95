import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { parseStageConfig } from "../../../functions/config";
import { loadFixture, SimulatedAccount } from "../../../sim/index";
import type { SimServer } from "../../../sim/wire/index";
import { serve, snapshotOf } from "./support";

const DEMO = "events/accounts/demo.json";
const MAIN_VPC = "vpc-0a1b2c3d4e5f60718";

let server: SimServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const demo = async () => {
  const fixture = await loadFixture(DEMO);
  const account = SimulatedAccount.fromFixture(fixture);
  server = await serve(account);
  return { fixture, account };
};

const filtersOf = (input: unknown): { Name?: string; Values?: string[] }[] =>
  (input as { Filters?: { Name?: string; Values?: string[] }[] }).Filters ?? [];

describe("snapshot scope", () => {
  it("--vpc: only that VPC's instances, ENIs, route tables, subnets, asked with a vpc-id filter", async () => {
    const { fixture, account } = await demo();
    const { fixture: snap } = await snapshotOf(account, { vpcIds: [MAIN_VPC] });
    const subnetVpc = new Map(fixture.subnets.map((s) => [s.id, s.vpcId]));
    const expected = fixture.instances
      .filter((i) => subnetVpc.get(i.subnetId) === MAIN_VPC && i.state !== "terminated")
      .map((i) => i.id)
      .sort();
    expect(snap.instances?.map((i) => i.id).sort()).toEqual(expected);
    expect(snap.vpcs?.map((v) => v.id)).toEqual([MAIN_VPC]);
    expect(new Set(snap.subnets?.map((s) => s.vpcId))).toEqual(new Set([MAIN_VPC]));
    expect(new Set(snap.routeTables?.map((t) => t.vpcId))).toEqual(new Set([MAIN_VPC]));
    expect(new Set(snap.networkInterfaces?.map((n) => n.vpcId))).toEqual(new Set([MAIN_VPC]));
    const described = account.calls.filter((c) => c.operation === "DescribeInstances");
    for (const call of described)
      expect(filtersOf(call.input)).toContainEqual({ Name: "vpc-id", Values: [MAIN_VPC] });
  });

  it("--tag: only instances carrying every given tag (and what they reference)", async () => {
    const { fixture, account } = await demo();
    const { fixture: snap } = await snapshotOf(account, { tags: [{ key: "ops:hibernate", value: "idle" }] });
    const tagged = fixture.instances.filter(
      (i) => i.tags["ops:hibernate"] === "idle" && i.state !== "terminated",
    );
    const asgMembers = new Set(
      fixture.autoScalingGroups.flatMap((g) => g.instances.map((m) => m.instanceId)),
    );
    const read = new Set(snap.instances?.map((i) => i.id));
    for (const i of tagged) expect(read.has(i.id)).toBe(true);
    // Beyond the tagged ones: only members of the tagged instances' groups (the group is written whole).
    const extra = [...read].filter((id) => !tagged.some((i) => i.id === id));
    for (const id of extra)
      expect(asgMembers.has(id) || fixture.instances.some((i) => i.id === id && i.autoScalingGroup)).toBe(
        true,
      );
    expect(read.has("i-0123456789abcdef3")).toBe(false); // ops:hibernate=never
    // Membership is never lost to the tag filter: a tagged member's group is read even if it lacks the tag.
    const members = tagged.filter((i) => i.autoScalingGroup !== undefined);
    expect(members.length).toBeGreaterThan(0);
    for (const i of members)
      expect(snap.instances?.find((s) => s.id === i.id)?.autoScalingGroup).toBe(i.autoScalingGroup);
    const subnets = new Set(snap.subnets?.map((s) => s.id));
    for (const i of snap.instances ?? []) expect(subnets.has(i.subnetId)).toBe(true);
    expect(snap.subnets?.length).toBeLessThan(fixture.subnets.length);
  });

  it("--config: only the configured groups, tables, interfaces and alarm prefixes", async () => {
    const { fixture, account } = await demo();
    const config = parseStageConfig(JSON.parse(readFileSync("config/dev.json", "utf8")), "config/dev.json");
    const { fixture: snap } = await snapshotOf(account, { config });
    const groupTag = config.dxFailover.groupTagKey;
    const prefixes = [
      config.idleHibernate.alarmNamePrefix,
      config.dxFailover.alarmNamePrefix,
      config.vfxtIpMove.statusAlarmPrefix,
    ];
    const probeSubnets = new Set(config.dxFailover.probeVpc.subnetIds);
    const configuredTables = new Set([
      ...config.dxFailover.groups.flatMap((g) => g.routeTableIds),
      ...config.vfxtIpMove.clusters.flatMap((c) => c.routeTableIds),
      // The probe subnets' tables (dxFailover.probeVpc): the failover function reads them too.
      ...fixture.routeTables
        .filter((t) => (t.associations ?? []).some((a) => probeSubnets.has(a.subnetId ?? "")))
        .map((t) => t.id),
    ]);
    for (const t of snap.routeTables ?? [])
      expect(groupTag in (t.tags ?? {}) || configuredTables.has(t.id)).toBe(true);
    expect(snap.routeTables?.length).toBeLessThan(fixture.routeTables.length);
    for (const a of snap.alarms ?? [])
      expect(
        prefixes.some((p) => a.name.startsWith(p)) || config.idleHibernate.adoptAlarmNamePatterns.length > 0,
      ).toBe(true);
    const vifs = new Set(config.dxFailover.groups.flatMap((g) => g.virtualInterfaceIds));
    for (const v of snap.virtualInterfaces ?? []) expect(vifs.has(v.id)).toBe(true);
    const alarmCalls = account.calls.filter((c) => c.operation === "DescribeAlarms");
    expect(
      alarmCalls.every((c) => typeof (c.input as { AlarmNamePrefix?: string }).AlarmNamePrefix === "string"),
    ).toBe(true);
  });
});
