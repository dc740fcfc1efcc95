import { describe, expect, it } from "vitest";
import { ENI_REATTACH_CHECKS } from "../../../tools/doctor/checks/eni-reattach";
import { READ_ONLY_ACTION } from "../../../tools/doctor/policy";
import { runDoctor } from "../../../tools/doctor/run";
import type { Finding } from "../../../tools/doctor/types";
import { autoScalingGroupOf, type Fixture, networkInterfaceOf, readFixture } from "../../support/fixtures";
import {
  type DemoConfig,
  type DemoEdit,
  demoConfig,
  demoFixture,
  doctorOn,
  errorsIn,
  runCheckOnDemo,
  withDoctorContext,
} from "./support";

/**
 * eni-reattach doctor checks (issue 13): each on the demo account (events/accounts/demo.json, firewall
 * group fw-asg with three multi-VPC ENIs on Outpost op-0a1b…0001) broken the way the check is built to
 * catch, with config/dev.json; and the demo itself, which has no error.
 */

const GROUP = "fw-asg";
const IT_ENI = "eni-0e1d2c3b4a5f60001";
const OT_ENI = "eni-0e1d2c3b4a5f60002";
const EXPOSED_ENI = "eni-0e1d2c3b4a5f60003";

type Config = DemoConfig;

const run = (id: string, edit: DemoEdit = {}): Promise<Finding[]> =>
  runCheckOnDemo(ENI_REATTACH_CHECKS, id, edit);

const group = (c: Config) => c.eniReattach.groups[0] as Record<string, unknown>;
const hookOf = (f: Fixture, name: string) => {
  const hook = f.lifecycleHooks.find((h) => h.name === name);
  if (hook === undefined) throw new Error(`no hook ${name}`);
  return hook;
};
const one = (findings: readonly Finding[], resource: string): Finding => {
  const found = findings.filter((f) => f.resource === resource);
  expect(found, JSON.stringify(findings, null, 1)).toHaveLength(1);
  return found[0] as Finding;
};

describe("the demo account with config/dev.json", () => {
  it("has no error finding: the firewall group is ready for its next replacement", async () => {
    const findings = await doctorOn(demoFixture(), demoConfig(), ENI_REATTACH_CHECKS);
    expect(errorsIn(findings)).toEqual([]);
    // The IT leg's source/destination check is on in the demo (the function sets it off when it attaches).
    expect(findings.filter((f) => f.severity === "warning").map((f) => [f.check, f.resource])).toEqual([
      ["eni-reattach/source-dest-check", IT_ENI],
    ]);
  });
});

describe("read-only", () => {
  it("every call of the checks is a read, even with a local gateway route to repair and repair on", async () => {
    const fixture = demoFixture();
    const route = fixture.localGatewayRouteTables.find((t) => t.id === "lgw-rtb-0f0e0d0c0b0a00099")
      ?.routes?.[0];
    if (route !== undefined) route.networkInterfaceId = OT_ENI;
    const config = demoConfig();
    group(config).localGatewayRoutes = [
      {
        localGatewayRouteTableId: "lgw-rtb-0f0e0d0c0b0a00099",
        destinationCidrBlock: "10.40.0.0/16",
        deviceIndex: 3,
      },
    ];
    group(config).repairLocalGatewayRoutes = true;
    const operations = await withDoctorContext(fixture, config, async (ctx, account) => {
      await runDoctor(ctx, ENI_REATTACH_CHECKS);
      return [...new Set(account.calls.map((c) => c.operation))];
    });
    expect(operations).toContain("SearchLocalGatewayRoutes");
    expect(operations.filter((op) => !/^(Describe|Get|Search|List)/.test(op))).toEqual([]);
  });
});

