import { describe, expect, it } from "vitest";
import { toAwsCallError } from "../../../shared/aws/errors";
import {
  classifyWrite,
  dryRunOutcome,
  isRetryableOutcome,
  notAttemptedOutcome,
  refusedOutcome,
  throwIfRetryable,
  throwIfRetryableError,
  throwIfUnverified,
} from "../../../shared/pipeline/outcome";
import type { ResourceOutcome } from "../../../shared/pipeline/types";
import { AwsCallError, DeadlineExceededError, VerificationError } from "../../../shared/runtime/errors";

const awsError = (name: string, status = 400, message = `${name} happened`) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe("classifyWrite", () => {
  it.each([
    ["CreateRoute", "RequestLimitExceeded", 503, "throttled", true],
    ["PutMetricAlarm", "Throttling", 400, "throttled", true],
    ["CreateRoute", "InternalError", 500, "transient", true],
    ["StopInstances", "UnauthorizedOperation", 403, "denied", false],
    ["PutMetricAlarm", "AccessDenied", 403, "denied", false],
    ["CreateRoute", "RouteAlreadyExists", 400, "conflict", false],
    ["StopInstances", "InvalidInstanceID.NotFound", 400, "not-found", false],
    ["DeleteRoute", "InvalidRoute.NotFound", 400, "already-done", false],
    ["DeleteAlarms", "ResourceNotFound", 404, "already-done", false],
    ["AssignPrivateIpAddresses", "PrivateIpAddressLimitExceeded", 400, "refused", false],
  ])("%s %s (%i) is %s, retryable %s", (operation, code, status, category, retryable) => {
    expect(classifyWrite(operation, awsError(code, status))).toEqual({
      operation,
      code,
      category,
      retryable,
    });
  });
});

describe("refusedOutcome", () => {
  it("maps the category to the outcome status, keeps the code and the classified failure", () => {
    expect(refusedOutcome("i-1", "StopInstances", awsError("UnauthorizedOperation", 403))).toMatchObject({
      resource: "i-1",
      status: "denied",
      code: "UnauthorizedOperation",
      detail: "UnauthorizedOperation happened",
      failure: { category: "denied", retryable: false },
    });
    expect(
      refusedOutcome("rtb-1:10.0.0.0/16", "DeleteRoute", awsError("InvalidRoute.NotFound"), "gone"),
    ).toMatchObject({ status: "already-done", code: "InvalidRoute.NotFound", detail: "gone" });
    const throttled = refusedOutcome(
      "rtb-1:10.0.0.0/16",
      "CreateRoute",
      awsError("RequestLimitExceeded", 503),
    );
    expect(throttled.status).toBe("failed");
    expect(isRetryableOutcome(throttled)).toBe(true);
    expect(isRetryableOutcome(refusedOutcome("x", "CreateRoute", awsError("InvalidParameterValue")))).toBe(
      false,
    );
  });

  it("reads the code and category through an AwsCallError (e.g. a throttled read-back)", () => {
    const wrapped = toAwsCallError("ec2", "DescribeRouteTables", awsError("RequestLimitExceeded", 503));
    expect(refusedOutcome("k", "DescribeRouteTables", wrapped)).toMatchObject({
      code: "RequestLimitExceeded",
      failure: { category: "throttled", retryable: true },
    });
  });

  it("a write left unstarted is failed and retryable", () => {
    const outcome = notAttemptedOutcome("k", "CreateRoute");
    expect(outcome).toMatchObject({ status: "failed", code: "not-attempted" });
    expect(isRetryableOutcome(outcome)).toBe(true);
  });

  it("a dry run is permitted only on DryRunOperation", () => {
    expect(dryRunOutcome("k", "CreateRoute", awsError("DryRunOperation", 412), "would succeed")).toEqual({
      resource: "k",
      status: "permitted",
      detail: "would succeed",
    });
    expect(dryRunOutcome("k", "CreateRoute", awsError("UnauthorizedOperation", 403), "x").status).toBe(
      "denied",
    );
  });
});

describe("throwIfRetryableError", () => {
  it("throws a retryable AwsCallError for throttled and transient errors", () => {
    expect(() => throwIfRetryableError("ec2", "CreateRoute", awsError("RequestLimitExceeded", 503))).toThrow(
      AwsCallError,
    );
    try {
      throwIfRetryableError("ec2", "CreateRoute", awsError("ServiceUnavailable", 503));
    } catch (error) {
      expect(error).toMatchObject({
        retryable: true,
        context: { operation: "CreateRoute", category: "transient" },
      });
    }
  });

  it("returns any other failure, classified", () => {
    expect(
      throwIfRetryableError("ec2", "ReplaceRoute", awsError("InvalidParameterValue", 400, "no route")),
    ).toEqual({
      operation: "ReplaceRoute",
      code: "InvalidParameterValue",
      category: "not-found",
      retryable: false,
    });
  });
});

describe("throwIfRetryable / throwIfUnverified", () => {
  const applied: ResourceOutcome = { resource: "a", status: "applied" };
  const refused = refusedOutcome("b", "CreateRoute", awsError("InvalidParameterValue"));
  const throttled = refusedOutcome("c", "CreateRoute", awsError("RequestLimitExceeded", 503));
  const unstarted = notAttemptedOutcome("d", "DeleteRoute");

  it("does nothing when no outcome is retryable", () => {
    expect(() =>
      throwIfRetryable([applied, refused], { service: "ec2", writes: "route write(s)" }),
    ).not.toThrow();
  });

  it("throws a retryable AwsCallError naming the AWS failure when AWS refused", () => {
    expect(() =>
      throwIfRetryable([applied, unstarted, throttled], { service: "ec2", writes: "route write(s)" }),
    ).toThrow(
      expect.objectContaining({
        name: "AwsCallError",
        retryable: true,
        message: "2 route write(s) throttled, failed transiently or not attempted: retried",
        context: {
          service: "ec2",
          operation: "DeleteRoute/CreateRoute",
          code: "RequestLimitExceeded",
          category: "throttled",
        },
      }),
    );
  });

  it("throws a retryable DeadlineExceededError when the deadline only left writes unstarted", () => {
    expect(() => throwIfRetryable([unstarted], { service: "ec2", writes: "route write(s)" })).toThrow(
      DeadlineExceededError,
    );
  });

  it("throws a VerificationError listing what AWS did not show in time", () => {
    const unverified: ResourceOutcome[] = [
      { resource: "i-1", status: "unverified", detail: "still running" },
      { resource: "i-2", status: "unverified", detail: "still pending" },
    ];
    const what = { summary: "instance(s) did not stop", expected: "stopping", waitedMs: 5000 };
    expect(() => throwIfUnverified([applied], what)).not.toThrow();
    expect(() => throwIfUnverified([applied, ...unverified], what)).toThrow(
      expect.objectContaining({
        name: "VerificationError",
        retryable: true,
        message: "2 instance(s) did not stop",
        context: {
          resource: "i-1,i-2",
          expected: "stopping",
          observed: "still running; still pending",
          waitedMs: 5000,
        },
      }),
    );
    expect(() => throwIfUnverified(unverified, what)).toThrow(VerificationError);
  });
});
