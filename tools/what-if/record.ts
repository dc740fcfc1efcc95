/**
 * What a what-if records while the chaos driver runs it: every invocation's report (through the checker's
 * hooks), the account's changes step by step (snapshot diffs), and the events AWS emitted with where the
 * deployed rules send them (tools/lib/routing.ts over the whole stack, so that deliveries to functions the
 * run does not drive are shown too). Times are simulated ms since the start of the run.
 */
import type { StageConfig } from "../../functions/config";
import { type Capability, FUNCTIONS } from "../../functions/index";
import { SERVICE } from "../../functions/triggers";
import type { AccountSnapshot, SimulatedAccount } from "../../sim/account/index";
import type { InvocationReport } from "../../sim/harness";
import { eventLabel } from "../chaos/driver";
import { alarmActionsIn } from "../lib/replay";
import { type Deployment, routeEvent } from "../lib/routing";
import { changesBetween } from "./changes";
import type { Change, EventEntry } from "./types";

/** The driver's stage name: rule names in the routing read `ops-toolkit-dev-…`. */
const STAGE = "dev";
const WRITE =
  /^(Create|Delete|Replace|Modify|Stop|Start|Put|Attach|Detach|Assign|Unassign|Complete|Record|Set|Associate|Disassociate|Terminate|Reboot)/;

export const isWrite = (operation: string): boolean => WRITE.test(operation);

export interface Recorded {
  /** When the invocation started (ms since the start). */
  start: number;
  report: InvocationReport;
}

type Json = Record<string, unknown>;

export class Recorder {
  readonly invocations: Recorded[] = [];
  readonly changes: Change[] = [];
  readonly events: EventEntry[] = [];
  /** The last time something happened to what the incident concerns: a change, an event, a write. */
  lastActivity = 0;
  /** What the incident concerns (grows with the members a watched Auto Scaling group launches). */
  readonly watched: Set<string>;
  readonly #account: SimulatedAccount;
  readonly #start: number;
  readonly #deployment: Deployment;
  readonly #runs: (name: string) => boolean;
  #previous: AccountSnapshot;
  #seenService = 0;
  #seenPublished = 0;
  #invocationStart = 0;
  /** When the last step was observed: an event is placed between it and now. */
  #lastStep = 0;

  constructor(
    account: SimulatedAccount,
    config: StageConfig,
    scope: { capability: Capability; watch: readonly string[]; notDriven: Record<string, string> },
  ) {
    const { capability, notDriven } = scope;
    this.watched = new Set(scope.watch);
    this.#account = account;
    this.#start = account.clock.nowMs();
    this.#previous = account.snapshot();
    this.#deployment = {
      functions: FUNCTIONS,
      ctx: { config, service: SERVICE, stage: STAGE },
      alarmActions: alarmActionsIn(account),
    };
    this.#runs = (name) =>
      FUNCTIONS.some((f) => f.name === name && f.capability === capability) && !(name in notDriven);
  }

  /** Whether a text (an id, an event, a call's input) names something the incident concerns. */
  concerns(text: string): boolean {
    for (const id of this.watched) if (text.includes(id)) return true;
    return false;
  }

  #active(text: string): void {
    if (this.concerns(text)) this.lastActivity = this.now;
  }

  get now(): number {
    return this.#account.clock.nowMs() - this.#start;
  }

  /** The incident happened now: what is observed from now on is not placed before it. */
  incident(): void {
    this.#lastStep = this.now;
  }

  beforeInvocation(): void {
    this.#invocationStart = this.now;
  }

  invocation(report: InvocationReport): void {
    this.invocations.push({ start: this.#invocationStart, report });
    for (const c of report.calls.filter((call) => call.outcome === "ok" && isWrite(call.operation)))
      this.#active(JSON.stringify(c.input));
  }

  /** An event from outside the account (the simulated probes' trigger). */
  event(event: unknown): void {
    const routing = routeEvent(event, this.#deployment);
    const time = Date.parse(String((event as Json).time ?? "")) - this.#start;
    this.events.push({
      at: Number.isNaN(time) ? this.now : Math.min(this.now, Math.max(this.#lastStep, time)),
      // The chaos driver's labeller; an untyped payload (an alarm action's) is an "event" here.
      event: eventLabel(event, { untyped: "event" }),
      source: String((event as Json).source ?? ""),
      routedTo: routing.deliveries.map((d) => ({
        function: d.function.name,
        via: d.via,
        run: this.#runs(d.function.name),
      })),
      ...(routing.unmatched === undefined ? {} : { ignored: routing.unmatched }),
    });
    this.#active(JSON.stringify(event));
  }

  /** After every step: the changes since the last step, and the events the account emitted. */
  step(): void {
    const snapshot = this.#account.snapshot();
    const changes = changesBetween(this.#previous, snapshot, this.now);
    this.#previous = snapshot;
    this.changes.push(...changes);
    for (const c of changes) {
      if (c.kind === "group" && this.watched.has(c.resource)) this.watched.add(c.subject);
      this.#active(`${c.resource} ${c.subject}`);
    }
    const service = this.#account.serviceEvents.slice(this.#seenService);
    this.#seenService += service.length;
    const published = this.#account.publishedEventRecords.slice(this.#seenPublished);
    this.#seenPublished += published.length;
    for (const e of service) this.event(e);
    // Events the toolkit put on a trigger bus are inputs; those on the default bus are its action events.
    for (const p of published.filter((r) => r.EventBusName !== "default"))
      this.event({
        "detail-type": p.DetailType,
        source: p.Source,
        time: p.At,
        detail: JSON.parse(p.Detail ?? "{}"),
      });
    this.#lastStep = this.now;
  }
}
