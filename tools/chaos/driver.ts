/**
 * Runs a trace against the real handlers on the simulated account's manual clock: applies the incidents
 * and faults at their times, routes every event the account emits (and the scheduled reconciles) to the
 * capability's functions the way the deployed triggers would (tools/lib/routing.ts), delivers them with
 * EventBridge's and Lambda's faults (lost, duplicated, delayed, reordered; failed invocations retried
 * twice, 1 and 2 minutes later, then kept by the on-failure queue), and checks the capability's
 * invariants after every invocation and every step.
 */
import { parseStageConfig, type StageConfig } from "../../functions/config";
import { type DeployedFunction, FUNCTIONS } from "../../functions/index";
import { type ScheduleTrigger, SERVICE } from "../../functions/triggers";
import type { Harness, InvocationReport } from "../../sim/harness";
import { alarmActionsIn } from "../lib/replay";
import { type Deployment, routeEvent } from "../lib/routing";
import { DAY_MS } from "./generate";
import {
  callLatency,
  deliveryIdentity,
  Lanes,
  type Race,
  raceOf,
  racingLatency,
  type Throttleable,
  throttle,
} from "./interleave";
import { apiFaultAnswer } from "./landing-faults";
import type { RunMeasures } from "./measures";
import { staleReadFault } from "./stale-reads";
import type { CapabilityModel, Trace, TraceItem, Violation, World } from "./types";

/** The fixed start of every run: a run does not depend on when it is made. */
export const CHAOS_START = new Date("2026-01-05T00:00:00Z");
const STAGE = "dev";
const RETRY_DELAYS_MS = [60_000, 120_000];
/** An API fault burst lasts this long (its `times` calls, at most). */
const API_FAULT_MS = 10 * 60_000;
/**
 * A fast-forwarded stretch moves the clock this much at a time and ends early where the account emitted
 * an event: EventBridge delivers service events within about a minute, not at the end of a quiet hour.
 */
const EVENT_LAG_MS = 60_000;
/**
 * After the trace's last day the run drains: no new incidents, the world (schedules, deliveries, retries,
 * the account's transitions) goes on until the queue is empty and the last incident's settle window has
 * passed, at most this long; what is still queued then is counted (`pendingAtEnd`) and logged.
 */
const MAX_DRAIN_MS = 2 * 3_600_000;

export interface Delivered {
  /** Simulated ms after the start. */
  at: number;
  function: string;
  via: string;
  attempt: number;
  event: unknown;
  outcome: string;
}

export interface RunStats {
  invocations: number;
  /** AWS calls the invocations made. */
  calls: number;
  acted: number;
  ignored: number;
  kept: number;
  retried: number;
  /** Deliveries throttled by reserved concurrency (each retry counts). */
  throttled: number;
  /** Invocations started while another invocation was under way. */
  concurrent: number;
  lostByFault: number;
  incidents: number;
  /** Simulated ms of the trace's days that ran (the drain after them not counted). */
  simulatedMs: number;
  /** Simulated ms the run went on after its last day to judge its last incidents and deliveries. */
  drainMs: number;
  /** Deliveries still queued when the drain stopped (none: everything was delivered, lost or kept). */
  pendingAtEnd: number;
}

export interface RunResult {
  trace: Trace;
  violations: Violation[];
  /** What happened, in order, in words (no wall-clock values: equal for equal traces). */
  log: string[];
  delivered: Delivered[];
  stats: RunStats;
  measures?: RunMeasures;
}

export interface RunOptions {
  /** Stop at the first violation (default true: shrinking needs only whether it fails). */
  stopOnViolation?: boolean;
  /** Ends the run early once this holds (asked after every step; `queued`: deliveries still waiting). */
  until?: (now: number, queued: boolean) => boolean;
}

interface Pending extends Throttleable {
  due: number;
  seq: number;
  event: unknown;
  fn: DeployedFunction;
  via: string;
  attempt: number;
  timeoutMs?: number;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: DAY_MS,
  days: DAY_MS,
};

export const rateMs = (rate: string): number => {
  const m = RATE.exec(rate);
  if (m === null) throw new Error(`unsupported schedule ${rate}`);
  return Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? 0);
};

