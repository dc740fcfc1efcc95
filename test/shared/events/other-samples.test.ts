/**
 * Schedule and EC2 samples, the sample inventory (every JSON sample is either accepted with a
 * known kind or rejected), shape labels and purity.
 */
import { describe, expect, it } from "vitest";
import { describeEventShape, parseEvents, type ToolkitEvent } from "../../../shared/events";
import { InvalidEventError } from "../../../shared/runtime/errors";
import { deepFreeze, rejection, sample, sampleNames } from "./helpers";

const at = (iso: string) => new Date(iso);

describe("scheduled event samples", () => {
  it("EventBridge rule (docs): detail {}", () => {
    expect(parseEvents(sample("scheduled-event.eventbridge-rule.docs.json"))).toStrictEqual([
      {
        kind: "schedule",
        shape: "eventbridge-rule",
        eventId: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        time: at("2015-10-08T16:53:06Z"),
        region: "us-east-1",
        accountId: "123456789012",
        resources: ["arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule"],
      },
    ]);
  });

  it("EventBridge rule (aws-lambda-go)", () => {
    expect(parseEvents(sample("scheduled-event.eventbridge-rule.aws-lambda-go.json"))).toStrictEqual([
      {
        kind: "schedule",
        shape: "eventbridge-rule",
        eventId: "890abcde-f123-4567-890a-bcdef1234567",
        time: at("2016-12-30T18:44:49Z"),
        region: "us-east-1",
        accountId: "123456789012",
        resources: ["arn:aws:events:us-east-1:123456789012:rule/SampleRule"],
      },
    ]);
  });

  it('EventBridge Scheduler: source aws.scheduler, detail is the string "{}"', () => {
    expect(
      parseEvents(sample("scheduled-event.eventbridge-scheduler.aws-lambda-java-libs.json")),
    ).toStrictEqual([
      {
        kind: "schedule",
        shape: "eventbridge-scheduler",
        eventId: "4e6638b7-b892-4482-9762-8c58d4e71ecc",
        time: at("2024-05-07T15:58:34Z"),
        region: "eu-central-1",
        accountId: "123456789012",
        resources: ["arn:aws:scheduler:eu-central-1:123456789012:schedule/default/demoschedule"],
      },
    ]);
  });
});

describe("EC2 instance state-change samples", () => {
  it("docs sample without `version` parses", () => {
    const raw = sample("ec2.instance-state-change-notification.pending.docs.json");
    expect("version" in raw).toBe(false);
    expect(parseEvents(raw)).toStrictEqual([
      {
        kind: "ec2-state-change",
        eventId: "7bf73129-1428-4cd3-a780-95db273d1602",
        time: at("2021-11-11T21:29:54Z"),
        region: "us-east-1",
        accountId: "123456789012",
        instanceId: "i-abcd1111",
        state: "pending",
      },
    ]);
  });

  it("aws-node-termination-handler sample (with version)", () => {
    expect(
      parseEvents(sample("ec2.instance-state-change-notification.pending.aws-node-termination-handler.json")),
    ).toStrictEqual([
      {
        kind: "ec2-state-change",
        eventId: "7bf73129-1428-4cd3-a780-95db273d1602",
        time: at("2015-11-11T21:29:54Z"),
        region: "us-east-1",
        accountId: "123456789012",
        instanceId: "i-abcd1111",
        state: "pending",
      },
    ]);
  });

  it.each(["pending", "running", "stopping", "stopped", "shutting-down", "terminated"])(
    "state %s",
    (state) => {
      const raw = sample("ec2.instance-state-change-notification.pending.docs.json");
      const detail = raw.detail;
      if (detail === null || typeof detail !== "object" || Array.isArray(detail))
        return expect.fail("no detail");
      detail.state = state;
      expect(parseEvents(raw)).toMatchObject([{ kind: "ec2-state-change", state }]);
    },
  );
});

/** The inventory: what parseEvents makes of each JSON sample. A new sample must be added here. */
const ACCEPTED: Record<string, ToolkitEvent["kind"]> = {
  "cloudwatch-alarm-lambda-action.composite-with-suppressor.powertools-python.json": "alarm-change",
  "cloudwatch-alarm-lambda-action.metric-alarm.ALARM-from-INSUFFICIENT_DATA.aws-lambda-java-libs.json":
    "alarm-change",
  "cloudwatch-alarm-lambda-action.metric-math.ALARM-from-OK.powertools-python.json": "alarm-change",
  "cloudwatch-alarm-state-change.anomaly-detection.ALARM-from-OK.json": "alarm-change",
  "cloudwatch-alarm-state-change.composite-with-suppressor.ALARM-from-OK.json": "alarm-change",
  "cloudwatch-alarm-state-change.metric-math-multi-metric.ALARM-from-INSUFFICIENT_DATA.json": "alarm-change",
  "cloudwatch-alarm-state-change.metrics-insights-partial-data.ALARM-from-INSUFFICIENT_DATA.json":
    "alarm-change",
  "cloudwatch-alarm-state-change.single-metric-ec2-instanceid.ALARM-from-OK.json": "alarm-change",
  "ec2.instance-state-change-notification.pending.aws-node-termination-handler.json": "ec2-state-change",
  "ec2.instance-state-change-notification.pending.docs.json": "ec2-state-change",
  "scheduled-event.eventbridge-rule.aws-lambda-go.json": "schedule",
  "scheduled-event.eventbridge-rule.docs.json": "schedule",
  "scheduled-event.eventbridge-scheduler.aws-lambda-java-libs.json": "schedule",
  "sns-wrapped.cloudwatch-alarm.metric-math-multi-metric.aws-lambda-go.json": "alarm-change",
  "sns-wrapped.cloudwatch-alarm.single-metric-ec2-instanceid.aws-lambda-go.json": "alarm-change",
  "autoscaling.ec2-instance-launch-lifecycle-action.aws-lambda-go.json": "lifecycle-action",
  "autoscaling.ec2-instance-terminate-lifecycle-action.aws-lambda-go.json": "lifecycle-action",
  "autoscaling.ec2-instance-terminate-lifecycle-action.aws-node-termination-handler.json": "lifecycle-action",
};

