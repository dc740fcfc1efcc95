import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventPatternError, matchesEventPattern as matches } from "../../tools/lib/event-pattern";

/**
 * The matcher against the examples of AWS's documentation (docs.aws.amazon.com/eventbridge/latest/userguide:
 * "Amazon EventBridge event patterns", "Content filtering in Amazon EventBridge event patterns", "Comparison
 * operators for use in event patterns", "Arrays in Amazon EventBridge event patterns", "Matching null values
 * and empty strings") and of the aws/event-ruler README (the library behind EventBridge).
 */

/** "Amazon EventBridge event patterns": the EC2 event the page starts with. */
const EC2_TERMINATED = {
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "111122223333",
  time: "2017-12-22T18:43:48Z",
  region: "us-west-1",
  resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
  detail: { "instance-id": "i-1234567890abcdef0", state: "terminated" },
};

/** The event-ruler README's sample event. */
const RULER_EVENT = {
  version: "0",
  id: "ddddd4-aaaa-7777-4444-345dd43cc333",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "012345679012",
  time: "2017-10-02T16:24:49Z",
  region: "us-east-1",
  resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
  detail: {
    "c-count": 5,
    "d-count": 3,
    "x-limit": 301.8,
    "source-ip": "10.0.0.33",
    "instance-id": "i-000000aaaaaa00000",
    state: "running",
  },
};

/** "Matching null values and empty strings": an Auto Scaling event. */
const AUTOSCALING_LAUNCH = {
  version: "0",
  id: "3e3c153a-8339-4e30-8c35-687ebef853fe",
  "detail-type": "EC2 Instance Launch Successful",
  source: "aws.autoscaling",
  account: "123456789012",
  time: "2015-11-11T21:31:47Z",
  region: "us-east-1",
  resources: [],
  detail: { eventVersion: "", responseElements: null },
};

const withDetail = (detail: Record<string, unknown>) => ({ ...RULER_EVENT, detail });

describe("fields AND, values OR (Amazon EventBridge event patterns)", () => {
  const terminations = {
    source: ["aws.ec2"],
    "detail-type": ["EC2 Instance State-change Notification"],
    detail: { state: ["terminated"] },
  };

  it("matches the instance-termination example, and not another state", () => {
    expect(matches(terminations, EC2_TERMINATED)).toBe(true);
    expect(matches(terminations, { ...EC2_TERMINATED, detail: { state: "running" } })).toBe(false);
  });

  it("every field the pattern names must be present, with the same nesting", () => {
    expect(matches(terminations, { ...EC2_TERMINATED, detail: undefined })).toBe(false);
    expect(matches({ state: ["terminated"] }, EC2_TERMINATED)).toBe(false);
    expect(
      matches({ detail: { state: ["terminated"] } }, { detail: { nested: { state: "terminated" } } }),
    ).toBe(false);
  });

  it('"source": ["aws.ec2", "aws.fargate"] matches either source', () => {
    const pattern = { source: ["aws.ec2", "aws.fargate"] };
    expect(matches(pattern, EC2_TERMINATED)).toBe(true);
    expect(matches(pattern, { ...EC2_TERMINATED, source: "aws.fargate" })).toBe(true);
    expect(matches(pattern, { ...EC2_TERMINATED, source: "aws.ecs" })).toBe(false);
  });

  it("Macie example: numbers and nested objects (risk-score 80, trigger.risk 8)", () => {
    const macie = {
      source: "aws.macie",
      "detail-type": "Macie Alert",
      detail: { "risk-score": 80, trigger: { risk: 8, "alert-type": "basic" } },
    };
    const pattern = {
      source: ["aws.macie"],
      "detail-type": ["Macie Alert"],
      detail: { "risk-score": [80], trigger: { risk: [8] } },
    };
    expect(matches(pattern, macie)).toBe(true);
    expect(matches(pattern, { ...macie, detail: { ...macie.detail, trigger: { risk: 7 } } })).toBe(false);
  });

  it("strings match character by character, without case folding", () => {
    expect(matches({ source: ["AWS.EC2"] }, EC2_TERMINATED)).toBe(false);
    expect(matches({ source: ["aws.ec2 "] }, EC2_TERMINATED)).toBe(false);
  });

  it("a field the pattern does not name never changes the result (property)", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
        (key, value) => {
          fc.pre(!["source", "detail-type", "detail"].includes(key));
          const event = { ...EC2_TERMINATED, [key]: value };
          expect(matches(terminations, event)).toBe(true);
        },
      ),
    );
  });
});

