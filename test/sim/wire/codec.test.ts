/** Unit tests of the pure codec functions (no sockets). */
import { beforeAll, describe, expect, it } from "vitest";
import { SimAwsError } from "../../../sim/types";
import {
  DEFAULT_SERVICES,
  decodeRequest,
  encodeError,
  encodeOutput,
  handleWireRequest,
  identifyService,
  parseCredentialScope,
  requestIdSequence,
  resolveErrorCode,
  type ServiceDescriptor,
  type ServiceModel,
  ServiceRegistry,
  type WireRequest,
} from "../../../sim/wire";

const registry = new ServiceRegistry();
let ec2: ServiceModel;
let cloudwatch: ServiceModel;
let autoscaling: ServiceModel;

const descriptor = (name: string): ServiceDescriptor => {
  const d = DEFAULT_SERVICES.find((s) => s.name === name);
  if (d === undefined) throw new Error(name);
  return d;
};

beforeAll(async () => {
  [ec2, cloudwatch, autoscaling] = await Promise.all([
    registry.model(descriptor("ec2")),
    registry.model(descriptor("monitoring")),
    registry.model(descriptor("autoscaling")),
  ]);
});

const formRequest = (body: string, headers: Record<string, string> = {}): WireRequest => ({
  method: "POST",
  url: "/",
  headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8", ...headers },
  body: new Uint8Array(Buffer.from(body)),
});

describe("parseCredentialScope", () => {
  it("reads region and service from a SigV4 Authorization header", () => {
    expect(
      parseCredentialScope(
        "AWS4-HMAC-SHA256 Credential=AKIDSIMULATED/20261121/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
      ),
    ).toStrictEqual({ region: "us-east-1", service: "ec2" });
  });
  it("reads the service from a SigV4a scope (no region)", () => {
    expect(
      parseCredentialScope(
        "AWS4-ECDSA-P256-SHA256 Credential=AKID/20261121/events/aws4_request, SignedHeaders=host, Signature=abc",
      ),
    ).toStrictEqual({ region: undefined, service: "events" });
  });
  it("reads a presigned X-Amz-Credential", () => {
    const q = new URLSearchParams({ "X-Amz-Credential": "AKID/20261121/eu-west-1/monitoring/aws4_request" });
    expect(parseCredentialScope(undefined, q)).toStrictEqual({ region: "eu-west-1", service: "monitoring" });
  });
  it("returns undefined without a scope", () => {
    expect(parseCredentialScope(undefined)).toBeUndefined();
    expect(parseCredentialScope("Bearer xyz")).toBeUndefined();
  });
});

describe("identifyService", () => {
  it("prefers the credential scope, then X-Amz-Target, then the query Version", () => {
    const scoped = identifyService(registry, {
      ...formRequest("Action=DescribeAlarms&Version=2010-08-01"),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: "AWS4-HMAC-SHA256 Credential=A/20261121/me-south-1/monitoring/aws4_request",
      },
    });
    expect(scoped).toMatchObject({ region: "me-south-1", protocol: "awsQuery" });
    expect(scoped?.descriptor.name).toBe("monitoring");

    const targeted = identifyService(registry, {
      method: "POST",
      url: "/",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "GraniteServiceVersion20100801.DescribeAlarms",
      },
      body: new Uint8Array(),
    });
    expect(targeted?.descriptor.name).toBe("monitoring");
    expect(targeted?.protocol).toBe("awsJson1_0");
    expect(targeted?.region).toBe("us-east-1");

    expect(
      identifyService(registry, formRequest("Action=DescribeAutoScalingGroups&Version=2011-01-01"))
        ?.descriptor.name,
    ).toBe("autoscaling");
    expect(identifyService(registry, formRequest("Action=X&Version=1999-01-01"))).toBeUndefined();
  });

  it("uses X-Amz-Region-Set for SigV4a", () => {
    const id = identifyService(registry, {
      method: "POST",
      url: "/",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "AWSEvents.PutEvents",
        "x-amz-region-set": "eu-north-1",
        authorization: "AWS4-ECDSA-P256-SHA256 Credential=AKID/20261121/events/aws4_request, Signature=x",
      },
      body: new Uint8Array(),
    });
    expect(id).toMatchObject({ region: "eu-north-1", protocol: "awsJson1_1" });
  });
});