/** The scheduled event EventBridge sends for a rule. */
const scheduledEvent = (rule: string, at: number, account: string, region: string) => ({
  version: "0",
  id: `chaos-${rule}-${at}`,
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account,
  time: `${new Date(at).toISOString().slice(0, 19)}Z`,
  region,
  resources: [`arn:aws:events:${region}:${account}:rule/${rule}`],
  detail: {},
});

const describeResult = (result: unknown): string => {
  if (result === null || typeof result !== "object") return String(result);
  const r = result as Record<string, unknown>;
  const word = r.decision ?? r.outcome ?? r.status ?? r.kind;
  return typeof word === "string" ? word : "result";
};

class Run {
  readonly violations: Violation[] = [];
  readonly log: string[] = [];
  readonly delivered: Delivered[] = [];
  readonly stats: RunStats = {
    invocations: 0,
    calls: 0,
    acted: 0,
    ignored: 0,
    kept: 0,
    retried: 0,
    throttled: 0,
    concurrent: 0,
    lostByFault: 0,
    incidents: 0,
    simulatedMs: 0,
    drainMs: 0,
    pendingAtEnd: 0,
  };
  readonly #world: World;
  readonly #deployment: Deployment;
  readonly #schedules: Array<{ trigger: ScheduleTrigger; every: number; next: number }>;
  readonly #armed: TraceItem[] = [];
  /** API faults installed, and when they stop (a burst, not a standing fault). */
  #faults: Array<{ id: string; until: number }> = [];
  #queue: Pending[] = [];
  #seq = 0;
  /** The trace's items in time order, and the first not yet applied. */
  #items: TraceItem[] = [];
  #nextItem = 0;
  /** Until when the driver steps at `stepMs` (an incident or fault is recent). */
  activeUntil = 0;
  #seenService = 0;
  #seenPublished = 0;
  #seenActions = 0;
  readonly #checker;

