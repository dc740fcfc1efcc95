import { describe, expect, it } from "vitest";
import { parseAlarmChanges } from "../../../shared/events";
import type { SimulatedAccount } from "../../../sim";
import { cw, demoAccount } from "./helpers";

/**
 * CloudWatch alarm actions beyond EventBridge (sim/account/alarm-actions.ts; CloudWatch UG "Invoke a Lambda
 * function from an alarm"): on a state change an alarm with its actions enabled runs the actions of the new
 * state; a Lambda action gets the alarm-action payload, an SNS action the alarm notification as a Lambda
 * subscriber of the topic receives it. The toolkit's own parser reads both (shared/events/alarm.ts).
 */

const LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:ops-toolkit-dev-idle-hibernate";
const TOPIC = "arn:aws:sns:us-east-1:123456789012:ops-toolkit-dev-idle-alarms";
const ALARM = "ops-idle-i-0123456789abcdef0";

const withActions = async (a: SimulatedAccount, enabled = true) => {
  await cw(a, "PutMetricAlarm", {
    AlarmName: ALARM,
    Namespace: "AWS/EC2",
    MetricName: "CPUUtilization",
    Dimensions: [{ Name: "InstanceId", Value: "i-0123456789abcdef0" }],
    Statistic: "Average",
    Period: 300,
    EvaluationPeriods: 3,
    Threshold: 10,
    ComparisonOperator: "LessThanThreshold",
    ActionsEnabled: enabled,
    AlarmActions: [LAMBDA, TOPIC],
    OKActions: [TOPIC],
  });
};

describe("alarm actions (Lambda, SNS)", () => {
  it("a change to ALARM runs the AlarmActions: a Lambda payload and an SNS record the toolkit's parser reads", async () => {
    const a = demoAccount();
    await withActions(a);
    a.setAlarmState(ALARM, "OK", "busy"); // the fixture's alarm starts in ALARM
    a.setAlarmState(ALARM, "ALARM", "Threshold Crossed: 3 datapoints were less than the threshold (10.0)");
    const sent = a.alarmActionDeliveries.filter((d) => d.state === "ALARM");
    expect(sent.map((d) => [d.kind, d.action, d.state])).toEqual([
      ["lambda", LAMBDA, "ALARM"],
      ["sns", TOPIC, "ALARM"],
    ]);
    expect(sent[0]?.payload).toMatchObject({
      source: "aws.cloudwatch",
      alarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${ALARM}`,
      accountId: "123456789012",
      region: "us-east-1",
      alarmData: { alarmName: ALARM, state: { value: "ALARM" } },
    });
    const viaLambda = parseAlarmChanges(sent[0]?.payload);
    const viaSns = parseAlarmChanges(sent[1]?.payload);
    for (const changes of [viaLambda, viaSns]) {
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({ alarmName: ALARM, state: { value: "ALARM" } });
    }
    const records = (sent[1]?.payload ?? { Records: [] }) as { Records: { Sns: { Message: string } }[] };
    const message = JSON.parse(String(records.Records[0]?.Sns.Message)) as Record<string, unknown>;
    expect(message).toMatchObject({
      AlarmName: ALARM,
      NewStateValue: "ALARM",
      Region: "US East (N. Virginia)",
      Trigger: { Dimensions: [{ name: "InstanceId", value: "i-0123456789abcdef0" }], Period: 300 },
    });
  });

  it("OK runs the OKActions; no change of state runs nothing; disabled actions run nothing (the EventBridge event is still sent)", async () => {
    const a = demoAccount();
    await withActions(a);
    a.setAlarmState(ALARM, "OK", "back");
    a.setAlarmState(ALARM, "OK", "still");
    expect(a.alarmActionDeliveries.map((d) => [d.kind, d.state])).toEqual([["sns", "OK"]]);
    await cw(a, "DisableAlarmActions", { AlarmNames: [ALARM] });
    const events = a.serviceEvents.length;
    a.setAlarmState(ALARM, "ALARM", "idle");
    expect(a.alarmActionDeliveries).toHaveLength(1);
    expect(a.serviceEvents.slice(events).map((e) => e["detail-type"])).toContain(
      "CloudWatch Alarm State Change",
    );
  });

  it("an alarm created with its actions disabled runs none", async () => {
    const a = demoAccount();
    await withActions(a, false);
    a.setAlarmState(ALARM, "OK", "busy");
    a.setAlarmState(ALARM, "ALARM", "idle");
    expect(a.alarmActionDeliveries).toEqual([]);
  });
});