describe("decodeRequest", () => {
  it("ec2Query: capitalised / ec2QueryName keys, flattened lists, numbers and booleans", () => {
    const call = decodeRequest(
      ec2,
      "ec2Query",
      "eu-west-1",
      formRequest(
        "Action=DescribeInstances&Version=2016-11-15&InstanceId.2=i-2&InstanceId.1=i-1&Filter.1.Name=tag%3AName&Filter.1.Value.1=a%20b&Filter.1.Value.2=c&MaxResults=5&DryRun=false&Unknown.1=x",
      ),
    );
    expect(call).toMatchObject({ service: "ec2", operation: "DescribeInstances", region: "eu-west-1" });
    expect(call.input).toStrictEqual({
      InstanceIds: ["i-1", "i-2"],
      Filters: [{ Name: "tag:Name", Values: ["a b", "c"] }],
      MaxResults: 5,
      DryRun: false,
    });
  });

  it("awsQuery: .member.N lists and an empty list (`Name=`)", () => {
    const call = decodeRequest(
      autoscaling,
      "awsQuery",
      "us-east-1",
      formRequest(
        "Action=DescribeAutoScalingGroups&Version=2011-01-01&AutoScalingGroupNames=&Filters.member.1.Name=tag-key&Filters.member.1.Values.member.1=k",
      ),
    );
    expect(call.input).toStrictEqual({
      AutoScalingGroupNames: [],
      Filters: [{ Name: "tag-key", Values: ["k"] }],
    });
  });

  it("unknown and missing actions fail with the protocol's error", () => {
    expect(() =>
      decodeRequest(ec2, "ec2Query", "us-east-1", formRequest("Action=Nope&Version=2016-11-15")),
    ).toThrow("The action Nope is not valid for this web service.");
    expect(() => decodeRequest(ec2, "ec2Query", "us-east-1", formRequest("Version=2016-11-15"))).toThrow(
      "The request must contain the parameter Action",
    );
  });
});

describe("encodeOutput", () => {
  it("ec2Query: <XxxResponse xmlns><requestId/>members by xmlName, <item> lists, ISO timestamps, escaping", () => {
    const call = decodeRequest(
      ec2,
      "ec2Query",
      "us-east-1",
      formRequest("Action=DescribeInstances&Version=2016-11-15"),
    );
    const res = encodeOutput(
      call,
      {
        Reservations: [
          {
            ReservationId: "r-1",
            Instances: [
              {
                InstanceId: "i-1",
                LaunchTime: new Date("2026-11-21T10:00:00Z"),
                EbsOptimized: false,
                Tags: [{ Key: "Name", Value: "a<b&c" }],
                SecurityGroups: [],
                Unknown: "dropped",
              },
            ],
          },
        ],
      },
      "rid-1",
    );
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({
      "content-type": "text/xml;charset=UTF-8",
      "x-amzn-requestid": "rid-1",
    });
    expect(res.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>rid-1</requestId>' +
        "<reservationSet><item><reservationId>r-1</reservationId><instancesSet><item>" +
        "<ebsOptimized>false</ebsOptimized><groupSet/><tagSet><item><key>Name</key><value>a&lt;b&amp;c</value></item></tagSet>" +
        "<instanceId>i-1</instanceId><launchTime>2026-11-21T10:00:00.000Z</launchTime>" +
        "</item></instancesSet></item></reservationSet></DescribeInstancesResponse>",
    );
  });

  it("awsQuery: <XxxResult> and ResponseMetadata; unit outputs have no Result element", () => {
    const call = decodeRequest(
      autoscaling,
      "awsQuery",
      "us-east-1",
      formRequest("Action=DescribeAutoScalingInstances&Version=2011-01-01"),
    );
    expect(
      encodeOutput(call, { AutoScalingInstances: [{ InstanceId: "i-1", ProtectedFromScaleIn: true }] }, "rid")
        .body,
    ).toBe(
      '<DescribeAutoScalingInstancesResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><DescribeAutoScalingInstancesResult>' +
        "<AutoScalingInstances><member><InstanceId>i-1</InstanceId><ProtectedFromScaleIn>true</ProtectedFromScaleIn></member></AutoScalingInstances>" +
        "</DescribeAutoScalingInstancesResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></DescribeAutoScalingInstancesResponse>\n",
    );
    const unit = decodeRequest(
      autoscaling,
      "awsQuery",
      "us-east-1",
      formRequest("Action=SetInstanceHealth&Version=2011-01-01&InstanceId=i-1&HealthStatus=Unhealthy"),
    );
    expect(unit.input).toStrictEqual({ InstanceId: "i-1", HealthStatus: "Unhealthy" });
    expect(encodeOutput(unit, {}, "rid").body).toBe(
      '<SetInstanceHealthResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></SetInstanceHealthResponse>\n',
    );
  });

  it("awsJson: member names, epoch-second timestamps, NaN as a string, unknown members dropped", () => {
    const call = decodeRequest(cloudwatch, "awsJson1_0", "us-east-1", {
      method: "POST",
      url: "/",
      headers: { "x-amz-target": "GraniteServiceVersion20100801.DescribeAlarms" },
      body: new Uint8Array(Buffer.from("{}")),
    });
    const res = encodeOutput(
      call,
      {
        MetricAlarms: [
          {
            AlarmName: "a",
            Threshold: Number.NaN,
            StateUpdatedTimestamp: new Date(1_795_260_930_123),
            Bogus: 1,
          },
        ],
      },
      "rid",
    );
    expect(res.headers["content-type"]).toBe("application/x-amz-json-1.0");
    expect(JSON.parse(String(res.body))).toStrictEqual({
      MetricAlarms: [{ AlarmName: "a", StateUpdatedTimestamp: 1_795_260_930.123, Threshold: "NaN" }],
    });
  });
});

