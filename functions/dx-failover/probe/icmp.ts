import { execFile } from "node:child_process";
import { performance } from "node:perf_hooks";
import { formatTarget, type ProbeFn, type ProbeResult } from "./tcp";

/**
 * ICMP echo through the system `ping` (iputils/busybox: `ping -c 1 -W <s> <host>`), for the CLI agent on
 * a utility instance only: Lambda cannot send ICMP, and Node has no raw sockets. The port of the target is
 * ignored. When `ping` is not installed the result is a failure with code ICMP_UNAVAILABLE; the agent checks
 * availability once at start (`icmpAvailable`) and falls back to TCP.
 */

export interface ExecResult {
  code: number | null;
  stdout: string;
  /** Spawn error code (ENOENT when the binary is missing). */
  spawnError?: string;
}

export type ExecFn = (file: string, args: readonly string[], timeoutMs: number) => Promise<ExecResult>;

export const execProcess: ExecFn = (file, args, timeoutMs) =>
  new Promise((resolve) => {
    execFile(file, [...args], { timeout: timeoutMs, windowsHide: true }, (err, stdout) => {
      if (err === null) return resolve({ code: 0, stdout: String(stdout) });
      const e = err as NodeJS.ErrnoException & { code?: string | number };
      if (typeof e.code === "string")
        return resolve({ code: null, stdout: String(stdout), spawnError: e.code });
      resolve({ code: typeof e.code === "number" ? e.code : null, stdout: String(stdout) });
    });
  });

/** `time=0.045 ms` in ping's output, or undefined. */
export const parsePingTime = (stdout: string): number | undefined => {
  const m = /time[=<]\s*([\d.]+)\s*ms/.exec(stdout);
  return m?.[1] !== undefined ? Number(m[1]) : undefined;
};

export const pingArgs = (host: string, timeoutMs: number): string[] => [
  "-c",
  "1",
  "-W",
  String(Math.max(1, Math.ceil(timeoutMs / 1000))),
  ...(host.includes(":") ? ["-6"] : []),
  host,
];

export const makeIcmpProbe =
  (exec: ExecFn = execProcess, pingBinary = "ping"): ProbeFn =>
  async (target, timeoutMs): Promise<ProbeResult> => {
    const start = performance.now();
    // -W is whole seconds: give the process a little more than that before killing it.
    const wait = Math.max(1000, Math.ceil(timeoutMs / 1000) * 1000) + 500;
    const r = await exec(pingBinary, pingArgs(target.host, timeoutMs), wait);
    const elapsed = Math.round((performance.now() - start) * 1000) / 1000;
    const name = `icmp:${formatTarget(target)}`;
    if (r.spawnError !== undefined)
      return {
        target: name,
        ok: false,
        latencyMs: elapsed,
        error: r.spawnError === "ENOENT" ? "ICMP_UNAVAILABLE" : r.spawnError,
      };
    if (r.code === 0) return { target: name, ok: true, latencyMs: parsePingTime(r.stdout) ?? elapsed };
    return { target: name, ok: false, latencyMs: elapsed, error: r.code === null ? "ETIMEDOUT" : "NO_REPLY" };
  };

/** Whether a `ping` binary can be run here (a ping of the loopback address). */
export const icmpAvailable = async (exec: ExecFn = execProcess, pingBinary = "ping"): Promise<boolean> => {
  const r = await exec(pingBinary, pingArgs("127.0.0.1", 1000), 2000);
  return r.spawnError === undefined && r.code === 0;
};