  constructor(
    readonly model: CapabilityModel,
    world: World,
    config: StageConfig,
    variant: string,
  ) {
    this.#world = world;
    const functions = FUNCTIONS.filter(
      (f) => f.capability === model.capability && !(f.name in model.notDriven),
    );
    this.#deployment = {
      functions,
      ctx: { config, service: SERVICE, stage: STAGE },
      alarmActions: alarmActionsIn(world.account),
    };
    this.#schedules = functions.flatMap((f) =>
      f
        .triggers(this.#deployment.ctx)
        .filter((t): t is ScheduleTrigger => t.kind === "schedule")
        .map((trigger) => ({
          trigger,
          every: rateMs(trigger.rate),
          next: world.start + rateMs(trigger.rate),
        })),
    );
    this.#checker = model.checker(world, variant);
  }

  get now(): number {
    return this.#world.account.clock.nowMs();
  }

  get #t(): string {
    return `t+${Math.round((this.now - this.#world.start) / 1000)}s`;
  }

  note(line: string): void {
    this.log.push(`${this.#t} ${line}`);
  }

  flag(found: Violation[]): void {
    for (const v of found) {
      const at = this.now - this.#world.start;
      this.violations.push({ ...v, at });
      this.note(`VIOLATION ${v.invariant}: ${v.message}`);
    }
  }

  get quiet(): boolean {
    return this.#queue.length === 0;
  }

  nextQueued(): number | undefined {
    return this.#queue.reduce<number | undefined>(
      (min, p) => (min === undefined || p.due < min ? p.due : min),
      undefined,
    );
  }

  nextSchedule(): number {
    return Math.min(...this.#schedules.map((s) => s.next));
  }

  /** The items to apply at their times. */
  schedule(items: readonly TraceItem[]): void {
    this.#items = [...items].sort((a, b) => a.at - b.at);
    this.#nextItem = 0;
    this.activeUntil = this.#world.start;
  }

  /** Simulated epoch ms of the next item, if any. */
  nextItemAt(): number | undefined {
    const item = this.#items[this.#nextItem];
    return item === undefined ? undefined : this.#world.start + item.at;
  }

  /** Applies the items due now, in order. */
  async applyDue(): Promise<void> {
    for (let at = this.nextItemAt(); at !== undefined && at <= this.now; at = this.nextItemAt()) {
      const item = this.#items[this.#nextItem++];
      if (item !== undefined) await this.apply(item);
      this.activeUntil = Math.max(this.activeUntil, this.now + this.model.activeWindowMs);
      if (item?.kind.startsWith("incident:") === true)
        this.#settleUntil = Math.max(
          this.#settleUntil,
          this.now + (this.model.settleMs ?? this.model.activeWindowMs),
        );
    }
  }

  // ── drive6: the end of a run (the drain) ──
  /** Until when the last incident's obligations may still come due (its settle window). */
  #settleUntil = 0;
  #draining = false;

  /** The trace's days are over: what was not applied of incidents and races never is (none new). */
  beginDrain(): void {
    const left = this.#items.slice(this.#nextItem);
    const kept = left.filter((i) => !i.kind.startsWith("incident:") && i.kind !== "race");
    this.#items = [...this.#items.slice(0, this.#nextItem), ...kept];
    this.#races.length = 0;
    this.#draining = true;
    const dropped = left.length - kept.length;
    // Worded without "incident": tests and readers pick the incident lines out of the log by that word.
    this.note(
      `the trace's days are over: draining${dropped > 0 ? ` (${dropped} later trace items skipped)` : ""}`,
    );
  }

  /** Whether the drain is over: nothing queued, and the last incident's settle window has passed. */
  get drained(): boolean {
    return this.quiet && this.now >= this.#settleUntil;
  }

  /** While draining, the settle window's end, while it is ahead (a step there judges what came due). */
  settleAhead(): number | undefined {
    return this.#draining && this.#settleUntil > this.now ? this.#settleUntil : undefined;
  }

  /** Counts and logs what is still queued when the run stops (never silently dropped). */
  countPending(): void {
    this.stats.pendingAtEnd = this.#queue.length;
    for (const p of [...this.#queue].sort((a, b) => a.due - b.due || a.seq - b.seq))
      this.note(
        `still queued when the run stopped (due in ${Math.round((p.due - this.now) / 1000)}s): ${p.fn.name} ← ${routeLabel(p.event)}`,
      );
  }
  // ── end drive6 ──

  // ── interleave5: the world during invocations, concurrency, throttling (tools/chaos/interleave.ts) ──
  readonly #lanes = new Lanes();
  /** Races armed, each for the next invocation started. */
  readonly #races: Race[] = [];
  /** The run's seed: the invocations' call latencies derive from it. */
  latencySeed = 0;
  #stopOnViolation = true;
  #emittedSeen = 0;

  get #stopped(): boolean {
    return this.#stopOnViolation && this.violations.length > 0;
  }

  /**
   * While handlers sleep or wait on a call, the world goes on at its times: the trace's items, the events
   * the account emits (routed at once: a function already running throttles them), the schedules, the
   * deliveries due (a function not running starts concurrently); the step checks run after them.
   */
  readonly #during = {
    next: () => {
      const times = [this.nextItemAt(), this.nextSchedule(), this.#stopped ? undefined : this.nextQueued()];
      const known = times.filter((t): t is number => t !== undefined);
      return known.length === 0 ? undefined : Math.min(...known);
    },
    run: async () => {
      await this.#world.harness.world(() => this.applyDue());
      for (const event of this.collect([])) this.route(event);
      this.fireSchedules();
      this.#startDue();
      this.#emittedSeen = this.emitted();
      this.step();
    },
    between: async (operation?: string) => {
      if (this.emitted() !== this.#emittedSeen) await this.#during.run();
      this.#checker.beforeCall?.(operation);
    },
  };

  /** Starts the deliveries due, each function up to its reserved concurrency; throttles the others. */
  #startDue(): void {
    if (this.#stopped) return;
    const due = this.#queue.filter((p) => p.due <= this.now).sort((a, b) => a.due - b.due || a.seq - b.seq);
    this.#queue = this.#queue.filter((p) => p.due > this.now);
    for (const p of due) {
      if (this.#lanes.full(p.fn)) this.#throttle(p);
      else {
        const latency = this.#latencyOf(p, callLatency(this.latencySeed, this.#identityOf(p)));
        if (this.#lanes.busy) this.stats.concurrent += 1;
        this.#lanes.start(p.fn, () => this.invoke(p, latency));
      }
    }
  }

  /** Deliveries per stable identity so far (a duplicate's copy is the second of its identity). */
  readonly #identities = new Map<string, number>();

  #identityOf(p: Pending): string {
    const key = deliveryIdentity(p.fn.name, p.event, p.attempt, p.throttles ?? 0);
    const seen = this.#identities.get(key) ?? 0;
    this.#identities.set(key, seen + 1);
    return `${key}|${seen}`;
  }

  /** An invocation's call latencies; an armed race puts its incident inside its `call`-th call. */
  #latencyOf(p: Pending, latency: () => number): () => number {
    const race = this.#races.shift();
    if (race === undefined) return latency;
    return racingLatency(
      latency,
      race,
      () => this.now,
      (at) => {
        this.note(`race: ${race.incident} during call ${race.call} of ${p.fn.name} ← ${routeLabel(p.event)}`);
        const item = { at: at - this.#world.start, kind: `incident:${race.incident}`, params: race.params };
        const index = this.#items.findIndex((i, k) => k >= this.#nextItem && i.at > item.at);
        this.#items.splice(index < 0 ? this.#items.length : index, 0, item);
      },
    );
  }

  /** Lambda returns a throttled event to its queue and retries it with backoff, up to its maximum age. */
  #throttle(p: Pending): void {
    this.stats.throttled += 1;
    const label = `${p.fn.name} ← ${routeLabel(p.event)}`;
    const decision = throttle(p, this.now);
    if (decision.kind === "expired") {
      this.stats.kept += 1;
      this.note(`throttled past its maximum event age, kept by the on-failure queue: ${label}`);
      return;
    }
    const { due, throttles, since } = decision;
    this.note(
      `throttled (reserved concurrency ${this.#lanes.limitOf(p.fn)}): ${label}, retried at +${Math.round((due - this.now) / 1000)}s`,
    );
    this.#queue.push({ ...p, seq: this.#seq++, due, throttles, since });
  }

  /** Delivers what is due, concurrently where it may, until nothing runs and nothing is due. */
  async deliverDue(stopOnViolation: boolean): Promise<void> {
    this.#stopOnViolation = stopOnViolation;
    this.#startDue();
    await this.#lanes.settled();
  }
  // ── end interleave5 ──

  /** Applies an incident or arms a fault. */
  async apply(item: TraceItem): Promise<void> {
    const account = this.#world.account;
    if (item.kind.startsWith("incident:")) {
      const name = item.kind.slice("incident:".length);
      const kind = this.model.incidents.find((k) => k.name === name);
      if (kind === undefined) throw new Error(`unknown incident ${name}`);
      this.stats.incidents += 1;
      let what: string;
      try {
        what = await kind.apply(this.#world, item.params);
      } catch (error) {
        what = `refused: ${(error as Error).message.split("\n")[0]}`;
      }
      this.note(`incident ${name} ${JSON.stringify(item.params)}: ${what}`);
    } else if (item.kind === "api-fault" || item.kind === "api-latency") {
      const p = item.params;
      const fault = account.faults.add({
        service: p.service as never,
        operation: String(p.operation),
        times: Number(p.times),
        ...(item.kind === "api-fault" ? apiFaultAnswer(p) : { latencyMs: Number(p.latencyMs) }),
      });
      this.#faults.push({ id: fault.id, until: this.now + API_FAULT_MS });
      this.note(`${item.kind} ${JSON.stringify(p)}`);
    } else if (item.kind === "stale-read") {
      // stale5: eventual consistency, armed for a burst like the API faults (tools/chaos/stale-reads.ts).
      this.#faults.push({
        id: account.faults.add(staleReadFault(item.params)).id,
        until: this.now + API_FAULT_MS,
      });
      this.note(`stale-read ${JSON.stringify(item.params)}`);
    } else if (item.kind === "race") this.#races.push(raceOf(item));
    else this.#armed.push(item);
  }

  /** Events of the model's tick between two steps. */
  #buffered: unknown[] = [];
  buffer(events: unknown[]): void {
    this.#buffered.push(...events);
  }

  /** Ends the API fault bursts whose time is over. */
  expireFaults(): void {
    const over = this.#faults.filter((f) => f.until <= this.now);
    for (const f of over) this.#world.account.faults.remove(f.id);
    this.#faults = this.#faults.filter((f) => f.until > this.now);
  }

  /** How many events the account has emitted so far (service events and events put on a bus). */
  emitted(): number {
    return this.#world.account.serviceEvents.length + this.#world.account.publishedEventCount;
  }

  /** New events of the account (service events, and events the toolkit put on a bus) plus the agent's. */
  collect(extra: unknown[]): unknown[] {
    const account = this.#world.account;
    const service = account.serviceEvents.slice(this.#seenService);
    this.#seenService += service.length;
    const published = account.publishedEventRecords.slice(this.#seenPublished);
    this.#seenPublished += published.length;
    // Only events put on a trigger bus are inputs; the toolkit's action events are its outputs.
    const inputs = published
      .filter((p) => p.EventBusName !== "default")
      .map((p) => ({
        version: "0",
        id: p.EventId,
        "detail-type": p.DetailType,
        source: p.Source,
        account: account.accountId,
        time: p.At,
        region: p.Region,
        resources: p.Resources ?? [],
        detail: JSON.parse(p.Detail ?? "{}") as unknown,
      }));
    // CloudWatch's Lambda and SNS alarm actions: routed by the alarm's actions and the topics' subscriptions.
    const actions = account.alarmActionDeliveries.slice(this.#seenActions);
    this.#seenActions += actions.length;
    const payloads = actions.flatMap((a) => (a.payload === undefined ? [] : [a.payload]));
    const buffered = this.#buffered;
    this.#buffered = [];
    return [...service, ...inputs, ...payloads, ...buffered, ...extra];
  }

  route(event: unknown): void {
    const routing = routeEvent(event, this.#deployment);
    if (routing.deliveries.length === 0) {
      this.stats.ignored += 1;
      this.note(`not delivered: ${routeLabel(event)}: ${routing.unmatched ?? "no rule matches"}`);
      return;
    }
    for (const d of routing.deliveries) this.enqueue(event, d.function, d.via, 0, this.now);
  }

  /** Queues a delivery, through the next armed delivery fault. */
  enqueue(event: unknown, fn: DeployedFunction, via: string, attempt: number, due: number): void {
    const fault = attempt === 0 ? this.#armed.shift() : undefined;
    const pending: Pending = { due, seq: this.#seq++, event, fn, via, attempt };
    const label = `${fn.name} ← ${routeLabel(event)}`;
    if (fault === undefined) {
      this.#queue.push(pending);
      return;
    }
    this.note(`delivery fault ${fault.kind} ${JSON.stringify(fault.params)} on ${label}`);
    if (fault.kind === "drop") {
      this.stats.lostByFault += 1;
      return;
    }
    // A copy may come late: Lambda's queue is eventually consistent, EventBridge unordered (interleave5).
    if (fault.kind === "duplicate")
      this.#queue.push({ ...pending, seq: this.#seq++, due: due + Number(fault.params.copyDelayMs ?? 0) });
    if (fault.kind === "delay") pending.due += Number(fault.params.delayMs);
    // Reordered: it arrives after whatever is delivered in the next steps.
    if (fault.kind === "reorder") pending.due += this.model.stepMs * 2;
    if (fault.kind === "short-deadline") pending.timeoutMs = Number(fault.params.timeoutMs);
    this.#queue.push(pending);
  }

  fireSchedules(): void {
    const { accountId, region } = this.#world.account;
    for (const s of this.#schedules) {
      if (this.now < s.next) continue;
      // A schedule fires once per step, however long the step (quiet time is fast-forwarded), and stays on
      // its grid: the next firing is its first time after now. The event carries its scheduled time (as
      // EventBridge's does), not the step's: its id, and the invocation's call latencies drawn from it, do
      // not move with how long earlier invocations took.
      s.next += Math.ceil((this.now - s.next + 1) / s.every) * s.every;
      this.route(scheduledEvent(s.trigger.name, s.next - s.every, accountId, region));
    }
  }

  async invoke(p: Pending, latency?: () => number): Promise<void> {
    const timeoutMs = p.timeoutMs ?? this.model.timeoutOf?.(p.fn.name) ?? this.model.timeoutMs;
    this.#checker.beforeInvocation?.();
    const report = await this.#world.harness.invoke(p.fn.name, p.event, {
      env: this.#world.env,
      timeoutMs,
      during: this.#during,
      ...(latency === undefined ? {} : { latency }),
    });
    this.stats.invocations += 1;
    this.stats.calls += report.calls.length;
    const timedOut = report.timedOut === true || report.simulatedMs > timeoutMs;
    const outcome = timedOut
      ? `timed out after ${timeoutMs} ms`
      : report.error !== undefined
        ? `error ${errorLine(report.error)}`
        : describeResult(report.result);
    this.delivered.push({
      at: this.now - this.#world.start,
      function: p.fn.name,
      via: p.via,
      attempt: p.attempt,
      event: p.event,
      outcome,
    });
    this.note(
      `${p.fn.name} ← ${routeLabel(p.event)}${p.attempt > 0 ? ` (retry ${p.attempt})` : ""}: ${outcome}`,
    );
    this.flag(this.#checker.invocation(report));
    this.account(report, p, timedOut);
  }

  /** Every event acted on, ignored with a reason, or kept by the on-failure queue. */
  account(report: InvocationReport, p: Pending, timedOut: boolean): void {
    if (!timedOut && report.error === undefined) {
      const unaccounted = unaccountedFor(report.result);
      if (unaccounted !== undefined)
        this.flag([
          {
            invariant: "every-event-accounted",
            message: `${p.fn.name} ${unaccounted} for ${routeLabel(p.event)}`,
          },
        ]);
      this.stats.acted += 1;
      return;
    }
    const delay = RETRY_DELAYS_MS[p.attempt];
    if (delay === undefined) {
      this.stats.kept += 1;
      this.note(`kept by the on-failure queue: ${routeLabel(p.event)}`);
      return;
    }
    this.stats.retried += 1;
    this.enqueue(p.event, p.fn, p.via, p.attempt + 1, this.now + delay);
  }

  step(): void {
    this.flag(this.#checker.step());
  }

  measures(): RunMeasures | undefined {
    return this.#checker.measures?.();
  }
}

/**
 * Why a handler's answer does not account for its event, if it does not: nothing returned, no decision, or
 * an ignore without its reason (the capabilities say `ignored-<why>`, or give a `reason`).
 */
const unaccountedFor = (result: unknown): string | undefined => {
  if (result === undefined || result === null) return "returned nothing";
  const r = result as Record<string, unknown>;
  if (typeof r.decision !== "string" || r.decision === "") return "returned no decision";
  const reason = r.reason;
  if (r.decision === "ignored" && (typeof reason !== "string" || reason === ""))
    return "ignored it without a reason";
  return undefined;
};

const errorLine = (error: unknown): string => {
  const e = error as { name?: string; message?: string };
  return `${e.name ?? "Error"}: ${String(e.message ?? error).split("\n")[0]}`;
};

/** How `eventLabel` writes an event. */
export interface LabelFormat {
  /** The word for an event without a `detail-type` (a CloudWatch alarm action's payload). */
  untyped: string;
}

/**
 * An event in a few words for logs and timelines: its detail-type, its subject (instance, alarm, group or
 * first resource) and its state, e.g. `EC2 Instance State-change Notification i-0abc stopped`.
 */
export const eventLabel = (event: unknown, format: LabelFormat = { untyped: "payload" }): string => {
  const e = (event ?? {}) as Record<string, unknown>;
  const resources = Array.isArray(e.resources) ? (e.resources as string[]) : [];
  const detail = (e.detail ?? {}) as Record<string, unknown>;
  const subject =
    detail["instance-id"] ??
    detail.EC2InstanceId ??
    detail.alarmName ??
    detail.group ??
    resources[0]?.split("/").pop();
  const state = detail.state ?? detail.LifecycleTransition;
  const stateText =
    typeof state === "string"
      ? state
      : typeof state === "object" && state !== null
        ? String((state as Record<string, unknown>).value)
        : "";
  return [String(e["detail-type"] ?? format.untyped), subject === undefined ? "" : String(subject), stateText]
    .filter((part) => part !== "")
    .join(" ");
};

const routeLabel = (event: unknown): string => eventLabel(event);

/**
 * Moves the clock to `to`; in a long stretch the model's tick keeps running (its events wait for the next
 * step), and runs a last time one step before `to`, so that what happens at `to` (an incident) is seen by
 * the tick at `to` as it would be in a run of steps, not backdated over a whole quiet tick.
 */
const advanceTo = async (world: World, model: CapabilityModel, to: number, run: Run): Promise<void> => {
  const emitted = run.emitted();
  // Moves to `at` a piece at a time; stops where the account emitted an event (the next step routes it).
  const moveTo = (at: number): boolean => {
    while (run.now < at) {
      world.harness.advance(Math.min(at, run.now + EVENT_LAG_MS) - run.now);
      if (run.emitted() !== emitted) return false;
    }
    return true;
  };
  const every = model.quietTickMs;
  const tick = model.tick;
  if (tick !== undefined && every !== undefined) {
    const tickAt = async (at: number): Promise<boolean> => {
      if (!moveTo(at)) return false;
      run.buffer(await tick(world, run.now));
      return true;
    };
    while (to - run.now > every) if (!(await tickAt(run.now + every))) return;
    if (to - run.now > model.stepMs && !(await tickAt(to - model.stepMs))) return;
  }
  moveTo(to);
};

/**
 * Where the next step is: `stepMs` on while something is going on; in quiet time the next item, queued
 * delivery or schedule, collapsing the schedules of a `quietStepMs` jump into one delivery unless the
 * model says a decision waits on time alone (then every scheduled reconcile is delivered at its time).
 * Never past `limit` (the trace's end, or the drain's hard stop) nor a drain's settle window's end.
 */
const nextStep = (run: Run, model: CapabilityModel, world: World, limit: number): number => {
  // On the run's grid of steps, not `stepMs` after the last step's invocations ended: an earlier
  // change (a delivery more or less, a slower call) does not move every later step.
  if (run.now < run.activeUntil || !run.quiet)
    return world.start + (Math.floor((run.now - world.start) / model.stepMs) + 1) * model.stepMs;
  const collapse = model.timePending?.(world) === true ? 0 : (model.quietStepMs ?? 0);
  return Math.min(
    run.nextItemAt() ?? limit,
    Math.max(run.nextSchedule(), run.now + collapse),
    run.nextQueued() ?? limit,
    run.settleAhead() ?? limit,
    limit,
  );
};

/** Runs `trace` on a harness started with the function registry and the manual clock. */
export const runTrace = async (
  harness: Harness,
  model: CapabilityModel,
  trace: Trace,
  options: RunOptions = {},
): Promise<RunResult> => {
  const stopOnViolation = options.stopOnViolation ?? true;
  const account = harness.load(model.fixture(trace.variant), { now: CHAOS_START });
  // A run is its own deployment: it does not inherit SDK retry state from the runs before it.
  harness.coldStart(trace.seed);
  const stage = model.stage(trace.variant);
  const config = parseStageConfig(stage, "chaos");
  const world: World = {
    harness,
    account,
    start: CHAOS_START.getTime(),
    env: { OPS_CONFIG: JSON.stringify(stage) },
  };
  const run = new Run(model, world, config, trace.variant);
  run.latencySeed = trace.seed;
  const end = world.start + trace.days * DAY_MS;
  const hardStop = end + MAX_DRAIN_MS;
  run.schedule(trace.items);
  let draining = false;
  while (!(stopOnViolation && run.violations.length > 0)) {
    if (!draining && run.now >= end) {
      draining = true;
      run.beginDrain();
    }
    if (draining && (run.drained || run.now >= hardStop)) break;
    await run.applyDue();
    run.expireFaults();
    const extra = (await model.tick?.(world, run.now)) ?? [];
    for (const event of run.collect(extra)) run.route(event);
    run.fireSchedules();
    await run.deliverDue(stopOnViolation);
    run.step();
    if (options.until?.(run.now, !run.quiet) === true) break;
    const limit = draining ? hardStop : end;
    await advanceTo(world, model, Math.max(nextStep(run, model, world, limit), run.now + 1), run);
  }
  run.countPending();
  run.stats.simulatedMs = Math.min(run.now, end) - world.start;
  run.stats.drainMs = Math.max(0, run.now - end);
  const measures = run.measures();
  return {
    trace,
    violations: run.violations,
    log: run.log,
    delivered: run.delivered,
    stats: run.stats,
    ...(measures === undefined ? {} : { measures }),
  };
};
