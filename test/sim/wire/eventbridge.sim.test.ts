import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsResponse,
  ResourceNotFoundException,
} from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SimAwsError } from "../../../sim/types";
import type { SimServer } from "../../../sim/wire";
import { body, clientConfig, output, rejection, type StubAccount, startStubServer } from "./helpers";

let server: SimServer;
let account: StubAccount;
let events: EventBridgeClient;

beforeAll(async () => {
  ({ server, account } = await startStubServer());
  events = new EventBridgeClient(clientConfig(server, "us-east-2"));
});
afterAll(async () => {
  events.destroy();
  await server.close();
});
beforeEach(() => account.reset());

describe("EventBridge (awsJson1_1) round trips through the real EventBridgeClient", () => {
  it("PutEvents: Entries with Detail strings and a Time; FailedEntryCount and Entries back", async () => {
    const detail = JSON.stringify({
      action: "hibernate",
      instanceId: "i-1",
      note: 'quotes " and \\ and \u2028',
    });
    const time = new Date("2026-11-21T10:00:00.250Z");
    const result: PutEventsResponse = {
      FailedEntryCount: 1,
      Entries: [
        { EventId: "11710aed-b79e-4468-a20b-bb3c0c3b4860" },
        { ErrorCode: "InternalFailure", ErrorMessage: "try again" },
      ],
    };
    account.on("events:PutEvents", (input) => {
      expect(input).toStrictEqual({
        Entries: [
          {
            Source: "ops-toolkit.idle-hibernate",
            DetailType: "Action Taken",
            Detail: detail,
            Resources: ["arn:aws:ec2:us-east-2:123456789012:instance/i-1"],
            EventBusName: "default",
            Time: time,
          },
          { Source: "ops-toolkit.idle-hibernate", DetailType: "Action Taken", Detail: "{}" },
        ],
      });
      return output(result);
    });
    const res = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: "ops-toolkit.idle-hibernate",
            DetailType: "Action Taken",
            Detail: detail,
            Resources: ["arn:aws:ec2:us-east-2:123456789012:instance/i-1"],
            EventBusName: "default",
            Time: time,
          },
          { Source: "ops-toolkit.idle-hibernate", DetailType: "Action Taken", Detail: "{}" },
        ],
      }),
    );
    expect(body(res)).toStrictEqual(result);
    const { ctx } = account.only();
    expect(ctx).toMatchObject({
      service: "events",
      operation: "PutEvents",
      region: "us-east-2",
      accessKeyId: "AKIDSIMULATED", // the caller, from the SigV4 credential
    });
    expect(res.$metadata.requestId).toBe(ctx.requestId);
  });

  it("a modelled error (ResourceNotFoundException) surfaces as the SDK's exception class", async () => {
    account.on("events:PutEvents", () => {
      throw new SimAwsError("ResourceNotFoundException", "Event bus nope does not exist.", 400);
    });
    const err = await rejection(
      events.send(
        new PutEventsCommand({
          Entries: [{ Source: "s", DetailType: "d", Detail: "{}", EventBusName: "nope" }],
        }),
      ),
    );
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect(err.name).toBe("ResourceNotFoundException");
    expect(err.message).toBe("Event bus nope does not exist.");
    expect(err.$metadata).toMatchObject({ httpStatusCode: 400 });
  });

  it("ThrottlingException is retried", async () => {
    const retrying = new EventBridgeClient(clientConfig(server, "us-east-2", 2));
    account.on("events:PutEvents", (_i, _c, attempt) => {
      if (attempt === 1) throw new SimAwsError("ThrottlingException", "Rate exceeded", 400);
      return output({ FailedEntryCount: 0, Entries: [{ EventId: "e-1" }] });
    });
    const res = await retrying.send(
      new PutEventsCommand({ Entries: [{ Source: "s", DetailType: "d", Detail: "{}" }] }),
    );
    expect(res.FailedEntryCount).toBe(0);
    expect(res.$metadata.attempts).toBe(2);
    retrying.destroy();
  });
});
