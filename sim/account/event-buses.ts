/**
 * EventBridge buses, rules and callers of the simulated account (dx-failover, issue 10): which bus a
 * `PutEvents` entry goes to, whether its caller may put it there (event-policy.ts), and which rules match
 * it — "Only the rules that are associated with this event bus are used to match the event. If you omit
 * this, the default event bus is used." (`PutEventsRequestEntry.EventBusName`, API model). Matched events
 * are recorded as deliveries (`account.eventDeliveries`), for a harness or a test to hand to targets.
 *
 * The caller is the principal behind the request's access key (`principals`); an unknown key is a
 * principal of the account itself whose identity policy allows everything [decision].
 */
import { buildArn } from "../../shared/aws/arn";
import type { OpContext } from "./context";
import { matchesPattern } from "./event-pattern";
import { authorizePut, type PutDecision } from "./event-policy";
import type { AccountFixture } from "./fixture";
import type { EventBusModel, PrincipalModel, RegionState } from "./state";

export function loadEventsFixture(state: RegionState, f: AccountFixture): void {
  for (const b of f.eventBuses) {
    state.eventBuses.set(b.name, {
      name: b.name,
      arn: buildArn("events", f.region, f.accountId, `event-bus/${b.name}`),
      policy: (b.policy?.Statement ?? []).map((s) => structuredClone(s) as EventBusModel["policy"][number]),
    });
  }
  for (const r of f.eventRules) state.eventRules.push(structuredClone(r));
  for (const p of f.principals)
    state.principals.set(p.accessKeyId, { ...p, putEventsBuses: [...p.putEventsBuses] });
}

/** The bus an entry names (by name or ARN of this account and region; default when omitted). */
export function resolveBus(c: OpContext, nameOrArn: unknown): EventBusModel | undefined {
  const given = typeof nameOrArn === "string" && nameOrArn !== "" ? nameOrArn : "default";
  const name = given.startsWith("arn:") ? busNameOfArn(c, given) : given;
  if (name === undefined) return undefined;
  const bus = c.state.eventBuses.get(name);
  if (bus !== undefined || name !== "default") return bus;
  return { name, arn: buildArn("events", c.region, c.accountId, "event-bus/default"), policy: [] };
}

function busNameOfArn(c: OpContext, arn: string): string | undefined {
  const prefix = buildArn("events", c.region, c.accountId, "event-bus/");
  return arn.startsWith(prefix) ? arn.slice(prefix.length) : undefined;
}

export function callerOf(c: OpContext): PrincipalModel {
  const key = c.callerAccessKeyId ?? "unsigned";
  return (
    c.state.principals.get(key) ?? {
      accessKeyId: key,
      arn: `arn:aws:sts::${c.accountId}:assumed-role/sim-caller/${key}`,
      putEventsBuses: ["*"],
    }
  );
}

export function authorizeEntry(
  c: OpContext,
  bus: EventBusModel,
  source: string,
  detailType: string,
): PutDecision {
  return authorizePut(
    {
      principal: callerOf(c),
      busAccount: c.accountId,
      busName: bus.name,
      busArn: bus.arn,
      source,
      detailType,
    },
    bus.policy,
  );
}

/** EventBridge `time` is second precision: `2019-10-02T17:04:40Z`. */
const eventTime = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** The event as targets receive it; matched against the enabled rules of its bus. */
export function deliver(
  c: OpContext,
  bus: EventBusModel,
  entry: Record<string, unknown>,
  eventId: string,
): string[] {
  const now = c.nowMs();
  const time = entry.Time instanceof Date ? entry.Time.getTime() : now;
  const event: Record<string, unknown> = {
    version: "0",
    id: eventId,
    "detail-type": entry.DetailType,
    source: entry.Source,
    account: c.accountId,
    time: eventTime(time),
    region: c.region,
    resources: Array.isArray(entry.Resources) ? entry.Resources : [],
    detail: JSON.parse(String(entry.Detail)) as unknown,
  };
  const matched = c.state.eventRules.filter(
    (r) => r.eventBusName === bus.name && r.state === "ENABLED" && matchesPattern(r.eventPattern, event),
  );
  for (const r of matched) {
    c.state.eventDeliveries.push({
      eventId,
      eventBusName: bus.name,
      ruleName: r.name,
      targets: r.targets.map((t) => ({ ...t })),
      at: now,
      event: structuredClone(event),
    });
  }
  return matched.map((r) => r.name);
}
