import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type AccountFixtureInput,
  FixtureError,
  fixtureJsonSchema,
  loadFixture,
  parseFixture,
  SimulatedAccount,
} from "../../../sim";
import { DEMO, DEMO_PATH, demoJson, ROOT } from "./helpers";

function minimal(extra: Partial<AccountFixtureInput> = {}): AccountFixtureInput {
  return {
    accountId: "111122223333",
    region: "eu-west-1",
    clock: { start: "2024-05-01T10:00:00.000Z" },
    vpcs: [{ id: "vpc-0123456789abcdef0", cidrBlock: "10.1.0.0/16" }],
    subnets: [
      {
        id: "subnet-0123456789abcdef0",
        vpcId: "vpc-0123456789abcdef0",
        availabilityZone: "eu-west-1a",
        cidrBlock: "10.1.1.0/24",
      },
    ],
    instances: [
      {
        id: "i-0123456789abcdef0",
        instanceType: "t3.micro",
        launchTime: "2024-04-30T10:00:00.000Z",
        subnetId: "subnet-0123456789abcdef0",
        privateIpAddress: "10.1.1.10",
      },
    ],
    ...extra,
  };
}

function issuesOf(json: unknown): string[] {
  try {
    parseFixture(json, "test");
  } catch (error) {
    expect(error).toBeInstanceOf(FixtureError);
    return (error as FixtureError).issues;
  }
  throw new Error("expected the fixture to be rejected");
}

