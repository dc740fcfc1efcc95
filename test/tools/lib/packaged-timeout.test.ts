import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { packagedTimeoutMs } from "../../../tools/lib/packaged-timeout";

const helper = createRequire(import.meta.url)("../../../tools/serverless-config.cjs") as {
  resolveConfig(input: unknown, meta: { source: string }): { eniReattach: { timeoutSeconds: number } };
};
const packaged = (config: unknown) =>
  helper.resolveConfig(config, { source: "test" }).eniReattach.timeoutSeconds * 1000;

describe("packagedTimeoutMs: a simulated invocation's timeout is the packaged one", () => {
  it("eni-reattach under the default configuration: serverless.yml's computed timeout (262 s)", () => {
    expect(packagedTimeoutMs("eni-reattach", undefined)).toBe(packaged({}));
    expect(packagedTimeoutMs("eni-reattach", "{}")).toBe(262_000);
  });

  it("follows the configuration it is computed from (shorter detach wait, shorter timeout)", () => {
    const config = { eniReattach: { detachTimeoutMs: 60_000 } };
    const timeoutMs = packagedTimeoutMs("eni-reattach", JSON.stringify(config));
    expect(timeoutMs).toBe(packaged(config));
    expect(timeoutMs).toBe(202_000);
  });

  it("outposts-capacity: the provider's timeout (serverless.yml gives it none of its own), not eni-reattach's", () => {
    const provider = (config: unknown) =>
      (helper.resolveConfig(config, { source: "test" }) as unknown as { lambda: { timeoutSeconds: number } })
        .lambda.timeoutSeconds * 1000;
    expect(packagedTimeoutMs("outposts-capacity", "{}")).toBe(provider({}));
    const slow = { aws: { maxAttempts: 10 } };
    expect(packagedTimeoutMs("outposts-capacity", JSON.stringify(slow))).toBe(provider(slow));
    expect(provider(slow)).toBeGreaterThan(60_000);
  });

  it("none for a function whose timeout is not computed from the configuration", () => {
    expect(packagedTimeoutMs("idle-hibernate", "{}")).toBeUndefined();
  });

  it("none for a configuration packaging refuses (the invocation fails its cold start anyway)", () => {
    expect(
      packagedTimeoutMs("eni-reattach", JSON.stringify({ eniReattach: { unknownKey: 1 } })),
    ).toBeUndefined();
    expect(packagedTimeoutMs("eni-reattach", "not json")).toBeUndefined();
  });
});
