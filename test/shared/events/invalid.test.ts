/**
 * Malformed, unknown and foreign events → InvalidEventError with an informative message, the right
 * context (parser, source, detailType) and `path: message` issues.
 */
import { describe, expect, it } from "vitest";
import { parseAlarmChanges, parseEvents } from "../../../shared/events";
import { edit, REMOVE, rejection, sample, sampleNames, snsVariant, variant } from "./helpers";

const EB_ALARM = "cloudwatch-alarm-state-change.single-metric-ec2-instanceid.ALARM-from-OK.json";
const EB_METRIC_MATH =
  "cloudwatch-alarm-state-change.metric-math-multi-metric.ALARM-from-INSUFFICIENT_DATA.json";
const LAMBDA_ACTION =
  "cloudwatch-alarm-lambda-action.metric-alarm.ALARM-from-INSUFFICIENT_DATA.aws-lambda-java-libs.json";
const SNS_SINGLE = "sns-wrapped.cloudwatch-alarm.single-metric-ec2-instanceid.aws-lambda-go.json";
const SNS_MATH = "sns-wrapped.cloudwatch-alarm.metric-math-multi-metric.aws-lambda-go.json";
const SNS_GENERIC = "sns-wrapped.generic-notification.powertools-typescript.json";
const EC2 = "ec2.instance-state-change-notification.pending.docs.json";
const EC2_NONSTANDARD = "eventbridge.ec2-instance-state-change.powertools-typescript-NONSTANDARD.json";
const RULE = "scheduled-event.eventbridge-rule.docs.json";
const SCHEDULER = "scheduled-event.eventbridge-scheduler.aws-lambda-java-libs.json";

const EB_ALARM_SUMMARY =
  "Invalid CloudWatch alarm event (eventbridge:aws.cloudwatch/CloudWatch Alarm State Change)";

