import {
  DescribeInstanceStatusCommand,
  type DescribeInstanceStatusResult,
  type DescribeInstancesResult,
  EC2Client,
  StartInstancesCommand,
  type StartInstancesResult,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import {
  type AccountFixtureInput,
  diffSnapshots,
  type FixtureError,
  parseFixture,
  type SimulatedAccount,
} from "../../../sim";
import { startSimServer } from "../../../sim/wire";
import { awsError, ec2 } from "./helpers";
import { sdkConfig, V, VFXT_PATH, vfxtAccount, vfxtJson } from "./vfxt-fixture";

/** Issue 11: status checks (DescribeInstanceStatus), StartInstances, and the impaired-instance hook. */

const START = Date.parse("2026-03-02T09:00:00.000Z");

const stopped =
  (...ids: string[]) =>
  (f: AccountFixtureInput) => {
    for (const i of f.instances ?? []) if (ids.includes(i.id)) i.state = "stopped";
  };

const statuses = async (a: SimulatedAccount, input: Record<string, unknown> = {}) =>
  (await ec2<DescribeInstanceStatusResult>(a, "DescribeInstanceStatus", input)).InstanceStatuses ?? [];

const checksOf = async (a: SimulatedAccount, id: string) => {
  const s = (await statuses(a, { InstanceIds: [id], IncludeAllInstances: true }))[0];
  return { instance: s?.InstanceStatus?.Status, system: s?.SystemStatus?.Status };
};

const instance = async (a: SimulatedAccount, id: string) =>
  (await ec2<DescribeInstancesResult>(a, "DescribeInstances", { InstanceIds: [id] })).Reservations?.[0]
    ?.Instances?.[0];

describe("DescribeInstanceStatus", () => {
  it("describes running instances only, even named ones, unless IncludeAllInstances", async () => {
    const a = vfxtAccount(stopped(V.nodeA1));
    expect((await statuses(a)).map((s) => s.InstanceId)).not.toContain(V.nodeA1);
    expect(await statuses(a, { InstanceIds: [V.nodeA1] })).toEqual([]);
    expect(await statuses(a, { Filters: [{ Name: "instance-state-name", Values: ["stopped"] }] })).toEqual(
      [],
    );
    const all = await statuses(a, { InstanceIds: [V.nodeA1, V.nodeA2], IncludeAllInstances: true });
    expect(all).toEqual([
      {
        AvailabilityZone: "us-east-1a",
        InstanceId: V.nodeA1,
        InstanceState: { Code: 80, Name: "stopped" },
        InstanceStatus: { Status: "not-applicable" },
        SystemStatus: { Status: "not-applicable" },
        AttachedEbsStatus: { Status: "not-applicable" },
        Events: [],
      },
      {
        AvailabilityZone: "us-east-1a",
        InstanceId: V.nodeA2,
        InstanceState: { Code: 16, Name: "running" },
        InstanceStatus: { Status: "ok", Details: [{ Name: "reachability", Status: "passed" }] },
        SystemStatus: { Status: "ok", Details: [{ Name: "reachability", Status: "passed" }] },
        AttachedEbsStatus: { Status: "ok", Details: [{ Name: "reachability", Status: "passed" }] },
        Events: [],
      },
    ]);
  });

  it("a fixture instance launched within behaviour.statusInitializingMs is still initializing", async () => {
    const a = vfxtAccount((f) => {
      const node = f.instances?.find((i) => i.id === V.nodeA3);
      if (node) node.launchTime = "2026-03-02T08:59:00.000Z";
    });
    expect((await statuses(a, { InstanceIds: [V.nodeA3] }))[0]?.InstanceStatus).toEqual({
      Status: "initializing",
      Details: [{ Name: "reachability", Status: "initializing" }],
    });
    a.advance(59_999);
    expect(await checksOf(a, V.nodeA3)).toEqual({ instance: "initializing", system: "initializing" });
    a.advance(1);
    expect(await checksOf(a, V.nodeA3)).toEqual({ instance: "ok", system: "ok" });
  });

  it("an instance another module built without checks reads as settled for its state", async () => {
    const a = vfxtAccount(stopped(V.nodeA1));
    for (const id of [V.nodeA1, V.nodeA2]) {
      const inst = a.state().instances.get(id);
      if (inst) inst.status = undefined;
    }
    expect(await checksOf(a, V.nodeA1)).toEqual({ instance: "not-applicable", system: "not-applicable" });
    expect(await checksOf(a, V.nodeA2)).toEqual({ instance: "ok", system: "ok" });
    expect(a.setInstanceStatus(V.nodeA2, { system: "impaired" })).toMatchObject({
      instance: "ok",
      system: "impaired",
    });
  });

  it("filters on the checks; ids and MaxResults are checked as EC2 does", async () => {
    const a = vfxtAccount();
    a.setInstanceStatus(V.nodeA2, { system: "impaired" });
    const impaired = await statuses(a, { Filters: [{ Name: "system-status.status", Values: ["impaired"] }] });
    expect(impaired.map((s) => s.InstanceId)).toEqual([V.nodeA2]);
    const failed = await statuses(a, {
      Filters: [{ Name: "system-status.reachability", Values: ["failed"] }],
    });
    expect(failed.map((s) => s.InstanceId)).toEqual([V.nodeA2]);
    await awsError(
      ec2(a, "DescribeInstanceStatus", { InstanceIds: ["i-00000000000000000"] }),
      "InvalidInstanceID.NotFound",
    );
    await awsError(ec2(a, "DescribeInstanceStatus", { InstanceIds: ["i-x"] }), "InvalidInstanceID.Malformed");
    await awsError(
      ec2(a, "DescribeInstanceStatus", { InstanceIds: [V.nodeA1], MaxResults: 5 }),
      "InvalidParameterCombination",
    );
    const ids = Array.from({ length: 101 }, (_, i) => `i-${i.toString(16).padStart(17, "0")}`);
    await awsError(ec2(a, "DescribeInstanceStatus", { InstanceIds: ids }), "InvalidParameterValue");
    const page = await ec2<DescribeInstanceStatusResult>(a, "DescribeInstanceStatus", { MaxResults: 5 });
    expect(page.InstanceStatuses).toHaveLength(5);
    expect(page.NextToken).toBeDefined();
    await awsError(ec2(a, "DescribeInstanceStatus", { DryRun: true }), "DryRunOperation", 412);
  });

  it("a terminated instance: not-applicable while EC2 keeps it visible (about an hour), then unknown", async () => {
    const a = vfxtAccount((f) => {
      const node = f.instances?.find((i) => i.id === V.nodeA1);
      if (node) node.state = "terminated";
    });
    expect(await statuses(a, { InstanceIds: [V.nodeA1], IncludeAllInstances: true })).toEqual([
      expect.objectContaining({
        InstanceState: { Code: 48, Name: "terminated" },
        InstanceStatus: { Status: "not-applicable" },
      }),
    ]);
    a.advance(3_600_000);
    expect(await statuses(a, { InstanceIds: [V.nodeA1], IncludeAllInstances: true })).toHaveLength(1);
    a.advance(1);
    await awsError(
      ec2(a, "DescribeInstanceStatus", { InstanceIds: [V.nodeA1, V.nodeA2], IncludeAllInstances: true }),
      "InvalidInstanceID.NotFound",
    );
    const all = await statuses(a, { IncludeAllInstances: true });
    expect(all.map((s) => s.InstanceId)).not.toContain(V.nodeA1);
    expect(all.map((s) => s.InstanceId)).toContain(V.nodeA2);
  });
});

describe("StartInstances", () => {
  it("stopped → pending → running on the simulated clock; checks initializing, then ok", async () => {
    const a = vfxtAccount((f) => {
      stopped(V.nodeA1)(f);
      f.behaviour = { ...f.behaviour, statusInitializingMs: 90_000 };
    });
    a.advance(1_000);
    const out = await ec2<StartInstancesResult>(a, "StartInstances", { InstanceIds: [V.nodeA1] });
    expect(out.StartingInstances).toEqual([
      {
        InstanceId: V.nodeA1,
        CurrentState: { Code: 0, Name: "pending" },
        PreviousState: { Code: 80, Name: "stopped" },
      },
    ]);
    expect(await instance(a, V.nodeA1)).toMatchObject({
      State: { Name: "pending" },
      StateReason: { Code: "pending", Message: "pending" },
      StateTransitionReason: "",
      LaunchTime: new Date(START + 1_000),
    });
    expect(await statuses(a, { InstanceIds: [V.nodeA1] })).toEqual([]);
    a.advance(15_000);
    const running = await instance(a, V.nodeA1);
    expect(running?.State?.Name).toBe("running");
    expect(running?.StateReason).toBeUndefined();
    expect(await checksOf(a, V.nodeA1)).toEqual({ instance: "initializing", system: "initializing" });
    a.advance(89_999);
    expect(await checksOf(a, V.nodeA1)).toEqual({ instance: "initializing", system: "initializing" });
    a.advance(1);
    expect(await checksOf(a, V.nodeA1)).toEqual({ instance: "ok", system: "ok" });
    expect(
      a.serviceEvents
        .filter((e) => e.detail["instance-id"] === V.nodeA1)
        .map((e) => [e.detail.state, e.time]),
    ).toEqual([
      ["pending", "2026-03-02T09:00:01Z"],
      ["running", "2026-03-02T09:00:16Z"],
    ]);
  });

  it("a hibernated instance resumes the same way; its StateReason is cleared when running", async () => {
    const a = vfxtAccount((f) => {
      const node = f.instances?.find((i) => i.id === V.nodeA1);
      if (node) {
        node.state = "stopped";
        node.instanceType = "m5.large";
        node.hibernationConfigured = true;
        node.stateReason = {
          code: "Client.UserInitiatedHibernate",
          message: "Client.UserInitiatedHibernate: User initiated hibernate",
        };
      }
    });
    expect((await instance(a, V.nodeA1))?.StateReason?.Code).toBe("Client.UserInitiatedHibernate");
    await ec2(a, "StartInstances", { InstanceIds: [V.nodeA1] });
    a.advance(15_000);
    const resumed = await instance(a, V.nodeA1);
    expect(resumed?.State?.Name).toBe("running");
    expect(resumed?.StateReason).toBeUndefined();
    expect(resumed?.HibernationOptions).toEqual({ Configured: true });
  });

  it("leaves a running instance as it is; a stopping one fails the whole call", async () => {
    const a = vfxtAccount(stopped(V.nodeA1));
    const running = await ec2<StartInstancesResult>(a, "StartInstances", { InstanceIds: [V.nodeA2] });
    expect(running.StartingInstances?.[0]).toMatchObject({
      CurrentState: { Name: "running" },
      PreviousState: { Name: "running" },
    });
    await ec2(a, "StopInstances", { InstanceIds: [V.nodeA3] });
    const error = await awsError(
      ec2(a, "StartInstances", { InstanceIds: [V.nodeA1, V.nodeA3] }),
      "IncorrectInstanceState",
      400,
    );
    expect(error.message).toBe(`The instance '${V.nodeA3}' is not in a state from which it can be started.`);
    expect((await instance(a, V.nodeA1))?.State?.Name).toBe("stopped");
    await awsError(
      ec2(a, "StartInstances", { InstanceIds: [V.nodeA1], DryRun: true }),
      "DryRunOperation",
      412,
    );
    expect((await instance(a, V.nodeA1))?.State?.Name).toBe("stopped");
    await awsError(
      ec2(a, "StartInstances", { InstanceIds: ["i-00000000000000000"] }),
      "InvalidInstanceID.NotFound",
    );
    await awsError(ec2(a, "StartInstances", {}), "MissingParameter");
  });
});

describe("impaired instances (account.setInstanceStatus, POST /__sim/instances/<id>/status)", () => {
  it("an impaired check shows ImpairedSince; recovery clears it", async () => {
    const a = vfxtAccount();
    a.advance(5_000);
    const before = a.snapshot();
    a.setInstanceStatus(V.nodeA2, { instance: "impaired" });
    a.advance(10_000);
    const s = (await statuses(a, { InstanceIds: [V.nodeA2] }))[0];
    expect(s?.InstanceStatus).toEqual({
      Status: "impaired",
      Details: [{ Name: "reachability", Status: "failed", ImpairedSince: new Date(START + 5_000) }],
    });
    expect(s?.SystemStatus?.Status).toBe("ok");
    expect(diffSnapshots(before, a.snapshot())).toEqual([
      {
        resourceType: "instances",
        resource: V.nodeA2,
        field: "InstanceStatus",
        change: "changed",
        from: "ok",
        to: "impaired",
      },
    ]);
    a.setInstanceStatus(V.nodeA2, { instance: "ok" });
    expect((await statuses(a, { InstanceIds: [V.nodeA2] }))[0]?.InstanceStatus).toEqual({
      Status: "ok",
      Details: [{ Name: "reachability", Status: "passed" }],
    });
  });

  it("a stop and start clears an impairment: initializing, then ok", async () => {
    const a = vfxtAccount();
    a.setInstanceStatus(V.nodeA1, { system: "impaired" });
    await ec2(a, "StopInstances", { InstanceIds: [V.nodeA1] });
    expect(await checksOf(a, V.nodeA1)).toEqual({ instance: "not-applicable", system: "not-applicable" });
    a.advance(30_000);
    await ec2(a, "StartInstances", { InstanceIds: [V.nodeA1] });
    a.advance(15_000);
    expect(await checksOf(a, V.nodeA1)).toEqual({ instance: "initializing", system: "initializing" });
    a.advance(120_000);
    expect(await checksOf(a, V.nodeA1)).toEqual({ instance: "ok", system: "ok" });
  });

  it("the control endpoint sets checks; bad bodies and stopped instances are refused", async () => {
    const a = vfxtAccount(stopped(V.nodeA1));
    const set = await a.control("POST", `/__sim/instances/${V.nodeA2}/status`, { system: "impaired" });
    expect(set).toEqual({
      status: 200,
      body: { instanceId: V.nodeA2, status: { instance: "ok", system: "impaired" } },
    });
    expect(await checksOf(a, V.nodeA2)).toEqual({ instance: "ok", system: "impaired" });
    expect((await a.control("POST", `/__sim/instances/${V.nodeA2}/status`, {})).status).toBe(400);
    expect(
      (await a.control("POST", `/__sim/instances/${V.nodeA2}/status`, { instance: "not-applicable" })).status,
    ).toBe(400);
    expect(
      await a.control("POST", `/__sim/instances/${V.nodeA1}/status`, { instance: "impaired" }),
    ).toMatchObject({
      status: 400,
      body: { error: "IncorrectInstanceState" },
    });
    expect(
      (await a.control("POST", "/__sim/instances/i-00000000000000000/status", { instance: "impaired" })).body,
    ).toMatchObject({ error: "InvalidInstanceID.NotFound" });
  });
});

describe("fixture field instances[].status", () => {
  it("sets the checks at clock start", async () => {
    const a = vfxtAccount((f) => {
      const node = f.instances?.find((i) => i.id === V.nodeA2);
      if (node) node.status = { instance: "impaired", system: "insufficient-data" };
    });
    expect(await checksOf(a, V.nodeA2)).toEqual({ instance: "impaired", system: "insufficient-data" });
    expect(a.snapshot().instances[V.nodeA2]).toMatchObject({
      InstanceStatus: "impaired",
      SystemStatus: "insufficient-data",
    });
  });

  it("must agree with the instance state", () => {
    const raw = vfxtJson();
    const [first, second] = raw.instances ?? [];
    if (first) first.status = { instance: "not-applicable" };
    if (second) {
      second.state = "stopped";
      second.status = { system: "ok" };
    }
    let issues: string[] = [];
    try {
      parseFixture(raw, VFXT_PATH);
    } catch (error) {
      issues = (error as FixtureError).issues;
    }
    expect(issues).toEqual([
      "instances.0.status.instance: a running instance's checks are never not-applicable",
      "instances.1.status.system: a stopped instance's checks are not-applicable",
    ]);
  });
});

describe("through the real SDK client on the wire", () => {
  it("DescribeInstanceStatus and StartInstances decode with the SDK's schema", async () => {
    const a = vfxtAccount(stopped(V.nodeA1));
    a.setInstanceStatus(V.nodeA2, { instance: "impaired" });
    const server = await startSimServer(a.dispatch, { control: a.control, strict: true });
    const client = new EC2Client(sdkConfig(server.url));
    try {
      const out = await client.send(
        new DescribeInstanceStatusCommand({ InstanceIds: [V.nodeA1, V.nodeA2], IncludeAllInstances: true }),
      );
      expect(out.InstanceStatuses?.map((s) => [s.InstanceId, s.InstanceStatus?.Status])).toEqual([
        [V.nodeA1, "not-applicable"],
        [V.nodeA2, "impaired"],
      ]);
      expect(out.InstanceStatuses?.[1]?.InstanceStatus?.Details?.[0]?.ImpairedSince).toEqual(new Date(START));
      const started = await client.send(new StartInstancesCommand({ InstanceIds: [V.nodeA1] }));
      expect(started.StartingInstances?.[0]?.CurrentState?.Name).toBe("pending");
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