describe("null and empty strings (Matching null values and empty strings)", () => {
  it('[""] matches the empty string, [null] matches null, and they are not interchangeable', () => {
    expect(matches({ detail: { eventVersion: [""] } }, AUTOSCALING_LAUNCH)).toBe(true);
    expect(matches({ detail: { responseElements: [null] } }, AUTOSCALING_LAUNCH)).toBe(true);
    expect(matches({ detail: { eventVersion: [null] } }, AUTOSCALING_LAUNCH)).toBe(false);
    expect(matches({ detail: { responseElements: [""] } }, AUTOSCALING_LAUNCH)).toBe(false);
  });

  it("field matching: the responseElements example", () => {
    const pattern = {
      source: ["aws.autoscaling"],
      "detail-type": ["EC2 Instance Launch Successful"],
      detail: { responseElements: [null] },
    };
    expect(matches(pattern, AUTOSCALING_LAUNCH)).toBe(true);
  });
});

describe("arrays (Arrays in Amazon EventBridge event patterns)", () => {
  it("an event array matches when its intersection with the pattern array is not empty", () => {
    const pattern = {
      resources: [
        "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
        "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
        "arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f",
      ],
    };
    const event = {
      resources: [
        "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate",
        "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
      ],
    };
    expect(matches(pattern, event)).toBe(true);
    expect(matches(pattern, { resources: [event.resources[0]] })).toBe(false);
    expect(matches(pattern, { resources: [] })).toBe(false);
  });

  it("arrays of objects: one element must match the whole sub-pattern (event-ruler, rulesForJSONEvent)", () => {
    const event = {
      employees: [
        { firstName: "John", lastName: "Doe" },
        { firstName: "Anna", lastName: "Smith" },
        { firstName: "Peter", lastName: "Jones" },
      ],
    };
    expect(matches({ employees: { firstName: ["Anna"] } }, event)).toBe(true);
    expect(matches({ employees: { firstName: ["Anna"], lastName: ["Smith"] } }, event)).toBe(true);
    expect(matches({ employees: { firstName: ["Anna"], lastName: ["Jones"] } }, event)).toBe(false);
  });
});

