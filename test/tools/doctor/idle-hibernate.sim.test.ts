/**
 * The idle-hibernate checks: a clean bill on the demo account, and for each check a fixture derived from
 * the demo built to fail it (one instance changed), with the finding asserted.
 */
import { describe, expect, it } from "vitest";
import { IDLE_HIBERNATE_CHECKS } from "../../../tools/doctor/checks/idle-hibernate/index";
import { alarmOf, type Fixture, instanceOf, setTag } from "../../support/fixtures";
import { demoConfig, demoFixture, doctorOn, errorsIn, findingsOf } from "./support";

const RUNNER = "i-0123456789abcdef0";

const findingsOn = (fixture: Fixture, config = demoConfig()) =>
  doctorOn(fixture, config, IDLE_HIBERNATE_CHECKS);

const demoWith = (change: (fixture: Fixture) => void): Fixture => {
  const fixture = demoFixture();
  change(fixture);
  return fixture;
};

describe("idle-hibernate checks on the demo account", () => {
  it("find no error: every configured opted-in instance meets the hibernation prerequisites", async () => {
    const findings = await findingsOn(demoFixture());
    expect(errorsIn(findings)).toEqual([]);
    // What the demo shows on purpose: an instance without hibernation, an ASG and an EMR member, a paused alarm.
    expect(findingsOf(findings, "idle-hibernate/hibernation-configured").map((f) => f.resource)).toEqual([
      "i-0123456789abcdef1",
    ]);
    expect(findingsOf(findings, "idle-hibernate/fleet-members").map((f) => f.resource)).toEqual([
      "i-0123456789abcdef2",
      "i-0123456789abcdef9",
    ]);
  });
});

describe("idle-hibernate checks on fixtures built to fail them", () => {
  it("an opted-in instance launched without hibernation: a warning, with the relaunch as the fix", async () => {
    const fixture = demoWith((f) => {
      instanceOf(f, RUNNER).hibernationConfigured = false;
      delete instanceOf(f, RUNNER).rootVolume;
    });
    const [finding] = findingsOf(await findingsOn(fixture), "idle-hibernate/hibernation-configured").filter(
      (f) => f.resource === RUNNER,
    );
    expect(finding).toMatchObject({ severity: "warning", capability: "idle-hibernate" });
    expect(finding?.message).toContain("never hibernated");
    expect(finding?.fix).toContain("Configured=true");
    expect(finding?.source).toContain("enabling-hibernation");
  });

  it("under notConfiguredFallback stop, the warning says its memory is lost", async () => {
    const config = demoConfig();
    config.idleHibernate.notConfiguredFallback = "stop";
    const fixture = demoWith((f) => {
      instanceOf(f, RUNNER).hibernationConfigured = false;
    });
    const [finding] = findingsOf(
      await findingsOn(fixture, config),
      "idle-hibernate/hibernation-configured",
    ).filter((f) => f.resource === RUNNER);
    expect(finding?.message).toContain("stopped plainly");
  });

  it("an instance store root, and a type with instance store volumes: warnings", async () => {
    const fixture = demoWith((f) => {
      const runner = instanceOf(f, RUNNER);
      runner.instanceType = "m3.medium";
      runner.rootDeviceType = "instance-store";
      runner.hibernationConfigured = false;
      delete runner.rootVolume;
    });
    const findings = findingsOf(await findingsOn(fixture), "idle-hibernate/instance-store");
    expect(findings.find((f) => f.resource === RUNNER)).toMatchObject({
      severity: "warning",
      message: expect.stringContaining("root device is an instance store volume"),
    });
    expect(findings.find((f) => f.resource === "i-0123456789abcdef8")?.message).toContain("m5d.large");
  });

  it("a type that does not support hibernation (bare metal): a warning on an instance to relaunch", async () => {
    const fixture = demoWith((f) => {
      const runner = instanceOf(f, RUNNER);
      runner.instanceType = "m5.metal";
      runner.hibernationConfigured = false;
      runner.rootVolume = { sizeGiB: 500, encrypted: true };
    });
    const [finding] = findingsOf(await findingsOn(fixture), "idle-hibernate/instance-type");
    expect(finding).toMatchObject({ severity: "warning", resource: RUNNER });
    expect(finding?.message).toContain("m5.metal");
    expect(finding?.fix).toContain("hibernation-supported");
  });

  it("an unencrypted root volume on an instance to relaunch: a warning", async () => {
    const fixture = demoWith((f) => {
      instanceOf(f, RUNNER).hibernationConfigured = false;
      instanceOf(f, RUNNER).rootVolume = { sizeGiB: 30, encrypted: false };
    });
    const [finding] = findingsOf(await findingsOn(fixture), "idle-hibernate/root-volume-encrypted").filter(
      (f) => f.resource === RUNNER,
    );
    expect(finding).toMatchObject({ severity: "warning" });
    expect(finding?.fix).toContain("encryption");
  });

  it("a configured instance whose root volume cannot hold its RAM: an error naming the volume", async () => {
    const fixture = demoWith((f) => {
      instanceOf(f, RUNNER).rootVolume = { sizeGiB: 8 };
    });
    const findings = await findingsOn(fixture);
    const [finding] = errorsIn(findings);
    expect(errorsIn(findings)).toHaveLength(1);
    expect(finding).toMatchObject({ check: "idle-hibernate/root-volume-size", resource: RUNNER });
    expect(finding?.message).toContain("8 GiB of RAM");
    expect(finding?.fix).toMatch(/aws ec2 modify-volume --volume-id vol-/);
  });

  it("a root volume type hibernation does not support: an error", async () => {
    const fixture = demoWith((f) => {
      instanceOf(f, RUNNER).rootVolume = { sizeGiB: 500, volumeType: "st1" };
    });
    const [finding] = errorsIn(await findingsOn(fixture));
    expect(finding).toMatchObject({ check: "idle-hibernate/root-volume-size", resource: RUNNER });
    expect(finding?.message).toContain("st1");
  });

  it("an opted-in member of an ECS cluster: a warning naming the fleet tag", async () => {
    const fixture = demoWith((f) => setTag(instanceOf(f, RUNNER), "AmazonECSManaged", ""));
    const [finding] = findingsOf(await findingsOn(fixture), "idle-hibernate/fleet-members").filter(
      (f) => f.resource === RUNNER,
    );
    expect(finding).toMatchObject({
      severity: "warning",
      message: expect.stringContaining("AmazonECSManaged"),
    });
    expect(finding?.fix).toContain("ops:hibernate");
  });
});

