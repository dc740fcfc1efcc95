/**
 * npx tsx tools/dx-probe.ts --dx host:port[,host:port] --vpn host:port[,…] [--interval 1000] [--timeout 800]
 *                           [--threshold 2] [--rearm 3] [--icmp] [--once] [--duration <s>] [--json]
 *                           [--on-trigger "<shell command>"]
 *
 * The dx-failover path probe as an agent for a utility instance in the Local Zone (see
 * functions/dx-failover/README.md and deploy/dx-probe.service). It runs the same ProbeLoop as the Lambda probe: every --interval ms it probes
 * the Direct Connect targets and the VPN targets (TCP connect; any target answering = path healthy) and
 * prints one line per sample (--json: one JSON object per line, for journald/CloudWatch agent). When DX has
 * failed --threshold consecutive probes while the VPN answers, it prints a trigger line and runs
 * --on-trigger (once per outage), with the trigger as JSON in $DX_PROBE_TRIGGER — e.g. an
 * `aws events put-events` or `aws lambda invoke` of the failover function.
 *
 * --icmp: probe with the system `ping -c 1 -W <s>` instead of TCP (the port is then ignored). A utility
 * instance may send ICMP; Lambda cannot. When `ping` is not available the agent says so on stderr and
 * falls back to TCP.
 *
 * Exit: 0 after SIGINT/SIGTERM/--duration; with --once, 0 if DX answered, 1 if not; 2 on bad arguments.
 */
import { execFile } from "node:child_process";
import { parseArgs } from "node:util";
import { icmpAvailable, makeIcmpProbe } from "../functions/dx-failover/probe/icmp";
import {
  PROBE_DEFAULTS,
  ProbeLoop,
  type ProbeSample,
  type ProbeTrigger,
} from "../functions/dx-failover/probe/loop";
import { type ProbeFn, parseTargets, probeTcp } from "../functions/dx-failover/probe/tcp";

const usage =
  "usage: npx tsx tools/dx-probe.ts --dx host:port[,host:port] --vpn host:port[,host:port]\n" +
  "         [--interval ms] [--timeout ms] [--threshold M] [--rearm N] [--icmp] [--once] [--duration s]\n" +
  '         [--json] [--on-trigger "<shell command>"]';

const fail = (message: string): never => {
  process.stderr.write(`dx-probe: ${message}\n${usage}\n`);
  process.exit(2);
};

const intOption = (name: string, v: string | undefined, fallback: number, min: number): number => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer ≥ ${min}`);
  return n;
};

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        dx: { type: "string" },
        vpn: { type: "string" },
        interval: { type: "string" },
        timeout: { type: "string" },
        threshold: { type: "string" },
        rearm: { type: "string" },
        duration: { type: "string" },
        icmp: { type: "boolean", default: false },
        once: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        "on-trigger": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
})();

if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

const line = (obj: Record<string, unknown>, text: string): void => {
  process.stdout.write(`${values.json ? JSON.stringify(obj) : text}\n`);
};

const fmtPath = (p: ProbeSample["dx"]) =>
  p.ok ? `ok ${p.latencyMs.toFixed(1)}ms` : `FAIL(${p.consecutiveFailures}) ${p.error ?? ""}`;

const sampleRecord = (s: ProbeSample) => ({
  type: "sample",
  time: new Date(s.at).toISOString(),
  seq: s.seq,
  status: s.status,
  triggered: s.triggered,
  dx: {
    ok: s.dx.ok,
    latencyMs: s.dx.latencyMs,
    consecutiveFailures: s.dx.consecutiveFailures,
    consecutiveSuccesses: s.dx.consecutiveSuccesses,
    ...(s.dx.error ? { error: s.dx.error } : {}),
  },
  vpn: {
    ok: s.vpn.ok,
    latencyMs: s.vpn.latencyMs,
    consecutiveFailures: s.vpn.consecutiveFailures,
    consecutiveSuccesses: s.vpn.consecutiveSuccesses,
    ...(s.vpn.error ? { error: s.vpn.error } : {}),
  },
});

const runTriggerCommand = (command: string, trigger: ProbeTrigger) =>
  new Promise<void>((resolve, reject) => {
    execFile(
      "/bin/sh",
      ["-c", command],
      { timeout: 30_000, env: { ...process.env, DX_PROBE_TRIGGER: JSON.stringify(trigger) } },
      (err, _stdout, stderr) => {
        if (err)
          reject(
            new Error(`--on-trigger failed: ${err.message}${stderr ? `: ${String(stderr).trim()}` : ""}`),
          );
        else resolve();
      },
    );
  });

const main = async (): Promise<number> => {
  if (values.dx === undefined || values.vpn === undefined) return fail("--dx and --vpn are required");
  let dx: ReturnType<typeof parseTargets> = [];
  let vpn: ReturnType<typeof parseTargets> = [];
  try {
    dx = parseTargets(values.dx);
    vpn = parseTargets(values.vpn);
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  const intervalMs = intOption("interval", values.interval, PROBE_DEFAULTS.intervalMs, 50);
  const timeoutMs = intOption("timeout", values.timeout, Math.min(PROBE_DEFAULTS.timeoutMs, intervalMs), 1);
  if (timeoutMs > intervalMs) fail("--timeout must not exceed --interval");
  const threshold = intOption("threshold", values.threshold, PROBE_DEFAULTS.threshold, 1);
  const rearmAfter = intOption("rearm", values.rearm, PROBE_DEFAULTS.rearmAfter, 1);
  const durationS = values.duration !== undefined ? intOption("duration", values.duration, 0, 1) : undefined;

  let probe: ProbeFn = probeTcp;
  if (values.icmp) {
    if (await icmpAvailable()) probe = makeIcmpProbe();
    else
      process.stderr.write(
        "dx-probe: --icmp: no usable `ping` on this host, probing with TCP connect instead\n",
      );
  }

  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);

  const loop = new ProbeLoop({
    dx,
    vpn,
    intervalMs,
    timeoutMs,
    threshold,
    rearmAfter,
    probe,
    signal: controller.signal,
    ...(values.once ? { maxRounds: 1 } : {}),
    ...(durationS !== undefined ? { stopAt: Date.now() + durationS * 1000 } : {}),
    onSample: (s) =>
      line(
        sampleRecord(s),
        `${new Date(s.at).toISOString()} #${s.seq} ${s.status.padEnd(10)} dx ${fmtPath(s.dx)} | vpn ${fmtPath(s.vpn)}`,
      ),
    onTrigger: async (t) => {
      line(
        {
          type: "trigger",
          time: new Date(t.at).toISOString(),
          seq: t.seq,
          reason: t.reason,
          dxFailingSince: new Date(t.dxFailingSince).toISOString(),
          consecutiveFailures: t.consecutiveFailures,
        },
        `${new Date(t.at).toISOString()} TRIGGER ${t.reason}: DX failed ${t.consecutiveFailures} consecutive probes, VPN healthy`,
      );
      if (values["on-trigger"]) await runTriggerCommand(values["on-trigger"], t);
    },
    onError: (err, where) =>
      process.stderr.write(`dx-probe: ${where}: ${err instanceof Error ? err.message : String(err)}\n`),
  });
  const summary = await loop.run();
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  if (values.once) return summary.last?.dx.ok ? 0 : 1;
  return 0;
};

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`dx-probe: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
