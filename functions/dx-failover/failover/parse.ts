import { parseEvents } from "../../../shared/events";
import { InvalidEventError } from "../../../shared/runtime/errors";
import { CAPABILITY } from "../config";
import { type ProbeTriggerDetail, TRIGGER_DETAIL_TYPE } from "../evidence";
import type { DxInput } from "./run";

/**
 * dx-failover: moves a Local Zone's on-premises routes from Direct Connect to the VPN appliance and back.
 * Triggers: the probe's "DX Path Degraded" event (our own EventBridge event), the group's alarm state
 * changes, a schedule (reconcile every group) and a game-day command invoked directly:
 * `{ "command": "force" | "revert", "group": "<name>", "path": "vpn" | "direct-connect", "minutes": 30 }`.
 * Whatever the trigger, the decision is taken from fresh signals (see failover.ts).
 */

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

const invalid = (message: string, issues: string[]) =>
  new InvalidEventError(message, { parser: CAPABILITY, issues });

const num = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

const pathEvidence = (v: unknown): v is ProbeTriggerDetail["dx"] =>
  isObject(v) && typeof v.ok === "boolean" && num(v.consecutiveFailures) && num(v.consecutiveSuccesses);

export const parseDxInput = (raw: unknown): DxInput => {
  if (isObject(raw) && typeof raw.command === "string" && raw["detail-type"] === undefined) {
    const { command, group, path, minutes } = raw;
    const issues: string[] = [];
    if (command !== "force" && command !== "revert") issues.push('command must be "force" or "revert"');
    if (typeof group !== "string" || group === "") issues.push("group must be a group name");
    const forced = path ?? "vpn";
    if (forced !== "vpn" && forced !== "direct-connect")
      issues.push('path must be "vpn" or "direct-connect"');
    const mins = minutes ?? 30;
    if (!num(mins) || mins <= 0) issues.push("minutes must be a positive number");
    if (issues.length > 0) throw invalid("Invalid game-day command", issues);
    return {
      kind: "game-day",
      eventId: `game-day:${String(command)}:${String(group)}`,
      ...(typeof raw.region === "string" ? { region: raw.region } : {}),
      command: {
        command: command as "force" | "revert",
        group: group as string,
        path: forced as "vpn" | "direct-connect",
        minutes: mins as number,
      },
    };
  }
  if (isObject(raw) && raw["detail-type"] === TRIGGER_DETAIL_TYPE) {
    const d = raw.detail;
    if (
      !isObject(d) ||
      typeof d.group !== "string" ||
      !num(d.at) ||
      !num(d.dxFailingSince) ||
      !pathEvidence(d.dx) ||
      !pathEvidence(d.vpn)
    )
      throw invalid("Invalid DX Path Degraded event", [
        "detail: group, at, dxFailingSince, dx, vpn required",
      ]);
    return {
      kind: "probe-trigger",
      eventId: typeof raw.id === "string" ? raw.id : "probe-trigger",
      region: typeof raw.region === "string" ? raw.region : "",
      accountId: typeof raw.account === "string" ? raw.account : "",
      detail: {
        group: d.group,
        reason: "dx-down",
        at: d.at,
        dxFailingSince: d.dxFailingSince,
        dx: d.dx,
        vpn: d.vpn,
      },
    };
  }
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