describe("content filters (Content filtering in Amazon EventBridge event patterns)", () => {
  it('prefix: "time" starting with "2017-10-02"', () => {
    expect(matches({ time: [{ prefix: "2017-10-02" }] }, { time: "2017-10-02T18:43:48Z" })).toBe(true);
    expect(matches({ time: [{ prefix: "2017-10-02" }] }, { time: "2017-10-03T18:43:48Z" })).toBe(false);
    // String filters never match other JSON types.
    expect(matches({ n: [{ prefix: "1" }] }, { n: 12 })).toBe(false);
  });

  it("prefix and suffix ignoring case", () => {
    const service = { detail: { service: [{ prefix: { "equals-ignore-case": "EventB" } }] } };
    for (const name of ["EventBridge", "EVENTBRIDGE", "eventbridge"])
      expect(matches(service, { detail: { service: name } })).toBe(true);
    expect(matches(service, { detail: { service: "Events" } })).toBe(false);
    const png = { detail: { FileName: [{ suffix: { "equals-ignore-case": ".png" } }] } };
    expect(matches(png, { detail: { FileName: "image.PNG" } })).toBe(true);
    expect(matches(png, { detail: { FileName: "image.jpg" } })).toBe(false);
  });

  it('suffix: "FileName" ending with .png (case-sensitive)', () => {
    expect(matches({ FileName: [{ suffix: ".png" }] }, { FileName: "a/b.png" })).toBe(true);
    expect(matches({ FileName: [{ suffix: ".png" }] }, { FileName: "a/b.PNG" })).toBe(false);
  });

  it('equals-ignore-case: "Name" is "Alice" in any casing', () => {
    const pattern = { Name: [{ "equals-ignore-case": "alice" }] };
    expect(matches(pattern, { Name: "Alice" })).toBe(true);
    expect(matches(pattern, { Name: "ALICE" })).toBe(true);
    expect(matches(pattern, { Name: "Alicia" })).toBe(false);
  });

  it("anything-but: a string, a number, a list of strings, a list of numbers", () => {
    const notInitializing = { detail: { state: [{ "anything-but": "initializing" }] } };
    expect(matches(notInitializing, withDetail({ state: "running" }))).toBe(true);
    expect(matches(notInitializing, withDetail({ state: "initializing" }))).toBe(false);
    // Only present values: a missing field is not "anything but".
    expect(matches(notInitializing, withDetail({}))).toBe(false);
    const notLimit = { detail: { "x-limit": [{ "anything-but": 123 }] } };
    expect(matches(notLimit, withDetail({ "x-limit": 301.8 }))).toBe(true);
    expect(matches(notLimit, withDetail({ "x-limit": 123 }))).toBe(false);
    const states = { detail: { state: [{ "anything-but": ["stopped", "overloaded"] }] } };
    expect(matches(states, withDetail({ state: "running" }))).toBe(true);
    expect(matches(states, withDetail({ state: "overloaded" }))).toBe(false);
    const limits = { detail: { "x-limit": [{ "anything-but": [100, 200, 300] }] } };
    expect(matches(limits, withDetail({ "x-limit": 301.8 }))).toBe(true);
    expect(matches(limits, withDetail({ "x-limit": 200 }))).toBe(false);
  });

  it("anything-but with prefix, suffix, equals-ignore-case and wildcard", () => {
    const notInit = { detail: { state: [{ "anything-but": { prefix: "init" } }] } };
    expect(matches(notInit, withDetail({ state: "running" }))).toBe(true);
    expect(matches(notInit, withDetail({ state: "initializing" }))).toBe(false);
    const region = { Region: [{ "anything-but": { prefix: "us-" } }] };
    expect(matches(region, { Region: "eu-west-1" })).toBe(true);
    expect(matches(region, { Region: "us-east-1" })).toBe(false);
    const notPng = { FileName: [{ "anything-but": { suffix: ".png" } }] };
    expect(matches(notPng, { FileName: "a.jpg" })).toBe(true);
    expect(matches(notPng, { FileName: "a.png" })).toBe(false);
    const notInitAnyCase = { state: [{ "anything-but": { "equals-ignore-case": "initializing" } }] };
    expect(matches(notInitAnyCase, { state: "INITIALIZING" })).toBe(false);
    expect(matches(notInitAnyCase, { state: "running" })).toBe(true);
    const notEither = { state: [{ "anything-but": { "equals-ignore-case": ["stopped", "Overloaded"] } }] };
    expect(matches(notEither, { state: "OVERLOADED" })).toBe(false);
    expect(matches(notEither, { state: "running" })).toBe(true);
    const notLib = { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] };
    expect(matches(notLib, { FilePath: "/usr/lib/x.so" })).toBe(false);
    expect(matches(notLib, { FilePath: "/usr/bin/x" })).toBe(true);
  });

  it("numeric: ranges and equality on JSON numbers only", () => {
    const pattern = {
      detail: {
        "c-count": [{ numeric: [">", 0, "<=", 5] }],
        "d-count": [{ numeric: ["<", 10] }],
        "x-limit": [{ numeric: ["=", 3.018e2] }],
      },
    };
    expect(matches(pattern, RULER_EVENT)).toBe(true);
    expect(matches(pattern, withDetail({ ...RULER_EVENT.detail, "c-count": 6 }))).toBe(false);
    expect(matches(pattern, withDetail({ ...RULER_EVENT.detail, "c-count": 0 }))).toBe(false);
    expect(matches(pattern, withDetail({ ...RULER_EVENT.detail, "d-count": 10 }))).toBe(false);
    expect(matches(pattern, withDetail({ ...RULER_EVENT.detail, "c-count": "5" }))).toBe(false);
    expect(matches({ price: [{ numeric: [">", 10, "<=", 20] }] }, { price: 20 })).toBe(true);
    expect(matches({ price: [{ numeric: [">=", 10] }] }, { price: 10 })).toBe(true);
  });

  it("cidr: an address inside the block (IPv4 and IPv6)", () => {
    expect(matches({ detail: { "source-ip": [{ cidr: "10.0.0.0/24" }] } }, RULER_EVENT)).toBe(true);
    expect(matches({ ip: [{ cidr: "10.0.0.0/24" }] }, { ip: "10.0.1.1" })).toBe(false);
    expect(matches({ ip: [{ cidr: "2001:db8::/32" }] }, { ip: "2001:db8::1" })).toBe(true);
  });

  it("exists: true for a present leaf; false for an absent field or an object (not a leaf)", () => {
    const absent = { detail: { "c-count": [{ exists: false }] } };
    const event = {
      "detail-type": ["EC2 Instance State-change Notification"],
      resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341"],
      detail: { state: ["initializing", "running"] },
    };
    expect(matches(absent, event)).toBe(true);
    expect(matches(absent, { ...event, detail: { ...event.detail, "c-count": { c1: 100 } } })).toBe(true);
    expect(matches(absent, { ...event, detail: { ...event.detail, "c-count": 3 } })).toBe(false);
    expect(matches({ detail: { "c-count": [{ exists: true }] } }, RULER_EVENT)).toBe(true);
    expect(matches({ detail: { "c-count": [{ exists: true }] } }, event)).toBe(false);
    // null is a value: the field exists.
    expect(matches({ detail: { responseElements: [{ exists: true }] } }, AUTOSCALING_LAUNCH)).toBe(true);
    // An absent parent object: its leaves are absent too.
    expect(matches({ extra: { x: [{ exists: false }] } }, RULER_EVENT)).toBe(true);
  });

  it("wildcard: * is any run of characters, \\* a literal asterisk, \\\\ a backslash", () => {
    expect(
      matches({ source: [{ wildcard: "Simple*Service" }] }, { source: "SimpleNotificationService" }),
    ).toBe(true);
    expect(matches({ source: [{ wildcard: "Simple*Service" }] }, { source: "SimpleService" })).toBe(true);
    expect(matches({ source: [{ wildcard: "Simple*Service" }] }, { source: "SimpleServices" })).toBe(false);
    expect(matches({ key: [{ wildcard: "dir/*.png" }] }, { key: "dir/sub/a.png" })).toBe(true);
    expect(matches({ key: [{ wildcard: "a\\*b" }] }, { key: "a*b" })).toBe(true);
    expect(matches({ key: [{ wildcard: "a\\*b" }] }, { key: "axxb" })).toBe(false);
    expect(matches({ key: [{ wildcard: "a\\\\b" }] }, { key: "a\\b" })).toBe(true);
    expect(matches({ key: [{ wildcard: "a.c" }] }, { key: "abc" })).toBe(false);
  });

  it("the complex example: prefix, anything-but, numeric and cidr together", () => {
    const pattern = {
      time: [{ prefix: "2017-10-02" }],
      detail: {
        state: [{ "anything-but": "initializing" }],
        "c-count": [{ numeric: [">", 0, "<=", 5] }],
        "d-count": [{ numeric: ["<", 10] }],
        "x-limit": [{ "anything-but": [100, 200, 300] }],
        "source-ip": [{ cidr: "10.0.0.0/8" }],
      },
    };
    expect(matches(pattern, RULER_EVENT)).toBe(true);
    expect(matches(pattern, { ...RULER_EVENT, time: "2017-10-03T00:00:00Z" })).toBe(false);
  });

  it("values and filters of one array OR together", () => {
    const pattern = { state: ["stopped", { prefix: "run" }] };
    expect(matches(pattern, { state: "stopped" })).toBe(true);
    expect(matches(pattern, { state: "running" })).toBe(true);
    expect(matches(pattern, { state: "pending" })).toBe(false);
  });
});

