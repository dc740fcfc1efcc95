import { afterEach, describe, expect, it } from "vitest";
import {
  formatTarget,
  parseTarget,
  parseTargets,
  probePath,
  probeTcp,
} from "../../../../functions/dx-failover/probe/tcp";
import { closeAll, closedPort, listen } from "./sockets";

/** The TCP probe against real sockets on 127.0.0.1 (servers started and stopped here). */

afterEach(closeAll);

const local = (port: number) => ({ host: "127.0.0.1", port });

describe("probeTcp", () => {
  it("succeeds on a listening server and measures the handshake latency", async () => {
    const server = await listen();
    const r = await probeTcp(local(server.port), 1000);
    expect(r.ok).toBe(true);
    expect(r.error).toBeUndefined();
    expect(r.target).toBe(`127.0.0.1:${server.port}`);
    expect(r.latencyMs).toBeGreaterThan(0);
    expect(r.latencyMs).toBeLessThan(1000);
  });

  it("reports ECONNREFUSED at once once the server is stopped", async () => {
    const server = await listen();
    expect((await probeTcp(local(server.port), 1000)).ok).toBe(true);
    await server.stop();
    const r = await probeTcp(local(server.port), 1000);
    expect(r).toMatchObject({ ok: false, error: "ECONNREFUSED" });
    expect(r.latencyMs).toBeLessThan(500);
  });

  it("succeeds again when a server comes back on the same port", async () => {
    const first = await listen();
    const port = first.port;
    await first.stop();
    expect((await probeTcp(local(port), 500)).ok).toBe(false);
    await listen(port);
    expect((await probeTcp(local(port), 500)).ok).toBe(true);
  });
});

describe("probePath", () => {
  it("is healthy when any target answers, with the best latency", async () => {
    const a = await listen();
    const dead = await closedPort();
    const r = await probePath([local(dead), local(a.port)], 1000);
    expect(r.ok).toBe(true);
    expect(r.results).toHaveLength(2);
    expect(r.latencyMs).toBe(r.results.find((x) => x.ok)?.latencyMs);
  });

  it("fails with every target's code when none answers", async () => {
    const dead1 = await closedPort();
    const dead2 = await closedPort();
    const r = await probePath([local(dead1), local(dead2)], 500);
    expect(r.ok).toBe(false);
    expect(r.error).toContain(`127.0.0.1:${dead1}: ECONNREFUSED`);
    expect(r.error).toContain(`127.0.0.1:${dead2}: ECONNREFUSED`);
  });

  it("turns a throwing probe function into a failure, and no target into a failure", async () => {
    const r = await probePath([local(1)], 100, async () => {
      throw new Error("boom");
    });
    expect(r).toMatchObject({ ok: false, error: "127.0.0.1:1: boom" });
    expect(await probePath([], 100)).toMatchObject({ ok: false, error: "no-targets" });
  });

  it("judges each address family: an IPv4 answer does not hide a dead IPv6 path (one family's data plane down)", async () => {
    const v4 = { host: "10.100.0.53", port: 53 };
    const v6 = { host: "2001:db8:100::53", port: 53 };
    const v6b = { host: "2001:db8:100::54", port: 53 };
    const answers = (ok: ReadonlySet<string>) => async (t: { host: string; port: number }) =>
      ok.has(t.host)
        ? { target: t.host, ok: true, latencyMs: 3 }
        : { target: t.host, ok: false, latencyMs: 800, error: "ETIMEDOUT" };
    const v6Dead = await probePath([v4, v6], 800, answers(new Set([v4.host])));
    expect(v6Dead).toMatchObject({
      ok: false,
      families: { ipv4: true, ipv6: false },
      latencyMs: 800,
      error: "2001:db8:100::53: ETIMEDOUT",
    });
    expect((await probePath([v4], 800, answers(new Set([v4.host])))).families).toEqual({ ipv4: true });
    expect((await probePath([v4, v6], 800, answers(new Set([v4.host, v6.host])))).ok).toBe(true);
    // Targets of one family stay redundant: one of two IPv6 targets answering is enough.
    expect((await probePath([v4, v6, v6b], 800, answers(new Set([v4.host, v6b.host])))).ok).toBe(true);
  });
});

describe("targets", () => {
  it("parses host:port lists and IPv6 brackets, and rejects bad ones", () => {
    expect(parseTargets("10.0.0.1:443, onprem.example:22")).toEqual([
      { host: "10.0.0.1", port: 443 },
      { host: "onprem.example", port: 22 },
    ]);
    expect(parseTarget("[fd00::1]:443")).toEqual({ host: "fd00::1", port: 443 });
    expect(formatTarget({ host: "fd00::1", port: 443 })).toBe("[fd00::1]:443");
    for (const bad of ["10.0.0.1", "10.0.0.1:0", "10.0.0.1:70000", ":22", "a:b"])
      expect(() => parseTarget(bad)).toThrow(/invalid probe target/);
    expect(() => parseTargets(" , ")).toThrow(/no probe target/);
  });
});
