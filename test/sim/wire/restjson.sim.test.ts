/**
 * restJson1 serves Outposts, whose operations use few of its features. The codec is generic (routes from
 * the `@http` trait, labels, query, headers, payload, body), so it is exercised here end to end with the
 * Lambda client (also restJson1, a devDependency for this test).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SimAwsError } from "../../../sim/types";
import type { ServiceDescriptor, SimServer } from "../../../sim/wire";
import { body, clientConfig, output, rejection, type StubAccount, startStubServer } from "./helpers";

const LAMBDA = "@aws-sdk/client-lambda";
/** Lambda's client standing in for a restJson1 service of the simulated account. */
const lambdaAsRestJson: ServiceDescriptor = {
  name: "outposts",
  signingName: "lambda",
  protocol: "restJson1",
  version: "2015-03-31",
  xmlNamespace: "",
  clientPackage: LAMBDA,
};

describe("restJson1 (generic, exercised with the Lambda client)", () => {
  let server: SimServer;
  let account: StubAccount;
  let lambda: typeof import("@aws-sdk/client-lambda");
  let client: import("@aws-sdk/client-lambda").LambdaClient;

  beforeAll(async () => {
    ({ server, account } = await startStubServer({ services: [lambdaAsRestJson] }));
    lambda = await import(LAMBDA);
    client = new lambda.LambdaClient(clientConfig(server, "ca-central-1"));
  });
  afterAll(async () => {
    client.destroy();
    await server.close();
  });
  beforeEach(() => account.reset());

  it("GET with a label and a query parameter; nested body with a map", async () => {
    const fn = {
      Configuration: {
        FunctionName: "idle-hibernate",
        FunctionArn: "arn:aws:lambda:ca-central-1:123456789012:function:idle-hibernate",
        Runtime: "nodejs20.x" as const,
        MemorySize: 256,
        Timeout: 30,
        Environment: { Variables: { STAGE: "dev", DRY_RUN: "true" } },
        Architectures: ["arm64" as const],
        SnapStart: { ApplyOn: "None" as const, OptimizationStatus: "Off" as const },
      },
      Tags: { "ops:owner": "platform" },
      Concurrency: { ReservedConcurrentExecutions: 5 },
    };
    account.on("outposts:GetFunction", (input) => {
      expect(input).toStrictEqual({
        FunctionName: "arn:aws:lambda:ca-central-1:123456789012:function:idle-hibernate",
        Qualifier: "$LATEST",
      });
      return output(fn);
    });
    const res = await client.send(
      new lambda.GetFunctionCommand({
        FunctionName: "arn:aws:lambda:ca-central-1:123456789012:function:idle-hibernate",
        Qualifier: "$LATEST",
      }),
    );
    expect(body(res)).toStrictEqual(fn);
    expect(account.only().ctx).toMatchObject({ operation: "GetFunction", region: "ca-central-1" });
  });

  it("numeric query parameters decode as numbers", async () => {
    account.on("outposts:ListFunctions", (input) => {
      expect(input).toStrictEqual({ MaxItems: 10, Marker: "a b/c" });
      return output({ Functions: [], NextMarker: "n" });
    });
    const res = await client.send(new lambda.ListFunctionsCommand({ MaxItems: 10, Marker: "a b/c" }));
    expect(body(res)).toStrictEqual({ Functions: [], NextMarker: "n" });
  });

  it("JSON body with a timestamp, booleans and nested lists; modelled status code 202", async () => {
    const at = new Date("2026-11-21T10:00:00.500Z");
    account.on("outposts:CreateEventSourceMapping", (input) => {
      expect(input).toStrictEqual({
        FunctionName: "f",
        EventSourceArn: "arn:aws:sqs:ca-central-1:123456789012:q",
        Enabled: false,
        BatchSize: 10,
        StartingPosition: "AT_TIMESTAMP",
        StartingPositionTimestamp: at,
        FilterCriteria: { Filters: [{ Pattern: '{"source":["aws.ec2"]}' }] },
      });
      return output({
        UUID: "u-1",
        State: "Creating",
        LastModified: at,
        BatchSize: 10,
        StartingPositionTimestamp: at,
      });
    });
    const res = await client.send(
      new lambda.CreateEventSourceMappingCommand({
        FunctionName: "f",
        EventSourceArn: "arn:aws:sqs:ca-central-1:123456789012:q",
        Enabled: false,
        BatchSize: 10,
        StartingPosition: "AT_TIMESTAMP",
        StartingPositionTimestamp: at,
        FilterCriteria: { Filters: [{ Pattern: '{"source":["aws.ec2"]}' }] },
      }),
    );
    expect(res.$metadata.httpStatusCode).toBe(202);
    expect(body(res)).toStrictEqual({
      UUID: "u-1",
      State: "Creating",
      LastModified: at,
      BatchSize: 10,
      StartingPositionTimestamp: at,
    });
  });

  it("headers and a blob payload in both directions; httpResponseCode member", async () => {
    account.on("outposts:Invoke", (input) => {
      expect(input).toStrictEqual({
        FunctionName: "f",
        InvocationType: "RequestResponse",
        LogType: "Tail",
        Payload: new Uint8Array(Buffer.from('{"ping":1}')),
      });
      return output({
        StatusCode: 200,
        FunctionError: "Unhandled",
        LogResult: Buffer.from("log line").toString("base64"),
        ExecutedVersion: "$LATEST",
        Payload: new Uint8Array(Buffer.from('{"errorMessage":"boom"}')),
      });
    });
    const res = await client.send(
      new lambda.InvokeCommand({
        FunctionName: "f",
        InvocationType: "RequestResponse",
        LogType: "Tail",
        Payload: Buffer.from('{"ping":1}'),
      }),
    );
    expect(res.StatusCode).toBe(200);
    expect(res.FunctionError).toBe("Unhandled");
    expect(res.ExecutedVersion).toBe("$LATEST");
    expect(Buffer.from(res.LogResult ?? "", "base64").toString()).toBe("log line");
    expect(Buffer.from(res.Payload ?? new Uint8Array()).toString()).toBe('{"errorMessage":"boom"}');
  });

  it("a modelled error (with a `Message` member) surfaces with its name, message and status", async () => {
    account.on("outposts:GetFunction", () => {
      throw new SimAwsError("ResourceNotFoundException", "Function not found: f", 404);
    });
    const err = await rejection(client.send(new lambda.GetFunctionCommand({ FunctionName: "f" })));
    expect(err).toBeInstanceOf(lambda.ResourceNotFoundException);
    expect(err.name).toBe("ResourceNotFoundException");
    expect(err.message).toBe("Function not found: f");
    expect(err.$metadata).toMatchObject({ httpStatusCode: 404 });
  });

  it("no matching route → 404 UnknownOperationException", async () => {
    const res = await fetch(`${server.url}/2015-03-31/nowhere`, {
      headers: { authorization: "AWS4-HMAC-SHA256 Credential=AKID/20261121/us-east-1/lambda/aws4_request" },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get("x-amzn-errortype")).toBe("UnknownOperationException");
  });
});
