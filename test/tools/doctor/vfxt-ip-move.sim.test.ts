import { describe, expect, it } from "vitest";
import { VFXT_IP_MOVE_CHECKS } from "../../../tools/doctor/checks/vfxt-ip-move";
import { READ_ONLY_ACTION } from "../../../tools/doctor/policy";
import { runDoctor } from "../../../tools/doctor/run";
import type { Finding } from "../../../tools/doctor/types";
import { alarmOf, type Fixture, instanceOf, networkInterfaceOf, readFixture } from "../../support/fixtures";
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
 * vfxt-ip-move doctor checks (issue 13): each on the demo account (events/accounts/demo.json: cluster vfxt-a,
 * six secondary addresses on three nodes, node 1 stopped; cluster vfxt-b, three /32 routes in four tables,
 * node 1 terminated with its ENI) broken the way the check is built to catch, with config/dev.json; and the
 * demo itself, which has no error.
 */

const SUBNET_A = "subnet-0af7c0de000000a01";
const NODE_A1 = "i-0af7c0de000000a01";
const NODE_A2 = "i-0af7c0de000000a02";
const NODE_A3 = "i-0af7c0de000000a03";
const ENI_A2 = "eni-0af7c0de000000a02";
const ENI_A3 = "eni-0af7c0de000000a03";
const ENI_B2 = "eni-0af7c0de000000b02";
const ENI_B3 = "eni-0af7c0de000000b03";

type Config = DemoConfig;

const run = (id: string, edit: DemoEdit = {}): Promise<Finding[]> =>
  runCheckOnDemo(VFXT_IP_MOVE_CHECKS, id, edit);

const clusterA = (c: Config) => c.vfxtIpMove.clusters[0] as Record<string, unknown> & { addresses: string[] };
const clusterB = (c: Config) =>
  c.vfxtIpMove.clusters[1] as Record<string, unknown> & { routeTableIds: string[] };
const one = (findings: readonly Finding[], resource: string): Finding => {
  const found = findings.filter((f) => f.resource === resource);
  expect(found, JSON.stringify(findings, null, 1)).toHaveLength(1);
  return found[0] as Finding;
};
const tableOf = (f: Fixture, id: string) => {
  const table = f.routeTables.find((t) => t.id === id);
  if (table === undefined) throw new Error(`no table ${id}`);
  return table;
};

describe("the demo account with config/dev.json", () => {
  it("has no error finding; the failures it shows are what the function repairs (warnings)", async () => {
    const findings = await doctorOn(demoFixture(), demoConfig(), VFXT_IP_MOVE_CHECKS);
    expect(errorsIn(findings)).toEqual([]);
    const warnings = findings.filter((f) => f.severity === "warning").map((f) => [f.check, f.resource]);
    expect(warnings).toEqual([
      ["vfxt-ip-move/reservations", SUBNET_A],
      ["vfxt-ip-move/address-placement", "10.20.1.101"],
      ["vfxt-ip-move/address-placement", "10.20.1.102"],
      ["vfxt-ip-move/routes", "10.250.0.11/32"],
    ]);
  });
});

describe("read-only", () => {
  it("every call of the checks is a read, on an account where the function would move addresses and routes", async () => {
    const operations = await withDoctorContext(demoFixture(), demoConfig(), async (ctx, account) => {
      await runDoctor(ctx, VFXT_IP_MOVE_CHECKS);
      return [...new Set(account.calls.map((c) => c.operation))];
    });
    expect(operations).toContain("GetSubnetCidrReservations");
    expect(operations.filter((op) => !/^(Describe|Get|Search|List)/.test(op))).toEqual([]);
  });
});

