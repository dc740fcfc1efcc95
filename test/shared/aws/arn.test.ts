import { describe, expect, it } from "vitest";
import { buildArn, ec2Arn, invocationAccount, parseArn, partitionOf } from "../../../shared/aws/arn";

const lambda = (account: string) => ({
  invokedFunctionArn: `arn:aws:lambda:us-east-1:${account}:function:ops-toolkit-dev-idleHibernate`,
});

describe("partitionOf", () => {
  it.each([
    ["us-east-1", "aws"],
    ["eu-west-3", "aws"],
    ["ap-southeast-5", "aws"],
    ["cn-north-1", "aws-cn"],
    ["cn-northwest-1", "aws-cn"],
    ["us-gov-west-1", "aws-us-gov"],
    ["us-gov-east-1", "aws-us-gov"],
    ["us-iso-east-1", "aws-iso"],
    ["us-isob-east-1", "aws-iso-b"],
    ["eu-isoe-west-1", "aws-iso-e"],
    ["us-isof-south-1", "aws-iso-f"],
  ])("%s is in %s", (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });
});

describe("ARNs", () => {
  it("builds EC2 ARNs in the region's partition, with the account id", () => {
    expect(ec2Arn("us-east-1", "123456789012", "instance", "i-0abc")).toBe(
      "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc",
    );
    expect(ec2Arn("cn-north-1", "123456789012", "route-table", "rtb-1")).toBe(
      "arn:aws-cn:ec2:cn-north-1:123456789012:route-table/rtb-1",
    );
    expect(ec2Arn("us-gov-west-1", "123456789012", "network-interface", "eni-1")).toBe(
      "arn:aws-us-gov:ec2:us-gov-west-1:123456789012:network-interface/eni-1",
    );
  });

  it("never builds an ARN without a well-formed account id", () => {
    expect(() => ec2Arn("us-east-1", "", "route-table", "rtb-1")).toThrow(RangeError);
    expect(() => buildArn("ec2", "us-east-1", "12345", "instance/i-1")).toThrow(/not an account id/);
  });

  it("parses what it builds, with ':' and '/' in the resource", () => {
    const arn = buildArn("cloudwatch", "us-gov-east-1", "123456789012", "alarm:a:b/c");
    expect(parseArn(arn)).toEqual({
      partition: "aws-us-gov",
      service: "cloudwatch",
      region: "us-gov-east-1",
      accountId: "123456789012",
      resource: "alarm:a:b/c",
    });
    expect(parseArn("arn:aws:iam::123456789012:role/x")?.region).toBe("");
    expect(parseArn("not-an-arn")).toBeUndefined();
    expect(parseArn("arn:aws:ec2:us-east-1:123456789012:")).toBeUndefined();
  });
});

describe("invocationAccount", () => {
  it("takes the trigger event's account when it names one", () => {
    expect(invocationAccount(lambda("000000000000"), "123456789012")).toBe("123456789012");
  });

  it("falls back to the function's own account (invokedFunctionArn)", () => {
    expect(invocationAccount(lambda("210987654321"), undefined)).toBe("210987654321");
    expect(invocationAccount(lambda("210987654321"), "")).toBe("210987654321");
    expect(invocationAccount(lambda("210987654321"), "not-an-account")).toBe("210987654321");
  });

  it("refuses a context without an account", () => {
    expect(() => invocationAccount({ invokedFunctionArn: "" }, undefined)).toThrow(RangeError);
  });
});
