import {
  DescribeInstancesCommand,
  type DescribeInstancesResult,
  DescribeRouteTablesCommand,
  type DescribeRouteTablesResult,
  EC2Client,
  StopInstancesCommand,
  type StopInstancesResult,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SimAwsError } from "../../../sim/types";
import type { SimServer } from "../../../sim/wire";
import { body, clientConfig, output, rejection, type StubAccount, startStubServer } from "./helpers";

let server: SimServer;
let account: StubAccount;
let ec2: EC2Client;

beforeAll(async () => {
  ({ server, account } = await startStubServer());
  ec2 = new EC2Client(clientConfig(server));
});
afterAll(async () => {
  ec2.destroy();
  await server.close();
});
beforeEach(() => account.reset());

const LAUNCH = new Date("2026-11-20T08:15:42.000Z");
const ATTACH = new Date("2026-11-20T08:15:43.517Z");

const INSTANCES: DescribeInstancesResult = {
  Reservations: [
    {
      ReservationId: "r-0123456789abcdef0",
      OwnerId: "123456789012",
      Groups: [],
      Instances: [
        {
          InstanceId: "i-0aaaaaaaaaaaaaaa1",
          InstanceType: "m5.large",
          ImageId: "ami-0123",
          LaunchTime: LAUNCH,
          State: { Code: 80, Name: "stopped" },
          StateReason: {
            Code: "Client.UserInitiatedShutdown",
            Message: "Client.UserInitiatedShutdown: User initiated shutdown",
          },
          StateTransitionReason: "User initiated (2026-11-20 09:00:00 GMT)",
          HibernationOptions: { Configured: false },
          EbsOptimized: false,
          Placement: { AvailabilityZone: "eu-west-1a", Tenancy: "default" },
          CpuOptions: { CoreCount: 1, ThreadsPerCore: 2 },
          Monitoring: { State: "disabled" },
          PrivateIpAddress: "10.0.1.10",
          SubnetId: "subnet-1",
          VpcId: "vpc-1",
          SourceDestCheck: false,
          Tags: [
            { Key: "ops:hibernate", Value: "idle" },
            { Key: "Name", Value: `web <1> & "two" 'three'\n\ttabbed — ünïcødé 🚀` },
          ],
          NetworkInterfaces: [
            {
              NetworkInterfaceId: "eni-1",
              Attachment: {
                AttachmentId: "eni-attach-1",
                AttachTime: ATTACH,
                DeleteOnTermination: true,
                DeviceIndex: 0,
                NetworkCardIndex: 0,
                Status: "attached",
              },
              Groups: [{ GroupId: "sg-1", GroupName: "default" }],
              PrivateIpAddress: "10.0.1.10",
              PrivateIpAddresses: [
                { Primary: true, PrivateIpAddress: "10.0.1.10", PrivateDnsName: "ip-10-0-1-10.internal" },
                { Primary: false, PrivateIpAddress: "10.0.1.11" },
              ],
              Ipv6Addresses: [],
              SourceDestCheck: false,
              Status: "in-use",
            },
          ],
          BlockDeviceMappings: [
            {
              DeviceName: "/dev/xvda",
              Ebs: { VolumeId: "vol-1", Status: "attached", DeleteOnTermination: true, AttachTime: LAUNCH },
            },
          ],
        },
      ],
    },
  ],
  NextToken: "token/with+special=chars",
};

