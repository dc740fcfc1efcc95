import { Agent } from "node:http";
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ControlHandler, SimServer } from "../../../sim/wire";
import { authHeader, clientConfig, output, rejection, type StubAccount, startStubServer } from "./helpers";

let server: SimServer;
let account: StubAccount;
const controlCalls: { method: string; path: string; body: unknown }[] = [];
const control: ControlHandler = async (method, path, body) => {
  controlCalls.push({ method, path, body });
  if (path.startsWith("/__sim/boom")) throw new Error("control exploded");
  return { status: 202, body: { ok: true, echo: body ?? null } };
};

beforeAll(async () => {
  ({ server, account } = await startStubServer({ control }));
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  account.reset();
  controlCalls.length = 0;
});

const form = (service: string | undefined, body: string, region?: string): RequestInit => ({
  method: "POST",
  headers: {
    "content-type": "application/x-www-form-urlencoded; charset=utf-8",
    ...(service ? { authorization: authHeader(service, region) } : {}),
  },
  body,
});

const json = (service: string | undefined, target: string, body: unknown, version = "1.1"): RequestInit => ({
  method: "POST",
  headers: {
    "content-type": `application/x-amz-json-${version}`,
    "x-amz-target": target,
    ...(service ? { authorization: authHeader(service) } : {}),
  },
  body: JSON.stringify(body),
});