describe("EventBridge alarm state change, malformed", () => {
  const eb = {
    parser: "cloudwatch-alarm",
    source: "aws.cloudwatch",
    detailType: "CloudWatch Alarm State Change",
  };

  it.each([
    [["detail", "alarmName"], REMOVE, "detail.alarmName: required string is missing"],
    [["detail", "alarmName"], "", "detail.alarmName: must not be empty"],
    [["detail", "state"], REMOVE, "detail.state: required object is missing"],
    [["detail", "state", "reason"], REMOVE, "detail.state.reason: required string is missing"],
    [
      ["detail", "state", "value"],
      "BROKEN",
      'detail.state.value: expected one of "OK", "ALARM", "INSUFFICIENT_DATA", received "BROKEN"',
    ],
    [
      ["detail", "state", "value"],
      "alarm",
      'detail.state.value: expected one of "OK", "ALARM", "INSUFFICIENT_DATA", received "alarm"',
    ],
    [
      ["detail", "previousState", "value"],
      null,
      'detail.previousState.value: expected one of "OK", "ALARM", "INSUFFICIENT_DATA", received null',
    ],
    [["detail", "state", "reasonData"], 42, "detail.state.reasonData: expected string, received number 42"],
    [["id"], 42, "id: expected string, received number 42"],
    [["id"], REMOVE, "id: required string is missing"],
    [["account"], REMOVE, "account: required string is missing"],
    [["region"], false, "region: expected string, received boolean false"],
    [
      ["time"],
      "yyyy-mm-ddThh:mm:ssZ",
      'time: expected an ISO-8601 timestamp with a zone (e.g. "2019-10-02T17:04:40Z"), received "yyyy-mm-ddThh:mm:ssZ"',
    ],
    [
      ["detail", "state", "timestamp"],
      "2019-02-30T17:04:40.989+0000",
      'detail.state.timestamp: expected an ISO-8601 timestamp with a zone (e.g. "2019-10-02T17:04:40Z"), received "2019-02-30T17:04:40.989+0000"',
    ],
    [
      ["detail", "state", "timestamp"],
      "2019-10-02T17:04:40.989",
      'detail.state.timestamp: expected an ISO-8601 timestamp with a zone (e.g. "2019-10-02T17:04:40Z"), received "2019-10-02T17:04:40.989"',
    ],
    [
      ["detail", "state", "timestamp"],
      1570035880989,
      "detail.state.timestamp: expected string, received number 1570035880989",
    ],
    [
      ["resources"],
      [],
      "resources: expected the alarm ARN (arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>) as resources[0], received nothing",
    ],
    [
      ["resources", 0],
      "arn:aws:ec2:us-east-1:123456789012:instance/i-1",
      'resources: expected the alarm ARN (arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>) as resources[0], received "arn:aws:ec2:us-east-1:123456789012:instance/i-1"',
    ],
    [
      ["resources"],
      "arn:aws:cloudwatch:us-east-1:1:alarm:a",
      'resources: expected array, received "arn:aws:cloudwatch:us-east-1:1:alarm:a"',
    ],
    [
      ["detail", "configuration"],
      {},
      "detail.configuration: expected metrics (metric alarm) or alarmRule (composite alarm)",
    ],
    [["detail", "configuration"], REMOVE, "detail.configuration: required object is missing"],
    [
      ["detail", "configuration", "metrics", 0, "metricStat", "metric", "dimensions", "InstanceId"],
      5,
      "detail.configuration.metrics[0].metricStat.metric.dimensions.InstanceId: expected string, received number 5",
    ],
    [
      ["detail", "configuration", "metrics", 0, "metricStat", "metric", "dimensions"],
      [{ name: "InstanceId", value: "i-1" }],
      "detail.configuration.metrics[0].metricStat.metric.dimensions: expected record, received an array",
    ],
    [
      ["detail", "configuration", "metrics", 0, "metricStat", "period"],
      "300",
      'detail.configuration.metrics[0].metricStat.period: expected number, received "300"',
    ],
    [
      ["detail", "configuration", "metrics", 0],
      { id: "m1" },
      "detail.configuration.metrics[0]: expected metricStat or expression",
    ],
    [["detail"], "{}", 'detail: expected object, received "{}"'],
  ] as const)("%j = %j", (path, value, issue) => {
    const error = rejection(() => parseEvents(variant(EB_ALARM, path, value)));
    expect(error.message).toBe(`${EB_ALARM_SUMMARY}: ${issue}`);
    expect(error.context).toStrictEqual({ ...eb, issues: [issue] });
    // The alarm-only entry point rejects it the same way.
    expect(rejection(() => parseAlarmChanges(variant(EB_ALARM, path, value))).message).toBe(error.message);
  });

  it("reports every issue, and summarises the first three in the message", () => {
    const raw = sample(EB_METRIC_MATH);
    for (const [path, value] of [
      [["id"], 1],
      [["account"], 2],
      [["time"], "soon"],
      [["region"], null],
      [["detail", "alarmName"], 2],
      [["detail", "state", "value"], "NOPE"],
    ] as const) {
      edit(raw, path, value);
    }
    const error = rejection(() => parseEvents(raw));
    expect(error.context.issues).toStrictEqual([
      "id: expected string, received number 1",
      "account: expected string, received number 2",
      'time: expected an ISO-8601 timestamp with a zone (e.g. "2019-10-02T17:04:40Z"), received "soon"',
      "region: expected string, received null",
      "detail.alarmName: expected string, received number 2",
      'detail.state.value: expected one of "OK", "ALARM", "INSUFFICIENT_DATA", received "NOPE"',
    ]);
    expect(error.message).toBe(
      `${EB_ALARM_SUMMARY}: id: expected string, received number 1; account: expected string, received number 2; ` +
        'time: expected an ISO-8601 timestamp with a zone (e.g. "2019-10-02T17:04:40Z"), received "soon" (+3 more)',
    );
  });

  it("an unparsable reasonData is not an error: reasonData is left undefined", () => {
    const [change] = parseAlarmChanges(variant(EB_ALARM, ["detail", "state", "reasonData"], "{not json"));
    expect(change?.state.value).toBe("ALARM");
    expect(change?.state).not.toHaveProperty("reasonData");
  });

  it("truncates long received strings in messages", () => {
    const error = rejection(() =>
      parseEvents(variant(EB_ALARM, ["detail", "state", "value"], "X".repeat(500))),
    );
    expect(error.message.length).toBeLessThan(250);
    expect(error.context.issues[0]).toContain(`"${"X".repeat(57)}..."`);
  });
});