describe("vfxt-ip-move/nodes", () => {
  it("a cluster without any tagged node is an error", async () => {
    const findings = await run("vfxt-ip-move/nodes", {
      config: (c) => {
        clusterA(c).name = "vfxt-gone";
      },
    });
    expect(one(findings, "vfxt-gone")).toMatchObject({ severity: "error" });
  });

  it("a listed id that is no tagged instance, and a tagged instance not listed, are warnings", async () => {
    const findings = await run("vfxt-ip-move/nodes", {
      config: (c) => {
        clusterA(c).instanceIds = [NODE_A2, NODE_A3, "i-0af7c0de0000000ff"];
      },
    });
    expect(one(findings, "i-0af7c0de0000000ff").severity).toBe("warning");
    expect(one(findings, NODE_A1).message).toContain("not listed in instanceIds");
  });

  it("a declared vpcId that does not exist is an error (the function cannot read the cluster)", async () => {
    const findings = await run("vfxt-ip-move/nodes", {
      config: (c) => {
        clusterA(c).vpcId = "vpc-0af7c0de0000000ff";
      },
    });
    const vpc = one(findings, "vfxt-a");
    expect(vpc.severity).toBe("error");
    expect(vpc.message).toContain("vpc-0af7c0de0000000ff");
  });

  it("a home node that is no node of the cluster is a warning", async () => {
    const findings = await run("vfxt-ip-move/nodes", {
      config: (c) => {
        clusterA(c).homeNodes = { "10.20.1.101": NODE_A2, "10.20.1.102": "i-0af7c0de000000b02" };
      },
    });
    expect(findings.map((f) => [f.severity, f.resource])).toEqual([["warning", "10.20.1.102"]]);
  });

  it("nodes in two VPCs are an error (the function refuses the cluster)", async () => {
    const findings = await run("vfxt-ip-move/nodes", {
      fixture: (f) => {
        instanceOf(f, "i-0f1e2d3c4b5a69788").tags = { "ops:vfxt-cluster": "vfxt-a" };
      },
    });
    const twoVpcs = one(findings, "vfxt-a");
    expect(twoVpcs.severity).toBe("error");
    expect(twoVpcs.message).toContain("several VPCs");
  });
});

describe("vfxt-ip-move/address-rules", () => {
  it("the subnet's network and broadcast addresses, a node's primary address and an address in no subnet are errors", async () => {
    const findings = await run("vfxt-ip-move/address-rules", {
      config: (c) => {
        clusterA(c).addresses.push("10.20.1.0", "10.20.1.255", "10.20.1.1", "10.20.1.12", "10.20.50.5");
      },
    });
    expect(findings.every((f) => f.severity === "error")).toBe(true);
    expect(one(findings, "10.20.1.0").message).toContain("the network address");
    expect(one(findings, "10.20.1.255").message).toContain("the network broadcast address");
    expect(one(findings, "10.20.1.1").message).toContain("the VPC router's address");
    expect(one(findings, "10.20.1.12").message).toContain("primary private IP of i-0af7c0de000000a02");
    expect(one(findings, "10.20.50.5").message).toContain("in-vpc-not-in-subnet");
    expect(findings).toHaveLength(5);
  });

  it("a cluster with no node and no vpcId leaves its addresses unjudged (the nodes check reports it)", async () => {
    const findings = await run("vfxt-ip-move/address-rules", {
      config: (c) => {
        clusterA(c).name = "vfxt-gone";
      },
    });
    expect(findings).toEqual([]);
    const declared = await run("vfxt-ip-move/address-rules", {
      config: (c) => {
        clusterA(c).name = "vfxt-gone";
        clusterA(c).vpcId = "vpc-0af7c0de000000a00";
        clusterA(c).addresses.push("10.20.1.255");
      },
    });
    expect(declared.map((f) => f.resource)).toEqual(["10.20.1.255"]);
  });

  it("a /32 route inside the VPC's CIDR is an error", async () => {
    const findings = await run("vfxt-ip-move/address-rules", {
      config: (c) => {
        clusterB(c).mode = "route";
        (clusterB(c).addresses as string[]).push("10.20.60.5");
      },
    });
    const inside = one(findings, "10.20.60.5");
    expect(inside.severity).toBe("error");
    expect(inside.source).toContain("RouteTables");
  });
});