describe("eni-reattach/group", () => {
  it("a configured group that does not exist is an error", async () => {
    const findings = await run("eni-reattach/group", {
      config: (c) => {
        group(c).name = "fw-gone";
      },
    });
    expect(one(findings, "fw-gone")).toMatchObject({ severity: "error", capability: "eni-reattach" });
    expect(one(findings, "fw-gone").message).toContain("does not exist");
  });

  it("a desired capacity above one is an error (which member is the firewall is ambiguous)", async () => {
    const findings = await run("eni-reattach/group", {
      fixture: (f) => {
        autoScalingGroupOf(f, GROUP).desiredCapacity = 2;
      },
    });
    expect(one(findings, GROUP)).toMatchObject({ severity: "error" });
    expect(one(findings, GROUP).fix).toContain("--desired-capacity 1");
  });

  it("a desired capacity of zero is a warning (no firewall runs)", async () => {
    const findings = await run("eni-reattach/group", {
      fixture: (f) => {
        const g = autoScalingGroupOf(f, GROUP);
        g.minSize = 0;
        g.desiredCapacity = 0;
      },
    });
    expect(one(findings, GROUP)).toMatchObject({ severity: "warning" });
  });
});

describe("eni-reattach/hooks", () => {
  it("a hook named in hookNames that the group lacks is an error; no terminate hook of ours a warning", async () => {
    const findings = await run("eni-reattach/hooks", {
      config: (c) => {
        group(c).hookNames = ["fw-launch", "fw-terminate-typo"];
      },
    });
    expect(one(findings, `${GROUP}/fw-terminate-typo`)).toMatchObject({ severity: "error" });
    const noTerminate = one(findings, GROUP);
    expect(noTerminate.severity).toBe("warning");
    expect(noTerminate.fix).toContain("autoscaling:EC2_INSTANCE_TERMINATING");
  });

  it("no launch hook of ours is an error", async () => {
    const findings = await run("eni-reattach/hooks", {
      config: (c) => {
        group(c).hookNames = ["fw-terminate"];
      },
    });
    const noLaunch = one(findings, GROUP);
    expect(noLaunch).toMatchObject({ severity: "error" });
    expect(noLaunch.fix).toContain("autoscaling:EC2_INSTANCE_LAUNCHING");
  });
});

describe("eni-reattach/heartbeat-timeout", () => {
  it("a heartbeat timeout under twice the reconcile interval is an error", async () => {
    const findings = await run("eni-reattach/heartbeat-timeout", {
      fixture: (f) => {
        hookOf(f, "fw-terminate").heartbeatTimeout = 300;
      },
    });
    const short = one(findings, `${GROUP}/fw-terminate`);
    expect(short).toMatchObject({ severity: "error" });
    expect(short.message).toContain("300 s");
    expect(short.fix).toContain("--heartbeat-timeout 900");
  });

  it("a heartbeat timeout shorter than one invocation (long detach and attach waits) is a warning", async () => {
    const findings = await run("eni-reattach/heartbeat-timeout", {
      config: (c) => {
        c.eniReattach.detachTimeoutMs = 500_000;
        c.eniReattach.attachTimeoutMs = 300_000;
      },
    });
    // fw-launch has 900 s, fw-terminate 600 s: only the latter is shorter than the invocation.
    const short = one(findings, `${GROUP}/fw-terminate`);
    expect(short.severity).toBe("warning");
    expect(short.message).toContain("800 s of detach and attach waits");
    expect(findings).toHaveLength(1);
  });
});

describe("eni-reattach/default-result", () => {
  it("ABANDON on our launch hook is an error (relaunch loop); CONTINUE there is said as information", async () => {
    const abandon = await run("eni-reattach/default-result", {
      fixture: (f) => {
        hookOf(f, "fw-launch").defaultResult = "ABANDON";
      },
    });
    const launch = one(abandon, `${GROUP}/fw-launch`);
    expect(launch).toMatchObject({ severity: "error" });
    expect(launch.fix).toContain("--default-result CONTINUE");
    const demo = await run("eni-reattach/default-result");
    expect(one(demo, `${GROUP}/fw-launch`).severity).toBe("info");
  });

  it("ABANDON on our terminate hook is a warning (it cancels the owner's other terminate hooks)", async () => {
    const findings = await run("eni-reattach/default-result", {
      fixture: (f) => {
        hookOf(f, "fw-terminate").defaultResult = "ABANDON";
      },
    });
    const terminate = one(findings, `${GROUP}/fw-terminate`);
    expect(terminate).toMatchObject({ severity: "warning" });
    expect(terminate.source).toContain("adding-lifecycle-hooks");
  });
});