describe("unsupported EventBridge events", () => {
  const configurationChanges = sampleNames().filter((name) =>
    name.startsWith("cloudwatch-alarm-configuration-change."),
  );

  it("has the six configuration-change samples", () => {
    expect(configurationChanges).toHaveLength(6);
  });

  it.each(configurationChanges)("%s is a configuration change, not a state change", (name) => {
    const message =
      'Unsupported event: detail-type "CloudWatch Alarm Configuration Change" from aws.cloudwatch is a configuration change, not a state change';
    const issues = [
      'detail-type: expected "CloudWatch Alarm State Change", received "CloudWatch Alarm Configuration Change"',
    ];
    const fromAny = rejection(() => parseEvents(sample(name)));
    expect(fromAny.message).toBe(message);
    expect(fromAny.context).toStrictEqual({
      parser: "any",
      source: "aws.cloudwatch",
      detailType: "CloudWatch Alarm Configuration Change",
      issues,
    });
    const fromAlarm = rejection(() => parseAlarmChanges(sample(name)));
    expect(fromAlarm.message).toBe(message);
    expect(fromAlarm.context.parser).toBe("cloudwatch-alarm");
  });

  const otherKinds = sampleNames().filter((name) => /^(health|ec2\.spot|ec2\.instance-rebalance)/.test(name));
  const lifecycleSamples = sampleNames().filter((name) => name.startsWith("autoscaling."));

  it("has the other capabilities' samples", () => {
    expect(otherKinds).toHaveLength(6);
    expect(lifecycleSamples).toHaveLength(5);
  });

  it.each(lifecycleSamples)("%s (Auto Scaling lifecycle) is not an alarm for parseAlarmChanges", (name) => {
    const raw = sample(name);
    const source = String(raw.source);
    const detailType = String(raw["detail-type"]);
    const alarmError = rejection(() => parseAlarmChanges(raw));
    expect(alarmError.message).toBe(
      `Unsupported event: expected a CloudWatch alarm state change, received detail-type "${detailType}" from ${source}`,
    );
  });

  it.each(otherKinds)("%s is not handled by parseEvents nor parseAlarmChanges", (name) => {
    const raw = sample(name);
    const source = String(raw.source);
    const detailType = String(raw["detail-type"]);
    const error = rejection(() => parseEvents(raw));
    expect(error.message).toBe(
      `Unsupported event: detail-type "${detailType}" from ${source} is not handled (accepted: ` +
        '"CloudWatch Alarm State Change" from aws.cloudwatch, "Scheduled Event" from aws.events or aws.scheduler, ' +
        '"EC2 Instance State-change Notification" from aws.ec2, ' +
        '"EC2 Instance-launch/-terminate Lifecycle Action" from aws.autoscaling)',
    );
    expect(error.context).toStrictEqual({
      parser: "any",
      source,
      detailType,
      issues: [`source/detail-type: "${source}"/"${detailType}" is not an accepted pair`],
    });
    const alarmError = rejection(() => parseAlarmChanges(raw));
    expect(alarmError.message).toBe(
      `Unsupported event: expected a CloudWatch alarm state change, received detail-type "${detailType}" from ${source}`,
    );
    expect(alarmError.context).toMatchObject({ parser: "cloudwatch-alarm", source, detailType });
  });

  it("an unknown detail-type from aws.cloudwatch", () => {
    const error = rejection(() =>
      parseEvents(variant(EB_ALARM, ["detail-type"], "CloudWatch Alarm Something New")),
    );
    expect(error.message).toMatch(
      /^Unsupported event: detail-type "CloudWatch Alarm Something New" from aws.cloudwatch is not handled/,
    );
    expect(error.context).toMatchObject({
      source: "aws.cloudwatch",
      detailType: "CloudWatch Alarm Something New",
    });
  });

  it("a state change from another source is foreign", () => {
    const error = rejection(() => parseEvents(variant(EB_ALARM, ["source"], "my.app")));
    expect(error.message).toMatch(
      /^Unsupported event: detail-type "CloudWatch Alarm State Change" from my.app/,
    );
    expect(error.context).toMatchObject({ parser: "any", source: "my.app" });
  });

  it.each([RULE, SCHEDULER, EC2])("parseAlarmChanges rejects the accepted non-alarm sample %s", (name) => {
    const raw = sample(name);
    const error = rejection(() => parseAlarmChanges(raw));
    expect(error.message).toBe(
      `Unsupported event: expected a CloudWatch alarm state change, received detail-type "${String(raw["detail-type"])}" from ${String(raw.source)}`,
    );
    expect(error.context.issues).toStrictEqual([
      `source/detail-type: expected "aws.cloudwatch"/"CloudWatch Alarm State Change", received eventbridge:${String(raw.source)}/${String(raw["detail-type"])}`,
    ]);
  });

  it("an EventBridge-looking event without readable source/detail-type", () => {
    const error = rejection(() => parseEvents({ "detail-type": 7, detail: {} }));
    expect(error.message).toBe(
      "Invalid EventBridge event: detail-type: expected string, received number 7; source: required string is missing",
    );
    expect(error.context).toStrictEqual({
      parser: "any",
      issues: ["detail-type: expected string, received number 7", "source: required string is missing"],
    });
  });
});

