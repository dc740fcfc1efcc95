/**
 * The `/__sim/` control API, transport-agnostic: the HTTP server passes the method, the path (with
 * or without the `/__sim` prefix, query string allowed) and the parsed JSON body.
 *
 * | method | path | body | answer |
 * |---|---|---|---|
 * | GET | /calls[?service=&operation=&outcome=] | – | `{ calls }` |
 * | DELETE | /calls | – | `{ cleared }` |
 * | GET | /state[?region=] | – | the snapshot |
 * | GET | /events | – | `{ published, service, deliveries }` |
 * | GET | /faults | – | `{ faults }` |
 * | POST | /faults | a fault spec | 201 `{ fault }` |
 * | DELETE | /faults[/<id>] | – | `{ removed }` |
 * | GET | /clock | – | `{ now, mode }` |
 * | POST | /clock/advance | `{ ms }` | `{ now, mode }` |
 * | POST | /clock/set | `{ time }` | `{ now, mode }` |
 * | POST | /alarms/<name>/state | `{ stateValue, stateReason, stateReasonData? }` | `{ alarm }` |
 * | GET / POST | /token-buckets | a token bucket spec | `{ buckets }` / 201 `{ bucket }` |
 * | POST | /instance-metrics/<instance-id> | `{ cpuUtilization?, networkInBytesPerSecond?, networkOutBytesPerSecond? }` | `{ instanceId, levels }` |
 * | POST | /hibernation/<instance-id> | `{ outcome?, fallbackStateReason? }` | `{ instanceId, hibernation }` |
 * | POST | /instances/<id>/status | `{ instance?, system? }` (ok, impaired, initializing, insufficient-data) | `{ instanceId, status }` |
 * | GET / POST / DELETE | /address-refusals | `{ subnetId, privateIpAddress }` | `{ refusals }` / 201 `{ refusal }` / `{ removed }` |
 * | POST | /reset | – | `{ now, mode }` |
 *
 * Auto Scaling engine, lifecycle-event delivery and Outposts metric routes: asg-control.ts.

 * Network routes (virtual interfaces, Direct Connect path, prefix lists, effective routes, tag policies,
 * EMF log lines): sim/account/control-network.ts.
 */
import * as z from "zod/mini";
import { SimAwsError } from "../types";
import { ENGINE_ROUTES, type EngineAccount } from "./asg-control";
import type { CallRecord } from "./calls";
import type { SimClock } from "./clock";
import {
  directConnectPathRoute,
  logsRoute,
  type NetworkControlledAccount,
  prefixListsRoute,
  routeTablesRoute,
  tagPoliciesRoute,
  virtualInterfacesRoute,
} from "./control-network";
import { bad, type ControlRequest, type ControlResponse, parseBody } from "./control-util";
import type { StatusCheckSetting } from "./ec2-instance-status";
import { awsError } from "./errors";
import type { FaultInjector } from "./faults";
import { ALARM_STATES } from "./fixture";
import { setInstanceMetricLevels } from "./instance-metrics";
import type { AccountSnapshot, PublishedEventSnapshot } from "./snapshot";
import type { EventDeliveryModel, InstanceModel, RegionState, ServiceEvent } from "./state";
import type { InstanceStatusModel, StatusCheckKind } from "./status-checks";

export type { ControlResponse } from "./control-util";

/** What the control API steers: the simulated account (declared here so that control sits below it). */
export interface ControlledAccount extends EngineAccount, NetworkControlledAccount {
  readonly calls: CallRecord[];
  readonly clock: SimClock;
  readonly faults: FaultInjector;
  readonly publishedEventRecords: PublishedEventSnapshot[];
  readonly serviceEvents: ServiceEvent[];
  readonly eventDeliveries: EventDeliveryModel[];
  settle(): void;
  advance(ms: number): Date;
  snapshot(region?: string): AccountSnapshot;
  setAlarmState(
    name: string,
    value: "OK" | "ALARM" | "INSUFFICIENT_DATA",
    reason: string,
    reasonData?: string,
  ): void;
  setInstanceStatus(
    instanceId: string,
    checks: Partial<Record<StatusCheckKind, StatusCheckSetting>>,
  ): InstanceStatusModel;
  refuseAddress(subnetId: string, privateIpAddress: string): void;
  addressRefusals(): { subnetId: string; privateIpAddress: string }[];
  clearAddressRefusals(): number;
  reset(): void;
  /** The live state of the fixture's region. */
  state(): RegionState;
}

