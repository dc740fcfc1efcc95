/**
 * The simulated AWS account: state built from a fixture, the service models, a controllable clock,
 * a call log, fault injection, snapshots, and the `/__sim/` control endpoint.
 *
 * The wire layer (sim/wire) decodes a real SDK request and calls `account.dispatch(ctx, input)`;
 * tests may call `dispatch` directly. Every call, successful or not, is recorded in `calls`.
 */
import type { PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import {
  SimAwsError,
  type SimCallContext,
  type SimDispatcher,
  type SimOutput,
  type SimServiceName,
} from "../types";
import { settleInstanceMetrics } from "./alarm-evaluation";
import { autoScalingModel } from "./autoscaling";
import type { CallRecord } from "./calls";
import { SimClock } from "./clock";
import { cloudWatchModel, setAlarmState } from "./cloudwatch";
import type { OpContext, ServiceModel } from "./context";
import { type ControlResponse, handleControl } from "./control";
import { directConnectModel, type PeerSelector } from "./dx";
import { bgpFailoverTestModel } from "./dx-failover-test";
import { ec2Model } from "./ec2";
import { type StatusCheckSetting, setInstanceStatus } from "./ec2-instance-status";
import { notSimulated, paramErrorsFor } from "./errors";
import { eventBridgeModel } from "./eventbridge";
import { EC2_DOCUMENTED_BUCKETS, FaultInjector } from "./faults";
import type { AccountFixture } from "./fixture";
import { IdGenerator } from "./ids";
import { regionFromFixture } from "./load";
import { evaluateAlarms, metricsModel } from "./metrics";
import { NetworkControls } from "./network-controls";
import { addressKey } from "./network-models";
import { outpostsModel } from "./outposts";
import { copyPlain } from "./plain-copy";
import { Params } from "./query";
import { settleRegion } from "./settle";
import {
  type AccountSnapshot,
  type PublishedEventSnapshot,
  type RouteTableSnapshot,
  routeTablesSnapshot,
  takeSnapshot,
} from "./snapshot";
import { isRead, StaleReads } from "./stale-reads";
import {
  type AlarmActionDelivery,
  type EmitServiceEvent,
  type EventDeliveryModel,
  RegionState,
  type ServiceEvent,
} from "./state";
import type { InstanceStatusModel, StatusCheckKind } from "./status-checks";
import { subnetOf } from "./vpc-addresses";

export interface SimulatedAccountOptions {
  /** Use this clock instead of one built from `fixture.clock`. */
  clock?: SimClock;
}

/** A region's events as snapshots list them, and how far into the account's lists they were read. */
interface RegionEvents {
  published: PublishedEventSnapshot[];
  service: ServiceEvent[];
  publishedSeen: number;
  serviceSeen: number;
}

interface PublishedRecord {
  eventId: string;
  at: number;
  region: string;
  entry: Record<string, unknown>;
}

const MODELS: Readonly<Partial<Record<SimServiceName, ServiceModel>>> = {
  ec2: ec2Model,
  autoscaling: autoScalingModel,
  monitoring: { ...cloudWatchModel, ...metricsModel },
  events: eventBridgeModel,
  outposts: outpostsModel,
  directconnect: { ...directConnectModel, ...bgpFailoverTestModel },
};

function cloneForLog<T>(value: T): T {
  try {
    return copyPlain(value);
  } catch {
    return JSON.parse(JSON.stringify(value)) as T;
  }
}

/** Freezes a plain value and everything in it (events shared by every snapshot taken after them). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The record of an entry PutEvents accepted, with the id, time and region the account gave it. */
function publishedRecord(p: PublishedRecord): PublishedEventSnapshot {
  const e = p.entry;
  const record: PublishedEventSnapshot = {
    EventId: p.eventId,
    At: new Date(p.at).toISOString(),
    Region: p.region,
    EventBusName: typeof e.EventBusName === "string" && e.EventBusName !== "" ? e.EventBusName : "default",
  };
  if (typeof e.Source === "string") record.Source = e.Source;
  if (typeof e.DetailType === "string") record.DetailType = e.DetailType;
  if (typeof e.Detail === "string") record.Detail = e.Detail;
  if (Array.isArray(e.Resources))
    record.Resources = e.Resources.filter((r): r is string => typeof r === "string");
  return record;
}

/** EventBridge `time` is second precision: `2019-10-02T17:04:40Z`. */
function eventTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

export class SimulatedAccount {
  readonly fixture: AccountFixture;
  readonly clock: SimClock;
  readonly calls: CallRecord[] = [];
  readonly faults = new FaultInjector();
  /**
   * Takes a fault's latency as a wait of the caller on simulated time (a harness's invocation: the world
   * goes on meanwhile, the answer reaches the caller that much later); answers false to have the clock
   * jump instead, as for a caller outside an invocation.
   */
  latencyWait: ((ms: number) => boolean) | undefined;
  /** Versions before recent writes, kept while a stale-read fault is armed (stale-reads.ts). */
  private readonly staleReads = new StaleReads();
  /** Events AWS itself would have delivered to EventBridge (EC2 state changes, alarm state changes). */
  readonly serviceEvents: ServiceEvent[] = [];
  /** Network incidents and queries for tests and chaos runs (Direct Connect, prefix lists, routes, EMF). */
  readonly network = new NetworkControls({
    state: () => this.state(),
    settle: () => this.settle(),
    nowMs: () => this.clock.nowMs(),
    emitter: (state) => (e) => this.emit(state.region, e),
  });
  private readonly regions = new Map<string, RegionState>();
  private readonly published: PublishedRecord[] = [];
  /** The published records, frozen, made once each (snapshots share them). */
  private readonly publishedRecords: PublishedEventSnapshot[] = [];
  /** Frozen copies of `serviceEvents`, made once each when a snapshot first needs them. */
  private readonly serviceEventCopies: ServiceEvent[] = [];
  /** Per region, its published records and service event copies so far (`eventsOf`). */
  private readonly regionEvents = new Map<string, RegionEvents>();
  private ids: IdGenerator;

  private constructor(fixture: AccountFixture, options: SimulatedAccountOptions) {
    this.fixture = fixture;
    this.clock =
      options.clock ?? new SimClock({ start: new Date(fixture.clock.start), mode: fixture.clock.mode });
    this.ids = new IdGenerator(fixture.accountId);
    this.load();
  }

  /** Builds an account from a parsed fixture (see `parseFixture` / `loadFixture`). */
  static fromFixture(fixture: AccountFixture, options: SimulatedAccountOptions = {}): SimulatedAccount {
    return new SimulatedAccount(fixture, options);
  }

  get accountId(): string {
    return this.fixture.accountId;
  }

  get region(): string {
    return this.fixture.region;
  }

  /** Entries PutEvents accepted, in order, as received. */
  get publishedEvents(): PutEventsRequestEntry[] {
    return this.published.map((p) => cloneForLog(p.entry) as PutEventsRequestEntry);
  }

  /** Published entries with the id, time and region the account gave them. */
  get publishedEventRecords(): PublishedEventSnapshot[] {
    return [...this.publishedRecords];
  }

  /** How many entries PutEvents accepted so far (`publishedEventRecords.length`, without the copy). */
  get publishedEventCount(): number {
    return this.publishedRecords.length;
  }

  /** Events EventBridge rules matched (put on their bus, allowed, pattern matched), with the rules' targets. */
  get eventDeliveries(): EventDeliveryModel[] {
    return [...this.regions.values()].flatMap((r) => structuredClone(r.eventDeliveries));
  }

  /** Lambda and SNS alarm actions CloudWatch ran on alarm state changes, with their payloads (alarm-actions.ts). */
  get alarmActionDeliveries(): AlarmActionDelivery[] {
    return [...this.regions.values()].flatMap((r) => r.alarmActionDeliveries);
  }

  /** The live state of a region (default: the fixture's). For tests and extensions; prefer `dispatch`. */
  state(region: string = this.fixture.region): RegionState {
    let state = this.regions.get(region);
    if (state === undefined) {
      state = RegionState.empty(this.fixture.accountId, region, this.fixture);
      this.regions.set(region, state);
    }
    return state;
  }

  /** Applies every asynchronous transition due by now (done automatically on every call). */
  settle(): void {
    const now = this.clock.nowMs();
    for (const state of this.regions.values()) {
      settleRegion(state, now, (e) => this.emit(state.region, e));
      evaluateAlarms(this.context(state), now);
      settleInstanceMetrics(this.context(state), now);
    }
  }

  /** Moves the clock forward and settles. */
  advance(ms: number): Date {
    const now = this.clock.advance(ms);
    this.settle();
    return now;
  }

  /** The entry point the wire layer calls. */
  readonly dispatch: SimDispatcher = async (
    ctx: SimCallContext,
    input: Record<string, unknown>,
  ): Promise<SimOutput> => {
    const region = ctx.region || this.fixture.region;
    const record: CallRecord = {
      seq: this.calls.length + 1,
      at: "",
      service: ctx.service,
      operation: ctx.operation,
      region,
      requestId: ctx.requestId,
      input: cloneForLog(input ?? {}),
      outcome: "ok",
    };
    this.calls.push(record);
    try {
      this.settle();
      const fault = this.faults.evaluate(
        { service: ctx.service, operation: ctx.operation, region },
        this.clock.nowMs(),
      );
      if (fault.fired.length > 0) record.faults = fault.fired;
      if (fault.latencyMs > 0) {
        record.latencyMs = fault.latencyMs;
        if (this.latencyWait?.(fault.latencyMs) !== true) {
          this.clock.advance(fault.latencyMs);
          this.settle();
        }
      }
      record.at = this.clock.now().toISOString();
      if (fault.error !== undefined && !fault.applied) throw fault.error;
      const operation = MODELS[ctx.service]?.[ctx.operation];
      if (operation === undefined) throw notSimulated(ctx.service, ctx.operation);
      const state = this.state(region);
      const keepMs = this.faults.staleReadWindowMs();
      const before = keepMs > 0 && !isRead(ctx.operation) ? this.staleReads.capture(state) : undefined;
      const shared = this.staleContext(state, fault.staleReadMs);
      const context =
        ctx.accessKeyId === undefined ? shared : { ...shared, callerAccessKeyId: ctx.accessKeyId };
      const output = operation(context, new Params(input ?? {}, paramErrorsFor(ctx.service))) as SimOutput;
      if (before !== undefined) this.staleReads.recordWrite(state, before, this.clock.nowMs(), keepMs);
      record.output = cloneForLog(output);
      if (fault.error !== undefined) {
        // The write landed; its answer is lost to a 5xx or a closed connection (FaultSpec.applied).
        record.applied = true;
        throw fault.error;
      }
      return output;
    } catch (error) {
      const simError =
        error instanceof SimAwsError
          ? error
          : new SimAwsError(
              "InternalError",
              `simulated account bug: ${(error as Error).stack ?? String(error)}`,
              500,
              "server",
            );
      if (record.at === "") record.at = this.clock.now().toISOString();
      record.outcome = "error";
      record.error = { code: simError.code, message: simError.message, httpStatus: simError.httpStatus };
      throw simError;
    }
  };

  /** Sets an alarm's state as CloudWatch would (emits the state-change event). Throws ResourceNotFound. */
  setAlarmState(
    name: string,
    value: "OK" | "ALARM" | "INSUFFICIENT_DATA",
    reason: string,
    reasonData?: string,
    region?: string,
  ): void {
    this.settle();
    setAlarmState(this.context(this.state(region ?? this.fixture.region)), name, value, reason, reasonData);
  }

  /**
   * Sets the BGP status of the sessions of a Direct Connect virtual interface (all, or those the selector
   * names): `down` withdraws the routes only they advertised, `up` brings them back. Records a service
   * event. Throws `DirectConnectClientException` for an unknown interface or peer. (`account.network`
   * has the other incidents.)
   */
  setBgpStatus(virtualInterfaceId: string, status: "up" | "down", selector: PeerSelector = {}): void {
    this.network.setBgpStatus(virtualInterfaceId, status, selector);
  }

  /**
   * Runs a change on the settled state of a region at the current simulated time, with the region's
   * event emitter (the Auto Scaling engine's control routes, tests starting a replacement…).
   */
  act<T>(change: (state: RegionState, now: number, emit: EmitServiceEvent) => T, region?: string): T {
    this.settle();
    const state = this.state(region ?? this.fixture.region);
    return change(state, this.clock.nowMs(), (e) => this.emit(state.region, e));
  }

  /**
   * Sets the instance and/or system status check of a running instance (vfxt-ip-move, eni-reattach):
   * `impaired` (ImpairedSince = now), back to `ok`, `insufficient-data`, `initializing`. No event is
   * emitted (EC2 emits none for status checks). Throws `InvalidInstanceID.NotFound`, `IncorrectInstanceState`.
   */
  setInstanceStatus(
    instanceId: string,
    checks: Partial<Record<StatusCheckKind, StatusCheckSetting>>,
    region?: string,
  ): InstanceStatusModel {
    this.settle();
    const state = this.state(region ?? this.fixture.region);
    return { ...setInstanceStatus(state, instanceId, checks, this.clock.nowMs()) };
  }

  /**
   * Makes EC2 refuse an address of a subnet without naming it: an `AssignPrivateIpAddresses` or
   * `CreateNetworkInterface` asking for it fails as a whole with `InvalidParameterValue`
   * "secondary-addresses". Throws `InvalidSubnetID.NotFound`.
   */
  refuseAddress(subnetId: string, privateIpAddress: string, region?: string): void {
    const state = this.state(region ?? this.fixture.region);
    subnetOf(state, subnetId);
    state.refusedAddresses.add(addressKey(subnetId, privateIpAddress));
  }

  /** The refused addresses of a region as `{ subnetId, privateIpAddress }`. */
  addressRefusals(region?: string): { subnetId: string; privateIpAddress: string }[] {
    return [...this.state(region ?? this.fixture.region).refusedAddresses].map((key) => {
      const [subnetId = "", privateIpAddress = ""] = key.split("|");
      return { subnetId, privateIpAddress };
    });
  }

  /** Removes every address refusal of a region; returns how many there were. */
  clearAddressRefusals(region?: string): number {
    const refused = this.state(region ?? this.fixture.region).refusedAddresses;
    const count = refused.size;
    refused.clear();
    return count;
  }

  /** Plain JSON state of a region (default: the fixture's) for before/after diffs. */
  snapshot(region: string = this.fixture.region): AccountSnapshot {
    this.settle();
    const copies = this.serviceEventCopies;
    for (let i = copies.length; i < this.serviceEvents.length; i++)
      copies.push(deepFreeze(structuredClone(this.serviceEvents[i] as ServiceEvent)));
    const events = this.eventsOf(region);
    return takeSnapshot(this.state(region), this.clock.now(), events.published, events.service);
  }

  /**
   * A region's published records and service event copies, in order, kept up to date as events come (a
   * long simulation takes a snapshot around every call: filtering every event each time grows with the run).
   * `takeSnapshot` copies the lists.
   */
  private eventsOf(region: string): RegionEvents {
    let events = this.regionEvents.get(region);
    if (events === undefined) {
      events = { published: [], service: [], publishedSeen: 0, serviceSeen: 0 };
      this.regionEvents.set(region, events);
    }
    for (; events.publishedSeen < this.publishedRecords.length; events.publishedSeen++) {
      const record = this.publishedRecords[events.publishedSeen] as PublishedEventSnapshot;
      if (record.Region === region) events.published.push(record);
    }
    for (; events.serviceSeen < this.serviceEventCopies.length; events.serviceSeen++) {
      const copy = this.serviceEventCopies[events.serviceSeen] as ServiceEvent;
      if (copy.region === region) events.service.push(copy);
    }
    return events;
  }

  /** The route tables of `snapshot(region).routeTables`, without the rest of the snapshot. */
  routeTablesSnapshot(region: string = this.fixture.region): Record<string, RouteTableSnapshot> {
    this.settle();
    return routeTablesSnapshot(this.state(region));
  }

  /** Handles `/__sim/…` control requests (the HTTP server passes method, path and parsed body). */
  readonly control = (method: string, path: string, body?: unknown): Promise<ControlResponse> =>
    Promise.resolve(handleControl(this, method, path, body));

  /** Back to the fixture: state, clock (start time), calls, faults (the fixture's), events. */
  reset(): void {
    this.load();
    this.clock.set(new Date(this.fixture.clock.start));
  }

  private load(): void {
    this.regions.clear();
    this.regions.set(this.fixture.region, regionFromFixture(this.fixture));
    this.calls.length = 0;
    this.published.length = 0;
    this.publishedRecords.length = 0;
    this.serviceEvents.length = 0;
    this.serviceEventCopies.length = 0;
    this.regionEvents.clear();
    this.ids = new IdGenerator(this.fixture.accountId);
    this.faults.clear();
    for (const f of this.fixture.faults) this.faults.add(f);
    if (this.fixture.behaviour.ec2Throttling === "documented")
      for (const b of EC2_DOCUMENTED_BUCKETS) this.faults.tokenBucket(b);
  }

  /** A stale Describe's context: the region's state as it was before recent writes (stale-reads.ts). */
  private staleContext(state: RegionState, staleReadMs: number): OpContext {
    const shared = this.context(state);
    if (staleReadMs <= 0) return shared;
    return { ...shared, state: this.staleReads.view(state, this.clock.nowMs(), staleReadMs) };
  }

  /** One context per region state (built once: the account settles on every call and every clock move). */
  private readonly contexts = new WeakMap<RegionState, OpContext>();

  private context(state: RegionState): OpContext {
    let context = this.contexts.get(state);
    if (context === undefined) {
      context = this.newContext(state);
      this.contexts.set(state, context);
    }
    return context;
  }

  private newContext(state: RegionState): OpContext {
    const account = this;
    return {
      state,
      accountId: this.fixture.accountId,
      region: state.region,
      nowMs: () => this.clock.nowMs(),
      // The account's current generator (load() makes a new one).
      get ids() {
        return account.ids;
      },
      emit: (e) => this.emit(state.region, e),
      publish: (entry, eventId) => {
        const published = { eventId, at: this.clock.nowMs(), region: state.region, entry };
        this.published.push(published);
        this.publishedRecords.push(deepFreeze(publishedRecord(published)));
      },
    };
  }

  private emit(
    region: string,
    e: {
      source: string;
      detailType: string;
      resources: string[];
      detail: Record<string, unknown>;
      at: number;
    },
  ): void {
    this.serviceEvents.push({
      version: "0",
      id: this.ids.uuid(),
      "detail-type": e.detailType,
      source: e.source,
      account: this.fixture.accountId,
      time: eventTime(e.at),
      region,
      resources: e.resources,
      detail: e.detail,
    });
  }
}
