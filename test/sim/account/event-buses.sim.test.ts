import { EventBridgeClient, PutEventsCommand, type PutEventsResponse } from "@aws-sdk/client-eventbridge";
import { describe, expect, it } from "vitest";
import type { AccountFixtureInput, SimulatedAccount } from "../../../sim";
import { matchesPattern } from "../../../sim/account/event-pattern";
import { startSimServer } from "../../../sim/wire";
import { dxAccount } from "./dx-fixture";
import { call } from "./helpers";

const ACCOUNT = "111122223333";
const BUS = "ops-toolkit-probe";
const BUS_ARN = `arn:aws:events:us-west-2:${ACCOUNT}:event-bus/${BUS}`;
const AGENT = { accessKeyId: "AKIAAGENT0000000001", arn: `arn:aws:iam::${ACCOUNT}:role/dx-probe-agent` };
const OTHER = { accessKeyId: "AKIAOTHER0000000001", arn: `arn:aws:iam::${ACCOUNT}:role/some-app` };
const FOREIGN = { accessKeyId: "AKIAFOREIGN00000001", arn: "arn:aws:iam::444455556666:role/partner" };

const trigger = (extra: Record<string, unknown> = {}) => ({
  Source: "ops-toolkit",
  DetailType: "DX Probe Trigger",
  Detail: JSON.stringify({ group: "lz", failures: 3 }),
  EventBusName: BUS,
  ...extra,
});

/** A dedicated bus whose policy lets only the agent put events (an explicit Deny for everyone else). */
function account(extra: Partial<AccountFixtureInput> = {}): SimulatedAccount {
  return dxAccount({
    principals: [AGENT, OTHER, FOREIGN],
    eventBuses: [
      {
        name: BUS,
        policy: {
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "only-the-probes",
              Effect: "Deny",
              Principal: "*",
              Action: "events:PutEvents",
              Resource: BUS_ARN,
              Condition: { ArnNotEquals: { "aws:PrincipalArn": [AGENT.arn] } },
            },
          ],
        },
      },
    ],
    eventRules: [
      {
        name: "probe-trigger",
        eventBusName: BUS,
        eventPattern: { source: ["ops-toolkit"], "detail-type": ["DX Probe Trigger"] },
        targets: [{ id: "failover", arn: `arn:aws:lambda:us-west-2:${ACCOUNT}:function:dx-failover` }],
      },
      { name: "default-trigger", eventPattern: { source: ["ops-toolkit"] } },
      { name: "disabled", eventBusName: BUS, eventPattern: { source: ["ops-toolkit"] }, state: "DISABLED" },
    ],
    ...extra,
  });
}

function put(a: SimulatedAccount, who: { accessKeyId: string }, entries: Record<string, unknown>[]) {
  return a.dispatch(
    {
      service: "events",
      operation: "PutEvents",
      region: "us-west-2",
      requestId: "r",
      accessKeyId: who.accessKeyId,
    },
    { Entries: entries },
  ) as Promise<PutEventsResponse>;
}

describe("EventBridge buses: an event is matched only by the rules of the bus it was put on", () => {
  it("delivers an entry on the custom bus to that bus's enabled rules only, and one on the default bus to its own", async () => {
    const a = account();
    const r = await put(a, AGENT, [trigger(), trigger({ EventBusName: undefined })]);
    expect(r.FailedEntryCount).toBe(0);
    expect(a.eventDeliveries.map((d) => [d.eventBusName, d.ruleName, d.eventId])).toEqual([
      [BUS, "probe-trigger", r.Entries?.[0]?.EventId],
      ["default", "default-trigger", r.Entries?.[1]?.EventId],
    ]);
    expect(a.eventDeliveries[0]).toMatchObject({
      targets: [{ id: "failover", arn: `arn:aws:lambda:us-west-2:${ACCOUNT}:function:dx-failover` }],
      event: {
        source: "ops-toolkit",
        "detail-type": "DX Probe Trigger",
        account: ACCOUNT,
        region: "us-west-2",
        detail: { group: "lz", failures: 3 },
        time: "2026-11-21T12:00:00Z",
      },
    });
    const events = await a.control("GET", "/__sim/events");
    expect((events.body as { deliveries: unknown[] }).deliveries).toHaveLength(2);
  });

  it("takes the bus by ARN; an unknown bus fails the entry (ResourceNotFoundException), not the call", async () => {
    const a = account();
    const r = await put(a, AGENT, [trigger({ EventBusName: BUS_ARN }), trigger({ EventBusName: "nope" })]);
    expect(r.FailedEntryCount).toBe(1);
    expect(r.Entries?.[1]).toEqual({
      ErrorCode: "ResourceNotFoundException",
      ErrorMessage: "Event bus nope does not exist.",
    });
    expect(a.eventDeliveries.map((d) => d.ruleName)).toEqual(["probe-trigger"]);
  });
});