describe("eni-reattach/foreign-hooks", () => {
  it("another system's terminate hook with ABANDON is a warning; with CONTINUE, information", async () => {
    const findings = await run("eni-reattach/foreign-hooks", {
      fixture: (f) => {
        f.lifecycleHooks.push(
          {
            autoScalingGroupName: GROUP,
            name: "restore-config",
            transition: "autoscaling:EC2_INSTANCE_LAUNCHING",
            heartbeatTimeout: 900,
            defaultResult: "CONTINUE",
          },
          {
            autoScalingGroupName: GROUP,
            name: "drain",
            transition: "autoscaling:EC2_INSTANCE_TERMINATING",
            heartbeatTimeout: 900,
            defaultResult: "ABANDON",
          },
        );
      },
    });
    expect(one(findings, `${GROUP}/restore-config`).severity).toBe("info");
    const drain = one(findings, `${GROUP}/drain`);
    expect(drain.severity).toBe("warning");
    expect(drain.message).toContain("ours included");
    expect(findings).toHaveLength(2);
  });
});

describe("eni-reattach/eni-allow-list", () => {
  it("an allow-listed ENI id that does not exist is an error", async () => {
    const findings = await run("eni-reattach/eni-allow-list", {
      config: (c) => {
        group(c).allowedEniIds = ["eni-0e1d2c3b4a5f6ffff"];
      },
    });
    expect(one(findings, "eni-0e1d2c3b4a5f6ffff")).toMatchObject({ severity: "error" });
  });

  it("an ENI allowed by id but not tagged for the group is a warning (it never joins the set)", async () => {
    const findings = await run("eni-reattach/eni-allow-list", {
      config: (c) => {
        group(c).allowedEniIds = ["eni-0f1e2d3c4b5a69781"];
      },
    });
    const untagged = one(findings, "eni-0f1e2d3c4b5a69781");
    expect(untagged.severity).toBe("warning");
    expect(untagged.fix).toContain("--resources eni-0f1e2d3c4b5a69781");
  });

  it("an allow-listed subnet or VPC that does not exist is a warning", async () => {
    const findings = await run("eni-reattach/eni-allow-list", {
      config: (c) => {
        (group(c).allowedSubnetIds as string[]).push("subnet-0f0e0d0c0b0a000ff");
        group(c).allowedVpcIds = ["vpc-0f0e0d0c0b0a000ff", "vpc-0f0e0d0c0b0a00002"];
      },
    });
    expect(findings.map((f) => [f.severity, f.resource])).toEqual([
      ["warning", "subnet-0f0e0d0c0b0a000ff"],
      ["warning", "vpc-0f0e0d0c0b0a000ff"],
    ]);
  });

  it("a declared index without its ENI is an error; a tagged ENI outside the allow-list a warning", async () => {
    const findings = await run("eni-reattach/eni-allow-list", {
      config: (c) => {
        group(c).allowedSubnetIds = ["subnet-0f0e0d0c0b0a00021", "subnet-0f0e0d0c0b0a00031"];
      },
    });
    const missing = one(findings, `${GROUP}/3`);
    expect(missing.severity).toBe("error");
    expect(missing.fix).toContain(`Value=${GROUP}/3`);
    expect(one(findings, EXPOSED_ENI).severity).toBe("warning");
  });

  it("two ENIs claiming one index is an error", async () => {
    const findings = await run("eni-reattach/eni-allow-list", {
      fixture: (f) => {
        networkInterfaceOf(f, EXPOSED_ENI).tags = { "ops:eni-attach": `${GROUP}/2` };
      },
    });
    expect(one(findings, `${GROUP}/2`).message).toContain(`${OT_ENI}, ${EXPOSED_ENI}`);
    expect(one(findings, `${GROUP}/3`).severity).toBe("error");
  });

  it("DeleteOnTermination true on an ENI of the set is an error", async () => {
    const findings = await run("eni-reattach/eni-allow-list", {
      fixture: (f) => {
        const attachment = networkInterfaceOf(f, OT_ENI).attachment;
        if (attachment !== undefined) attachment.deleteOnTermination = true;
      },
    });
    const dot = one(findings, OT_ENI);
    expect(dot.severity).toBe("error");
    expect(dot.fix).toContain("DeleteOnTermination=false");
  });

  it("an ENI held by a running instance of no group is an error (never taken)", async () => {
    const findings = await run("eni-reattach/eni-allow-list", {
      fixture: (f) => {
        f.instances.push({
          id: "i-0f1e2d3c4b5a6dead",
          instanceType: "c5.large",
          state: "running",
          launchTime: "2019-10-01T00:00:00.000Z",
          subnetId: "subnet-0f0e0d0c0b0a00011",
          privateIpAddress: "10.10.1.50",
        });
        const ot = networkInterfaceOf(f, OT_ENI);
        ot.attachment = { instanceId: "i-0f1e2d3c4b5a6dead", deviceIndex: 1, deleteOnTermination: false };
      },
    });
    const held = one(findings, OT_ENI);
    expect(held.severity).toBe("error");
    expect(held.message).toContain("in no Auto Scaling group");
  });
});