describe("Lambda alarm action, malformed", () => {
  const summary = "Invalid CloudWatch alarm Lambda action event (lambda-alarm-action)";

  it.each([
    [["alarmArn"], REMOVE, "alarmArn: required string is missing"],
    [
      ["alarmArn"],
      "arn:aws:sns:us-east-1:444455556666:topic",
      'alarmArn: expected a CloudWatch alarm ARN (arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>), received "arn:aws:sns:us-east-1:444455556666:topic"',
    ],
    [["accountId"], REMOVE, "accountId: required string is missing"],
    [["region"], 1, "region: expected string, received number 1"],
    [["source"], "aws.ec2", 'source: expected "aws.cloudwatch", received "aws.ec2"'],
    [
      ["time"],
      "2023-08-04 12:36:15",
      'time: expected an ISO-8601 timestamp with a zone (e.g. "2019-10-02T17:04:40Z"), received "2023-08-04 12:36:15"',
    ],
    [["alarmData"], null, "alarmData: expected object, received null"],
    [["alarmData", "state"], REMOVE, "alarmData.state: required object is missing"],
    [
      ["alarmData", "state", "value"],
      "FIRE",
      'alarmData.state.value: expected one of "OK", "ALARM", "INSUFFICIENT_DATA", received "FIRE"',
    ],
    [
      ["alarmData", "previousState", "timestamp"],
      "2023-13-04T12:31:29.595+0000",
      'alarmData.previousState.timestamp: expected an ISO-8601 timestamp with a zone (e.g. "2019-10-02T17:04:40Z"), received "2023-13-04T12:31:29.595+0000"',
    ],
    [
      ["alarmData", "configuration", "metrics"],
      {},
      "alarmData.configuration.metrics: expected array, received an object",
    ],
  ] as const)("%j = %j", (path, value, issue) => {
    const error = rejection(() => parseAlarmChanges(variant(LAMBDA_ACTION, path, value)));
    expect(error.message).toBe(`${summary}: ${issue}`);
    expect(error.context).toStrictEqual({
      parser: "cloudwatch-alarm",
      source: "aws.cloudwatch",
      issues: [issue],
    });
    expect(rejection(() => parseEvents(variant(LAMBDA_ACTION, path, value))).message).toBe(error.message);
  });
});

