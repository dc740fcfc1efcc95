/**
 * The dx-failover checks: a clean bill on the demo account (config/dev.json), and for each check a fixture
 * or configuration derived from the demo built to fail it, with the finding asserted.
 */
import { describe, expect, it } from "vitest";
import { DX_FAILOVER_CHECKS } from "../../../tools/doctor/checks/dx-failover/index";
import type { Finding } from "../../../tools/doctor/types";
import { type Fixture, instanceOf } from "../../support/fixtures";
import { demoConfig, demoFixture, doctorOn, errorsIn, findingsOf } from "./support";

const PROBE_TABLE = "rtb-0d0f0000000000c09";
const PROD_A = "rtb-0d0f0000000000c01";
const CORE = "rtb-0d0f0000000000c05";
const VGW = "vgw-0d0f0000000000a00";
const APPLIANCE = "i-0d0f00000000000a1";

type Config = ReturnType<typeof demoConfig>;

const run = (fixture: Fixture = demoFixture(), config: Config = demoConfig()) =>
  doctorOn(fixture, config, DX_FAILOVER_CHECKS);

const demoWith = (change: (fixture: Fixture) => void): Fixture => {
  const fixture = demoFixture();
  change(fixture);
  return fixture;
};

const tableOf = (fixture: Fixture, id: string) => {
  const table = fixture.routeTables.find((t) => t.id === id);
  if (table === undefined) throw new Error(`no table ${id}`);
  return table;
};

const configWith = (change: (config: Config) => void): Config => {
  const config = demoConfig();
  change(config);
  return config;
};

/** Without the demo's loopback probe-target warnings (asserted once, on the demo itself). */
const beyondLoopback = (findings: readonly Finding[]) =>
  findings.filter((f) => !f.message.includes("loopback"));

const probeVpc = (config: Config) => config.dxFailover.probeVpc as Record<string, unknown>;

describe("dx-failover checks on the demo account", () => {
  it("find no error: probes placed and reaching EventBridge, tables ready, appliances ready", async () => {
    // The demo's probe targets are loopback addresses (the demo runs its probes on this machine): said once each.
    expect((await run()).map((f) => [f.severity, f.check, f.message.split(" is ")[0]])).toEqual([
      ["warning", "dx-failover/probe-placement", "Direct Connect probe target 127.0.0.1:5321"],
      ["warning", "dx-failover/probe-placement", "VPN probe target 127.0.0.1:5322"],
    ]);
  });
});

describe("dx-failover/probe-placement", () => {
  it("a Lambda-probed group without probe subnets: an error", async () => {
    const findings = await run(
      demoFixture(),
      configWith((c) => (probeVpc(c).subnetIds = [])),
    );
    expect(findingsOf(findings, "dx-failover/probe-placement")).toMatchObject([
      { severity: "error", resource: "region-core", message: expect.stringContaining("outside any VPC") },
    ]);
  });

  it("a probe subnet in another VPC: an error", async () => {
    const config = configWith((c) => (probeVpc(c).subnetIds = ["subnet-0d0f0000000000e01"]));
    const [finding] = findingsOf(await run(demoFixture(), config), "dx-failover/probe-placement");
    expect(finding).toMatchObject({ severity: "error", resource: "region-core subnet-0d0f0000000000e01" });
    expect(finding?.message).toContain("not in the group's VPC");
  });

  it("a probe subnet in a Local Zone: an error (Lambda does not run there)", async () => {
    const fixture = demoWith((f) => {
      const subnet = f.subnets.find((x) => x.id === "subnet-0d0f0000000000b09");
      if (subnet) subnet.availabilityZone = "us-east-1-bos-1a";
    });
    const [finding] = findingsOf(await run(fixture), "dx-failover/probe-placement");
    expect(finding).toMatchObject({ severity: "error", resource: "region-core subnet-0d0f0000000000b09" });
    expect(finding?.message).toContain("Local Zone");
  });

  it("a probe table without propagation from the group's gateway: an error", async () => {
    const fixture = demoWith((f) => (tableOf(f, PROBE_TABLE).propagatingVgws = []));
    const [finding] = findingsOf(await run(fixture), "dx-failover/probe-placement");
    expect(finding).toMatchObject({ severity: "error", message: expect.stringContaining(VGW) });
  });

  it("a probe table carrying the group tag: a warning (left out of the group)", async () => {
    const fixture = demoWith((f) => {
      tableOf(f, PROBE_TABLE).tags = { ...tableOf(f, PROBE_TABLE).tags, "ops:failover-group": "region-core" };
    });
    const findings = beyondLoopback(findingsOf(await run(fixture), "dx-failover/probe-placement"));
    expect(findings).toMatchObject([{ severity: "warning", resource: `region-core ${PROBE_TABLE}` }]);
  });

  it("agent-probed groups without agentRoleArns: an error per group", async () => {
    const findings = await run(
      demoFixture(),
      configWith((c) => (c.dxFailover.agentRoleArns = [])),
    );
    expect(
      beyondLoopback(findingsOf(findings, "dx-failover/probe-placement")).map((f) => [
        f.severity,
        f.resource,
      ]),
    ).toEqual([
      ["error", "lz-prod"],
      ["error", "lz-edge"],
    ]);
  });
});