describe("eni-reattach/eni-placement", () => {
  it("an ENI in a zone where the group never launches is an error", async () => {
    const findings = await run("eni-reattach/eni-placement", {
      fixture: (f) => {
        f.subnets.push({
          id: "subnet-0f0e0d0c0b0a00022",
          vpcId: "vpc-0f0e0d0c0b0a00002",
          availabilityZone: "us-east-1b",
          cidrBlock: "10.20.2.0/24",
        });
        const it = networkInterfaceOf(f, IT_ENI);
        it.subnetId = "subnet-0f0e0d0c0b0a00022";
        it.privateIpAddress = "10.20.2.5";
        delete it.attachment;
      },
      config: (c) => {
        (group(c).allowedSubnetIds as string[]).push("subnet-0f0e0d0c0b0a00022");
      },
    });
    const misplaced = one(findings, IT_ENI);
    expect(misplaced.severity).toBe("error");
    expect(misplaced.message).toContain("us-east-1b");
    expect(misplaced.source).toContain("using-eni");
  });

  it("an ENI in the Region while the group launches on the Outpost is an error", async () => {
    const findings = await run("eni-reattach/eni-placement", {
      fixture: (f) => {
        f.subnets.push({
          id: "subnet-0f0e0d0c0b0a00023",
          vpcId: "vpc-0f0e0d0c0b0a00002",
          availabilityZone: "us-east-1a",
          cidrBlock: "10.20.3.0/24",
        });
        const it = networkInterfaceOf(f, IT_ENI);
        it.subnetId = "subnet-0f0e0d0c0b0a00023";
        it.privateIpAddress = "10.20.3.5";
        delete it.attachment;
      },
      config: (c) => {
        (group(c).allowedSubnetIds as string[]).push("subnet-0f0e0d0c0b0a00023");
      },
    });
    const misplaced = one(findings, IT_ENI);
    expect(misplaced.severity).toBe("error");
    expect(misplaced.message).toContain("the Region");
  });

  it("a group subnet where the ENIs cannot attach is a warning; a wrong outpostId a warning", async () => {
    const findings = await run("eni-reattach/eni-placement", {
      fixture: (f) => {
        autoScalingGroupOf(f, GROUP).vpcZoneIdentifier = [
          "subnet-0f0e0d0c0b0a00011",
          "subnet-0f0e0d0c0b0a00012",
        ];
      },
      config: (c) => {
        group(c).outpostId = "op-0a1b2c3d4e5f60718";
      },
    });
    expect(findings.map((f) => [f.severity, f.resource])).toEqual([
      ["warning", GROUP],
      ["warning", GROUP],
    ]);
    expect(findings.some((f) => f.message.includes("subnet-0f0e0d0c0b0a00012"))).toBe(true);
    expect(findings.some((f) => f.message.includes("capacity check watches the wrong Outpost"))).toBe(true);
  });

  it("a group on an Outpost without outpostId is said as information", async () => {
    const findings = await run("eni-reattach/eni-placement", {
      config: (c) => {
        delete group(c).outpostId;
      },
    });
    expect(one(findings, GROUP)).toMatchObject({ severity: "info" });
  });
});