const FaultBody = z.strictObject({
  service: z.optional(z.enum(["ec2", "autoscaling", "monitoring", "events", "outposts", "directconnect"])),
  operation: z.string().check(z.minLength(1)),
  region: z.optional(z.string()),
  error: z.optional(
    z.strictObject({
      code: z.string().check(z.minLength(1)),
      httpStatus: z.optional(z.int().check(z.gte(400), z.lte(599))),
      message: z.optional(z.string()),
    }),
  ),
  applied: z.optional(z.boolean()),
  dropConnection: z.optional(z.boolean()),
  times: z.optional(z.int().check(z.gte(1))),
  after: z.optional(z.int().check(z.gte(0))),
  latencyMs: z.optional(z.int().check(z.gte(0))),
  staleReadMs: z.optional(z.int().check(z.gte(0))),
});
const AdvanceBody = z.strictObject({ ms: z.number().check(z.gte(0)) });
const SetBody = z.strictObject({ time: z.iso.datetime({ offset: true }) });
const CHECK_SETTINGS = ["ok", "impaired", "initializing", "insufficient-data"] as const;
const InstanceStatusBody = z
  .strictObject({ instance: z.optional(z.enum(CHECK_SETTINGS)), system: z.optional(z.enum(CHECK_SETTINGS)) })
  .check(
    z.refine((b) => b.instance !== undefined || b.system !== undefined, "give instance, system or both"),
  );
const RefusalBody = z.strictObject({
  subnetId: z.string().check(z.minLength(1)),
  privateIpAddress: z.string().check(z.minLength(1)),
});
const BucketBody = z.strictObject({
  service: z.enum(["ec2", "autoscaling", "monitoring", "events", "outposts", "directconnect"]),
  operations: z.optional(z.array(z.string().check(z.minLength(1)))),
  region: z.optional(z.string()),
  capacity: z.int().check(z.gte(1)),
  refillPerSecond: z.number().check(z.gte(0)),
  error: z.optional(
    z.strictObject({
      code: z.string().check(z.minLength(1)),
      httpStatus: z.optional(z.int().check(z.gte(400), z.lte(599))),
      message: z.optional(z.string()),
    }),
  ),
});
const MetricLevelsBody = z.strictObject({
  cpuUtilization: z.optional(z.number().check(z.gte(0), z.lte(100))),
  networkInBytesPerSecond: z.optional(z.number().check(z.gte(0))),
  networkOutBytesPerSecond: z.optional(z.number().check(z.gte(0))),
});
const HibernationBody = z.strictObject({
  outcome: z.optional(z.enum(["hibernated", "normal-shutdown"])),
  fallbackStateReason: z.optional(z.enum(["Client.UserInitiatedHibernate", "Client.UserInitiatedShutdown"])),
});
const AlarmStateBody = z.strictObject({
  stateValue: z.enum(ALARM_STATES),
  stateReason: z.string().check(z.minLength(1)),
  stateReasonData: z.optional(z.string()),
});

type Route = (account: ControlledAccount, request: ControlRequest) => ControlResponse | undefined;

const callsRoute: Route = (account, { segments, verb, query }) => {
  if (segments.length !== 1) return undefined;
  if (verb === "GET") {
    const calls = account.calls.filter(
      (c) =>
        (!query.has("service") || c.service === query.get("service")) &&
        (!query.has("operation") || c.operation === query.get("operation")) &&
        (!query.has("outcome") || c.outcome === query.get("outcome")),
    );
    return { status: 200, body: { calls } };
  }
  if (verb === "DELETE") {
    const cleared = account.calls.length;
    account.calls.length = 0;
    return { status: 200, body: { cleared } };
  }
  return undefined;
};

const stateRoute: Route = (account, { segments, verb, query }) =>
  segments.length === 1 && verb === "GET"
    ? { status: 200, body: account.snapshot(query.get("region") ?? undefined) }
    : undefined;