describe("EC2 (ec2Query) round trips through the real EC2Client", () => {
  it("DescribeInstances: decodes InstanceIds and Filters exactly, and returns every field intact", async () => {
    account.on("ec2:DescribeInstances", (input) => {
      expect(input).toStrictEqual({
        InstanceIds: ["i-0aaaaaaaaaaaaaaa1", "i-0bbbbbbbbbbbbbbb2"],
        Filters: [
          { Name: "instance-state-name", Values: ["running", "stopped"] },
          { Name: "tag:ops:hibernate", Values: ["idle"] },
        ],
        DryRun: false,
      });
      return output(INSTANCES);
    });
    const res = await ec2.send(
      new DescribeInstancesCommand({
        InstanceIds: ["i-0aaaaaaaaaaaaaaa1", "i-0bbbbbbbbbbbbbbb2"],
        Filters: [
          { Name: "instance-state-name", Values: ["running", "stopped"] },
          { Name: "tag:ops:hibernate", Values: ["idle"] },
        ],
        DryRun: false,
      }),
    );
    expect(body(res)).toStrictEqual(INSTANCES);

    const instance = res.Reservations?.[0]?.Instances?.[0];
    expect(instance?.LaunchTime).toBeInstanceOf(Date);
    expect(instance?.LaunchTime?.getTime()).toBe(LAUNCH.getTime());
    expect(instance?.NetworkInterfaces?.[0]?.Attachment?.AttachTime?.getTime()).toBe(ATTACH.getTime());
    expect(instance?.HibernationOptions).toStrictEqual({ Configured: false });
    expect(instance?.State).toStrictEqual({ Code: 80, Name: "stopped" });
    expect(instance?.StateReason?.Code).toBe("Client.UserInitiatedShutdown");
    expect(instance?.NetworkInterfaces?.[0]?.PrivateIpAddresses?.map((p) => p.Primary)).toStrictEqual([
      true,
      false,
    ]);
    expect(instance?.Tags?.[1]?.Value).toBe(`web <1> & "two" 'three'\n\ttabbed — ünïcødé 🚀`);

    const { ctx } = account.only();
    expect(ctx).toMatchObject({ service: "ec2", operation: "DescribeInstances", region: "eu-west-1" });
    expect(res.$metadata.requestId).toBe(ctx.requestId);
    expect(res.$metadata.httpStatusCode).toBe(200);
  });

  it("StopInstances: booleans Hibernate / DryRun / Force decode as booleans", async () => {
    const stopped: StopInstancesResult = {
      StoppingInstances: [
        {
          InstanceId: "i-1",
          CurrentState: { Code: 64, Name: "stopping" },
          PreviousState: { Code: 16, Name: "running" },
        },
      ],
    };
    account.on("ec2:StopInstances", (input) => {
      expect(input).toStrictEqual({ InstanceIds: ["i-1"], Hibernate: true, DryRun: false, Force: true });
      return output(stopped);
    });
    const res = await ec2.send(
      new StopInstancesCommand({ InstanceIds: ["i-1"], Hibernate: true, DryRun: false, Force: true }),
    );
    expect(body(res)).toStrictEqual(stopped);
  });

  it("DescribeRouteTables: Routes (Origin, State, NetworkInterfaceId) and PropagatingVgws", async () => {
    const tables: DescribeRouteTablesResult = {
      RouteTables: [
        {
          RouteTableId: "rtb-1",
          VpcId: "vpc-1",
          OwnerId: "123456789012",
          Associations: [
            {
              Main: true,
              RouteTableAssociationId: "rtbassoc-1",
              RouteTableId: "rtb-1",
              AssociationState: { State: "associated" },
            },
            {
              Main: false,
              SubnetId: "subnet-1",
              RouteTableAssociationId: "rtbassoc-2",
              RouteTableId: "rtb-1",
            },
          ],
          Routes: [
            {
              DestinationCidrBlock: "10.0.0.0/16",
              GatewayId: "local",
              Origin: "CreateRouteTable",
              State: "active",
            },
            {
              DestinationCidrBlock: "10.9.9.9/32",
              NetworkInterfaceId: "eni-1",
              InstanceId: "i-1",
              InstanceOwnerId: "123456789012",
              Origin: "CreateRoute",
              State: "blackhole",
            },
            {
              DestinationCidrBlock: "192.168.0.0/16",
              GatewayId: "vgw-1",
              Origin: "EnableVgwRoutePropagation",
              State: "active",
            },
            { DestinationPrefixListId: "pl-1", GatewayId: "vpce-1", Origin: "CreateRoute", State: "active" },
          ],
          PropagatingVgws: [{ GatewayId: "vgw-1" }],
          Tags: [],
        },
      ],
    };
    account.on("ec2:DescribeRouteTables", (input) => {
      expect(input).toStrictEqual({
        Filters: [{ Name: "route.destination-cidr-block", Values: ["10.9.9.9/32"] }],
        RouteTableIds: ["rtb-1"],
      });
      return output(tables);
    });
    const res = await ec2.send(
      new DescribeRouteTablesCommand({
        RouteTableIds: ["rtb-1"],
        Filters: [{ Name: "route.destination-cidr-block", Values: ["10.9.9.9/32"] }],
      }),
    );
    expect(body(res)).toStrictEqual(tables);
    expect(res.RouteTables?.[0]?.Tags).toStrictEqual([]);
  });

  it("an EC2 error (IncorrectInstanceState, 400) surfaces with its code, status and request id", async () => {
    account.on("ec2:StopInstances", () => {
      throw new SimAwsError(
        "IncorrectInstanceState",
        "The instance 'i-1' is not in a state from which it can be stopped.",
        400,
      );
    });
    const err = await rejection(ec2.send(new StopInstancesCommand({ InstanceIds: ["i-1"] })));
    expect(err.name).toBe("IncorrectInstanceState");
    expect(err.Code).toBe("IncorrectInstanceState");
    expect(err.message).toBe("The instance 'i-1' is not in a state from which it can be stopped.");
    expect(err.$fault).toBe("client");
    expect(err.$metadata).toMatchObject({ httpStatusCode: 400, requestId: account.only().ctx.requestId });
  });

  it("DryRunOperation answers 412", async () => {
    account.on("ec2:StopInstances", () => {
      throw new SimAwsError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412);
    });
    const err = await rejection(ec2.send(new StopInstancesCommand({ InstanceIds: ["i-1"], DryRun: true })));
    expect(err.name).toBe("DryRunOperation");
    expect(err.$metadata).toMatchObject({ httpStatusCode: 412 });
    expect(account.only().input).toStrictEqual({ InstanceIds: ["i-1"], DryRun: true });
  });

  it("RequestLimitExceeded (503) is retried by the SDK", async () => {
    const retrying = new EC2Client(clientConfig(server, "eu-west-1", 2));
    account.on("ec2:DescribeInstances", (_input, _ctx, attempt) => {
      if (attempt === 1) throw new SimAwsError("RequestLimitExceeded", "Request limit exceeded.", 503);
      return output({ Reservations: [] });
    });
    const res = await retrying.send(new DescribeInstancesCommand({}));
    expect(res.Reservations).toStrictEqual([]);
    expect(account.calls).toHaveLength(2);
    expect(res.$metadata.attempts).toBe(2);
    retrying.destroy();
  });

  it("RequestLimitExceeded on every attempt surfaces after maxAttempts", async () => {
    const retrying = new EC2Client(clientConfig(server, "eu-west-1", 2));
    account.on("ec2:DescribeInstances", () => {
      throw new SimAwsError("RequestLimitExceeded", "Request limit exceeded.", 503);
    });
    const err = await rejection(retrying.send(new DescribeInstancesCommand({})));
    expect(err.name).toBe("RequestLimitExceeded");
    expect(err.$metadata).toMatchObject({ httpStatusCode: 503, attempts: 2 });
    expect(account.calls).toHaveLength(2);
    retrying.destroy();
  });

  it("takes the region from the SigV4 credential scope", async () => {
    const sydney = new EC2Client(clientConfig(server, "ap-southeast-2"));
    account.on("ec2:DescribeInstances", () => output({}));
    await sydney.send(new DescribeInstancesCommand({}));
    expect(account.only().ctx.region).toBe("ap-southeast-2");
    sydney.destroy();
  });
});
