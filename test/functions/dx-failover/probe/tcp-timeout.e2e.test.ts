import { afterEach, describe, expect, it } from "vitest";
import { probeTcp } from "../../../../functions/dx-failover/probe/tcp";
import { blackhole, closeAll } from "./sockets";

/** The TCP probe against a blackholed path: a listener in a child process whose accept queue is full. */

afterEach(closeAll);

describe("probeTcp", () => {
  it("times out (ETIMEDOUT after ≈ timeoutMs) on a listener whose accept queue is full", async () => {
    const port = await blackhole();
    const r = await probeTcp({ host: "127.0.0.1", port }, 300);
    expect(r).toMatchObject({ ok: false, error: "ETIMEDOUT" });
    expect(r.latencyMs).toBeGreaterThanOrEqual(290);
    expect(r.latencyMs).toBeLessThan(1000);
  });
});
