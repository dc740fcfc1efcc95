import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DX_FAILOVER_CHECKS } from "../../../tools/doctor/checks/dx-failover/index";
import { IDLE_HIBERNATE_CHECKS } from "../../../tools/doctor/checks/idle-hibernate/index";
import { runCli } from "../../../tools/doctor/cli";
import type { Finding } from "../../../tools/doctor/types";
import { demoConfig, demoFixture, doctorOn, errorsIn, type Fixture, findingsOf } from "./support";

/**
 * Review of `npm run doctor` (issue 13, /work/notes/review-doctor.md): each finding is a scenario the
 * doctor passes (or reports in a way an operator cannot act on) while the capability would fail in a
 * real account. Derived from the demo account (events/accounts/demo.json) with config/dev.json.
 */

type Config = ReturnType<typeof demoConfig>;

const PROBE_TABLE = "rtb-0d0f0000000000c09";
const CORE_TABLE = "rtb-0d0f0000000000c05";
const APPLIANCE_ENI = "eni-0d0f00000000000a1";

const regionCore = (c: Config) =>
  c.dxFailover.groups.find((g) => g.name === "region-core") as Record<string, unknown> & {
    probe: { directConnect: string[]; vpn: string[] };
  };

const tableOf = (f: Fixture, id: string) => {
  const table = f.routeTables.find((t) => t.id === id);
  if (table === undefined) throw new Error(`no table ${id}`);
  table.routes ??= [];
  return table as typeof table & { routes: NonNullable<typeof table.routes> };
};

const dxFindings = async (
  check: string,
  edit: { fixture?: (f: Fixture) => void; config?: (c: Config) => void },
): Promise<Finding[]> => {
  const fixture = demoFixture();
  const config = demoConfig();
  edit.fixture?.(fixture);
  edit.config?.(config);
  const checks = DX_FAILOVER_CHECKS.filter((c) => c.id === check);
  expect(checks).toHaveLength(1);
  return findingsOf(await doctorOn(fixture, config, checks), check);
};

describe("review: dx-failover probe placement judged by the probe table's effective routes", () => {
  it("review: a static route in the probe table that sends the DX probe target to the appliance (the probe measures the VPN as 'DX') is reported", async () => {
    const findings = await dxFindings("dx-failover/probe-placement", {
      config: (c) => {
        regionCore(c).probe.directConnect = ["10.102.0.10:443"];
      },
      fixture: (f) => {
        tableOf(f, PROBE_TABLE).routes.push({
          destinationCidrBlock: "10.102.0.0/16",
          target: APPLIANCE_ENI,
        });
      },
    });
    const named = findings.filter((f) => f.severity === "error" && f.message.includes("10.102.0.10"));
    expect(named, JSON.stringify(findings, null, 1)).toHaveLength(1);
  });

  it("review: a DX probe target that no propagated route of the probe table carries (the probe always fails: false failovers) is reported", async () => {
    const findings = await dxFindings("dx-failover/probe-placement", {
      config: (c) => {
        regionCore(c).probe.directConnect = ["10.150.0.10:443"];
      },
    });
    const named = findings.filter((f) => f.severity === "error" && f.message.includes("10.150.0.10"));
    expect(named, JSON.stringify(findings, null, 1)).toHaveLength(1);
  });

  it("review: a VPN probe target whose effective route in the probe table is the propagated DX route (the 'VPN' answers only while DX is up: no trigger on a DX loss) is reported", async () => {
    const findings = await dxFindings("dx-failover/probe-placement", {
      config: (c) => {
        regionCore(c).probe.vpn = ["10.102.0.20:443"];
      },
    });
    const named = findings.filter((f) => f.severity === "error" && f.message.includes("10.102.0.20"));
    expect(named, JSON.stringify(findings, null, 1)).toHaveLength(1);
  });
});

describe("review: dx-failover route headroom against the account's quota", () => {
  it("review: route headroom trusts dxFailover.routesPerTable: a table full at the account's 50 passes with routesPerTable 1000", async () => {
    const findings = await dxFindings("dx-failover/route-headroom", {
      config: (c) => {
        c.dxFailover.routesPerTable = 1000;
      },
      fixture: (f) => {
        f.behaviour.routesPerTable = 50;
        const routes = tableOf(f, CORE_TABLE).routes;
        for (let i = 0; i < 50; i += 1)
          routes.push({ destinationCidrBlock: `172.16.${i}.0/24`, target: APPLIANCE_ENI });
      },
    });
    // CreateRoute of the failover's 10.102.0.0/16 would answer RouteLimitExceeded in this account.
    expect(
      findings.filter((f) => f.resource === CORE_TABLE),
      JSON.stringify(findings, null, 1),
    ).not.toEqual([]);
  });
});

