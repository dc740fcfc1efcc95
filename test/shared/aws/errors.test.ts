import { describe, expect, it } from "vitest";
import { classifyAwsError, hasAwsCode, toAwsCallError } from "../../../shared/aws/errors";

const awsError = (name: string, status: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status, requestId: "req-1", attempts: 3 },
    ...extra,
  });

describe("classifyAwsError", () => {
  it.each([
    ["RequestLimitExceeded", 503, "throttled"],
    ["Throttling", 400, "throttled"],
    ["ThrottlingException", 400, "throttled"],
    ["InternalError", 500, "transient"],
    ["ServiceUnavailable", 503, "transient"],
    ["SomethingNew", 502, "transient"],
    ["IncorrectInstanceState", 400, "conflict"],
    ["RouteAlreadyExists", 400, "conflict"],
    ["UnauthorizedOperation", 403, "denied"],
    ["AccessDenied", 403, "denied"],
    ["InvalidInstanceID.NotFound", 400, "not-found"],
    ["ResourceNotFound", 404, "not-found"],
    ["ValidationError", 400, "invalid"],
    ["InvalidParameterValue", 400, "invalid"],
    ["UnsupportedHibernationConfiguration", 400, "invalid"],
    ["SomethingNew", 400, "refused"],
  ])("%s (%i) is %s", (code, status, category) => {
    expect(classifyAwsError("StopInstances", awsError(code, status))).toBe(category);
  });

  it("treats 'not found' as already done only for the operation it belongs to", () => {
    expect(classifyAwsError("DeleteRoute", awsError("InvalidRoute.NotFound", 400))).toBe("already-done");
    expect(classifyAwsError("ReplaceRoute", awsError("InvalidRoute.NotFound", 400))).toBe("not-found");
  });

  it("a code refused for a reason of the instance is never retried, whatever the HTTP status says", () => {
    expect(classifyAwsError("StopInstances", awsError("IncorrectInstanceState", 503))).toBe("conflict");
    expect(classifyAwsError("StopInstances", awsError("UnauthorizedOperation", 500))).toBe("denied");
  });

  it("reads a documented message only where AWS gives the case no code of its own", () => {
    const noActive = Object.assign(awsError("ValidationError", 400), {
      message: "No active Lifecycle Action found with instance ID i-0123",
    });
    expect(classifyAwsError("CompleteLifecycleAction", noActive)).toBe("already-done");
    expect(classifyAwsError("CompleteLifecycleAction", awsError("ValidationError", 400))).toBe("invalid");
    // A heartbeat on an action that is not pending: how eni-reattach's reconcile asks whether its action is.
    expect(classifyAwsError("RecordLifecycleActionHeartbeat", noActive)).toBe("not-found");
    expect(classifyAwsError("RecordLifecycleActionHeartbeat", awsError("ValidationError", 400))).toBe(
      "invalid",
    );
    const noRoute = Object.assign(awsError("InvalidParameterValue", 400), {
      message: "There is no route defined for '10.0.0.5/32' in the route table. Use CreateRoute instead.",
    });
    expect(classifyAwsError("ReplaceRoute", noRoute)).toBe("not-found");
    expect(classifyAwsError("CreateRoute", noRoute)).toBe("invalid");
  });

  it("classifies an AwsCallError by the AWS error it wraps", () => {
    const wrapped = toAwsCallError("ec2", "DescribeRouteTables", awsError("RequestLimitExceeded", 503));
    expect(classifyAwsError("DescribeRouteTables", wrapped)).toBe("throttled");
  });

  it("honours the SDK's throttling flag for codes it does not list", () => {
    expect(classifyAwsError("X", awsError("Weird", 400, { $retryable: { throttling: true } }))).toBe(
      "throttled",
    );
  });

  it("network errors without metadata are transient", () => {
    expect(classifyAwsError("X", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))).toBe(
      "transient",
    );
  });
});

describe("toAwsCallError", () => {
  it("carries typed context and a retryable flag", () => {
    const throttled = toAwsCallError("ec2", "StopInstances", awsError("RequestLimitExceeded", 503));
    expect(throttled.retryable).toBe(true);
    expect(throttled.context).toEqual({
      service: "ec2",
      operation: "StopInstances",
      code: "RequestLimitExceeded",
      category: "throttled",
      httpStatus: 503,
      requestId: "req-1",
      attempts: 3,
    });
    const refused = toAwsCallError("ec2", "StopInstances", awsError("OperationNotPermitted", 400));
    expect(refused.retryable).toBe(false);
    expect(refused.message).toContain("OperationNotPermitted");
    expect(hasAwsCode(refused.cause, "OperationNotPermitted")).toBe(true);
  });
});