describe("routing, identification and transport behaviour", () => {
  it("binds to 127.0.0.1 on an ephemeral port", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
  });

  it("EC2 unknown action → InvalidAction (400) in EC2's XML error format", async () => {
    const res = await fetch(server.url, form("ec2", "Action=FlyToTheMoon&Version=2016-11-15"));
    expect(res.status).toBe(400);
    const xml = await res.text();
    expect(xml).toMatch(
      /<Response><Errors><Error><Code>InvalidAction<\/Code><Message>The action FlyToTheMoon is not valid for this web service\.<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>/,
    );
    expect(account.calls).toHaveLength(0);
  });

  it("Auto Scaling unknown action → InvalidAction in the awsQuery ErrorResponse format", async () => {
    const res = await fetch(server.url, form("autoscaling", "Action=Nope&Version=2011-01-01"));
    expect(res.status).toBe(400);
    const xml = await res.text();
    expect(xml).toContain("<Error><Type>Sender</Type><Code>InvalidAction</Code>");
    expect(xml).toMatch(/<RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>/);
  });

  it("JSON unknown target → UnknownOperationException", async () => {
    const res = await fetch(server.url, json("events", "AWSEvents.Teleport", {}));
    expect(res.status).toBe(400);
    expect(res.headers.get("x-amzn-errortype")).toBe("UnknownOperationException");
    expect(await res.json()).toMatchObject({ __type: "UnknownOperationException" });
  });

  it("a query-compatible JSON error carries x-amzn-query-error", async () => {
    const res = await fetch(
      server.url,
      json("monitoring", "GraniteServiceVersion20100801.Teleport", {}, "1.0"),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get("x-amzn-query-error")).toBe("UnknownOperationException;Sender");
  });

  it("malformed JSON → SerializationException", async () => {
    const res = await fetch(server.url, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "AWSEvents.PutEvents",
        authorization: authHeader("events"),
      },
      body: "{not json",
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-amzn-errortype")).toBe("SerializationException");
  });

  it("an unknown service → 501 NotImplemented", async () => {
    const res = await fetch(server.url, json("dynamodb", "DynamoDB_20120810.ListTables", {}, "1.0"));
    expect(res.status).toBe(501);
    expect(await res.text()).toContain("NotImplemented");
  });

  it("without an Authorization header, identifies by Version (query) and X-Amz-Target prefix (JSON)", async () => {
    account.on("ec2:DescribeInstances", () => output({ Reservations: [] }));
    account.on("events:PutEvents", () => output({ FailedEntryCount: 0, Entries: [] }));
    const q = await fetch(
      server.url,
      form(undefined, "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-9"),
    );
    expect(q.status).toBe(200);
    expect(await q.text()).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<DescribeInstancesResponse xmlns="http:\/\/ec2.amazonaws.com\/doc\/2016-11-15\/"><requestId>/,
    );
    const j = await fetch(server.url, json(undefined, "AWSEvents.PutEvents", { Entries: [] }));
    expect(j.status).toBe(200);
    expect(await j.json()).toStrictEqual({ FailedEntryCount: 0, Entries: [] });
    expect(account.calls.map((c) => [c.ctx.service, c.ctx.region, c.input])).toStrictEqual([
      ["ec2", "us-east-1", { InstanceIds: ["i-9"] }],
      ["events", "us-east-1", { Entries: [] }],
    ]);
  });

  it("EC2 also accepts GET with the parameters in the query string", async () => {
    account.on("ec2:DescribeInstances", () => output({}));
    const res = await fetch(
      `${server.url}/?Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=a%20b&Filter.1.Value.1=c%2Bd`,
      {
        headers: { authorization: authHeader("ec2", "sa-east-1") },
      },
    );
    expect(res.status).toBe(200);
    expect(account.only().input).toStrictEqual({ Filters: [{ Name: "a b", Values: ["c+d"] }] });
    expect(account.only().ctx.region).toBe("sa-east-1");
  });

  it("a dispatcher failure that is not a SimAwsError → 500 InternalError (the SDK sees a server fault)", async () => {
    account.on("ec2:DescribeInstances", () => {
      throw new TypeError("cannot read properties of undefined");
    });
    const ec2 = new EC2Client(clientConfig(server));
    const err = await rejection(ec2.send(new DescribeInstancesCommand({})));
    expect(err.name).toBe("InternalError");
    expect(err.message).toContain("TypeError: cannot read properties of undefined");
    expect(err.$fault).toBe("server");
    expect(err.$metadata).toMatchObject({ httpStatusCode: 500 });
    ec2.destroy();
  });

  it("request ids are unique per request", async () => {
    account.on("ec2:DescribeInstances", () => output({}));
    const ec2 = new EC2Client(clientConfig(server));
    const a = await ec2.send(new DescribeInstancesCommand({}));
    const b = await ec2.send(new DescribeInstancesCommand({}));
    expect(a.$metadata.requestId).not.toBe(b.$metadata.requestId);
    expect(account.calls.map((c) => c.ctx.requestId)).toStrictEqual([
      a.$metadata.requestId,
      b.$metadata.requestId,
    ]);
    ec2.destroy();
  });

  it("keeps connections alive: sequential SDK calls reuse one socket", async () => {
    account.on("ec2:DescribeInstances", () => output({}));
    let connections = 0;
    class CountingAgent extends Agent {
      override createConnection(
        ...args: Parameters<Agent["createConnection"]>
      ): ReturnType<Agent["createConnection"]> {
        connections += 1;
        return super.createConnection(...args);
      }
    }
    const agent = new CountingAgent({ keepAlive: true, maxSockets: 1 });
    const ec2 = new EC2Client({
      ...clientConfig(server),
      requestHandler: new NodeHttpHandler({ httpAgent: agent }),
    });
    for (let i = 0; i < 10; i++) await ec2.send(new DescribeInstancesCommand({}));
    expect(account.calls).toHaveLength(10);
    expect(connections).toBe(1);
    ec2.destroy();
    agent.destroy();
  });

  it("/__sim/ requests reach the control handler (JSON in, JSON out)", async () => {
    const res = await fetch(`${server.url}/__sim/faults?service=ec2`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ operation: "StopInstances", code: "RequestLimitExceeded" }),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toStrictEqual({
      ok: true,
      echo: { operation: "StopInstances", code: "RequestLimitExceeded" },
    });
    const get = await fetch(`${server.url}/__sim/calls`);
    expect(get.status).toBe(202);
    expect(controlCalls).toStrictEqual([
      {
        method: "POST",
        path: "/__sim/faults?service=ec2",
        body: { operation: "StopInstances", code: "RequestLimitExceeded" },
      },
      { method: "GET", path: "/__sim/calls", body: undefined },
    ]);
    expect(account.calls).toHaveLength(0);
  });

  it("control: invalid JSON → 400, a throwing handler → 500", async () => {
    const bad = await fetch(`${server.url}/__sim/state`, { method: "POST", body: "{nope" });
    expect(bad.status).toBe(400);
    const boom = await fetch(`${server.url}/__sim/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.json()).toStrictEqual({ error: "control exploded" });
  });
});

describe("without a control handler", () => {
  it("/__sim/ answers 404", async () => {
    const { server: plain } = await startStubServer({ preload: false });
    const res = await fetch(`${plain.url}/__sim/calls`);
    expect(res.status).toBe(404);
    await plain.close();
  });
});

describe("strict mode", () => {
  it("fails an output that does not match the SDK schema, naming the offending members", async () => {
    const { server: strict, account: acc } = await startStubServer({ strict: true, preload: false });
    acc.on("ec2:DescribeInstances", () =>
      output({
        Reservations: [
          { Instances: [{ InstanceId: "i-1", LaunchTime: "yesterday", instanceType: "m5.large" }] },
        ],
      }),
    );
    const ec2 = new EC2Client(clientConfig(strict));
    const err = await rejection(ec2.send(new DescribeInstancesCommand({})));
    expect(err.$metadata).toMatchObject({ httpStatusCode: 500 });
    expect(err.message).toContain("Reservations[0].Instances[0].LaunchTime: expected a valid Date");
    expect(err.message).toContain(
      "Reservations[0].Instances[0].instanceType: not a member of com.amazonaws.ec2#Instance",
    );

    acc.on("ec2:DescribeInstances", () =>
      output({ Reservations: [{ Instances: [{ InstanceId: "i-1", LaunchTime: new Date() }] }] }),
    );
    expect((await ec2.send(new DescribeInstancesCommand({}))).Reservations).toHaveLength(1);
    ec2.destroy();
    await strict.close();
  });
});