describe("dx-failover/probe-placement: where the probe targets go from the probe table", () => {
  it("a DX target carried by the propagated route and a VPN target routed to the appliance: nothing to say", async () => {
    const config = configWith((c) => {
      const core = c.dxFailover.groups.find((g) => g.name === "region-core") as {
        probe: Record<string, string[]>;
      };
      core.probe.directConnect = ["10.102.0.10:443"];
      core.probe.vpn = ["10.250.9.1:443"];
    });
    const fixture = demoWith((f) => {
      tableOf(f, PROBE_TABLE).routes?.push({
        destinationCidrBlock: "10.250.9.0/24",
        target: "eni-0d0f00000000000a1",
      });
    });
    expect(findingsOf(await run(fixture, config), "dx-failover/probe-placement")).toEqual([]);
  });

  it("a VPN target inside the VPC (local route): a warning, the tunnel is not judged", async () => {
    const config = configWith((c) => {
      const core = c.dxFailover.groups.find((g) => g.name === "region-core") as {
        probe: Record<string, string[]>;
      };
      core.probe.vpn = ["10.60.5.10:443"];
    });
    const findings = beyondLoopback(
      findingsOf(await run(demoFixture(), config), "dx-failover/probe-placement"),
    );
    expect(findings).toMatchObject([
      { severity: "warning", message: expect.stringContaining("10.60.5.10:443") },
    ]);
  });
});

describe("dx-failover/probe-reachability", () => {
  const reach = async (fixture: Fixture, config?: Config) =>
    findingsOf(await run(fixture, config), "dx-failover/probe-reachability");

  it("no default route from the probe subnet: an error", async () => {
    const fixture = demoWith((f) => (tableOf(f, PROBE_TABLE).routes = []));
    expect(await reach(fixture)).toMatchObject([{ severity: "error", resource: "subnet-0d0f0000000000b09" }]);
  });

  it("a default route to an internet gateway: an error (Lambda's ENIs get no public IP)", async () => {
    const fixture = demoWith((f) => {
      tableOf(f, PROBE_TABLE).routes = [
        { destinationCidrBlock: "0.0.0.0/0", target: "igw-0d0f0000000000a00" },
      ];
    });
    const [finding] = await reach(fixture);
    expect(finding).toMatchObject({ severity: "error", message: expect.stringContaining("no public IP") });
    expect(finding?.fix).toContain("NAT gateway");
  });

  it("endpoints without probeVpc.vpcId: an error; with it, nothing", async () => {
    const noVpc = configWith((c) => (probeVpc(c).network = "endpoints"));
    expect(
      await reach(
        demoWith(() => {}),
        noVpc,
      ),
    ).toMatchObject([{ severity: "error" }]);
    const withVpc = configWith((c) => {
      probeVpc(c).network = "endpoints";
      probeVpc(c).vpcId = "vpc-0d0f0000000000a00";
    });
    const fixture = demoWith((f) => (tableOf(f, PROBE_TABLE).routes = []));
    expect(await reach(fixture, withVpc)).toEqual([]);
  });
});