const eventsRoute: Route = (account, { segments, verb }) => {
  if (segments.length !== 1 || verb !== "GET") return undefined;
  account.settle();
  return {
    status: 200,
    body: {
      published: account.publishedEventRecords,
      service: account.serviceEvents,
      deliveries: account.eventDeliveries,
    },
  };
};

const faultsRoute: Route = (account, { segments, verb, body }) => {
  const id = segments[1];
  if (segments.length === 1 && verb === "GET")
    return { status: 200, body: { faults: account.faults.list() } };
  if (segments.length === 1 && verb === "POST") {
    const parsed = parseBody(FaultBody, body);
    if (!parsed.ok) return parsed.response;
    const spec = parsed.value;
    if (
      spec.error === undefined &&
      !spec.dropConnection &&
      !(spec.latencyMs ?? 0) &&
      !(spec.staleReadMs ?? 0)
    ) {
      return bad("a fault needs an error, a latencyMs, a staleReadMs, or a combination");
    }
    try {
      return { status: 201, body: { fault: account.faults.add(spec) } };
    } catch (error) {
      return bad((error as Error).message);
    }
  }
  if (verb === "DELETE" && segments.length === 1) {
    const removed = account.faults.list().length;
    account.faults.clear();
    return { status: 200, body: { removed } };
  }
  if (verb === "DELETE" && segments.length === 2 && id !== undefined) {
    return account.faults.remove(id)
      ? { status: 200, body: { removed: 1 } }
      : { status: 404, body: { error: `no fault ${id}` } };
  }
  return undefined;
};

const clockRoute: Route = (account, { segments, verb, body }) => {
  if (segments.length === 1 && verb === "GET") return { status: 200, body: account.clock.toJSON() };
  if (segments.length !== 2 || verb !== "POST") return undefined;
  if (segments[1] === "advance") {
    const parsed = parseBody(AdvanceBody, body);
    if (!parsed.ok) return parsed.response;
    account.advance(parsed.value.ms);
    return { status: 200, body: account.clock.toJSON() };
  }
  if (segments[1] === "set") {
    const parsed = parseBody(SetBody, body);
    if (!parsed.ok) return parsed.response;
    account.clock.set(new Date(parsed.value.time));
    account.settle();
    return { status: 200, body: account.clock.toJSON() };
  }
  return undefined;
};

const alarmsRoute: Route = (account, { segments, verb, body }) => {
  const name = segments[1];
  if (segments.length !== 3 || segments[2] !== "state" || name === undefined || verb !== "POST")
    return undefined;
  const parsed = parseBody(AlarmStateBody, body);
  if (!parsed.ok) return parsed.response;
  const v = parsed.value;
  account.setAlarmState(name, v.stateValue, v.stateReason, v.stateReasonData);
  return { status: 200, body: { alarm: account.snapshot().alarms[name] } };
};

const tokenBucketsRoute: Route = (account, { segments, verb, body }) => {
  if (segments.length !== 1) return undefined;
  if (verb === "GET") return { status: 200, body: { buckets: account.faults.tokenBuckets() } };
  if (verb !== "POST") return undefined;
  const parsed = parseBody(BucketBody, body);
  if (!parsed.ok) return parsed.response;
  return { status: 201, body: { bucket: account.faults.tokenBucket(parsed.value) } };
};

function instanceNamed(account: ControlledAccount, id: string | undefined): InstanceModel {
  const inst = id === undefined ? undefined : account.state().instances.get(id);
  if (inst === undefined)
    throw awsError("InvalidInstanceID.NotFound", `The instance ID '${id}' does not exist`, 404);
  return inst;
}

/** The AWS/EC2 metric levels an instance publishes from now on (it starts publishing if it did not). */
const instanceMetricsRoute: Route = (account, { segments, verb, body }) => {
  if (segments.length !== 2 || verb !== "POST") return undefined;
  const parsed = parseBody(MetricLevelsBody, body);
  if (!parsed.ok) return parsed.response;
  account.settle();
  const inst = instanceNamed(account, segments[1]);
  const levels = setInstanceMetricLevels(account.state(), inst, parsed.value, account.clock.nowMs());
  return { status: 200, body: { instanceId: inst.id, levels } };
};

