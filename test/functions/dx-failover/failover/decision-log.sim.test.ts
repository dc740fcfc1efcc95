import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Harness } from "../../../../sim/harness";
import { startHarness } from "../../../support/harness";
import { CIDRS, dxEnv, dxFixture, healthy, putSamples, readEvent } from "../support";

/**
 * The "Decision" log line names the families of the group's CIDRs that no Direct Connect probe target
 * covers (`judgedOnBgpAlone`), as `npm run config:check` warns: the operator reading a decision sees why an
 * IPv6 loss with BGP up did not fail over.
 */

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ logLevel: "INFO" });
});
afterAll(async () => {
  await harness.close();
});

/** The handler's "Decision" lines written to stdout during one reconcile. */
const decisionsOf = async (cidrs: string[]): Promise<Record<string, unknown>[]> => {
  harness.load(dxFixture());
  await putSamples({ dx: healthy(30), vpn: healthy(30) });
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await harness.invoke("dx-failover", readEvent("schedule-reconcile"), { env: dxEnv({ cidrs }) });
  } finally {
    write.mockRestore();
  }
  return lines
    .flatMap((l) => l.split("\n"))
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.message === "Decision" && l.group !== undefined);
};

describe("dx-failover: the decision log names families judged on BGP alone", () => {
  it("an IPv6 CIDR and IPv4 probe targets only: judgedOnBgpAlone [ipv6]", async () => {
    const [decision] = await decisionsOf([...CIDRS, "2001:db8:100::/48"]);
    expect(decision).toMatchObject({ group: "lz-prod", judgedOnBgpAlone: ["ipv6"] });
  });

  it("IPv4 CIDRs, IPv4 targets: no such field", async () => {
    const [decision] = await decisionsOf([...CIDRS]);
    expect(decision?.group).toBe("lz-prod");
    expect(decision).not.toHaveProperty("judgedOnBgpAlone");
  });
});