describe("sample inventory", () => {
  const names = sampleNames();

  it("holds every sample kind, including the ones other capabilities use", () => {
    expect(names).toHaveLength(34);
    for (const prefix of [
      "autoscaling.",
      "health.",
      "ec2.spot-",
      "ec2.instance-rebalance",
      "cloudwatch-alarm-configuration-change.",
    ]) {
      expect(names.some((name) => name.startsWith(prefix))).toBe(true);
    }
    for (const name of Object.keys(ACCEPTED)) expect(names).toContain(name);
  });

  it.each(names)("%s", (name) => {
    const expected = ACCEPTED[name];
    if (expected === undefined) {
      const error = rejection(() => parseEvents(sample(name)));
      expect(error.message).toMatch(/^(Unsupported|Invalid)/);
    } else {
      const events = parseEvents(sample(name));
      expect(events.length).toBeGreaterThan(0);
      for (const event of events) {
        expect(event.kind).toBe(expected);
        expect(Number.isNaN(event.time.getTime())).toBe(false);
      }
    }
  });
});

describe("describeEventShape", () => {
  it.each([
    [
      "cloudwatch-alarm-state-change.single-metric-ec2-instanceid.ALARM-from-OK.json",
      "eventbridge:aws.cloudwatch/CloudWatch Alarm State Change",
    ],
    [
      "cloudwatch-alarm-configuration-change.metric-alarm-update.json",
      "eventbridge:aws.cloudwatch/CloudWatch Alarm Configuration Change",
    ],
    [
      "cloudwatch-alarm-lambda-action.metric-math.ALARM-from-OK.powertools-python.json",
      "lambda-alarm-action",
    ],
    ["sns-wrapped.cloudwatch-alarm.single-metric-ec2-instanceid.aws-lambda-go.json", "sns"],
    ["sns-wrapped.generic-notification.powertools-typescript.json", "sns"],
    [
      "scheduled-event.eventbridge-scheduler.aws-lambda-java-libs.json",
      "eventbridge:aws.scheduler/Scheduled Event",
    ],
    [
      "ec2.instance-state-change-notification.pending.docs.json",
      "eventbridge:aws.ec2/EC2 Instance State-change Notification",
    ],
    [
      "autoscaling.ec2-instance-launch-lifecycle-action.aws-lambda-go.json",
      "eventbridge:aws.autoscaling/EC2 Instance-launch Lifecycle Action",
    ],
    ["health.generic-test-event.aws-health-tools.json", "eventbridge:aws.health/AWS Health Event"],
  ])("%s → %s", (name, label) => {
    expect(describeEventShape(sample(name))).toBe(label);
  });

  it("labels non-events and foreign events without throwing", () => {
    expect(describeEventShape(null)).toBe("unknown");
    expect(describeEventShape(undefined)).toBe("unknown");
    expect(describeEventShape("CloudWatch Alarm State Change")).toBe("unknown");
    expect(describeEventShape(42)).toBe("unknown");
    expect(describeEventShape([])).toBe("unknown");
    expect(describeEventShape({})).toBe("unknown");
    expect(describeEventShape({ Records: [{ eventSource: "aws:sqs" }] })).toBe("records:aws:sqs");
    expect(describeEventShape({ "detail-type": 7, detail: {} })).toBe("eventbridge:malformed");
  });

  it("never throws, even on hostile input", () => {
    const throwing = {
      "detail-type": "x",
      get source(): string {
        throw new Error("getter");
      },
    };
    const proxy = new Proxy(
      {},
      {
        has: () => {
          throw new Error("has");
        },
        get: () => {
          throw new Error("get");
        },
      },
    );
    expect(describeEventShape(throwing)).toBe("unknown");
    expect(describeEventShape(proxy)).toBe("unknown");
  });

  it("clips very long labels", () => {
    const label = describeEventShape({ source: "s".repeat(1000), "detail-type": "d", detail: {} });
    expect(label.length).toBeLessThan(250);
  });
});

describe("purity", () => {
  it("does not mutate its input and is deterministic", () => {
    for (const name of Object.keys(ACCEPTED)) {
      const frozen = deepFreeze(sample(name));
      const first = parseEvents(frozen);
      expect(parseEvents(frozen)).toStrictEqual(first);
      expect(frozen).toStrictEqual(sample(name));
    }
  });

  it("returns objects that do not alias the input", () => {
    const raw = sample("cloudwatch-alarm-state-change.single-metric-ec2-instanceid.ALARM-from-OK.json");
    const [event] = parseEvents(raw);
    if (event?.kind !== "alarm-change") return expect.fail("expected an alarm change");
    const dimensions = event.metrics[0]?.dimensions;
    if (dimensions === undefined) return expect.fail("no metric");
    dimensions.InstanceId = "changed";
    expect(JSON.stringify(raw)).toContain("i-12345678901234567");
  });

  it("InvalidEventError serialises for structured logs", () => {
    const error = rejection(() => parseEvents(null));
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error.toJSON()).toMatchObject({
      name: "InvalidEventError",
      kind: "invalid-event",
      retryable: false,
      parser: "any",
    });
  });
});
