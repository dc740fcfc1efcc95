import {
  DescribeVirtualInterfacesCommand,
  type DirectConnectClient,
  StartBgpFailoverTestCommand,
  StopBgpFailoverTestCommand,
} from "@aws-sdk/client-direct-connect";
import { DescribeRouteTablesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { groupState, groupsOfTag } from "../../functions/dx-failover/failover/state";
import type { Clock } from "../../shared/runtime/clock";

/**
 * Game day on the real control plane (issue 10, item 9): `StartBgpFailoverTest` puts every BGP session of
 * the group's virtual interfaces DOWN for N minutes (Direct Connect API; "Direct Connect Failover Test" in
 * the Direct Connect User Guide), the command watches what the toolkit does — the failover when BGP goes
 * down, the failback once AWS restores the sessions and the restore window has passed — and reports it as
 * a timeline. It only reads route tables and interfaces: the routes are the failover function's (one
 * writer). A test still running when the command stops (abort, deadline) is stopped with
 * `StopBgpFailoverTest`. The User Guide warns against running it during a Direct Connect maintenance.
 */

export type GameDayEventKind =
  | "test-started"
  | "bgp-down"
  | "failover"
  | "bgp-up"
  | "failback"
  | "test-stopped"
  | "gave-up";

export interface GameDayEvent {
  kind: GameDayEventKind;
  /** ms since the tests were started. */
  atMs: number;
  detail: string;
}

export interface GameDayReport {
  group: string;
  virtualInterfaceIds: string[];
  minutes: number;
  timeline: GameDayEvent[];
  /** BGP down → the group's state says VPN (ms); undefined when not seen. */
  failoverAfterMs?: number;
  /** BGP up again → the group's state says Direct Connect (ms); undefined when not seen. */
  failbackAfterMs?: number;
  verdict: "failed-over-and-back" | "no-failover" | "no-failback" | "refused";
  refusal?: string;
}

export interface GameDayOptions {
  group: string;
  virtualInterfaceIds: readonly string[];
  groupTagKey: string;
  minutes: number;
  /** How often to look (default 5 s). */
  pollMs?: number;
  /** After the test's end, how long to wait for the failback (default 15 min: the restore window and more). */
  settleMs?: number;
  signal?: AbortSignal;
}

export interface GameDayDeps {
  directConnect: DirectConnectClient;
  ec2: EC2Client;
  clock: Clock;
}

interface Observation {
  bgpDown: boolean;
  testing: boolean;
  active: "direct-connect" | "vpn";
}

const observe = async (deps: GameDayDeps, o: GameDayOptions): Promise<Observation> => {
  const vifs = await Promise.all(
    o.virtualInterfaceIds.map(async (id) => {
      const out = await deps.directConnect.send(
        new DescribeVirtualInterfacesCommand({ virtualInterfaceId: id }),
      );
      return out.virtualInterfaces?.[0];
    }),
  );
  const tables = await deps.ec2.send(
    new DescribeRouteTablesCommand({ Filters: [{ Name: "tag-key", Values: [o.groupTagKey] }] }),
  );
  const mine = (tables.RouteTables ?? [])
    .map((t) => ({
      routeTableId: t.RouteTableId ?? "",
      tags: Object.fromEntries((t.Tags ?? []).map((x) => [x.Key ?? "", x.Value ?? ""])),
    }))
    .filter((t) => groupsOfTag(t.tags[o.groupTagKey]).includes(o.group));
  return {
    bgpDown: vifs.every((v) => (v?.bgpPeers ?? []).every((p) => p.bgpStatus !== "up")),
    testing: vifs.some((v) => v?.virtualInterfaceState === "testing"),
    active: groupState(mine, o.group, o.groupTagKey).state.activePath,
  };
};

/** The events between two observations. */
const changes = (before: Observation | undefined, now: Observation, atMs: number): GameDayEvent[] => {
  const events: GameDayEvent[] = [];
  if (now.bgpDown && !before?.bgpDown)
    events.push({ kind: "bgp-down", atMs, detail: "every BGP session of the group's interfaces is down" });
  if (!now.bgpDown && before?.bgpDown)
    events.push({ kind: "bgp-up", atMs, detail: "a BGP session is up again (the test ended)" });
  if (before !== undefined && now.active !== before.active)
    events.push({
      kind: now.active === "vpn" ? "failover" : "failback",
      atMs,
      detail: `the group's route tables say ${now.active}`,
    });
  return events;
};

const startTests = async (deps: GameDayDeps, o: GameDayOptions): Promise<string | undefined> => {
  const before = await observe(deps, o);
  if (before.testing) return "a failover test is already running on an interface of the group";
  if (before.active !== "direct-connect") return "the group is not on Direct Connect";
  for (const id of o.virtualInterfaceIds)
    await deps.directConnect.send(
      new StartBgpFailoverTestCommand({ virtualInterfaceId: id, testDurationInMinutes: o.minutes }),
    );
  return undefined;
};

const stopRunning = async (deps: GameDayDeps, o: GameDayOptions): Promise<string[]> => {
  const stopped: string[] = [];
  for (const id of o.virtualInterfaceIds) {
    const out = await deps.directConnect.send(
      new DescribeVirtualInterfacesCommand({ virtualInterfaceId: id }),
    );
    if (out.virtualInterfaces?.[0]?.virtualInterfaceState !== "testing") continue;
    await deps.directConnect.send(new StopBgpFailoverTestCommand({ virtualInterfaceId: id }));
    stopped.push(id);
  }
  return stopped;
};

const summarize = (o: GameDayOptions, timeline: GameDayEvent[], refusal?: string): GameDayReport => {
  const at = (kind: GameDayEventKind) => timeline.find((e) => e.kind === kind)?.atMs;
  const [down, over, up, back] = [at("bgp-down"), at("failover"), at("bgp-up"), at("failback")];
  const failoverAfterMs = down !== undefined && over !== undefined ? over - down : undefined;
  const failbackAfterMs = up !== undefined && back !== undefined ? back - up : undefined;
  return {
    group: o.group,
    virtualInterfaceIds: [...o.virtualInterfaceIds],
    minutes: o.minutes,
    timeline,
    ...(failoverAfterMs !== undefined ? { failoverAfterMs } : {}),
    ...(failbackAfterMs !== undefined ? { failbackAfterMs } : {}),
    verdict: refusal
      ? "refused"
      : failoverAfterMs === undefined
        ? "no-failover"
        : failbackAfterMs === undefined
          ? "no-failback"
          : "failed-over-and-back",
    ...(refusal ? { refusal } : {}),
  };
};

export const runGameDay = async (deps: GameDayDeps, o: GameDayOptions): Promise<GameDayReport> => {
  if (o.virtualInterfaceIds.length === 0) return summarize(o, [], "the group has no virtualInterfaceIds");
  const refusal = await startTests(deps, o);
  if (refusal) return summarize(o, [], refusal);
  const start = deps.clock.now();
  const timeline: GameDayEvent[] = [
    { kind: "test-started", atMs: 0, detail: `${o.virtualInterfaceIds.join(", ")} for ${o.minutes} min` },
  ];
  const giveUpAt = start + o.minutes * 60_000 + (o.settleMs ?? 15 * 60_000);
  let last: Observation | undefined;
  try {
    while (!o.signal?.aborted) {
      const now = await observe(deps, o);
      const atMs = deps.clock.now() - start;
      timeline.push(...changes(last, now, atMs));
      last = now;
      if (timeline.some((e) => e.kind === "bgp-up") && now.active === "direct-connect") break;
      if (deps.clock.now() >= giveUpAt) {
        timeline.push({ kind: "gave-up", atMs, detail: "no failback before the settle time ran out" });
        break;
      }
      await deps.clock.sleep(o.pollMs ?? 5000, o.signal);
    }
  } finally {
    const stopped = await stopRunning(deps, o);
    if (stopped.length > 0)
      timeline.push({
        kind: "test-stopped",
        atMs: deps.clock.now() - start,
        detail: `StopBgpFailoverTest on ${stopped.join(", ")}`,
      });
  }
  return summarize(o, timeline);
};