describe("vfxt-ip-move/reservations", () => {
  it("addresses in a prefix reservation are errors; an explicit reservation clears the warning", async () => {
    const prefixed = await run("vfxt-ip-move/reservations", {
      fixture: (f) => {
        f.subnetCidrReservations.push({
          subnetId: SUBNET_A,
          cidr: "10.20.1.96/28",
          reservationType: "prefix",
        });
      },
    });
    expect(prefixed.map((f) => [f.severity, f.resource])).toEqual(
      ["10.20.1.101", "10.20.1.102", "10.20.1.103", "10.20.1.104", "10.20.1.105", "10.20.1.106"].map((a) => [
        "error",
        a,
      ]),
    );
    const reserved = await run("vfxt-ip-move/reservations", {
      fixture: (f) => {
        f.subnetCidrReservations.push({
          subnetId: SUBNET_A,
          cidr: "10.20.1.96/28",
          reservationType: "explicit",
        });
      },
    });
    expect(reserved).toEqual([]);
  });

  it("with reservation: off the missing reservation is information only", async () => {
    const findings = await run("vfxt-ip-move/reservations", {
      config: (c) => {
        clusterA(c).reservation = "off";
      },
    });
    expect(one(findings, SUBNET_A)).toMatchObject({ severity: "info" });
  });
});

describe("vfxt-ip-move/address-placement", () => {
  it("an address held by an ENI that is no node's is an error; an address on no ENI a warning", async () => {
    const findings = await run("vfxt-ip-move/address-placement", {
      fixture: (f) => {
        networkInterfaceOf(f, ENI_A2).secondaryPrivateIpAddresses = ["10.20.1.103"];
        networkInterfaceOf(f, ENI_A3).secondaryPrivateIpAddresses = ["10.20.1.106"];
        f.networkInterfaces.push({
          id: "eni-0af7c0de0000000f1",
          subnetId: SUBNET_A,
          privateIpAddress: "10.20.1.50",
          secondaryPrivateIpAddresses: ["10.20.1.104"],
        });
      },
    });
    const foreign = one(findings, "10.20.1.104");
    expect(foreign.severity).toBe("error");
    expect(foreign.fix).toContain(
      "unassign-private-ip-addresses --network-interface-id eni-0af7c0de0000000f1",
    );
    expect(one(findings, "10.20.1.105")).toMatchObject({ severity: "warning" });
  });
});

describe("vfxt-ip-move/routes", () => {
  it("a configured table that does not exist is an error; a table without the route a warning", async () => {
    const findings = await run("vfxt-ip-move/routes", {
      fixture: (f) => {
        const table = tableOf(f, "rtb-0af7c0de000000b03");
        table.routes = (table.routes ?? []).filter((r) => r.destinationCidrBlock !== "10.250.0.12/32");
      },
      config: (c) => {
        clusterB(c).routeTableIds.push("rtb-0af7c0de0000000ff");
      },
    });
    expect(one(findings, "rtb-0af7c0de0000000ff")).toMatchObject({ severity: "error" });
    const missing = one(findings, "10.250.0.12/32");
    expect(missing.severity).toBe("warning");
    expect(missing.message).toContain("rtb-0af7c0de000000b03 has no static route");
  });

  it("tables routing one address to two healthy nodes are a warning (routes-disagree)", async () => {
    const findings = await run("vfxt-ip-move/routes", {
      fixture: (f) => {
        const route = (tableOf(f, "rtb-0af7c0de000000c01").routes ?? []).find(
          (r) => r.destinationCidrBlock === "10.250.0.13/32",
        );
        if (route !== undefined) route.target = ENI_B2;
      },
    });
    const split = one(findings, "10.250.0.13/32");
    expect(split.severity).toBe("warning");
    expect(split.message).toContain("2 healthy nodes");
  });

  it("no node ENI with source/destination check off is an error; one such node a warning", async () => {
    const none = await run("vfxt-ip-move/routes", {
      fixture: (f) => {
        networkInterfaceOf(f, ENI_B2).sourceDestCheck = true;
        networkInterfaceOf(f, ENI_B3).sourceDestCheck = true;
      },
    });
    expect(one(none, "vfxt-b")).toMatchObject({ severity: "error" });
    const oneNode = await run("vfxt-ip-move/routes", {
      fixture: (f) => {
        networkInterfaceOf(f, ENI_B3).sourceDestCheck = true;
      },
    });
    expect(one(oneNode, "i-0af7c0de000000b03").fix).toContain(
      `--network-interface-id ${ENI_B3} --no-source-dest-check`,
    );
  });
});

