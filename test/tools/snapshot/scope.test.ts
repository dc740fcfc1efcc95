import { describe, expect, it } from "vitest";
import { parseStageConfig } from "../../../functions/config";
import { PerCallRetryStrategy } from "../../../tools/snapshot/retry";
import { buildScope, keptTags, parseTagFlag } from "../../../tools/snapshot/scope";

const config = parseStageConfig(
  {
    dxFailover: {
      groups: [
        {
          name: "g1",
          cidrs: ["10.100.0.0/16"],
          applianceEniId: "eni-0123456789abcdef0",
          probe: { directConnect: ["10.100.0.10:443"], vpn: ["10.100.0.11:443"] },
        },
      ],
      probeVpc: { subnetIds: ["subnet-0123456789abcdef0"], vpcId: "vpc-0123456789abcdef0" },
    },
  },
  "test",
);

describe("snapshot scope (pure)", () => {
  it("--tag Key=Value: the value may be empty or hold '='; no key is refused", () => {
    expect(parseTagFlag("ops:hibernate=idle")).toEqual({ key: "ops:hibernate", value: "idle" });
    expect(parseTagFlag("a=b=c")).toEqual({ key: "a", value: "b=c" });
    expect(parseTagFlag("k=")).toEqual({ key: "k", value: "" });
    expect(parseTagFlag("=v")).toBeUndefined();
    expect(parseTagFlag("novalue")).toBeUndefined();
  });

  it("keeps the toolkit's tag keys and drops the others", () => {
    const keep = keptTags(config);
    for (const key of ["Name", "ops:anything", "ops:failover-group", "aws:autoscaling:groupName", "Schedule"])
      expect(keep(key)).toBe(true);
    for (const key of ["CostCenter", "aws:cloudformation:stack-name", "password"])
      expect(keep(key)).toBe(false);
  });

  it("--config: the probe subnets, their tables and the probe VPC's main table are in scope", () => {
    const scope = buildScope({ vpcIds: [], tags: [], config });
    expect(scope.wholeRegion).toBe(false);
    expect(scope.subnetIds).toEqual(["subnet-0123456789abcdef0"]);
    expect(scope.routeTables).toContainEqual({
      filters: [{ Name: "association.subnet-id", Values: ["subnet-0123456789abcdef0"] }],
    });
    expect(scope.routeTables).toContainEqual({
      filters: [
        { Name: "vpc-id", Values: ["vpc-0123456789abcdef0"] },
        { Name: "association.main", Values: ["true"] },
      ],
    });
  });

  it("--vpc and --tag become filters of every EC2 query", () => {
    const scope = buildScope({ vpcIds: ["vpc-0123456789abcdef0"], tags: [{ key: "team", value: "a" }] });
    expect(scope.wholeRegion).toBe(false);
    for (const q of [...scope.instances, ...scope.networkInterfaces, ...scope.routeTables])
      expect(q.filters).toEqual([
        { Name: "vpc-id", Values: ["vpc-0123456789abcdef0"] },
        { Name: "tag:team", Values: ["a"] },
      ]);
  });
});

describe("PerCallRetryStrategy", () => {
  const retry = (
    s: PerCallRetryStrategy,
    count: number,
    errorType: "THROTTLING" | "CLIENT_ERROR" | "TRANSIENT",
  ) => s.refreshRetryTokenForRetry({ getRetryCount: () => count, getRetryDelay: () => 0 }, { errorType });

  it("retries throttling and transient errors up to maxAttempts, with the backoff per retry and cause", async () => {
    const seen: [number, boolean][] = [];
    const s = new PerCallRetryStrategy(3, (n, throttled) => {
      seen.push([n, throttled]);
      return 7;
    });
    const first = await retry(s, 0, "THROTTLING");
    expect([first.getRetryCount(), first.getRetryDelay()]).toEqual([1, 7]);
    expect((await retry(s, 1, "TRANSIENT")).getRetryCount()).toBe(2);
    await expect(retry(s, 2, "THROTTLING")).rejects.toThrow();
    expect(seen).toEqual([
      [1, true],
      [2, false],
    ]);
  });

  it("never retries a client error (AccessDenied, validation), and has no quota shared between calls", async () => {
    const s = new PerCallRetryStrategy(10, () => 0);
    await expect(retry(s, 0, "CLIENT_ERROR")).rejects.toThrow();
    for (let call = 0; call < 500; call += 1)
      expect((await retry(s, 0, "THROTTLING")).getRetryCount()).toBe(1);
  });
});