describe("eni-reattach/source-dest-check", () => {
  it("sourceDestCheck true in the configuration is a warning, and so is each attached ENI that differs", async () => {
    const findings = await run("eni-reattach/source-dest-check", {
      config: (c) => {
        group(c).sourceDestCheck = true;
      },
    });
    expect(one(findings, GROUP).severity).toBe("warning");
    expect(one(findings, OT_ENI).fix).toContain("--source-dest-check");
    expect(one(findings, EXPOSED_ENI).severity).toBe("warning");
    expect(findings.some((f) => f.resource === IT_ENI)).toBe(false);
  });

  it("a detached ENI with the check on is information (the function sets it when it attaches)", async () => {
    const findings = await run("eni-reattach/source-dest-check", {
      fixture: (f) => {
        delete networkInterfaceOf(f, IT_ENI).attachment;
      },
    });
    expect(one(findings, IT_ENI)).toMatchObject({ severity: "info" });
  });
});

describe("eni-reattach/interface-capacity", () => {
  it("an instance type with too few interfaces on the card is an error", async () => {
    const findings = await run("eni-reattach/interface-capacity", {
      config: (c) => {
        group(c).instanceType = "c5.large";
      },
    });
    const small = one(findings, "c5.large");
    expect(small.severity).toBe("error");
    expect(small.message).toContain("takes 3 ENIs on network card 0, the firewall needs 4");
    // The members' own type (c5.xlarge, 4 ENIs) is enough.
    expect(findings).toHaveLength(1);
  });

  it("an instance type the Region does not know is a warning, and the other types are still judged", async () => {
    const findings = await run("eni-reattach/interface-capacity", {
      config: (c) => {
        group(c).instanceType = "c5.xlarg";
        group(c).networkCardIndex = 1;
      },
    });
    expect(findings.map((f) => [f.severity, f.resource])).toEqual([
      ["warning", "c5.xlarg"],
      ["error", "c5.xlarge"],
    ]);
  });

  it("a network card the type does not have is an error", async () => {
    const findings = await run("eni-reattach/interface-capacity", {
      config: (c) => {
        group(c).networkCardIndex = 1;
      },
    });
    expect(one(findings, "c5.xlarge").message).toContain("no network card 1");
  });
});

describe("eni-reattach/replacement-order", () => {
  it("launch before terminating and retention are information; ELB health checks a warning", async () => {
    const findings = await run("eni-reattach/replacement-order", {
      fixture: (f) => {
        const g = autoScalingGroupOf(f, GROUP);
        g.instanceMaintenancePolicy = { minHealthyPercentage: 100, maxHealthyPercentage: 200 };
        g.instanceLifecyclePolicy = { retentionTriggers: { terminateHookAbandon: "retain" } };
        g.healthCheckType = "ELB";
      },
    });
    const bySource = (word: string) => findings.filter((f) => f.source?.includes(word));
    expect(bySource("instance-maintenance-policy").map((f) => f.severity)).toEqual(["info"]);
    expect(bySource("RetentionTriggers").map((f) => f.severity)).toEqual(["info"]);
    expect(bySource("health-checks").map((f) => f.severity)).toEqual(["warning"]);
    expect(bySource("warm-pool").map((f) => f.severity)).toEqual(["info"]);
  });

  it("EBS health checks do not go through the data plane: no warning", async () => {
    const findings = await run("eni-reattach/replacement-order", {
      fixture: (f) => {
        autoScalingGroupOf(f, GROUP).healthCheckType = "EBS";
      },
    });
    expect(findings.filter((f) => f.source?.includes("health-checks"))).toEqual([]);
  });
});

it("every check names its read-only IAM actions", () => {
  for (const check of ENI_REATTACH_CHECKS) {
    expect(check.iamActions.length).toBeGreaterThan(0);
    for (const action of check.iamActions) expect(action).toMatch(READ_ONLY_ACTION);
  }
  expect(new Set(ENI_REATTACH_CHECKS.map((c) => c.id)).size).toBe(ENI_REATTACH_CHECKS.length);
});