describe("errors", () => {
  it("resolveErrorCode accepts a shape name or an @awsQueryError code", () => {
    expect(resolveErrorCode(cloudwatch, "LimitExceeded")).toStrictEqual({
      shapeName: "LimitExceededFault",
      queryCode: "LimitExceeded",
      messageMember: "message",
    });
    expect(resolveErrorCode(cloudwatch, "LimitExceededFault").queryCode).toBe("LimitExceeded");
    expect(resolveErrorCode(cloudwatch, "InternalServiceFault")).toMatchObject({
      queryCode: "InternalServiceError",
      messageMember: "Message",
    });
    expect(resolveErrorCode(cloudwatch, "Throttling")).toStrictEqual({
      shapeName: "Throttling",
      queryCode: "Throttling",
      messageMember: "message",
    });
    expect(resolveErrorCode(undefined, "X").queryCode).toBe("X");
  });

  it("ec2Query error document", () => {
    const res = encodeError(
      { protocol: "ec2Query", model: ec2 },
      new SimAwsError("InvalidInstanceID.NotFound", "The instance ID 'i-1' does not exist", 400),
      "rid",
    );
    expect(res.status).toBe(400);
    expect(res.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-1' does not exist</Message></Error></Errors><RequestID>rid</RequestID></Response>`,
    );
  });

  it("awsQuery error document with Type Sender/Receiver", () => {
    const res = encodeError(
      { protocol: "awsQuery", descriptor: descriptor("autoscaling"), model: autoscaling },
      new SimAwsError("ResourceContentionFault", "busy", 500, "server"),
      "rid",
    );
    expect(res.status).toBe(500);
    expect(res.body).toBe(
      '<ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><Error><Type>Receiver</Type><Code>ResourceContention</Code><Message>busy</Message></Error><RequestId>rid</RequestId></ErrorResponse>\n',
    );
  });

  it("query-compatible JSON error: __type shape id, x-amzn-query-error Code;Sender", () => {
    const res = encodeError(
      { protocol: "awsJson1_0", descriptor: descriptor("monitoring"), model: cloudwatch },
      new SimAwsError("LimitExceeded", "too many", 400),
      "rid",
    );
    expect(res.headers).toMatchObject({
      "x-amzn-query-error": "LimitExceeded;Sender",
      "x-amzn-errortype": "LimitExceededFault",
      "x-amzn-requestid": "rid",
    });
    expect(JSON.parse(String(res.body))).toStrictEqual({
      __type: "com.amazonaws.cloudwatch#LimitExceededFault",
      message: "too many",
    });
  });
});

describe("handleWireRequest", () => {
  it("never throws: dispatcher errors become protocol errors", async () => {
    const res = await handleWireRequest(
      registry,
      async () => {
        throw new SimAwsError(
          "UnauthorizedOperation",
          "You are not authorized to perform this operation.",
          403,
        );
      },
      formRequest("Action=StopInstances&Version=2016-11-15&InstanceId.1=i-1", {
        authorization: "AWS4-HMAC-SHA256 Credential=A/20261121/us-east-1/ec2/aws4_request",
      }),
      "rid",
    );
    expect(res.status).toBe(403);
    expect(String(res.body)).toContain("<Code>UnauthorizedOperation</Code>");
  });

  it("decompresses gzip request bodies (CloudWatch PutMetricData compression)", async () => {
    const { gzipSync } = await import("node:zlib");
    let seen: unknown;
    const res = await handleWireRequest(
      registry,
      async (_ctx, input) => {
        seen = input;
        return {};
      },
      {
        method: "POST",
        url: "/",
        headers: {
          "content-type": "application/x-amz-json-1.0",
          "content-encoding": "gzip",
          "x-amz-target": "GraniteServiceVersion20100801.PutMetricData",
          authorization: "AWS4-HMAC-SHA256 Credential=A/20261121/us-east-1/monitoring/aws4_request",
        },
        body: new Uint8Array(
          gzipSync(
            JSON.stringify({
              Namespace: "ops",
              MetricData: [{ MetricName: "m", Value: 1.5, Timestamp: 1_795_260_930 }],
            }),
          ),
        ),
      },
      "rid",
    );
    expect(res.status).toBe(200);
    expect(seen).toStrictEqual({
      Namespace: "ops",
      MetricData: [{ MetricName: "m", Value: 1.5, Timestamp: new Date(1_795_260_930_000) }],
    });
  });

  it("request ids look like UUIDs and are sequential", () => {
    const next = requestIdSequence();
    expect(next()).toBe("00000000-0000-4000-8000-000000000001");
    expect(next()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
