/**
 * The changes a what-if shows, between two snapshots of the simulated account: routes (by destination),
 * ENI attachments, private addresses, instance states, Auto Scaling members' lifecycle states, Direct
 * Connect data plane and BGP, and the toolkit's `ops:` tags on route tables (alarm states show as their
 * events). Pure.
 */
import type { AccountSnapshot } from "../../sim/account/index";
import type { Change, ChangeKind } from "./types";

type Emit = (kind: ChangeKind, resource: string, subject: string, from?: string, to?: string) => void;

/** Calls `each(id, before, after)` for every id of either record. */
const eachId = <T>(
  before: Record<string, T>,
  after: Record<string, T>,
  each: (id: string, a: T | undefined, b: T | undefined) => void,
): void => {
  for (const id of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort())
    each(id, before[id], after[id]);
};

const compare = (emit: Emit, kind: ChangeKind, resource: string, subject: string, a?: string, b?: string) => {
  if (a !== b) emit(kind, resource, subject, a, b);
};

type Routes = AccountSnapshot["routeTables"][string]["Routes"];

export const originText = (origin: string): string =>
  origin === "CreateRoute" ? "static" : origin === "EnableVgwRoutePropagation" ? "propagated" : origin;

/**
 * A table's routes by destination, each `<target> (<origin>, <state>)`, the effective one first: the
 * snapshot keys a propagated route beside a static one `<cidr> (propagated)`; here both are the cidr's.
 */
export const routesByDestination = (routes: Routes): Record<string, string> => {
  const out: Record<string, string[]> = {};
  for (const [key, r] of Object.entries(routes)) {
    const dest = key.replace(/ \(propagated\)$/, "");
    const text = `${r.Target} (${originText(r.Origin)}, ${r.State})`;
    const texts = out[dest] ?? [];
    out[dest] = key === dest ? [text, ...texts] : [...texts, text];
  }
  return Object.fromEntries(Object.entries(out).map(([dest, texts]) => [dest, texts.join(" + ")]));
};

const routes = (a: AccountSnapshot, b: AccountSnapshot, emit: Emit) =>
  eachId(a.routeTables, b.routeTables, (id, x, y) => {
    eachId(routesByDestination(x?.Routes ?? {}), routesByDestination(y?.Routes ?? {}), (dest, r, s) =>
      compare(emit, "route", id, dest, r, s),
    );
    eachId(x?.Tags ?? {}, y?.Tags ?? {}, (key, t, u) => {
      if (key.startsWith("ops:") && key !== "ops:failover-group") compare(emit, "tag", id, key, t, u);
    });
  });

const attachmentText = (e: AccountSnapshot["networkInterfaces"][string] | undefined) =>
  e === undefined
    ? undefined
    : e.Attachment === undefined
      ? "detached"
      : `${e.Attachment.InstanceId} #${e.Attachment.DeviceIndex} (${e.Attachment.Status})`;

const enis = (a: AccountSnapshot, b: AccountSnapshot, emit: Emit) =>
  eachId(a.networkInterfaces, b.networkInterfaces, (id, x, y) => {
    compare(emit, "eni", id, "attachment", attachmentText(x), attachmentText(y));
    const before = new Set(x?.PrivateIpAddresses ?? []);
    const after = new Set(y?.PrivateIpAddresses ?? []);
    for (const ip of after) if (!before.has(ip)) emit("address", id, ip, undefined, "assigned");
    for (const ip of before) if (!after.has(ip)) emit("address", id, ip, "assigned", undefined);
  });

const instances = (a: AccountSnapshot, b: AccountSnapshot, emit: Emit) =>
  eachId(a.instances, b.instances, (id, x, y) => compare(emit, "instance", id, "state", x?.State, y?.State));

const groups = (a: AccountSnapshot, b: AccountSnapshot, emit: Emit) =>
  eachId(a.autoScalingGroups, b.autoScalingGroups, (name, x, y) =>
    eachId(x?.Instances ?? {}, y?.Instances ?? {}, (id, m, n) =>
      compare(
        emit,
        "group",
        name,
        id,
        m && `${m.LifecycleState} ${m.HealthStatus}`,
        n && `${n.LifecycleState} ${n.HealthStatus}`,
      ),
    ),
  );

const bgpText = (v: AccountSnapshot["virtualInterfaces"][string] | undefined) =>
  v === undefined
    ? undefined
    : Object.values(v.BgpPeers)
        .map((p) => `${p.AddressFamily} ${p.BgpStatus}`)
        .join(", ");

const virtualInterfaces = (a: AccountSnapshot, b: AccountSnapshot, emit: Emit) =>
  eachId(a.virtualInterfaces, b.virtualInterfaces, (id, x, y) => {
    compare(emit, "dx", id, "data plane", x?.DataPlane, y?.DataPlane);
    compare(emit, "dx", id, "BGP", bgpText(x), bgpText(y));
  });

/** The changes from `before` to `after`, stamped `at`. */
export const changesBetween = (before: AccountSnapshot, after: AccountSnapshot, at: number): Change[] => {
  const out: Change[] = [];
  const emit: Emit = (kind, resource, subject, from, to) =>
    out.push({
      at,
      kind,
      resource,
      subject,
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
    });
  for (const diff of [routes, enis, instances, groups, virtualInterfaces]) diff(before, after, emit);
  return out;
};
