import { EC2Client, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import type { SimulatedAccount } from "../../../sim";
import { startSimServer } from "../../../sim/wire";
import { ENIS, firewall, launched, memberState, OLD } from "./asg-fixture";
import { awsError, ec2 } from "./helpers";
import { sdkConfig, V, vfxtAccount } from "./vfxt-fixture";

/**
 * EC2 TerminateInstances (sim/account/ec2-terminate.ts; TerminateInstances API reference, EC2 UG "Terminate
 * your instance", "How instance termination works", "State change events for Amazon EC2 instances").
 */

const NODE_B2 = "i-0af7c0de000000b02";
const ENI_B1 = "eni-0af7c0de000000b01";
const NODE_B1 = "i-0af7c0de000000b01";
/** A second ENI of node a01 (device 1, kept on termination) with a client address and an Elastic IP. */
const DATA_ENI = "eni-0af7c0de0000000d1";
const EIP_PRIMARY = "eipalloc-0af7c0de000000e01";
const EIP_DATA = "eipalloc-0af7c0de000000e02";

const withDataEni = () =>
  vfxtAccount((f) => {
    f.networkInterfaces = [
      ...(f.networkInterfaces ?? []),
      {
        id: DATA_ENI,
        subnetId: V.subnetA,
        privateIpAddress: "10.20.1.21",
        secondaryPrivateIpAddresses: ["10.20.1.121"],
        attachment: { instanceId: V.nodeA1, deviceIndex: 1, deleteOnTermination: false },
      },
    ];
    f.elasticIps = [
      {
        allocationId: EIP_PRIMARY,
        publicIp: "203.0.113.10",
        association: { networkInterfaceId: V.eniA1, privateIpAddress: "10.20.1.101" },
      },
      {
        allocationId: EIP_DATA,
        publicIp: "203.0.113.11",
        association: { networkInterfaceId: DATA_ENI, privateIpAddress: "10.20.1.121" },
      },
    ];
  });

const stateOf = (a: SimulatedAccount, id: string) => {
  a.settle();
  return a.state().instances.get(id)?.state;
};

const stateEvents = (a: SimulatedAccount, id: string) =>
  a.serviceEvents
    .filter((e) => e["detail-type"] === "EC2 Instance State-change Notification")
    .map((e) => e.detail as { "instance-id": string; state: string })
    .filter((d) => d["instance-id"] === id)
    .map((d) => d.state);

const terminate = (a: SimulatedAccount, ids: string[], extra: Record<string, unknown> = {}) =>
  ec2(a, "TerminateInstances", { InstanceIds: ids, ...extra });

describe("TerminateInstances", () => {
  it("running → shutting-down → terminated after shuttingDownToTerminatedMs, with a state-change event for each", async () => {
    const a = vfxtAccount();
    const out = await terminate(a, [V.nodeA1]);
    expect(out).toEqual({
      TerminatingInstances: [
        {
          InstanceId: V.nodeA1,
          CurrentState: { Code: 32, Name: "shutting-down" },
          PreviousState: { Code: 16, Name: "running" },
        },
      ],
    });
    a.advance(44_999);
    expect(stateOf(a, V.nodeA1)).toBe("shutting-down");
    a.advance(1);
    expect(stateOf(a, V.nodeA1)).toBe("terminated");
    expect(stateEvents(a, V.nodeA1)).toEqual(["shutting-down", "terminated"]);
    const described = await ec2<{ Reservations: { Instances: Record<string, unknown>[] }[] }>(
      a,
      "DescribeInstances",
      { InstanceIds: [V.nodeA1] },
    );
    expect(described.Reservations[0]?.Instances[0]).toMatchObject({
      State: { Code: 48, Name: "terminated" },
      StateReason: { Code: "Client.UserInitiatedShutdown" },
      NetworkInterfaces: [],
    });
  });

  it("deletes the ENIs attached with DeleteOnTermination (their Elastic IPs disassociated); detaches the others, which keep their addresses and Elastic IPs", async () => {
    const a = withDataEni();
    await terminate(a, [V.nodeA1]);
    a.advance(45_000);
    a.settle();
    const enis = a.state().networkInterfaces;
    expect(enis.has(V.eniA1)).toBe(false);
    expect(enis.get(DATA_ENI)).toMatchObject({
      attachment: undefined,
      secondaryPrivateIpAddresses: ["10.20.1.121"],
    });
    const described = await ec2<{ NetworkInterfaces: Record<string, unknown>[] }>(
      a,
      "DescribeNetworkInterfaces",
      { NetworkInterfaceIds: [DATA_ENI] },
    );
    expect(described.NetworkInterfaces[0]?.Status).toBe("available");
    const eips = a.state().elasticIps;
    expect(eips.get(EIP_PRIMARY)?.association).toBeUndefined();
    expect(eips.get(EIP_DATA)?.association).toMatchObject({ networkInterfaceId: DATA_ENI });
  });

  it("a /32 route to a terminated node's deleted ENI becomes a blackhole", async () => {
    const a = vfxtAccount();
    await terminate(a, [NODE_B1]);
    a.advance(45_000);
    const out = await ec2<{ RouteTables: { Routes: Record<string, unknown>[] }[] }>(
      a,
      "DescribeRouteTables",
      {
        RouteTableIds: ["rtb-0af7c0de000000b01"],
      },
    );
    expect(out.RouteTables[0]?.Routes.find((r) => r.DestinationCidrBlock === "10.250.0.11/32")).toMatchObject(
      {
        NetworkInterfaceId: ENI_B1,
        State: "blackhole",
      },
    );
  });

  it("is idempotent: shutting-down and terminated are answered unchanged; stopped and stopping instances terminate", async () => {
    const a = vfxtAccount();
    await terminate(a, [V.nodeA1]);
    const again = await terminate(a, [V.nodeA1]);
    expect(again).toMatchObject({
      TerminatingInstances: [
        { CurrentState: { Name: "shutting-down" }, PreviousState: { Name: "shutting-down" } },
      ],
    });
    a.advance(45_000);
    await expect(terminate(a, [V.nodeA1])).resolves.toMatchObject({
      TerminatingInstances: [{ CurrentState: { Name: "terminated" }, PreviousState: { Name: "terminated" } }],
    });
    expect(stateEvents(a, V.nodeA1)).toEqual(["shutting-down", "terminated"]);
    await ec2(a, "StopInstances", { InstanceIds: [V.nodeA3] });
    a.advance(30_000);
    await ec2(a, "StopInstances", { InstanceIds: [V.nodeA2] });
    const out = await terminate(a, [V.nodeA2, V.nodeA3]);
    expect(out).toMatchObject({
      TerminatingInstances: [
        { CurrentState: { Name: "shutting-down" }, PreviousState: { Name: "stopping" } },
        { CurrentState: { Name: "shutting-down" }, PreviousState: { Name: "stopped" } },
      ],
    });
    // The stop in progress does not complete: the instance ends terminated.
    a.advance(45_000);
    expect([stateOf(a, V.nodeA2), stateOf(a, V.nodeA3)]).toEqual(["terminated", "terminated"]);
  });

  it("termination protection: OperationNotPermitted; instances in the protected one's zone stay, those in other zones terminate", async () => {
    const a = vfxtAccount((f) => {
      const node = f.instances?.find((i) => i.id === V.nodeA1);
      if (node !== undefined) node.disableApiTermination = true;
    });
    const e = await awsError(terminate(a, [V.nodeA1, V.nodeA2, NODE_B2]), "OperationNotPermitted");
    expect(e.message).toBe(
      `The instance '${V.nodeA1}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`,
    );
    expect([stateOf(a, V.nodeA1), stateOf(a, V.nodeA2), stateOf(a, NODE_B2)]).toEqual([
      "running",
      "running",
      "shutting-down",
    ]);
  });

  it("an unknown or malformed id fails the whole call; DryRun changes nothing; a missing list is refused", async () => {
    const a = vfxtAccount();
    await awsError(terminate(a, [V.nodeA1, "i-0123456789abcdef9"]), "InvalidInstanceID.NotFound");
    await awsError(terminate(a, ["i-nope"]), "InvalidInstanceID.Malformed");
    await awsError(terminate(a, [V.nodeA1], { DryRun: true }), "DryRunOperation");
    await awsError(ec2(a, "TerminateInstances", {}), "MissingParameter");
    expect(stateOf(a, V.nodeA1)).toBe("running");
  });

  it("a terminated instance stays visible for about an hour, then is unknown", async () => {
    const a = vfxtAccount();
    await terminate(a, [V.nodeA1]);
    a.advance(45_000 + 3_600_000);
    await expect(ec2(a, "DescribeInstances", { InstanceIds: [V.nodeA1] })).resolves.toBeDefined();
    a.advance(1);
    await awsError(ec2(a, "DescribeInstances", { InstanceIds: [V.nodeA1] }), "InvalidInstanceID.NotFound");
    const all = await ec2<{ Reservations: { Instances: { InstanceId: string }[] }[] }>(
      a,
      "DescribeInstances",
    );
    expect(all.Reservations.flatMap((r) => r.Instances.map((i) => i.InstanceId))).not.toContain(V.nodeA1);
    await awsError(terminate(a, [V.nodeA1]), "InvalidInstanceID.NotFound");
  });

  it("an Auto Scaling member terminated outside the group is marked Unhealthy at once, even within its grace period, and replaced", async () => {
    const a = firewall((raw) => {
      raw.behaviour = { ...(raw.behaviour ?? {}), healthChecks: "ec2" };
    });
    await terminate(a, [OLD]);
    expect(memberState(a, OLD)).toBe("Terminating:Wait");
    expect(launched(a)).toHaveLength(1);
    a.advance(2_000);
    a.settle();
    // The group ENIs (device 1..3, not DeleteOnTermination) are available for the replacement.
    expect(ENIS.map((id) => a.state().networkInterfaces.get(id)?.attachment)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe("through the real SDK client on the wire", () => {
  it("TerminateInstances decodes with the SDK's schema (TerminatingInstances)", async () => {
    const a = vfxtAccount();
    const server = await startSimServer(a.dispatch, { control: a.control, strict: true });
    const client = new EC2Client(sdkConfig(server.url));
    try {
      const out = await client.send(new TerminateInstancesCommand({ InstanceIds: [V.nodeA1] }));
      expect(out.TerminatingInstances).toEqual([
        {
          InstanceId: V.nodeA1,
          CurrentState: { Code: 32, Name: "shutting-down" },
          PreviousState: { Code: 16, Name: "running" },
        },
      ]);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