describe("SNS, malformed or foreign", () => {
  it("the generic (non-alarm) SNS notification is foreign", () => {
    const error = rejection(() => parseEvents(sample(SNS_GENERIC)));
    expect(error.message).toBe(
      "Unsupported SNS message in Records[0]: not a CloudWatch alarm notification: " +
        "Records[0].Sns.Message: expected a JSON CloudWatch alarm notification, received non-JSON text",
    );
    expect(error.context).toMatchObject({ parser: "cloudwatch-alarm", source: "aws:sns" });
    expect(rejection(() => parseAlarmChanges(sample(SNS_GENERIC))).message).toBe(error.message);
  });

  it("an incomplete Auto Scaling lifecycle message goes to the lifecycle parser and is invalid", () => {
    const raw = variant(
      SNS_SINGLE,
      ["Records", 0, "Sns", "Message"],
      JSON.stringify({
        LifecycleHookName: "my-hook",
        LifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING",
        EC2InstanceId: "i-0598c7d356eba48d7",
      }),
    );
    const error = rejection(() => parseEvents(raw));
    expect(error.message).toMatch(/^Invalid Auto Scaling lifecycle message in Records\[0\]\.Sns\.Message: /);
    expect(error.context.parser).toBe("lifecycle-action");
    expect(error.context.issues).toContain(
      "Records[0].Sns.Message.LifecycleActionToken: required string is missing",
    );
    // The alarm-only parser still calls it foreign.
    const alarmError = rejection(() => parseAlarmChanges(raw));
    expect(alarmError.message).toBe(
      "Unsupported SNS message in Records[0]: not a CloudWatch alarm notification: " +
        "Records[0].Sns.Message: expected a JSON object with AlarmArn, AlarmName and NewStateValue, received a JSON object (unknown)",
    );
  });

  it("an EventBridge event forwarded through SNS is named in the issue", () => {
    const raw = variant(SNS_SINGLE, ["Records", 0, "Sns", "Message"], JSON.stringify(sample(EB_ALARM)));
    const error = rejection(() => parseEvents(raw));
    expect(error.context.issues[0]).toContain("(eventbridge:aws.cloudwatch/CloudWatch Alarm State Change)");
  });

  it.each(['"just a string"', "42", "[]", "null"])("a JSON message %s is foreign", (message) => {
    const error = rejection(() =>
      parseEvents(variant(SNS_SINGLE, ["Records", 0, "Sns", "Message"], message)),
    );
    expect(error.context.issues).toStrictEqual([
      "Records[0].Sns.Message: expected a JSON object with AlarmArn, AlarmName and NewStateValue, received other JSON",
    ]);
  });

  const messageSummary = "Invalid CloudWatch alarm notification in SNS Records[0]";
  it.each([
    [
      ["NewStateValue"],
      "PANIC",
      'NewStateValue: expected one of "OK", "ALARM", "INSUFFICIENT_DATA", received "PANIC"',
    ],
    [
      ["NewStateValue"],
      REMOVE,
      'NewStateValue: expected one of "OK", "ALARM", "INSUFFICIENT_DATA", received nothing',
    ],
    [
      ["OldStateValue"],
      "ok",
      'OldStateValue: expected one of "OK", "ALARM", "INSUFFICIENT_DATA", received "ok"',
    ],
    [["AlarmName"], REMOVE, "AlarmName: required string is missing"],
    [["NewStateReason"], 1, "NewStateReason: expected string, received number 1"],
    [
      ["AlarmArn"],
      "EXAMPLE",
      'AlarmArn: expected a CloudWatch alarm ARN (arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>), received "EXAMPLE"',
    ],
    [
      ["StateChangeTime"],
      "Wednesday 3 June 2015",
      'StateChangeTime: expected an ISO-8601 timestamp with a zone (e.g. "2019-10-02T17:04:40Z"), received "Wednesday 3 June 2015"',
    ],
    [
      ["Trigger", "Dimensions"],
      { InstanceId: "TestInstance" },
      "Trigger.Dimensions: expected array, received an object",
    ],
    [
      ["Trigger", "Dimensions", 0, "value"],
      REMOVE,
      "Trigger.Dimensions[0].value: required string is missing",
    ],
    [
      ["Trigger", "MetricName"],
      REMOVE,
      "Trigger: expected MetricName (single metric) or Metrics (metric math)",
    ],
    [["Trigger", "Period"], "60", 'Trigger.Period: expected number, received "60"'],
  ] as const)("message %j = %j", (path, value, issue) => {
    const full = `Records[0].Sns.Message.${issue}`;
    const error = rejection(() => parseEvents(snsVariant(SNS_SINGLE, path, value)));
    expect(error.message).toBe(`${messageSummary}: ${full}`);
    expect(error.context).toStrictEqual({ parser: "cloudwatch-alarm", source: "aws:sns", issues: [full] });
  });

  it("a metric-math query with neither MetricStat nor Expression", () => {
    const error = rejection(() => parseEvents(snsVariant(SNS_MATH, ["Trigger", "Metrics", 1], { Id: "m1" })));
    expect(error.context.issues).toStrictEqual([
      "Records[0].Sns.Message.Trigger.Metrics[1]: expected MetricStat or Expression",
    ]);
  });

  it.each([
    [
      ["Records", 0, "EventSource"],
      "aws:sqs",
      'Records[0].EventSource: expected "aws:sns", received "aws:sqs"',
    ],
    [["Records", 0, "Sns", "MessageId"], REMOVE, "Records[0].Sns.MessageId: required string is missing"],
    [
      ["Records", 0, "Sns", "Message"],
      { AlarmName: "x" },
      "Records[0].Sns.Message: expected string, received an object",
    ],
    [
      ["Records", 0, "Sns", "Timestamp"],
      "2015-06-03T17:43:27.123",
      'Records[0].Sns.Timestamp: expected an ISO-8601 timestamp with a zone (e.g. "2019-10-02T17:04:40Z"), received "2015-06-03T17:43:27.123"',
    ],
  ] as const)("record %j = %j", (path, value, issue) => {
    const error = rejection(() => parseEvents(variant(SNS_SINGLE, path, value)));
    expect(error.message).toBe(`Invalid SNS record Records[0]: ${issue}`);
    expect(error.context).toStrictEqual({ parser: "cloudwatch-alarm", source: "aws:sns", issues: [issue] });
  });

  it("one AlarmChange per record; a bad second record names Records[1]", () => {
    const single = sample(SNS_SINGLE);
    const math = sample(SNS_MATH);
    const records = [...(single.Records as unknown[]), ...(math.Records as unknown[])];
    const events = parseEvents({ Records: records });
    expect(events.map((e) => e.kind === "alarm-change" && e.metrics.length)).toStrictEqual([1, 2]);

    const bad = variant(SNS_MATH, ["Records", 0, "Sns", "Message"], "not json");
    const error = rejection(() =>
      parseEvents({ Records: [...(single.Records as unknown[]), ...(bad.Records as unknown[])] }),
    );
    expect(error.message).toMatch(/^Unsupported SNS message in Records\[1\]/);
    expect(error.context.issues[0]).toMatch(/^Records\[1\]\.Sns\.Message: /);
  });
});

