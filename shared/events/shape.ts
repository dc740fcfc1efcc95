/**
 * Shape detection: cheap structural checks (no schema) that decide which parser an event goes to,
 * and a short label for logs.
 */

export type EventShape =
  | { kind: "not-object" }
  | { kind: "sns"; records: readonly unknown[] }
  | { kind: "records"; eventSource?: string; empty: boolean }
  | { kind: "lambda-alarm-action" }
  | { kind: "eventbridge"; source: string; detailType: string }
  | { kind: "eventbridge-malformed" }
  | { kind: "unknown" };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function recordEventSource(record: unknown): string | undefined {
  if (!isObject(record)) return undefined;
  // SNS records spell it `EventSource`; SQS, S3, DynamoDB and Kinesis records `eventSource`.
  const source = record.EventSource ?? record.eventSource;
  return typeof source === "string" ? source : undefined;
}

export function classifyEvent(raw: unknown): EventShape {
  if (!isObject(raw)) return { kind: "not-object" };
  const records = raw.Records;
  if (Array.isArray(records)) {
    const isSns = records.some(
      (record) => isObject(record) && (recordEventSource(record) === "aws:sns" || isObject(record.Sns)),
    );
    if (isSns) return { kind: "sns", records };
    const eventSource = recordEventSource(records[0]);
    return eventSource === undefined
      ? { kind: "records", empty: records.length === 0 }
      : { kind: "records", eventSource, empty: records.length === 0 };
  }
  if (!("detail-type" in raw) && ("alarmData" in raw || "alarmArn" in raw))
    return { kind: "lambda-alarm-action" };
  if ("detail-type" in raw || ("source" in raw && "detail" in raw)) {
    const source = raw.source;
    const detailType = raw["detail-type"];
    return typeof source === "string" && typeof detailType === "string"
      ? { kind: "eventbridge", source, detailType }
      : { kind: "eventbridge-malformed" };
  }
  return { kind: "unknown" };
}

const clip = (text: string): string => (text.length > 100 ? `${text.slice(0, 97)}...` : text);

export function labelOf(shape: EventShape): string {
  switch (shape.kind) {
    case "eventbridge":
      return `eventbridge:${clip(shape.source)}/${clip(shape.detailType)}`;
    case "eventbridge-malformed":
      return "eventbridge:malformed";
    case "sns":
      return "sns";
    case "records":
      return shape.eventSource === undefined ? "records" : `records:${clip(shape.eventSource)}`;
    case "lambda-alarm-action":
      return "lambda-alarm-action";
    default:
      return "unknown";
  }
}

/**
 * A short human label for logs; never throws. "eventbridge:aws.cloudwatch/CloudWatch Alarm State Change",
 * "sns", "lambda-alarm-action", "records:aws:sqs", "eventbridge:malformed" or "unknown".
 */
export function describeEventShape(raw: unknown): string {
  try {
    return labelOf(classifyEvent(raw));
  } catch {
    // A hostile getter or proxy: still nothing to throw at a log line.
    return "unknown";
  }
}
