/**
 * npx tsx tools/dx-probe.ts --dx host:port[,host:port] --vpn host:port[,…] [--interval 1000] [--timeout 800]
 *     [--threshold 2] [--rearm 3] [--icmp] [--once] [--duration <s>] [--json] [--on-trigger "<command>"]
 *     [--group <name> --region <region> [--bus ops-toolkit-dx-trigger] [--namespace OpsToolkit/DxFailover]
 *      [--source ops-toolkit] [--flush 15]]
 *
 * The dx-failover agent: the authoritative probe of a Local Zone group, on an instance in a Local Zone
 * subnet whose route table keeps the propagated DX route (functions/dx-failover/README.md "The agent";
 * deploy/dx-probe.service, deploy/dx-probe-user-data.sh). It runs the same ProbeLoop as the Lambda probe:
 * every --interval ms it probes the Direct Connect and the VPN targets (TCP connect; any target answering =
 * path healthy) and prints one line per sample (--json: one JSON object per line).
 *
 * With --group (and --region), it publishes for that group: the samples as high-resolution metrics
 * (`Probe=agent`, PutMetricData every --flush samples, default 15, and at once on a failed sample), and the trigger — once per
 * outage, when DX has failed --threshold consecutive probes while the VPN answers — as a "DX Path Degraded"
 * event on the trigger bus, which the failover function's rule receives. Credentials: the instance profile.
 * --on-trigger runs a command as well (/bin/sh -c, the trigger JSON in $DX_PROBE_TRIGGER).
 *
 * --icmp: probe with the system `ping -c 1 -W <s>` instead of TCP (the port is then ignored); without a
 * usable `ping` the agent says so on stderr and falls back to TCP.
 *
 * Exit: 0 after SIGINT/SIGTERM/--duration; with --once, 0 if DX answered, 1 if not; 2 on bad arguments.
 */
import { execFile } from "node:child_process";
import { parseArgs } from "node:util";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { AGENT_FLUSH_EVERY, createAgentPublisher } from "../functions/dx-failover/probe/agent";
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
  '         [--json] [--on-trigger "<shell command>"]\n' +
  "         [--group name --region region [--bus name] [--namespace ns] [--source src] [--flush samples]]";

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
        group: { type: "string" },
        region: { type: "string" },
        bus: { type: "string", default: "ops-toolkit-dx-trigger" },
        namespace: { type: "string", default: "OpsToolkit/DxFailover" },
        source: { type: "string", default: "ops-toolkit" },
        flush: { type: "string" },
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

const pathRecord = (p: ProbeSample["dx"]) => ({
  ok: p.ok,
  latencyMs: p.latencyMs,
  consecutiveFailures: p.consecutiveFailures,
  consecutiveSuccesses: p.consecutiveSuccesses,
  ...(p.error ? { error: p.error } : {}),
});

const printSample = (s: ProbeSample) =>
  line(
    {
      type: "sample",
      time: new Date(s.at).toISOString(),
      seq: s.seq,
      status: s.status,
      triggered: s.triggered,
      dx: pathRecord(s.dx),
      vpn: pathRecord(s.vpn),
    },
    `${new Date(s.at).toISOString()} #${s.seq} ${s.status.padEnd(10)} dx ${fmtPath(s.dx)} | vpn ${fmtPath(s.vpn)}`,
  );

const printTrigger = (t: ProbeTrigger) =>
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

const warn = (where: string, err: unknown) =>
  process.stderr.write(`dx-probe: ${where}: ${err instanceof Error ? err.message : String(err)}\n`);

/** The group's publisher (metrics and the trigger), when --group is given. */
const publisher = () => {
  if (values.group === undefined) return undefined;
  const region = values.region ?? process.env.AWS_REGION;
  if (region === undefined) return fail("--group needs --region (or AWS_REGION)");
  return createAgentPublisher({
    group: values.group,
    namespace: values.namespace,
    busName: values.bus,
    source: values.source,
    cloudWatch: new CloudWatchClient({ region }),
    eventBridge: new EventBridgeClient({ region }),
    // At most half of the failover function's probeStaleSeconds (default 30 s) at the probe interval.
    flushEvery: intOption("flush", values.flush, AGENT_FLUSH_EVERY, 1),
    onError: (err) => warn("PutMetricData", err),
  });
};

const probeFn = async (): Promise<ProbeFn> => {
  if (!values.icmp) return probeTcp;
  if (await icmpAvailable()) return makeIcmpProbe();
  process.stderr.write("dx-probe: --icmp: no usable `ping` on this host, probing with TCP connect instead\n");
  return probeTcp;
};

const main = async (): Promise<number> => {
  if (values.dx === undefined || values.vpn === undefined) return fail("--dx and --vpn are required");
  let targets: { dx: ReturnType<typeof parseTargets>; vpn: ReturnType<typeof parseTargets> } = {
    dx: [],
    vpn: [],
  };
  try {
    targets = { dx: parseTargets(values.dx), vpn: parseTargets(values.vpn) };
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  const intervalMs = intOption("interval", values.interval, PROBE_DEFAULTS.intervalMs, 50);
  const timeoutMs = intOption("timeout", values.timeout, Math.min(PROBE_DEFAULTS.timeoutMs, intervalMs), 1);
  if (timeoutMs > intervalMs) fail("--timeout must not exceed --interval");
  const durationS = values.duration !== undefined ? intOption("duration", values.duration, 0, 1) : undefined;
  const publish = publisher();
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const loop = new ProbeLoop({
    ...targets,
    intervalMs,
    timeoutMs,
    threshold: intOption("threshold", values.threshold, PROBE_DEFAULTS.threshold, 1),
    rearmAfter: intOption("rearm", values.rearm, PROBE_DEFAULTS.rearmAfter, 1),
    probe: await probeFn(),
    signal: controller.signal,
    ...(values.once ? { maxRounds: 1 } : {}),
    ...(durationS !== undefined ? { stopAt: Date.now() + durationS * 1000 } : {}),
    onSample: async (s) => {
      printSample(s);
      await publish?.onSample(s);
    },
    onTrigger: async (t) => {
      printTrigger(t);
      await publish?.onTrigger(t);
      if (values["on-trigger"]) await runTriggerCommand(values["on-trigger"], t);
    },
    onError: (err, where) => warn(where, err),
  });
  const summary = await loop.run();
  await publish?.flush();
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