describe("EC2 state change, malformed", () => {
  const summary =
    "Invalid EC2 instance state-change event (eventbridge:aws.ec2/EC2 Instance State-change Notification)";
  const context = {
    parser: "ec2-state-change",
    source: "aws.ec2",
    detailType: "EC2 Instance State-change Notification",
  };

  it("the powertools NONSTANDARD sample (snake_case instance_id) is rejected with a hint", () => {
    const error = rejection(() => parseEvents(sample(EC2_NONSTANDARD)));
    const issues = [
      'detail["instance-id"]: required string is missing',
      'detail.instance_id: snake_case "instance_id" is not an EC2 field (EC2 sends detail["instance-id"]); is this a hand-written test event?',
    ];
    expect(error.message).toBe(`${summary}: ${issues.join("; ")}`);
    expect(error.context).toStrictEqual({ ...context, issues });
  });

  it.each([
    [
      ["detail", "state"],
      "exploded",
      'detail.state: expected one of "pending", "running", "stopping", "stopped", "shutting-down", "terminated", received "exploded"',
    ],
    [
      ["detail", "state"],
      "Running",
      'detail.state: expected one of "pending", "running", "stopping", "stopped", "shutting-down", "terminated", received "Running"',
    ],
    [
      ["detail", "instance-id"],
      "vol-0123456789abcdef0",
      'detail["instance-id"]: expected an EC2 instance id like "i-0123456789abcdef0", received "vol-0123456789abcdef0"',
    ],
    [["detail", "instance-id"], 1234, 'detail["instance-id"]: expected string, received number 1234'],
    [["detail"], REMOVE, "detail: required object is missing"],
    [
      ["time"],
      "2021-11-11T21:29:54+25:00",
      'time: expected an ISO-8601 timestamp with a zone (e.g. "2019-10-02T17:04:40Z"), received "2021-11-11T21:29:54+25:00"',
    ],
    [["resources"], REMOVE, "resources: required array is missing"],
    [["resources", 0], 7, "resources[0]: expected string, received number 7"],
  ] as const)("%j = %j", (path, value, issue) => {
    const error = rejection(() => parseEvents(variant(EC2, path, value)));
    expect(error.message).toBe(`${summary}: ${issue}`);
    expect(error.context).toStrictEqual({ ...context, issues: [issue] });
  });
});

