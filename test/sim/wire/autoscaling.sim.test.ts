import {
  AutoScalingClient,
  type AutoScalingGroupsType,
  type AutoScalingInstancesType,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  ResourceContentionFault,
} from "@aws-sdk/client-auto-scaling";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SimAwsError } from "../../../sim/types";
import type { SimServer } from "../../../sim/wire";
import { body, clientConfig, output, rejection, type StubAccount, startStubServer } from "./helpers";

let server: SimServer;
let account: StubAccount;
let asg: AutoScalingClient;

beforeAll(async () => {
  ({ server, account } = await startStubServer());
  asg = new AutoScalingClient(clientConfig(server, "us-west-2"));
});
afterAll(async () => {
  asg.destroy();
  await server.close();
});
beforeEach(() => account.reset());

describe("Auto Scaling (awsQuery) round trips through the real AutoScalingClient", () => {
  it("DescribeAutoScalingInstances: member lists in, <member> lists out", async () => {
    const instances: AutoScalingInstancesType = {
      AutoScalingInstances: [
        {
          InstanceId: "i-1",
          InstanceType: "c5.xlarge",
          AutoScalingGroupName: "vfxt-asg",
          AvailabilityZone: "us-west-2a",
          LifecycleState: "Pending:Wait",
          HealthStatus: "HEALTHY",
          ProtectedFromScaleIn: false,
          LaunchTemplate: { LaunchTemplateId: "lt-1", LaunchTemplateName: "vfxt", Version: "3" },
        },
        {
          InstanceId: "i-2",
          AutoScalingGroupName: "vfxt-asg",
          AvailabilityZone: "us-west-2b",
          LifecycleState: "InService",
          HealthStatus: "HEALTHY",
          ProtectedFromScaleIn: true,
        },
      ],
      NextToken: "next-1",
    };
    account.on("autoscaling:DescribeAutoScalingInstances", (input) => {
      expect(input).toStrictEqual({ InstanceIds: ["i-1", "i-2"], MaxRecords: 50 });
      return output(instances);
    });
    const res = await asg.send(
      new DescribeAutoScalingInstancesCommand({ InstanceIds: ["i-1", "i-2"], MaxRecords: 50 }),
    );
    expect(body(res)).toStrictEqual(instances);
    const { ctx } = account.only();
    expect(ctx).toMatchObject({
      service: "autoscaling",
      operation: "DescribeAutoScalingInstances",
      region: "us-west-2",
    });
    expect(res.$metadata.requestId).toBe(ctx.requestId);
  });

  it("DescribeAutoScalingGroups: Filters, nested lists, timestamps, numbers, empty lists", async () => {
    const groups: AutoScalingGroupsType = {
      AutoScalingGroups: [
        {
          AutoScalingGroupName: "vfxt-asg",
          AutoScalingGroupARN:
            "arn:aws:autoscaling:us-west-2:123456789012:autoScalingGroup:uuid:autoScalingGroupName/vfxt-asg",
          MinSize: 1,
          MaxSize: 3,
          DesiredCapacity: 2,
          DefaultCooldown: 300,
          AvailabilityZones: ["us-west-2a", "us-west-2b"],
          HealthCheckType: "EC2",
          HealthCheckGracePeriod: 0,
          CreatedTime: new Date("2026-01-02T03:04:05.678Z"),
          VPCZoneIdentifier: "subnet-1,subnet-2",
          Instances: [
            {
              InstanceId: "i-1",
              AvailabilityZone: "us-west-2a",
              LifecycleState: "InService",
              HealthStatus: "Healthy",
              ProtectedFromScaleIn: false,
            },
          ],
          SuspendedProcesses: [],
          EnabledMetrics: [],
          LoadBalancerNames: [],
          TargetGroupARNs: [],
          Tags: [
            {
              Key: "ops:eni-attach",
              Value: "vfxt-asg/1",
              PropagateAtLaunch: true,
              ResourceId: "vfxt-asg",
              ResourceType: "auto-scaling-group",
            },
          ],
          NewInstancesProtectedFromScaleIn: false,
          CapacityRebalance: true,
        },
      ],
    };
    account.on("autoscaling:DescribeAutoScalingGroups", (input) => {
      expect(input).toStrictEqual({
        AutoScalingGroupNames: ["vfxt-asg"],
        Filters: [{ Name: "tag:ops:eni-attach", Values: ["vfxt-asg/1", "vfxt-asg/2"] }],
      });
      return output(groups);
    });
    const res = await asg.send(
      new DescribeAutoScalingGroupsCommand({
        AutoScalingGroupNames: ["vfxt-asg"],
        Filters: [{ Name: "tag:ops:eni-attach", Values: ["vfxt-asg/1", "vfxt-asg/2"] }],
      }),
    );
    expect(body(res)).toStrictEqual(groups);
  });

  it("CompleteLifecycleAction: all members decoded, empty result", async () => {
    account.on("autoscaling:CompleteLifecycleAction", (input) => {
      expect(input).toStrictEqual({
        LifecycleHookName: "eni-attach",
        AutoScalingGroupName: "vfxt-asg",
        LifecycleActionToken: "bcd2f1b8-9a78-44d3-8a7a-4dd07d7cf635",
        LifecycleActionResult: "CONTINUE",
        InstanceId: "i-1",
      });
      return {};
    });
    const res = await asg.send(
      new CompleteLifecycleActionCommand({
        LifecycleHookName: "eni-attach",
        AutoScalingGroupName: "vfxt-asg",
        LifecycleActionToken: "bcd2f1b8-9a78-44d3-8a7a-4dd07d7cf635",
        LifecycleActionResult: "CONTINUE",
        InstanceId: "i-1",
      }),
    );
    expect(body(res)).toStrictEqual({});
    expect(res.$metadata.httpStatusCode).toBe(200);
  });

  it("ValidationError surfaces with name, Code, Type and status", async () => {
    account.on("autoscaling:CompleteLifecycleAction", () => {
      throw new SimAwsError("ValidationError", "No active Lifecycle Action found with instance ID i-1", 400);
    });
    const err = await rejection(
      asg.send(
        new CompleteLifecycleActionCommand({
          LifecycleHookName: "h",
          AutoScalingGroupName: "g",
          LifecycleActionResult: "CONTINUE",
          InstanceId: "i-1",
        }),
      ),
    );
    expect(err.name).toBe("ValidationError");
    expect(err.Code).toBe("ValidationError");
    expect(err.Type).toBe("Sender");
    expect(err.message).toBe("No active Lifecycle Action found with instance ID i-1");
    expect(err.$metadata).toMatchObject({ httpStatusCode: 400, requestId: account.only().ctx.requestId });
  });

  it.each([
    ["the query code", "ResourceContention"],
    ["the shape name", "ResourceContentionFault"],
  ])("a modelled error given by %s becomes the SDK's modelled exception", async (_label, code) => {
    account.on("autoscaling:DescribeAutoScalingInstances", () => {
      throw new SimAwsError(
        code,
        "You already have a pending update to an Auto Scaling resource.",
        500,
        "server",
      );
    });
    const err = await rejection(asg.send(new DescribeAutoScalingInstancesCommand({})));
    expect(err).toBeInstanceOf(ResourceContentionFault);
    expect(err.name).toBe("ResourceContentionFault");
    expect(err.Code).toBe("ResourceContention");
    expect(err.Type).toBe("Receiver");
    expect(err.$fault).toBe("server");
    expect(err.$metadata).toMatchObject({ httpStatusCode: 500 });
  });
});