describe("dx-failover route tables", () => {
  it("a group whose tables carry no tag: an error", async () => {
    const fixture = demoWith((f) => (tableOf(f, CORE).tags = { Name: "region-core-a" }));
    expect(findingsOf(await run(fixture), "dx-failover/group-tables")).toMatchObject([
      { severity: "error", resource: "region-core" },
    ]);
  });

  it("propagation off in one table: an error with the command that turns it on", async () => {
    const fixture = demoWith((f) => (tableOf(f, PROD_A).propagatingVgws = []));
    const [finding] = findingsOf(await run(fixture), "dx-failover/propagation");
    expect(finding).toMatchObject({ severity: "error", resource: PROD_A });
    expect(finding?.fix).toBe(
      `aws ec2 enable-vgw-route-propagation --route-table-id ${PROD_A} --gateway-id ${VGW}`,
    );
  });

  it("a configured CIDR the gateway does not propagate: an error in each table", async () => {
    const fixture = demoWith((f) => {
      const vgw = f.virtualPrivateGateways.find((g) => g.id === VGW);
      if (vgw) vgw.propagatedCidrs = ["10.100.0.0/16", "10.102.0.0/16"];
    });
    const findings = findingsOf(await run(fixture), "dx-failover/propagated-cidrs");
    expect(findings.map((f) => [f.severity, f.resource])).toEqual([
      ["error", `${PROD_A} 10.101.0.0/16`],
      ["error", "rtb-0d0f0000000000c02 10.101.0.0/16"],
    ]);
    expect(findings[0]?.message).toContain("stuck-on-vpn");
  });

  it("more specific routes inside a configured CIDR: an error (override defeated)", async () => {
    const fixture = demoWith((f) => {
      const vgw = f.virtualPrivateGateways.find((g) => g.id === VGW);
      vgw?.propagatedCidrs?.push("10.100.7.0/24");
    });
    const [finding] = findingsOf(await run(fixture), "dx-failover/propagated-cidrs");
    expect(finding).toMatchObject({ severity: "error", resource: `${PROD_A} 10.100.0.0/16` });
    expect(finding?.message).toContain("10.100.7.0/24");
    expect(finding?.message).toContain("override-defeated");
  });

  it("an aggregate carrying the configured CIDRs: information only", async () => {
    const fixture = demoWith((f) => {
      const vgw = f.virtualPrivateGateways.find((g) => g.id === VGW);
      if (vgw) vgw.propagatedCidrs = ["10.100.0.0/15", "10.102.0.0/16"];
    });
    const findings = await run(fixture);
    expect(errorsIn(findings)).toEqual([]);
    expect(findingsOf(findings, "dx-failover/propagated-cidrs").map((f) => f.severity)).toEqual([
      "info",
      "info",
      "info",
      "info",
    ]);
  });

  it("no room for the failover's routes: an error per short table", async () => {
    const findings = await run(
      demoFixture(),
      configWith((c) => (c.dxFailover.routesPerTable = 1)),
    );
    const short = findingsOf(findings, "dx-failover/route-headroom");
    expect(short.map((f) => f.resource)).toEqual([PROD_A, "rtb-0d0f0000000000c02"]);
    expect(short[0]).toMatchObject({ severity: "error", message: expect.stringContaining("quota of 1") });
  });

  it("no room for the toolkit's tags: an error", async () => {
    const fixture = demoWith((f) => {
      const table = tableOf(f, PROD_A);
      table.tags = {
        ...table.tags,
        ...Object.fromEntries(Array.from({ length: 47 }, (_, i) => [`team:${i}`, "x"])),
      };
    });
    const [finding] = findingsOf(await run(fixture), "dx-failover/tag-headroom");
    expect(finding).toMatchObject({
      severity: "error",
      resource: PROD_A,
      message: expect.stringContaining("51 user tags"),
    });
  });
});

describe("dx-failover appliance", () => {
  it("an appliance ENI that does not exist: an error", async () => {
    const config = configWith(
      (c) => ((c.dxFailover.groups[0] as Record<string, unknown>).applianceEniId = "eni-0d0f0000000000fff"),
    );
    expect(findingsOf(await run(demoFixture(), config), "dx-failover/appliance")).toMatchObject([
      { severity: "error", resource: "lz-prod", message: expect.stringContaining("no appliance ENI found") },
    ]);
  });

  it("the appliance instance stopped: an error for each group it serves", async () => {
    const fixture = demoWith((f) => (instanceOf(f, APPLIANCE).state = "stopped"));
    const findings = findingsOf(await run(fixture), "dx-failover/appliance");
    expect(findings.map((f) => f.resource)).toEqual(["lz-prod", "region-core"]);
    expect(findings[0]?.message).toContain("stopped");
  });

  it("an appliance tag on two attached ENIs: an error (none is used)", async () => {
    const config = configWith((c) => {
      const group = c.dxFailover.groups[0] as Record<string, unknown>;
      delete group.applianceEniId;
      group.applianceTag = "ops:vpn=lz";
    });
    const fixture = demoWith((f) => {
      for (const [n, ip] of [
        [1, "10.60.5.21"],
        [2, "10.60.5.22"],
      ] as const)
        f.networkInterfaces.push({
          id: `eni-0d0f00000000000b${n}`,
          subnetId: "subnet-0d0f0000000000b05",
          privateIpAddress: ip,
          attachment: { instanceId: APPLIANCE, deviceIndex: n },
          tags: { "ops:vpn": "lz" },
        });
    });
    const [finding] = findingsOf(await run(fixture, config), "dx-failover/appliance");
    expect(finding).toMatchObject({
      severity: "error",
      message: expect.stringContaining("2 attached ENIs carry ops:vpn=lz"),
    });
  });

  it("source/destination check on: an error with the command that turns it off", async () => {
    const fixture = demoWith((f) => (instanceOf(f, APPLIANCE).sourceDestCheck = true));
    const findings = findingsOf(await run(fixture), "dx-failover/source-dest-check");
    expect(findings.map((f) => [f.severity, f.resource])).toEqual([
      ["error", "eni-0d0f00000000000a1"],
      ["error", "eni-0d0f00000000000a1"],
    ]);
    expect(findings[0]?.fix).toContain("--no-source-dest-check");
  });
});
