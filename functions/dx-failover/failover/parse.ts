import { type AlarmChange, parseEvents, type ScheduleTick } from "../../../shared/events";
import { InvalidEventError } from "../../../shared/runtime/errors";
import { CAPABILITY } from "../config";
import {
  ADDRESS_FAMILIES,
  type PathCounters,
  type ProbeTriggerDetail,
  TRIGGER_DETAIL_TYPE,
} from "../evidence";
import type { GameDayCommand } from "./plan";

/**
 * The events of the failover function: its probes' "DX Path Degraded" trigger (on the trigger bus), the
 * groups' alarm state changes, the reconcile schedule, and the game-day command (a direct invocation):
 * `{ "command": "force" | "revert", "group": "<name>", "path": "vpn" | "direct-connect", "minutes": 30 }`.
 */

export type DxInput =
  | { kind: "probe-trigger"; eventId: string; region: string; accountId: string; detail: ProbeTriggerDetail }
  | { kind: "alarms"; changes: AlarmChange[] }
  | { kind: "reconcile"; tick: ScheduleTick }
  | { kind: "game-day"; eventId: string; region?: string; command: GameDayCommand };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

const invalid = (message: string, issues: string[]) =>
  new InvalidEventError(message, { parser: CAPABILITY, issues });

const num = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

const counters = (v: unknown): v is PathCounters =>
  isObject(v) && typeof v.ok === "boolean" && num(v.consecutiveFailures) && num(v.consecutiveSuccesses);

/** The path's counters, with its per-family counters only when every one of them is well formed. */
const pathCounters = (v: PathCounters): PathCounters => {
  const base = {
    ok: v.ok,
    consecutiveFailures: v.consecutiveFailures,
    consecutiveSuccesses: v.consecutiveSuccesses,
  };
  const f: unknown = v.families;
  if (!isObject(f)) return base;
  const entries = Object.entries(f);
  const valid = entries.every(([k, c]) => ADDRESS_FAMILIES.some((a) => a === k) && counters(c));
  return valid && entries.length > 0 ? { ...base, families: f as PathCounters["families"] } : base;
};

const parseGameDay = (raw: Record<string, unknown>): DxInput => {
  const { command, group, path, minutes } = raw;
  const issues: string[] = [];
  if (command !== "force" && command !== "revert") issues.push('command must be "force" or "revert"');
  if (typeof group !== "string" || group === "") issues.push("group must be a group name");
  const forced = path ?? "vpn";
  if (forced !== "vpn" && forced !== "direct-connect") issues.push('path must be "vpn" or "direct-connect"');
  const mins = minutes ?? 30;
  if (!num(mins) || mins <= 0) issues.push("minutes must be a positive number");
  if (issues.length > 0) throw invalid("Invalid game-day command", issues);
  return {
    kind: "game-day",
    eventId: `game-day:${String(command)}:${String(group)}`,
    ...(typeof raw.region === "string" ? { region: raw.region } : {}),
    command: {
      command: command as GameDayCommand["command"],
      group: group as string,
      path: forced as GameDayCommand["path"],
      minutes: mins as number,
    },
  };
};

const parseTrigger = (raw: Record<string, unknown>): DxInput => {
  const d = raw.detail;
  if (
    !isObject(d) ||
    typeof d.group !== "string" ||
    (d.probe !== "lambda" && d.probe !== "agent") ||
    !num(d.at) ||
    !num(d.dxFailingSince) ||
    !counters(d.dx) ||
    !counters(d.vpn)
  )
    throw invalid("Invalid DX Path Degraded event", [
      "detail: group, probe (lambda|agent), at, dxFailingSince, dx, vpn required",
    ]);
  return {
    kind: "probe-trigger",
    eventId: typeof raw.id === "string" ? raw.id : "probe-trigger",
    region: typeof raw.region === "string" ? raw.region : "",
    accountId: typeof raw.account === "string" ? raw.account : "",
    detail: {
      group: d.group,
      reason: "dx-down",
      probe: d.probe,
      at: d.at,
      dxFailingSince: d.dxFailingSince,
      dx: pathCounters(d.dx),
      vpn: pathCounters(d.vpn),
    },
  };
};

export const parseDxInput = (raw: unknown): DxInput => {
  if (isObject(raw) && typeof raw.command === "string" && raw["detail-type"] === undefined)
    return parseGameDay(raw);
  if (isObject(raw) && raw["detail-type"] === TRIGGER_DETAIL_TYPE) return parseTrigger(raw);
  const events = parseEvents(raw);
  const first = events[0];
  if (first?.kind === "schedule") return { kind: "reconcile", tick: first };
  const changes = events.flatMap((e) => (e.kind === "alarm-change" ? [e] : []));
  if (changes.length === 0 || changes.length !== events.length)
    throw invalid(
      "dx-failover accepts its probe's DX Path Degraded events, CloudWatch alarm state changes, schedules and game-day commands",
      events.map((e) => `unexpected ${e.kind} event`),
    );
  return { kind: "alarms", changes };
};

export const eventIdOf = (input: DxInput) =>
  input.kind === "alarms"
    ? input.changes.map((c) => c.eventId).join(",")
    : input.kind === "reconcile"
      ? input.tick.eventId
      : input.eventId;

/** The account the trigger names (none for a game-day command: the function's own account then). */
export const accountOf = (input: DxInput): string | undefined =>
  input.kind === "alarms"
    ? input.changes[0]?.accountId
    : input.kind === "reconcile"
      ? input.tick.accountId
      : input.kind === "probe-trigger"
        ? input.accountId
        : undefined;

export const regionOf = (input: DxInput, fallback: string | undefined) =>
  input.kind === "alarms"
    ? input.changes[0]?.region
    : input.kind === "reconcile"
      ? input.tick.region
      : input.region || fallback;
