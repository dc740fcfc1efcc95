import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type LifecycleAction, type LifecycleTestNotification, parseEvents } from "../../../shared/events";
import { rejection, sample } from "./helpers";

/** Auto Scaling lifecycle actions: EventBridge, SNS and SQS shapes, and the test notification. */

/** An eni-reattach event; the SQS ones are under events/not-delivered/ (the stack deploys no queue). */
const file = (name: string): unknown =>
  JSON.parse(
    readFileSync(
      name.includes("sqs") ? `events/not-delivered/eni-reattach/${name}` : `events/eni-reattach/${name}`,
      "utf8",
    ),
  );
const only = <T>(events: unknown[]): T => {
  expect(events).toHaveLength(1);
  return events[0] as T;
};

/** The lifecycle message of the SNS/SQS docs sample (text-formats/…sns-sqs.docs.txt) as JSON. */
const DOCS_MESSAGE = {
  Service: "AWS Auto Scaling",
  Time: "2021-01-19T00:36:26.533Z",
  RequestId: "18b2ec17-3e9b-4c15-8024-ff2e8ce8786a",
  LifecycleActionToken: "71514b9d-6a40-4b26-8523-05e7ee35fa40",
  AccountId: "123456789012",
  AutoScalingGroupName: "my-asg",
  LifecycleHookName: "my-hook",
  EC2InstanceId: "i-0598c7d356eba48d7",
  LifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING",
  NotificationMetadata: "hook message metadata",
};

describe("Auto Scaling lifecycle actions", () => {
  it("EventBridge launch (aws-lambda-go sample)", () => {
    const action = only<LifecycleAction>(
      parseEvents(sample("autoscaling.ec2-instance-launch-lifecycle-action.aws-lambda-go.json")),
    );
    expect(action).toEqual({
      kind: "lifecycle-action",
      shape: "eventbridge",
      eventId: "12345678-1234-1234-1234-123456789012",
      time: new Date("1970-01-01T00:00:00Z"),
      region: "us-west-2",
      accountId: "123456789012",
      groupName: "my-asg",
      hookName: "my-lifecycle-hook",
      instanceId: "i-1234567890abcdef0",
      token: "87654321-4321-4321-4321-210987654321",
      transition: "autoscaling:EC2_INSTANCE_LAUNCHING",
      notificationMetadata: "additional-info",
    });
  });

  it("EventBridge terminate (aws-node-termination-handler sample): the group ARN is kept", () => {
    const action = only<LifecycleAction>(
      parseEvents(
        sample("autoscaling.ec2-instance-terminate-lifecycle-action.aws-node-termination-handler.json"),
      ),
    );
    expect(action.transition).toBe("autoscaling:EC2_INSTANCE_TERMINATING");
    expect(action.groupArn).toMatch(/^arn:aws:autoscaling:/);
  });

  it("the docs templates (placeholder time) are invalid, with the field named", () => {
    const error = rejection(() =>
      parseEvents(sample("autoscaling.ec2-instance-launch-lifecycle-action.docs-template.json")),
    );
    expect(error.message).toMatch(
      /^Invalid Auto Scaling lifecycle event \(eventbridge:aws\.autoscaling\): time: /,
    );
  });

  it("Origin/Destination tell warm-pool transitions apart", () => {
    const into = only<LifecycleAction>(parseEvents(file("launch-into-warm-pool.json")));
    expect([into.origin, into.destination]).toEqual(["EC2", "WarmPool"]);
    const out = only<LifecycleAction>(parseEvents(file("launch-warm-pool-to-group.json")));
    expect([out.origin, out.destination]).toEqual(["WarmPool", "AutoScalingGroup"]);
  });

  it("SNS: the plain lifecycle message in Records[].Sns.Message; region from the topic ARN", () => {
    const action = only<LifecycleAction>(parseEvents(file("launch-sns.json")));
    expect(action).toMatchObject({
      shape: "sns",
      eventId: "a1b2c3d4-0001-5e6f-8a9b-0c1d2e3f4a5b",
      region: "us-east-1",
      accountId: "123456789012",
      groupName: "fw-asg",
      instanceId: "i-0f1e2d3c4b5a60002",
      time: new Date("2026-11-21T11:59:40.533Z"),
    });
  });

  it("SQS: the same message in Records[].body; region from awsRegion", () => {
    const action = only<LifecycleAction>(parseEvents(file("launch-sqs.json")));
    expect(action).toMatchObject({
      shape: "sqs",
      eventId: "059f36b4-87a3-44ab-83d2-661975830a7d",
      region: "us-east-1",
    });
  });

  it("the docs' SNS/SQS message fields, as JSON, parse (NotificationMetadata kept)", () => {
    const raw = file("launch-sqs.json") as { Records: { body: string }[] };
    const record = raw.Records[0];
    if (record !== undefined) record.body = JSON.stringify(DOCS_MESSAGE);
    const action = only<LifecycleAction>(parseEvents(raw));
    expect(action).toMatchObject({
      groupName: "my-asg",
      hookName: "my-hook",
      notificationMetadata: "hook message metadata",
    });
  });

  it.each(["test-notification-sns.json", "test-notification-sqs.json"])(
    "%s: autoscaling:TEST_NOTIFICATION becomes a lifecycle-test event",
    (name) => {
      const test = only<LifecycleTestNotification>(parseEvents(file(name)));
      expect(test).toMatchObject({ kind: "lifecycle-test", groupName: "fw-asg", accountId: "123456789012" });
    },
  );

  it("a lifecycle message with an unknown transition is invalid", () => {
    const raw = file("launch-sqs.json") as { Records: { body: string }[] };
    const record = raw.Records[0];
    if (record !== undefined)
      record.body = JSON.stringify({
        ...DOCS_MESSAGE,
        LifecycleTransition: "autoscaling:EC2_INSTANCE_FLYING",
      });
    const error = rejection(() => parseEvents(raw));
    expect(error.message).toMatch(/^Invalid Auto Scaling lifecycle message in Records\[0\]\.body: /);
    expect(error.context.issues[0]).toContain("Records[0].body.LifecycleTransition");
  });

  it("an SQS body that is not JSON is foreign", () => {
    const raw = file("launch-sqs.json") as { Records: { body: string }[] };
    const record = raw.Records[0];
    if (record !== undefined) record.body = "LifecycleTransition: autoscaling:EC2_INSTANCE_LAUNCHING";
    expect(rejection(() => parseEvents(raw)).message).toMatch(/^Unsupported message in Records\[0\]\.body/);
  });
});