describe("vfxt-ip-move/status-alarms", () => {
  it("a node without its alarm, an alarm on another instance and an alarm that terminates the node are warnings", async () => {
    const findings = await run("vfxt-ip-move/status-alarms", {
      fixture: (f) => {
        f.alarms = f.alarms.filter((a) => a.name !== `ops-vfxt-status-${NODE_A2}`);
        alarmOf(f, `ops-vfxt-status-${NODE_A3}`).dimensions = { InstanceId: NODE_A2 };
        alarmOf(f, "ops-vfxt-status-i-0af7c0de000000b02").alarmActions = [
          "arn:aws:automate:us-east-1:ec2:terminate",
        ];
        // recover keeps the instance's private and Elastic IP addresses: nothing to say.
        alarmOf(f, "ops-vfxt-status-i-0af7c0de000000b03").alarmActions = [
          "arn:aws:automate:us-east-1:ec2:recover",
        ];
      },
    });
    expect(one(findings, NODE_A2).fix).toContain(`--alarm-name ops-vfxt-status-${NODE_A2}`);
    expect(one(findings, `ops-vfxt-status-${NODE_A3}`).message).toContain(`not ${NODE_A3}`);
    expect(one(findings, "ops-vfxt-status-i-0af7c0de000000b02").message).toContain("terminates the node");
    expect(findings.every((f) => f.severity === "warning")).toBe(true);
    expect(findings).toHaveLength(3);
  });
});

describe("vfxt-ip-move/address-capacity", () => {
  it("healthy nodes without room for every address are an error (no-capacity)", async () => {
    const findings = await run("vfxt-ip-move/address-capacity", {
      fixture: (f) => {
        for (const id of [NODE_A1, NODE_A2, NODE_A3]) instanceOf(f, id).instanceType = "t3.small";
      },
      config: (c) => {
        clusterA(c).addresses.push("10.20.1.107");
      },
    });
    const full = one(findings, SUBNET_A);
    expect(full.severity).toBe("error");
    expect(full.message).toContain("room for 6 of its 7 addresses");
  });

  it("a node whose failure leaves the survivors short is a warning", async () => {
    const findings = await run("vfxt-ip-move/address-capacity", {
      fixture: (f) => {
        for (const id of [NODE_A1, NODE_A2, NODE_A3]) instanceOf(f, id).instanceType = "t3.medium";
      },
    });
    expect(findings.map((f) => [f.severity, f.resource])).toEqual([
      ["warning", NODE_A2],
      ["warning", NODE_A3],
    ]);
    expect(one(findings, NODE_A2).message).toContain("room for 5 of the 6 addresses");
  });
});

it("every check names its read-only IAM actions", () => {
  for (const check of VFXT_IP_MOVE_CHECKS) {
    for (const action of check.iamActions) expect(action).toMatch(READ_ONLY_ACTION);
  }
  expect(new Set(VFXT_IP_MOVE_CHECKS.map((c) => c.id)).size).toBe(VFXT_IP_MOVE_CHECKS.length);
});

describe("the shipped test account test/fixtures/accounts/vfxt.json (both clusters healthy)", () => {
  it("with config/dev.json: no error, and nothing unserved; only the missing explicit reservation is a warning", async () => {
    const findings = await doctorOn(
      readFixture("test/fixtures/accounts/vfxt.json"),
      demoConfig(),
      VFXT_IP_MOVE_CHECKS,
    );
    expect(
      findings.filter((f) => f.severity !== "info").map((f) => [f.severity, f.check, f.resource]),
    ).toEqual([["warning", "vfxt-ip-move/reservations", SUBNET_A]]);
  });
});
