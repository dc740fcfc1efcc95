import { describe, expect, it } from "vitest";
import {
  type ExecFn,
  execProcess,
  icmpAvailable,
  makeIcmpProbe,
  parsePingTime,
  pingArgs,
} from "../../../../functions/dx-failover/probe/icmp";

/**
 * The agent's ICMP probe runs the system `ping`; the command runner is injected here (the test host may have
 * no ping, and tests stay on loopback). The real runner is exercised on a missing binary.
 */

const target = { host: "10.1.2.3", port: 443 };

describe("ICMP probe (agent only)", () => {
  it("runs ping -c 1 -W <seconds> and reads the round-trip time", async () => {
    const calls: Array<[string, readonly string[]]> = [];
    const exec: ExecFn = async (file, args) => {
      calls.push([file, args]);
      return { code: 0, stdout: "64 bytes from 10.1.2.3: icmp_seq=1 ttl=63 time=1.84 ms\n" };
    };
    const r = await makeIcmpProbe(exec)(target, 1000);
    expect(calls).toEqual([["ping", ["-c", "1", "-W", "1", "10.1.2.3"]]]);
    expect(r).toEqual({ target: "icmp:10.1.2.3:443", ok: true, latencyMs: 1.84 });
    expect(pingArgs("fd00::1", 2500)).toEqual(["-c", "1", "-W", "3", "-6", "fd00::1"]);
    expect(parsePingTime("time<1 ms")).toBe(1);
  });

  it("maps no reply, a killed ping and a missing binary to failures", async () => {
    const probe = (result: Awaited<ReturnType<ExecFn>>) => makeIcmpProbe(async () => result)(target, 1000);
    expect(await probe({ code: 1, stdout: "1 packets transmitted, 0 received" })).toMatchObject({
      ok: false,
      error: "NO_REPLY",
    });
    expect(await probe({ code: null, stdout: "" })).toMatchObject({ ok: false, error: "ETIMEDOUT" });
    expect(await probe({ code: null, stdout: "", spawnError: "ENOENT" })).toMatchObject({
      ok: false,
      error: "ICMP_UNAVAILABLE",
    });
  });

  it("detects a missing ping binary with the real process runner", async () => {
    expect(await icmpAvailable(execProcess, "/nonexistent/ping")).toBe(false);
    const r = await makeIcmpProbe(execProcess, "/nonexistent/ping")(target, 500);
    expect(r).toMatchObject({ ok: false, error: "ICMP_UNAVAILABLE" });
  });
});