describe("scheduled events, malformed", () => {
  it.each([
    [
      RULE,
      ["detail"],
      42,
      "detail: expected an object (EventBridge rule) or a string (EventBridge Scheduler), received number 42",
    ],
    [
      SCHEDULER,
      ["detail"],
      REMOVE,
      "detail: expected an object (EventBridge rule) or a string (EventBridge Scheduler), received nothing",
    ],
    [RULE, ["account"], "", "account: must not be empty"],
    [
      SCHEDULER,
      ["time"],
      "2024-05-07T15:58:34",
      'time: expected an ISO-8601 timestamp with a zone (e.g. "2019-10-02T17:04:40Z"), received "2024-05-07T15:58:34"',
    ],
  ] as const)("%s %j = %j", (name, path, value, issue) => {
    const raw = sample(name);
    const error = rejection(() => parseEvents(variant(name, path, value)));
    expect(error.message).toBe(
      `Invalid scheduled event (eventbridge:${String(raw.source)}/Scheduled Event): ${issue}`,
    );
    expect(error.context).toStrictEqual({
      parser: "schedule",
      source: raw.source,
      detailType: "Scheduled Event",
      issues: [issue],
    });
  });
});

describe("not an event at all", () => {
  it.each([
    [null, "null"],
    [undefined, "nothing"],
    ["CloudWatch Alarm State Change", '"CloudWatch Alarm State Change"'],
    [42, "number 42"],
    [[sample(EB_ALARM)], "an array"],
  ])("%j", (raw, described) => {
    for (const parse of [parseEvents, parseAlarmChanges]) {
      const error = rejection(() => parse(raw));
      expect(error.message).toBe(`Invalid event: expected a JSON object, received ${described}`);
      expect(error.context.issues).toStrictEqual([`(root): expected object, received ${described}`]);
    }
    expect(rejection(() => parseEvents(raw)).context.parser).toBe("any");
    expect(rejection(() => parseAlarmChanges(raw)).context.parser).toBe("cloudwatch-alarm");
  });

  it("an object of no known shape", () => {
    const error = rejection(() => parseEvents({ hello: "world" }));
    expect(error.message).toBe(
      "Unrecognised event shape: expected an EventBridge event (source, detail-type, detail), " +
        "a CloudWatch alarm Lambda action (alarmArn, alarmData) or an SNS event (Records[].Sns)",
    );
    expect(error.context).toStrictEqual({
      parser: "any",
      issues: ["(root): no source/detail-type, alarmData or Records[].Sns"],
    });
  });

  it("SQS records that are not lifecycle messages are foreign; empty Records are rejected", () => {
    const sqs = rejection(() =>
      parseEvents({ Records: [{ eventSource: "aws:sqs", messageId: "m-1", body: "{}" }] }),
    );
    expect(sqs.message).toBe(
      "Unsupported message in Records[0].body: not an Auto Scaling lifecycle message: " +
        'Records[0].body: expected a JSON lifecycle message (LifecycleTransition or Event "autoscaling:…")',
    );
    // SQS is accepted for lifecycle messages only: the alarm parser keeps calling it foreign.
    const foreign = rejection(() => parseAlarmChanges({ Records: [{ eventSource: "aws:sqs", body: "{}" }] }));
    expect(foreign.message).toBe("Unsupported event: Records from aws:sqs (only SNS is accepted)");
    expect(foreign.context).toStrictEqual({
      parser: "cloudwatch-alarm",
      source: "aws:sqs",
      issues: [
        'Records[0]: expected an SNS record (EventSource "aws:sns"), received a record from "aws:sqs"',
      ],
    });
    const empty = rejection(() => parseAlarmChanges({ Records: [] }));
    expect(empty.message).toBe("Unsupported event: empty Records array");
    expect(empty.context.issues).toStrictEqual(["Records: must have at least 1 item(s)"]);
  });
});