describe("account fixture", () => {
  it("parses the demo account, applying defaults", async () => {
    const fixture = await loadFixture(DEMO_PATH);
    expect(fixture.accountId).toBe("123456789012");
    expect(fixture.region).toBe("us-east-1");
    expect(fixture.clock.mode).toBe("manual");
    expect(fixture.instances.map((i) => i.id)).toContain(DEMO.happy);
    const happy = fixture.instances.find((i) => i.id === DEMO.happy);
    expect(happy?.disableApiStop).toBe(false);
    expect(happy?.tags["ops:hibernate"]).toBe("idle");
    expect(fixture.faults).toEqual([]);
  });

  it("parses the Lambda alarm-action sample account", async () => {
    const fixture = await loadFixture(join(ROOT, "events", "accounts", "lambda-action-sample.json"));
    expect(fixture.accountId).toBe("444455556666");
    expect(fixture.instances[0]?.id).toBe("i-12345678");
    expect(fixture.alarms[0]?.name).toBe("lambda-demo-metric-alarm");
  });

  it("applies defaults for a minimal fixture (behaviour, collections, state)", () => {
    const f = parseFixture(minimal());
    expect(f.behaviour).toEqual({
      pendingToRunningMs: 15_000,
      stoppingToStoppedMs: 30_000,
      hibernatingToStoppedMs: 60_000,
      forcedStopMs: 5_000,
      shuttingDownToTerminatedMs: 45_000,
      eniAttachMs: 3_000,
      eniDetachMs: 5_000,
      routesPerTable: 50,
      emfExtractionDelayMs: 0,
      privateIpRemapMs: 2_000,
      failedHibernationToStoppedMs: 180_000,
      hibernateMinUptimeMs: 120_000,
      statusInitializingMs: 120_000,
      addressInUseCode: "PrivateIpAddressInUse",
      autoAssignOrder: "lowest",
      prefixReservationAssignment: "refuse",
      pendingProceedMs: 2_000,
      lifecycleHookOrder: "concurrent",
      healthChecks: "off",
      healthCheckIntervalMs: 60_000,
      relaunchDelayMs: 10_000,
      launchRetryInitialMs: 10_000,
      launchRetryMaxMs: 300_000,
      instanceRefreshTimeoutMs: 3_600_000,
      rootVolumeReplaceMs: 60_000,
      lifecycleEventOriginDestination: "always",
      impairedDetach: "hang",
    });
    expect(f.routeTables).toEqual([]);
    expect(f.instances[0]?.state).toBe("running");
    expect(f.instances[0]?.hibernationConfigured).toBe(false);
  });

  it("lists every shape issue with its path, including misspelt fields", () => {
    const issues = issuesOf({
      ...minimal(),
      accountId: "12345",
      region: "mars",
      instances: [
        {
          id: "i-XYZ",
          instanceType: "t3.micro",
          launchTime: "yesterday",
          subnetId: "subnet-0123456789abcdef0",
          privateIpAddress: "10.1.1.300",
          hibernate: true,
        },
      ],
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^accountId: .*12 digits/),
        expect.stringMatching(/^region: /),
        expect.stringMatching(/^instances\.0\.id: must look like i-0123456789abcdef0/),
        expect.stringMatching(/^instances\.0\.launchTime: /),
        expect.stringMatching(/^instances\.0\.privateIpAddress: /),
        expect.stringMatching(/^instances\.0: Unrecognized key.*hibernate/),
      ]),
    );
  });

  it("checks references between resources", () => {
    const base = minimal();
    const issues = issuesOf({
      ...base,
      subnets: [
        ...(base.subnets ?? []),
        {
          id: "subnet-0123456789abcdef1",
          vpcId: "vpc-0fffffffffffffff0",
          availabilityZone: "eu-west-1b",
          cidrBlock: "10.9.0.0/24",
        },
      ],
      instances: [
        {
          id: "i-0123456789abcdef0",
          instanceType: "m5.metal",
          launchTime: "2024-04-30T10:00:00.000Z",
          subnetId: "subnet-0123456789abcdef0",
          privateIpAddress: "10.1.2.10",
          hibernationConfigured: true,
          autoScalingGroup: "nope",
        },
        {
          id: "i-0123456789abcdef0",
          instanceType: "x9.huge",
          launchTime: "2030-01-01T00:00:00.000Z",
          subnetId: "subnet-0aaaaaaaaaaaaaaa0",
          privateIpAddress: "10.1.1.11",
        },
      ],
      routeTables: [
        {
          id: "rtb-0123456789abcdef0",
          vpcId: "vpc-0123456789abcdef0",
          routes: [
            {
              destinationCidrBlock: "192.168.0.0/16",
              target: "vgw-0123456789abcdef0",
              origin: "EnableVgwRoutePropagation",
            },
          ],
        },
      ],
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        "subnets.1.vpcId: unknown VPC vpc-0fffffffffffffff0",
        "instances.0.privateIpAddress: 10.1.2.10 is not inside subnet subnet-0123456789abcdef0 (10.1.1.0/24)",
        "instances.0.hibernationConfigured: instance type m5.metal does not support hibernation",
        "instances.0.autoScalingGroup: unknown Auto Scaling group nope",
        expect.stringMatching(/^instances\.1\.id: duplicate id i-0123456789abcdef0/),
        expect.stringMatching(/^instances\.1\.instanceType: unknown instance type x9\.huge/),
        "instances.1.subnetId: unknown subnet subnet-0aaaaaaaaaaaaaaa0",
        "instances.1.launchTime: is after the clock start",
        "routeTables.0.routes.0.target: vgw-0123456789abcdef0 is not in propagatingVgws",
      ]),
    );
  });

  it("rejects ENI attachments that break AWS rules (zone, device index, ENI limit)", () => {
    const base = minimal();
    const issues = issuesOf({
      ...base,
      subnets: [
        ...(base.subnets ?? []),
        {
          id: "subnet-0123456789abcdef1",
          vpcId: "vpc-0123456789abcdef0",
          availabilityZone: "eu-west-1b",
          cidrBlock: "10.1.2.0/24",
        },
      ],
      networkInterfaces: [
        {
          id: "eni-0123456789abcdef1",
          subnetId: "subnet-0123456789abcdef1",
          privateIpAddress: "10.1.2.5",
          attachment: { instanceId: "i-0123456789abcdef0", deviceIndex: 1 },
        },
        {
          id: "eni-0123456789abcdef2",
          subnetId: "subnet-0123456789abcdef0",
          privateIpAddress: "10.1.1.20",
          attachment: { instanceId: "i-0123456789abcdef0", deviceIndex: 0 },
        },
        {
          id: "eni-0123456789abcdef3",
          subnetId: "subnet-0123456789abcdef0",
          privateIpAddress: "10.1.1.21",
          attachment: { instanceId: "i-0123456789abcdef0", deviceIndex: 2 },
        },
        {
          id: "eni-0123456789abcdef4",
          subnetId: "subnet-0123456789abcdef0",
          privateIpAddress: "10.1.1.22",
          attachment: { instanceId: "i-0123456789abcdef0", deviceIndex: 3 },
        },
      ],
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^networkInterfaces\.0\.attachment: ENI in eu-west-1b cannot be attached to i-0123456789abcdef0 in eu-west-1a/,
        ),
        expect.stringMatching(/^networkInterfaces\.3\.attachment: t3\.micro allows 2 ENIs on network card 0/),
      ]),
    );
  });

  it("reports unreadable files and invalid JSON as FixtureError", async () => {
    const path = join(tmpdir(), `fixture-${process.pid}.json`);
    writeFileSync(path, "{ not json");
    await expect(loadFixture(path)).rejects.toThrow(/not valid JSON/);
    await expect(loadFixture(join(tmpdir(), "does-not-exist.json"))).rejects.toThrow(FixtureError);
  });

  it("keeps docs/schema/account-fixture.schema.json in sync with the zod schema", () => {
    const committed = JSON.parse(
      readFileSync(join(ROOT, "docs", "schema", "account-fixture.schema.json"), "utf8"),
    ) as Record<string, unknown>;
    const { $id: _id, title: _title, description: _description, ...rest } = committed;
    expect(rest).toEqual(fixtureJsonSchema());
    const properties = committed.properties as Record<string, unknown>;
    expect(Object.keys(properties)).toEqual(
      expect.arrayContaining(["instances", "routeTables", "alarms", "behaviour", "faults"]),
    );
  });

  it("builds an account whose state reflects the fixture", () => {
    const json = demoJson();
    const account = SimulatedAccount.fromFixture(parseFixture(json));
    const snap = account.snapshot();
    expect(snap.instances[DEMO.asgMember]?.Tags["aws:autoscaling:groupName"]).toBe("web-asg");
    expect(snap.instances[DEMO.stopped]?.State).toBe("stopped");
    expect(snap.networkInterfaces[DEMO.routerEni]?.SourceDestCheck).toBe(false);
  });
});