describe("review: dx-failover route headroom as AWS counts it", () => {
  it("review: a prefix-list route counts its MaxEntries against the routes-per-table quota, not its current entries", async () => {
    const findings = await dxFindings("dx-failover/route-headroom", {
      fixture: (f) => {
        f.managedPrefixLists.push({
          id: "pl-0d0f0000000000c05",
          name: "partners",
          addressFamily: "IPv4",
          maxEntries: 40,
          entries: [{ cidr: "192.168.10.0/24" }, { cidr: "192.168.11.0/24" }],
        });
        const routes = tableOf(f, CORE_TABLE).routes;
        routes.push({ destinationPrefixListId: "pl-0d0f0000000000c05", target: APPLIANCE_ENI });
        for (let i = 0; i < 10; i += 1)
          routes.push({ destinationCidrBlock: `172.16.${i}.0/24`, target: APPLIANCE_ENI });
      },
    });
    // 40 (the list's MaxEntries) + 10 + the failover's 10.102.0.0/16 = 51 > 50: RouteLimitExceeded.
    expect(
      findings.filter((f) => f.resource === CORE_TABLE && f.severity === "error"),
      JSON.stringify(findings, null, 1),
    ).toHaveLength(1);
  });

  it("review: two groups on the same virtual interfaces sharing one table are judged together (they fail over at once)", async () => {
    const findings = await dxFindings("dx-failover/route-headroom", {
      fixture: (f) => {
        const table = tableOf(f, CORE_TABLE);
        table.tags = { ...table.tags, "ops:failover-group": "region-core lz-prod" };
        for (let i = 0; i < 48; i += 1)
          table.routes.push({ destinationCidrBlock: `172.16.${i}.0/24`, target: APPLIANCE_ENI });
      },
    });
    // lz-prod (2 CIDRs) and region-core (1) share dxvif-fgdx0001/2: one DX loss adds 3 routes, 48 + 3 > 50.
    expect(
      findings.filter((f) => f.resource === CORE_TABLE && f.severity === "error"),
      JSON.stringify(findings, null, 1),
    ).not.toEqual([]);
  });
});

describe("review: dx-failover tables the operator listed", () => {
  it("review: a table listed in routeTableIds that does not carry the group tag (never failed over) is reported", async () => {
    const listed = "rtb-0d0f0000000000c01";
    const findings = await dxFindings("dx-failover/group-tables", {
      config: (c) => {
        regionCore(c).routeTableIds = [CORE_TABLE, listed];
      },
    });
    expect(
      findings.filter((f) => f.resource?.includes(listed)),
      JSON.stringify(findings, null, 1),
    ).toHaveLength(1);
  });
});

describe("review: idle-hibernate hibernation prerequisites per platform", () => {
  const WINDOWS = "i-0123456789abcdeaa";

  it("review: a Windows instance with 32 GiB of RAM is not flagged (Windows hibernation: up to 16 GB of RAM)", async () => {
    const fixture = demoFixture();
    fixture.instanceTypes.push({
      name: "m5.2xlarge",
      vcpus: 8,
      memoryMiB: 32768,
      hibernationSupported: true,
      maximumNetworkInterfaces: 4,
      ipv4AddressesPerInterface: 15,
    });
    fixture.instances.push({
      id: WINDOWS,
      instanceType: "m5.2xlarge",
      state: "running",
      launchTime: "2019-09-30T08:00:00.000Z",
      subnetId: "subnet-0a1b2c3d4e5f60101",
      privateIpAddress: "10.0.1.77",
      platform: "windows",
      hibernationConfigured: false,
      tags: { Name: "win-build", "ops:hibernate": "idle" },
      rootVolume: { sizeGiB: 100, encrypted: true },
    });
    const checks = IDLE_HIBERNATE_CHECKS.filter((c) => c.id === "idle-hibernate/instance-type");
    const findings = findingsOf(
      await doctorOn(fixture, demoConfig(), checks),
      "idle-hibernate/instance-type",
    );
    const flagged = findings.filter((f) => f.resource === WINDOWS);
    expect(flagged, JSON.stringify(findings, null, 1)).toHaveLength(1);
    expect(flagged[0]?.message).toContain("16");
  });
});

describe("review: idle-hibernate stop protection", () => {
  it("review: an opted-in instance with stop protection (disableApiStop: StopInstances answers OperationNotPermitted) is reported", async () => {
    const fixture = demoFixture();
    const runner = fixture.instances.find((i) => i.id === "i-0123456789abcdef0");
    if (runner === undefined) throw new Error("no build-runner-01 in the demo");
    runner.disableApiStop = true;
    const findings = await doctorOn(fixture, demoConfig(), IDLE_HIBERNATE_CHECKS);
    const named = findings.filter(
      (f) => f.resource === runner.id && /stop protection|disableApiStop/i.test(f.message),
    );
    expect(named, JSON.stringify(findings, null, 1)).toHaveLength(1);
  });
});

describe("review: the doctor's own limits (a denied or throttled read) are not a readiness verdict", () => {
  const deniedRouteTables = (f: Fixture) => {
    f.faults.push({
      service: "ec2",
      operation: "DescribeRouteTables",
      error: { code: "UnauthorizedOperation", httpStatus: 403 },
    });
  };

  it("review: one denied DescribeRouteTables is reported once, not once per dx-failover check", async () => {
    const fixture = demoFixture();
    deniedRouteTables(fixture);
    const findings = await doctorOn(fixture, demoConfig(), DX_FAILOVER_CHECKS);
    const denied = errorsIn(findings).filter((f) => f.message.includes("ec2:DescribeRouteTables"));
    expect(
      denied.map((f) => f.check),
      JSON.stringify(findings, null, 1),
    ).toHaveLength(1);
  });

  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("review: a run whose checks could not read the account ends INCOMPLETE with its own exit code (3), not NOT READY (1)", async () => {
    const fixture = demoFixture();
    deniedRouteTables(fixture);
    dir = mkdtempSync(join(tmpdir(), "review-doctor-"));
    const path = join(dir, "account.json");
    writeFileSync(path, JSON.stringify(fixture));
    let out = "";
    const code = await runCli(["--account", path, "--capability", "dx-failover"], {
      out: (text) => {
        out += text;
      },
      err: () => undefined,
      env: {},
    });
    expect(out).not.toContain("NOT READY");
    expect(out).toContain("INCOMPLETE");
    expect(code).toBe(3);
  });
});
