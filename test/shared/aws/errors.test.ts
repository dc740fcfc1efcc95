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
    ["RequestLimitExceeded", 503, "throttling"],
    ["Throttling", 400, "throttling"],
    ["ThrottlingException", 400, "throttling"],
    ["InternalError", 500, "transient"],
    ["ServiceUnavailable", 503, "transient"],
    ["SomethingNew", 502, "transient"],
    ["IncorrectInstanceState", 400, "permanent"],
    ["UnauthorizedOperation", 403, "permanent"],
    ["ValidationError", 400, "permanent"],
  ])("%s (%i) is %s", (code, status, category) => {
    expect(classifyAwsError("StopInstances", awsError(code, status))).toBe(category);
  });

  it("treats 'not found' as already done only for the operation it belongs to", () => {
    expect(classifyAwsError("DeleteRoute", awsError("InvalidRoute.NotFound", 400))).toBe("already-done");
    expect(classifyAwsError("ReplaceRoute", awsError("InvalidRoute.NotFound", 400))).toBe("permanent");
  });

  it("honours the SDK's throttling flag for codes it does not list", () => {
    expect(classifyAwsError("X", awsError("Weird", 400, { $retryable: { throttling: true } }))).toBe(
      "throttling",
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
      category: "throttling",
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