describe("idle-hibernate/idle-alarm", () => {
  const alarmFindings = async (fixture: Fixture, config = demoConfig()) =>
    findingsOf(await findingsOn(fixture, config), "idle-hibernate/idle-alarm").filter(
      (f) => f.resource === RUNNER,
    );

  it("no idle alarm: a warning (idle-alarms creates it)", async () => {
    const fixture = demoWith((f) => {
      f.alarms = f.alarms.filter((a) => a.name !== `ops-idle-${RUNNER}`);
    });
    const [finding] = await alarmFindings(fixture);
    expect(finding).toMatchObject({ severity: "warning", message: expect.stringContaining("no idle alarm") });
    expect(finding?.fix).toContain("idleAlarms");
  });

  it("an alarm under the prefix without the toolkit's tag: an error (never acted on)", async () => {
    const fixture = demoWith((f) => {
      alarmOf(f, `ops-idle-${RUNNER}`).tags = {};
    });
    const [finding] = await alarmFindings(fixture);
    expect(finding).toMatchObject({ severity: "error", message: expect.stringContaining("ops:managed-by") });
  });

  it("an alarm that is not an idle alarm (CPU above): an error", async () => {
    const fixture = demoWith((f) => {
      alarmOf(f, `ops-idle-${RUNNER}`).comparisonOperator = "GreaterThanThreshold";
    });
    const [finding] = await alarmFindings(fixture);
    expect(finding).toMatchObject({
      severity: "error",
      message: expect.stringContaining("not shaped as an idle alarm"),
    });
  });

  it("actions disabled: a warning (paused); configured actions missing: a warning", async () => {
    const config = demoConfig();
    const topic = "arn:aws:sns:us-east-1:123456789012:idle";
    (config.idleHibernate.alarm as { alarmActions: string[] }).alarmActions = [topic];
    const fixture = demoWith((f) => {
      alarmOf(f, `ops-idle-${RUNNER}`).actionsEnabled = false;
    });
    const findings = await alarmFindings(fixture, config);
    expect(findings.map((f) => f.severity)).toEqual(["warning", "warning"]);
    expect(findings[0]?.fix).toContain("enable-alarm-actions");
    expect(findings[1]?.message).toContain(topic);
  });
});

describe("idle-hibernate reads denied", () => {
  it("DescribeVolumes denied: one error naming ec2:DescribeVolumes, the checks sharing the read point at it", async () => {
    const findings = await doctorOn(demoFixture(), demoConfig(), IDLE_HIBERNATE_CHECKS, {
      prepare: (account) =>
        account.faults.add({
          service: "ec2",
          operation: "DescribeVolumes",
          error: { code: "UnauthorizedOperation", httpStatus: 403 },
        }),
    });
    const [denied, ...others] = findings;
    expect(errorsIn(findings)).toEqual([denied]);
    expect(denied).toMatchObject({
      unchecked: true,
      message: expect.stringContaining("ec2:DescribeVolumes"),
    });
    // Every other check needed the same read: each says so once, as unchecked information.
    expect(others).toHaveLength(IDLE_HIBERNATE_CHECKS.length - 1);
    expect(others.every((f) => f.severity === "info" && f.unchecked === true)).toBe(true);
  });
});
