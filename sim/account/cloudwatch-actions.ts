/**
 * CloudWatch DisableAlarmActions / EnableAlarmActions and TagResource / UntagResource (issue 12).
 *
 * - Disable/Enable set `ActionsEnabled` of the named metric and composite alarms (`AlarmNames`
 *   required, at most 100). "When an alarm's actions are disabled, the alarm actions do not execute when
 *   the alarm state changes" (API reference): the alarm still changes state and CloudWatch still sends
 *   the state change event to EventBridge (it sends one "whenever alarms change state"), so
 *   `setAlarmState` does not look at `ActionsEnabled`. A name that does not exist is skipped
 *   [decision]. A change updates `AlarmConfigurationUpdatedTimestamp` and sends the "CloudWatch Alarm
 *   Configuration Change" event (`operation: update`) [decision: the docs list update as a trigger].
 * - `PutMetricAlarm` on an existing alarm overwrites its whole configuration, `ActionsEnabled`
 *   included (default true): cloudwatch.ts.
 * - TagResource / UntagResource: the way to change an existing alarm's tags ("If you are using this
 *   operation to update an existing alarm, any tags you specify in this parameter are ignored. To change
 *   the tags of an existing alarm, use TagResource or UntagResource."). Unknown alarm →
 *   `ResourceNotFoundException` (404); not an alarm ARN → `InvalidParameterValue`.
 */
import type { CompositeAlarm, MetricAlarm } from "@aws-sdk/client-cloudwatch";
import { emitConfigurationChange, fullConfiguration } from "./alarm-events";
import type { OpContext, ServiceModel } from "./context";
import { awsError, queryParamErrors } from "./errors";
import type { Params } from "./query";
import type { CompositeAlarmModel, MetricAlarmModel } from "./state";

function alarmNames(p: Params): string[] {
  const names = p.strList("AlarmNames");
  if (names === undefined) throw queryParamErrors.missing("AlarmNames");
  if (names.length > 100)
    throw queryParamErrors.invalid(
      "AlarmNames",
      names.length,
      "Member must have length less than or equal to 100",
    );
  return names;
}

function setActionsEnabled(c: OpContext, p: Params, enabled: boolean): Record<string, never> {
  for (const name of new Set(alarmNames(p))) {
    const model = c.state.metricAlarms.get(name) ?? c.state.compositeAlarms.get(name);
    const alarm: MetricAlarm | CompositeAlarm | undefined = model?.alarm;
    if (alarm === undefined || (alarm.ActionsEnabled ?? true) === enabled) continue;
    const previous = fullConfiguration(alarm);
    alarm.ActionsEnabled = enabled;
    alarm.AlarmConfigurationUpdatedTimestamp = new Date(c.nowMs());
    emitConfigurationChange(c, alarm, "update", previous);
  }
  return {};
}

function alarmByArn(c: OpContext, arn: string): MetricAlarmModel | CompositeAlarmModel {
  const match = /^arn:aws[a-z-]*:cloudwatch:([a-z0-9-]+):(\d{12}):alarm:(.+)$/.exec(arn);
  if (match === null) throw awsError("InvalidParameterValue", `Invalid ARN: ${arn}`);
  const [, region, account, name] = match;
  const model =
    region === c.region && account === c.accountId && name !== undefined
      ? (c.state.metricAlarms.get(name) ?? c.state.compositeAlarms.get(name))
      : undefined;
  if (model === undefined)
    throw awsError("ResourceNotFoundException", "The specified resource does not exist.", 404);
  return model;
}

function tagResource(c: OpContext, p: Params): Record<string, never> {
  const arn = p.reqStr("ResourceARN");
  const raw = p.objList("Tags");
  if (raw === undefined) throw queryParamErrors.missing("Tags");
  const tags = raw.map((t, i) => {
    if (typeof t.Key !== "string" || t.Key === "" || t.Key.length > 128)
      throw queryParamErrors.invalid(
        `Tags.member.${i + 1}.Key`,
        t.Key,
        "Member must have length between 1 and 128",
      );
    if (typeof t.Value !== "string" || t.Value.length > 256)
      throw queryParamErrors.invalid(
        `Tags.member.${i + 1}.Value`,
        t.Value,
        "Member must have length between 0 and 256",
      );
    return [t.Key, t.Value] as const;
  });
  const model = alarmByArn(c, arn);
  for (const [key, value] of tags) model.tags.set(key, value);
  return {};
}

function untagResource(c: OpContext, p: Params): Record<string, never> {
  const arn = p.reqStr("ResourceARN");
  const keys = p.strList("TagKeys");
  if (keys === undefined) throw queryParamErrors.missing("TagKeys");
  const model = alarmByArn(c, arn);
  for (const key of keys) model.tags.delete(key);
  return {};
}

export const alarmActionsModel: ServiceModel = {
  DisableAlarmActions: (c, p) => setActionsEnabled(c, p, false),
  EnableAlarmActions: (c, p) => setActionsEnabled(c, p, true),
  TagResource: tagResource,
  UntagResource: untagResource,
};
