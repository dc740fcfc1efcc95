/**
 * Eventual consistency ("Eventual consistency in the Amazon EC2 API",
 * https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html): with a `staleReadMs` fault
 * armed, a Describe within the window after a write answers the resource's previous version, the
 * current one after it; a resource created within the window is not found yet.
 */
import type {
  DescribeInstancesResult,
  DescribeNetworkInterfacesResult,
  DescribeRouteTablesResult,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import type { SimulatedAccount } from "../../../sim";
import { firewall, GROUP } from "./asg-fixture";
import { asg, awsError, DEMO, demoAccount, ec2 } from "./helpers";

const WINDOW = 5000;

const stale = (a: SimulatedAccount, operation: string) =>
  a.faults.add({ service: "ec2", operation, staleReadMs: WINDOW });

const routeTable = async (a: SimulatedAccount, id: string) =>
  (await ec2<DescribeRouteTablesResult>(a, "DescribeRouteTables", { RouteTableIds: [id] })).RouteTables?.[0];

const eni = async (a: SimulatedAccount, id: string) =>
  (await ec2<DescribeNetworkInterfacesResult>(a, "DescribeNetworkInterfaces", { NetworkInterfaceIds: [id] }))
    .NetworkInterfaces?.[0];

const instance = async (a: SimulatedAccount, id: string) =>
  (await ec2<DescribeInstancesResult>(a, "DescribeInstances", { InstanceIds: [id] })).Reservations?.[0]
    ?.Instances?.[0];

const tagValue = (tags: { Key?: string; Value?: string }[] | undefined, key: string) =>
  tags?.find((t) => t.Key === key)?.Value;

describe("stale-read fault: a Describe within the window answers the version before the write", () => {
  it("route table tags: old within the window, new after it", async () => {
    const a = demoAccount();
    stale(a, "DescribeRouteTables");
    await ec2(a, "CreateTags", { Resources: [DEMO.appRouteTable], Tags: [{ Key: "state", Value: "vpn" }] });
    a.advance(WINDOW - 1000);
    expect(tagValue((await routeTable(a, DEMO.appRouteTable))?.Tags, "state")).toBeUndefined();
    a.advance(1000);
    expect(tagValue((await routeTable(a, DEMO.appRouteTable))?.Tags, "state")).toBe("vpn");
  });

  it("routes: the version before the last write (earlier writes in the window show), new after it", async () => {
    const a = demoAccount();
    stale(a, "DescribeRouteTables");
    const routesBefore = (await routeTable(a, DEMO.appRouteTable))?.Routes?.length ?? 0;
    await ec2(a, "CreateTags", { Resources: [DEMO.appRouteTable], Tags: [{ Key: "state", Value: "vpn" }] });
    await ec2(a, "CreateRoute", {
      RouteTableId: DEMO.appRouteTable,
      DestinationCidrBlock: "10.99.0.0/16",
      NetworkInterfaceId: DEMO.routerEni,
    });
    const old = await routeTable(a, DEMO.appRouteTable);
    expect(tagValue(old?.Tags, "state")).toBe("vpn");
    expect(old?.Routes).toHaveLength(routesBefore);
    a.advance(WINDOW);
    const fresh = await routeTable(a, DEMO.appRouteTable);
    expect(fresh?.Routes?.map((r) => r.DestinationCidrBlock)).toContain("10.99.0.0/16");
  });

  it("ENI tags and attachment: old tags, then a detached ENI reads attached, until the window ends", async () => {
    const a = demoAccount();
    stale(a, "DescribeNetworkInterfaces");
    await ec2(a, "CreateTags", {
      Resources: [DEMO.routerInsideEni],
      Tags: [{ Key: "role", Value: "spare" }],
    });
    const attached = await eni(a, DEMO.routerInsideEni);
    expect(tagValue(attached?.TagSet, "role")).toBeUndefined();
    await ec2(a, "DetachNetworkInterface", { AttachmentId: attached?.Attachment?.AttachmentId });
    a.advance(3000);
    const old = await eni(a, DEMO.routerInsideEni);
    expect(old?.Attachment?.InstanceId).toBe(DEMO.router);
    expect(old?.Attachment?.Status).toBe("attached");
    a.advance(WINDOW);
    const fresh = await eni(a, DEMO.routerInsideEni);
    expect(fresh?.Attachment).toBeUndefined();
    expect(fresh?.Status).toBe("available");
    expect(tagValue(fresh?.TagSet, "role")).toBe("spare");
  });

  it("instance state: a stopping instance reads running within the window", async () => {
    const a = demoAccount();
    stale(a, "DescribeInstances");
    await ec2(a, "StopInstances", { InstanceIds: [DEMO.happy] });
    expect((await instance(a, DEMO.happy))?.State?.Name).toBe("running");
    a.advance(WINDOW);
    expect((await instance(a, DEMO.happy))?.State?.Name).not.toBe("running");
  });

  it("an instance Auto Scaling just launched: InvalidInstanceID.NotFound within the window, found after", async () => {
    const a = firewall();
    stale(a, "DescribeInstances");
    const before = new Set(a.state().instances.keys());
    await asg(a, "SetDesiredCapacity", { AutoScalingGroupName: GROUP, DesiredCapacity: 2 });
    a.advance(1000);
    const launched = [...a.state().instances.keys()].find((id) => !before.has(id));
    expect(launched).toBeDefined();
    const e = await awsError(
      ec2(a, "DescribeInstances", { InstanceIds: [launched] }),
      "InvalidInstanceID.NotFound",
    );
    expect(e.message).toContain(String(launched));
    a.advance(WINDOW);
    expect((await instance(a, String(launched)))?.InstanceId).toBe(launched);
  });

  it("only the fault's operation reads stale; without a fault every read is consistent", async () => {
    const a = demoAccount();
    stale(a, "DescribeRouteTables");
    await ec2(a, "CreateTags", { Resources: [DEMO.routerEni], Tags: [{ Key: "k", Value: "v" }] });
    expect(tagValue((await eni(a, DEMO.routerEni))?.TagSet, "k")).toBe("v");
    const b = demoAccount();
    await ec2(b, "CreateTags", { Resources: [DEMO.appRouteTable], Tags: [{ Key: "k", Value: "v" }] });
    expect(tagValue((await routeTable(b, DEMO.appRouteTable))?.Tags, "k")).toBe("v");
  });

  it("writes made before the fault was armed are not kept (opt-in: nothing recorded without a fault)", async () => {
    const a = demoAccount();
    await ec2(a, "CreateTags", { Resources: [DEMO.appRouteTable], Tags: [{ Key: "k", Value: "v" }] });
    stale(a, "DescribeRouteTables");
    expect(tagValue((await routeTable(a, DEMO.appRouteTable))?.Tags, "k")).toBe("v");
  });

  it("a fault needs an error, a latency or a stale-read window", () => {
    const a = demoAccount();
    expect(() => a.faults.add({ operation: "DescribeInstances", staleReadMs: 0 })).toThrow(/staleReadMs/);
  });
});
