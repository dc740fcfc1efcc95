import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { closeAll, closedPort, listen } from "./probe/sockets";

/** tools/dx-probe.ts as a process, against servers on 127.0.0.1. */

afterEach(closeAll);

const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");
const CLI = join(process.cwd(), "tools", "dx-probe.ts");

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** termAfterLines: send SIGTERM once that many lines were printed (the signal handlers are installed by then). */
const runCli = (args: string[], opts: { termAfterLines?: number } = {}): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const child = spawn(TSX, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let termed = false;
    child.stdout.on("data", (d) => {
      stdout += String(d);
      const n = stdout.split("\n").length - 1;
      if (!termed && opts.termAfterLines !== undefined && n >= opts.termAfterLines) {
        termed = true;
        child.kill("SIGTERM");
      }
    });
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });

const lines = (out: string) =>
  out
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("dx-probe CLI", () => {
  it("--once --json: one JSON sample line, exit 0 when DX answers", async () => {
    const dx = await listen();
    const vpn = await listen();
    const r = await runCli([
      "--dx",
      `127.0.0.1:${dx.port}`,
      "--vpn",
      `127.0.0.1:${vpn.port}`,
      "--once",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      type: "sample",
      seq: 1,
      status: "healthy",
      dx: { ok: true },
      vpn: { ok: true },
    });
  });

  it("--once: exit 1 when no DX target answers", async () => {
    const dead = await closedPort();
    const vpn = await listen();
    const r = await runCli(["--dx", `127.0.0.1:${dead}`, "--vpn", `127.0.0.1:${vpn.port}`, "--once"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/dx-failing\s+dx FAIL\(1\) 127\.0\.0\.1:\d+: ECONNREFUSED \| vpn ok/);
  });

  it("triggers once after M failures and runs --on-trigger with the trigger in $DX_PROBE_TRIGGER", async () => {
    const dead = await closedPort();
    const vpn = await listen();
    const dir = mkdtempSync(join(tmpdir(), "dx-probe-"));
    try {
      const file = join(dir, "trigger.json");
      const r = await runCli([
        "--dx",
        `127.0.0.1:${dead}`,
        "--vpn",
        `127.0.0.1:${vpn.port}`,
        "--interval",
        "100",
        "--timeout",
        "80",
        "--duration",
        "1",
        "--json",
        "--on-trigger",
        `printf '%s' "$DX_PROBE_TRIGGER" > '${file}'`,
      ]);
      expect(r.code).toBe(0);
      const out = lines(r.stdout);
      const triggers = out.filter((l) => l.type === "trigger");
      expect(triggers).toHaveLength(1);
      expect(triggers[0]).toMatchObject({ seq: 2, reason: "dx-down", consecutiveFailures: 2 });
      expect(out.filter((l) => l.type === "sample").length).toBeGreaterThanOrEqual(5);
      expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ reason: "dx-down", seq: 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--icmp probes with ping when available, else says so and falls back to TCP", async () => {
    const dx = await listen();
    const vpn = await listen();
    const r = await runCli([
      "--dx",
      `127.0.0.1:${dx.port}`,
      "--vpn",
      `127.0.0.1:${vpn.port}`,
      "--icmp",
      "--once",
      "--json",
    ]);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[0]).toMatchObject({ status: "healthy" });
    if (r.stderr.includes("--icmp"))
      expect(r.stderr).toMatch(/falling back|probing with TCP connect instead/);
  });

  it("stops cleanly on SIGTERM (systemd stop)", async () => {
    const dx = await listen();
    const vpn = await listen();
    const r = await runCli(
      ["--dx", `127.0.0.1:${dx.port}`, "--vpn", `127.0.0.1:${vpn.port}`, "--interval", "100", "--json"],
      {
        termAfterLines: 3,
      },
    );
    expect(r.code).toBe(0);
    expect(lines(r.stdout).length).toBeGreaterThanOrEqual(3);
  });

  it("rejects bad arguments with exit 2 and the usage", async () => {
    for (const args of [
      ["--vpn", "127.0.0.1:1"],
      ["--dx", "nope", "--vpn", "127.0.0.1:1"],
      ["--dx", "127.0.0.1:1", "--vpn", "127.0.0.1:2", "--interval", "100", "--timeout", "500"],
    ]) {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("usage:");
    }
  });
});