describe("eni-reattach/local-gateway-routes", () => {
  const LGW_TABLE = "lgw-rtb-0f0e0d0c0b0a00099";
  const configured = (c: Config, destinationCidrBlock: string) => {
    group(c).localGatewayRoutes = [
      { localGatewayRouteTableId: LGW_TABLE, destinationCidrBlock, deviceIndex: 3 },
    ];
  };
  const lgwRoute = (f: Fixture) => {
    const route = f.localGatewayRouteTables.find((t) => t.id === LGW_TABLE)?.routes?.[0];
    if (route === undefined) throw new Error("no local gateway route");
    return route;
  };

  it("a configured route to another ENI is an error (only reported), a warning when the function repairs it", async () => {
    const moved = (f: Fixture) => {
      lgwRoute(f).networkInterfaceId = OT_ENI;
    };
    const reported = await run("eni-reattach/local-gateway-routes", {
      fixture: moved,
      config: (c) => configured(c, "10.40.0.0/16"),
    });
    const wrong = one(reported, `${LGW_TABLE} 10.40.0.0/16`);
    expect(wrong.severity).toBe("error");
    expect(wrong.message).toContain(`expected ${EXPOSED_ENI}`);
    expect(wrong.fix).toContain("modify-local-gateway-route");
    const repaired = await run("eni-reattach/local-gateway-routes", {
      fixture: moved,
      config: (c) => {
        configured(c, "10.40.0.0/16");
        group(c).repairLocalGatewayRoutes = true;
      },
    });
    expect(one(repaired, `${LGW_TABLE} 10.40.0.0/16`).severity).toBe("warning");
  });

  it("a configured route missing from its table is an error", async () => {
    const findings = await run("eni-reattach/local-gateway-routes", {
      config: (c) => configured(c, "10.41.0.0/16"),
    });
    expect(one(findings, `${LGW_TABLE} 10.41.0.0/16`)).toMatchObject({ severity: "error" });
  });

  it("a route to an ENI of the set that no running firewall holds is a blackhole warning", async () => {
    const findings = await run("eni-reattach/local-gateway-routes", {
      fixture: (f) => {
        delete networkInterfaceOf(f, EXPOSED_ENI).attachment;
      },
    });
    const blackhole = one(findings, `${LGW_TABLE} 10.40.0.0/16`);
    expect(blackhole.severity).toBe("warning");
    expect(blackhole.message).toContain("blackhole");
  });
});

describe("the shipped test account test/fixtures/accounts/eni-reattach.json (the first version's hooks)", () => {
  it("reports its short heartbeat timeouts and its launch hook's ABANDON as errors", async () => {
    const findings = await doctorOn(
      readFixture("test/fixtures/accounts/eni-reattach.json"),
      demoConfig(),
      ENI_REATTACH_CHECKS,
    );
    expect(errorsIn(findings).map((f) => [f.check, f.resource])).toEqual([
      ["eni-reattach/heartbeat-timeout", `${GROUP}/fw-launch`],
      ["eni-reattach/heartbeat-timeout", `${GROUP}/fw-terminate`],
      ["eni-reattach/default-result", `${GROUP}/fw-launch`],
    ]);
  });
});

describe("a read the doctor's role may not make", () => {
  it("is said once, with the IAM action, and every other check that needs it points there, unchecked", async () => {
    const findings = await doctorOn(demoFixture(), demoConfig(), ENI_REATTACH_CHECKS, {
      prepare: (account) =>
        account.faults.add({
          service: "autoscaling",
          operation: "DescribeLifecycleHooks",
          error: { code: "AccessDenied", httpStatus: 403 },
        }),
    });
    const [first, ...dependents] = findings;
    expect(first).toMatchObject({ check: "eni-reattach/group", severity: "error", unchecked: true });
    expect(first?.message).toContain("autoscaling:DescribeLifecycleHooks");
    expect(dependents.map((f) => f.check)).toEqual(ENI_REATTACH_CHECKS.slice(1).map((c) => c.id));
    for (const f of dependents) {
      expect(f).toMatchObject({ unchecked: true });
      expect(f.message).toContain("needs the read that eni-reattach/group could not make");
    }
  });
});