describe("bus resource policies and who calls (IAM policy evaluation, EventBridge permissions)", () => {
  it("an explicit Deny keeps every other principal of the account off the bus (AccessDeniedException per entry)", async () => {
    const a = account();
    const r = await put(a, OTHER, [trigger(), trigger({ EventBusName: undefined })]);
    expect(r.FailedEntryCount).toBe(1);
    expect(r.Entries?.[0]?.ErrorCode).toBe("AccessDeniedException");
    expect(r.Entries?.[0]?.ErrorMessage).toMatch(/some-app is not authorized to perform events:PutEvents/);
    expect(r.Entries?.[1]?.EventId).toEqual(expect.any(String)); // the default bus has no such policy
    expect(a.eventDeliveries.map((d) => d.ruleName)).toEqual(["default-trigger"]);
  });

  it("a refusal that turns on the source or the detail type names it", async () => {
    const a = account({
      eventBuses: [
        {
          name: BUS,
          policy: {
            Statement: [
              {
                Effect: "Deny",
                Principal: "*",
                Action: "events:PutEvents",
                Condition: { StringNotEquals: { "events:source": ["ops-toolkit"] } },
              },
              {
                Effect: "Deny",
                Principal: "*",
                Action: "events:*",
                Condition: { StringNotLike: { "events:detail-type": ["DX *"] } },
              },
            ],
          },
        },
      ],
    });
    const r = await put(a, AGENT, [
      trigger({ Source: "forged" }),
      trigger({ DetailType: "Other" }),
      trigger(),
    ]);
    expect(r.Entries?.map((e) => e.ErrorCode ?? "ok")).toEqual([
      "NotAuthorizedForSourceException",
      "NotAuthorizedForDetailTypeException",
      "ok",
    ]);
  });

  it("another account needs an Allow in the bus policy; a principal's own IAM may not allow the bus", async () => {
    const a = account({
      eventBuses: [{ name: BUS }],
      principals: [AGENT, { ...OTHER, putEventsBuses: ["default"] }, FOREIGN],
    });
    expect((await put(a, FOREIGN, [trigger()])).Entries?.[0]?.ErrorCode).toBe("AccessDeniedException");
    expect((await put(a, OTHER, [trigger()])).Entries?.[0]?.ErrorCode).toBe("AccessDeniedException");
    expect((await put(a, AGENT, [trigger()])).FailedEntryCount).toBe(0);
    const shared = account({
      eventBuses: [
        {
          name: BUS,
          policy: {
            Statement: [
              {
                Effect: "Allow",
                Principal: { AWS: "444455556666" },
                Action: "events:PutEvents",
                Resource: BUS_ARN,
              },
            ],
          },
        },
      ],
    });
    expect((await put(shared, FOREIGN, [trigger()])).FailedEntryCount).toBe(0);
  });

  it("knows the caller from the request's SigV4 access key, over the wire", async () => {
    const a = account();
    const server = await startSimServer(a.dispatch, { control: a.control, strict: true });
    const client = (who: { accessKeyId: string }) =>
      new EventBridgeClient({
        endpoint: server.url,
        region: "us-west-2",
        credentials: { accessKeyId: who.accessKeyId, secretAccessKey: "x" },
        maxAttempts: 1,
      });
    const agent = client(AGENT);
    const other = client(OTHER);
    try {
      expect((await agent.send(new PutEventsCommand({ Entries: [trigger()] }))).FailedEntryCount).toBe(0);
      const refused = await other.send(new PutEventsCommand({ Entries: [trigger()] }));
      expect(refused.Entries?.[0]?.ErrorCode).toBe("AccessDeniedException");
    } finally {
      agent.destroy();
      other.destroy();
      await server.close();
    }
  });

  it("refuses a fixture rule on an unknown bus", () => {
    expect(() => account({ eventRules: [{ name: "r", eventBusName: "ghost", eventPattern: {} }] })).toThrow(
      /unknown bus ghost/,
    );
  });

  it("answers the unsigned or unknown caller as a principal of the account allowed by its IAM", async () => {
    const a = dxAccount();
    const r = await call<PutEventsResponse>(a, "events", "PutEvents", {
      Entries: [trigger({ EventBusName: "default" })],
    });
    expect(r.FailedEntryCount).toBe(0);
  });
});

describe("event patterns (EventBridge content filtering)", () => {
  const event = {
    source: "ops-toolkit",
    "detail-type": "DX Probe Trigger",
    resources: ["arn:a", "arn:b"],
    detail: { group: "lz-1", failures: 3, state: "down", tags: ["x", "y"] },
  };

  it.each([
    [{ source: ["ops-toolkit"] }, true],
    [{ source: ["other", "ops-toolkit"] }, true],
    [{ source: ["other"] }, false],
    [{ detail: { group: [{ prefix: "lz-" }] } }, true],
    [{ detail: { group: [{ suffix: "-1" }] } }, true],
    [{ detail: { state: [{ "anything-but": ["up", "unknown"] }] } }, true],
    [{ detail: { state: [{ "anything-but": { prefix: "do" } }] } }, false],
    [{ detail: { failures: [{ numeric: [">=", 3, "<", 5] }] } }, true],
    [{ detail: { failures: [{ numeric: [">", 3] }] } }, false],
    [{ detail: { missing: [{ exists: false }] } }, true],
    [{ detail: { group: [{ exists: false }] } }, false],
    [{ detail: { tags: ["y"] } }, true],
    [{ resources: ["arn:b"] }, true],
    [{ "detail-type": [{ "equals-ignore-case": "dx probe trigger" }] }, true],
    [{ "detail-type": [{ wildcard: "DX * Trigger" }] }, true],
    [{ detail: { group: ["lz-1"], state: ["up"] } }, false],
  ])("%j → %s", (pattern, expected) => {
    expect(matchesPattern(pattern as Record<string, unknown>, event)).toBe(expected);
  });
});
