import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  DescribeWarmPoolCommand,
  ResourceContentionFault,
  SetInstanceHealthCommand,
  StartInstanceRefreshCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SimulatedAccount } from "../../../sim";
import { type SimServer, startSimServer } from "../../../sim/wire";
import { firewall, GROUP, groupOf, OLD } from "../account/asg-fixture";
import { clientConfig } from "./helpers";

/**
 * The Auto Scaling engine's operations and the Outposts metric through the real SDK clients, with the
 * server in strict mode (an output that does not match the SDK's schema fails the call).
 */

let account: SimulatedAccount;
let server: SimServer;
let asg: AutoScalingClient;
let cw: CloudWatchClient;

beforeAll(async () => {
  server = await startSimServer((ctx, input) => account.dispatch(ctx, input), { strict: true });
  asg = new AutoScalingClient(clientConfig(server, "us-east-1"));
  cw = new CloudWatchClient(clientConfig(server, "us-east-1"));
});
afterAll(async () => {
  asg.destroy();
  cw.destroy();
  await server.close();
});
beforeEach(() => {
  account = firewall((raw) => {
    Object.assign(groupOf(raw), {
      instanceMaintenancePolicy: { minHealthyPercentage: 100, maxHealthyPercentage: 110 },
      instanceLifecyclePolicy: { retentionTriggers: { terminateHookAbandon: "retain" } },
      warmPool: { minSize: 0, poolState: "Hibernated" },
      defaultInstanceWarmup: 60,
    });
  });
});

describe("Auto Scaling engine over the wire", () => {
  it("DescribeAutoScalingGroups shows the policies; DescribeWarmPool its configuration", async () => {
    const out = await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }));
    expect(out.AutoScalingGroups?.[0]).toMatchObject({
      InstanceMaintenancePolicy: { MinHealthyPercentage: 100, MaxHealthyPercentage: 110 },
      InstanceLifecyclePolicy: { RetentionTriggers: { TerminateHookAbandon: "retain" } },
      WarmPoolConfiguration: {
        MinSize: 0,
        PoolState: "Hibernated",
        InstanceReusePolicy: { ReuseOnScaleIn: false },
      },
      WarmPoolSize: 0,
      DefaultInstanceWarmup: 60,
    });
    const pool = await asg.send(new DescribeWarmPoolCommand({ AutoScalingGroupName: GROUP }));
    expect(pool.Instances).toEqual([]);
  });

  it("SetInstanceHealth, StartInstanceRefresh / DescribeInstanceRefreshes, TerminateInstanceInAutoScalingGroup", async () => {
    await asg.send(new SetInstanceHealthCommand({ InstanceId: OLD, HealthStatus: "Unhealthy" }));
    expect(account.state().asg.replacements).toHaveLength(1);
    const started = await asg.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: GROUP,
        Preferences: { MinHealthyPercentage: 100 },
      }),
    );
    const listed = await asg.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: GROUP }));
    expect(listed.InstanceRefreshes?.[0]).toMatchObject({
      InstanceRefreshId: started.InstanceRefreshId,
      Preferences: { MinHealthyPercentage: 100, MaxHealthyPercentage: 110, InstanceWarmup: 60 },
      Strategy: "Rolling",
    });
    expect(listed.InstanceRefreshes?.[0]?.StartTime).toBeInstanceOf(Date);
    const terminated = await asg.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: OLD,
        ShouldDecrementDesiredCapacity: false,
      }),
    );
    expect(terminated.Activity).toMatchObject({ AutoScalingGroupName: GROUP, StatusCode: "InProgress" });
  });

  it("ResourceContention reaches the SDK as ResourceContentionFault (500, server fault)", async () => {
    account.faults.add({
      service: "autoscaling",
      operation: "CompleteLifecycleAction",
      error: { code: "ResourceContention" },
    });
    const error = await asg
      .send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: GROUP,
          LifecycleHookName: "fw-launch",
          InstanceId: OLD,
          LifecycleActionResult: "CONTINUE",
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceContentionFault);
    expect((error as ResourceContentionFault).$metadata.httpStatusCode).toBe(500);
    expect((error as ResourceContentionFault).$fault).toBe("server");
  });

  it("GetMetricData: AWS/Outposts capacity with an empty series for a missing metric", async () => {
    const out = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date("2026-11-21T11:45:00Z"),
        EndTime: new Date("2026-11-21T12:00:00Z"),
        MetricDataQueries: ["c5.xlarge", "r5.large"].map((type, i) => ({
          Id: `q${i}`,
          MetricStat: {
            Metric: {
              Namespace: "AWS/Outposts",
              MetricName: "AvailableInstanceType_Count",
              Dimensions: [
                { Name: "OutpostId", Value: "op-0a1b2c3d4e5f60001" },
                { Name: "InstanceType", Value: type },
              ],
            },
            Period: 300,
            Stat: "Minimum",
          },
        })),
      }),
    );
    expect(out.MetricDataResults?.map((r) => [r.Id, r.Values, r.StatusCode])).toEqual([
      ["q0", [2, 2, 2], "Complete"],
      ["q1", [], "Complete"],
    ]);
  });
});
