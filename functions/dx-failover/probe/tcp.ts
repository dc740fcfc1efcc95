import { createConnection } from "node:net";
import { performance } from "node:perf_hooks";
import type { AddressFamily } from "../evidence";

/**
 * Data-plane probes of a path to on-premises: a TCP handshake to a target (Lambda cannot send ICMP).
 * Success = the three-way handshake completed (the socket is closed at once, nothing is sent);
 * failure = refused (ECONNREFUSED: the path works but nothing listens — still a failure, because the
 * target is chosen to be a listening service), a timeout (no answer: blackholed path), or an
 * unreachable/other socket error, reported with its code.
 */

export interface ProbeTarget {
  host: string;
  port: number;
}

export interface ProbeResult {
  target: string;
  ok: boolean;
  /** Time to the handshake (ok) or to the failure (refused, timeout…), in milliseconds. */
  latencyMs: number;
  /** The failure code: ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, ICMP_UNAVAILABLE… */
  error?: string;
}

/** One probe of one target. Never rejects: every failure is a result. */
export type ProbeFn = (target: ProbeTarget, timeoutMs: number) => Promise<ProbeResult>;

export interface PathResult {
  /** For each address family among the targets, a target of that family succeeded. */
  ok: boolean;
  /** Per address family among the targets: a target of it answered (each CIDR is judged on its own family). */
  families?: Partial<Record<AddressFamily, boolean>>;
  /** The best (lowest) latency of the successful targets; when none succeeded, the longest wait. */
  latencyMs: number;
  /** The failure codes of every target, "target: code", when none succeeded. */
  error?: string;
  results: ProbeResult[];
}

export const formatTarget = (t: ProbeTarget): string =>
  t.host.includes(":") ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;

/** "host:port", "[v6]:port"; throws on anything else (configuration errors fail loudly). */
export const parseTarget = (text: string): ProbeTarget => {
  const trimmed = text.trim();
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(trimmed) ?? /^([^:\s]+):(\d+)$/.exec(trimmed);
  const port = match ? Number(match[2]) : Number.NaN;
  if (!match?.[1] || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`invalid probe target "${text}": expected host:port with a port in 1..65535`);
  return { host: match[1], port };
};

/** "a:1,b:2" → targets; at least one. */
export const parseTargets = (text: string): ProbeTarget[] => {
  const targets = text
    .split(",")
    .filter((s) => s.trim() !== "")
    .map(parseTarget);
  if (targets.length === 0) throw new Error(`no probe target in "${text}"`);
  return targets;
};

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** TCP connect to the target: ok when the handshake completes within timeoutMs. */
export const probeTcp: ProbeFn = (target, timeoutMs) =>
  new Promise<ProbeResult>((resolve) => {
    const name = formatTarget(target);
    const start = performance.now();
    let settled = false;
    const socket = createConnection({ host: target.host, port: target.port });
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners("connect");
      socket.on("error", () => {}); // late errors after destroy are not ours any more
      socket.destroy();
      const latencyMs = round(performance.now() - start);
      resolve(
        error === undefined
          ? { target: name, ok: true, latencyMs }
          : { target: name, ok: false, latencyMs, error },
      );
    };
    const timer = setTimeout(() => finish("ETIMEDOUT"), Math.max(1, timeoutMs));
    socket.once("connect", () => finish());
    socket.once("error", (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
  });

const familyOfHost = (host: string): AddressFamily => (host.includes(":") ? "ipv6" : "ipv4");

/**
 * Probes every target of a path in parallel. The path is healthy when, for each address family among its
 * targets, some target of that family answers: targets of one family are redundant, but IPv4 and IPv6 cross
 * Direct Connect over separate BGP sessions and can fail apart (Direct Connect UG "Add a BGP peer":
 * dual-stack, no multiprotocol BGP), so an IPv4 answer never hides a dead IPv6 path. Latency: the best one.
 */
export const probePath = async (
  targets: readonly ProbeTarget[],
  timeoutMs: number,
  probe: ProbeFn = probeTcp,
): Promise<PathResult> => {
  if (targets.length === 0) return { ok: false, latencyMs: 0, error: "no-targets", results: [] };
  const results = await Promise.all(
    targets.map((t) =>
      probe(t, timeoutMs).catch(
        (err: unknown): ProbeResult => ({
          target: formatTarget(t),
          ok: false,
          latencyMs: timeoutMs,
          error: err instanceof Error ? err.message : String(err),
        }),
      ),
    ),
  );
  const families = new Set(targets.map((t) => familyOfHost(t.host)));
  const answered = new Set(
    targets.filter((_, i) => results[i]?.ok === true).map((t) => familyOfHost(t.host)),
  );
  const good = results.filter((r) => r.ok);
  const perFamily = Object.fromEntries([...families].sort().map((f) => [f, answered.has(f)]));
  if (answered.size === families.size)
    return { ok: true, families: perFamily, latencyMs: Math.min(...good.map((r) => r.latencyMs)), results };
  const failed = results.filter((_, i) => !answered.has(familyOfHost(targets[i]?.host ?? "")));
  return {
    ok: false,
    families: perFamily,
    latencyMs: Math.max(...failed.map((r) => r.latencyMs)),
    error: failed.map((r) => `${r.target}: ${r.error ?? "failed"}`).join(", "),
    results,
  };
};