describe("$or (event-ruler README, Comparison operators: Or)", () => {
  it('"Location is New York, or Day is Monday"', () => {
    const pattern = { $or: [{ Location: ["New York"] }, { Day: ["Monday"] }] };
    expect(matches(pattern, { Location: "New York", Day: "Tuesday" })).toBe(true);
    expect(matches(pattern, { Location: "Boston", Day: "Monday" })).toBe(true);
    expect(matches(pattern, { Location: "Boston", Day: "Tuesday" })).toBe(false);
  });

  it('"source" && ("metricName" || ("metricType" && "namespace") || "scope")', () => {
    const pattern = {
      source: ["aws.cloudwatch"],
      $or: [
        { metricName: ["CPUUtilization", "ReadLatency"] },
        { metricType: ["MetricType"], namespace: ["AWS/EC2", "AWS/ES"] },
        { scope: ["Service"] },
      ],
    };
    expect(matches(pattern, { source: "aws.cloudwatch", metricName: "ReadLatency" })).toBe(true);
    expect(
      matches(pattern, { source: "aws.cloudwatch", metricType: "MetricType", namespace: "AWS/ES" }),
    ).toBe(true);
    expect(matches(pattern, { source: "aws.cloudwatch", metricType: "MetricType" })).toBe(false);
    expect(matches(pattern, { source: "aws.ec2", scope: "Service" })).toBe(false);
  });

  it("parallel and nested $or", () => {
    const parallel = {
      $or: [{ metricName: ["CPUUtilization"] }, { namespace: ["AWS/EC2"] }],
      detail: { $or: [{ source: ["aws.cloudwatch"] }, { "detail-type": ["CloudWatch Alarm State Change"] }] },
    };
    expect(matches(parallel, { namespace: "AWS/EC2", detail: { source: "aws.cloudwatch" } })).toBe(true);
    expect(matches(parallel, { namespace: "AWS/EC2", detail: { source: "aws.ec2" } })).toBe(false);
    const nested = {
      source: ["aws.cloudwatch"],
      $or: [
        { metricName: ["CPUUtilization"] },
        { metricType: ["MetricType"], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
      ],
    };
    expect(matches(nested, { source: "aws.cloudwatch", metricType: "MetricType", spaceId: 1000 })).toBe(true);
    expect(matches(nested, { source: "aws.cloudwatch", metricType: "MetricType", spaceId: 1 })).toBe(false);
  });

  it('"$or" holding an object is an ordinary field name; an "$or" of one alternative is no OR', () => {
    const pattern = { source: ["aws.cloudwatch"], $or: { metricType: ["MetricType"] } };
    expect(matches(pattern, { source: "aws.cloudwatch", $or: { metricType: "MetricType" } })).toBe(true);
    expect(matches(pattern, { source: "aws.cloudwatch", metricType: "MetricType" })).toBe(false);
    expect(() => matches({ $or: [{ a: ["x"] }] }, { a: "x" })).toThrow(EventPatternError);
  });
});

describe("invalid patterns are errors, whatever the event", () => {
  it.each([
    ["not an object", ["aws.ec2"]],
    ["an empty array", { source: [] }],
    ["a scalar field", { source: "aws.ec2" }],
    ["an unknown filter", { source: [{ contains: "ec2" }] }],
    ["two keys in a filter", { source: [{ prefix: "a", suffix: "b" }] }],
    ["a numeric without a number", { n: [{ numeric: [">", "5"] }] }],
    ["an unknown numeric operator", { n: [{ numeric: ["!=", 5] }] }],
    ["anything-but mixing strings and numbers", { n: [{ "anything-but": ["a", 1] }] }],
    ["anything-but numeric", { n: [{ "anything-but": { numeric: [">", 1] } }] }],
    ["consecutive wildcards", { s: [{ wildcard: "a**b" }] }],
    ["a backslash escaping a letter", { s: [{ wildcard: "a\\b" }] }],
    ["exists that is not a boolean", { s: [{ exists: "yes" }] }],
  ])("%s", (_label, pattern) => {
    expect(() => matches(pattern, EC2_TERMINATED)).toThrow(EventPatternError);
    expect(() => matches(pattern, {})).toThrow(EventPatternError);
  });
});