/** The hibernation knob of an instance (what its next hibernation ends as). */
const hibernationRoute: Route = (account, { segments, verb, body }) => {
  if (segments.length !== 2 || verb !== "POST") return undefined;
  const parsed = parseBody(HibernationBody, body);
  if (!parsed.ok) return parsed.response;
  const launch = instanceNamed(account, segments[1]).launchDetails;
  launch.hibernationOutcome = parsed.value.outcome ?? launch.hibernationOutcome;
  launch.fallbackStateReason = parsed.value.fallbackStateReason ?? launch.fallbackStateReason;
  const hibernation = { outcome: launch.hibernationOutcome, fallbackStateReason: launch.fallbackStateReason };
  return { status: 200, body: { instanceId: segments[1], hibernation } };
};

const instancesRoute: Route = (account, { segments, verb, body }) => {
  const id = segments[1];
  if (segments.length !== 3 || segments[2] !== "status" || id === undefined || verb !== "POST")
    return undefined;
  const parsed = parseBody(InstanceStatusBody, body);
  if (!parsed.ok) return parsed.response;
  const { instance, system } = parsed.value;
  const status = account.setInstanceStatus(id, {
    ...(instance !== undefined ? { instance } : {}),
    ...(system !== undefined ? { system } : {}),
  });
  return {
    status: 200,
    body: { instanceId: id, status: { instance: status.instance, system: status.system } },
  };
};

const addressRefusalsRoute: Route = (account, { segments, verb, body }) => {
  if (segments.length !== 1) return undefined;
  if (verb === "GET") return { status: 200, body: { refusals: account.addressRefusals() } };
  if (verb === "DELETE") return { status: 200, body: { removed: account.clearAddressRefusals() } };
  if (verb !== "POST") return undefined;
  const parsed = parseBody(RefusalBody, body);
  if (!parsed.ok) return parsed.response;
  account.refuseAddress(parsed.value.subnetId, parsed.value.privateIpAddress);
  return { status: 201, body: { refusal: parsed.value } };
};

const resetRoute: Route = (account, { segments, verb }) => {
  if (segments.length !== 1 || verb !== "POST") return undefined;
  account.reset();
  return { status: 200, body: account.clock.toJSON() };
};

const ROUTES: ReadonlyMap<string, Route> = new Map([
  ["calls", callsRoute],
  ["state", stateRoute],
  ["events", eventsRoute],
  ["faults", faultsRoute],
  ["clock", clockRoute],
  ["alarms", alarmsRoute],
  ["token-buckets", tokenBucketsRoute],
  ["virtual-interfaces", virtualInterfacesRoute],
  ["instance-metrics", instanceMetricsRoute],
  ["hibernation", hibernationRoute],
  ["instances", instancesRoute],
  ["address-refusals", addressRefusalsRoute],
  ["direct-connect-path", directConnectPathRoute],
  ["prefix-lists", prefixListsRoute],
  ["route-tables", routeTablesRoute],
  ["tag-policies", tagPoliciesRoute],
  ["logs", logsRoute],
  ["reset", resetRoute],
  ...ENGINE_ROUTES,
]);

export function handleControl(
  account: ControlledAccount,
  method: string,
  rawPath: string,
  body: unknown,
): ControlResponse {
  const url = new URL(rawPath, "http://sim.local");
  const path = url.pathname.replace(/^\/__sim(?=\/|$)/, "").replace(/\/+$/, "") || "/";
  const segments = path
    .split("/")
    .filter((s) => s !== "")
    .map(decodeURIComponent);
  const verb = method.toUpperCase();
  const route = ROUTES.get(segments[0] ?? "");
  try {
    const response = route?.(account, { segments, verb, query: url.searchParams, body });
    if (response !== undefined) return response;
  } catch (error) {
    if (error instanceof SimAwsError)
      return { status: error.httpStatus, body: { error: error.code, message: error.message } };
    if (error instanceof TypeError || error instanceof RangeError) return bad(error.message);
    throw error;
  }
  return { status: 404, body: { error: `no control route ${verb} ${path}` } };
}
