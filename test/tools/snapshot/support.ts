import { derivedId } from "../../../sim/account/ids";
import {
  type AccountFixture,
  instanceTypeCatalogue,
  parseFixture,
  type SimCallContext,
  type SimDispatcher,
  type SimulatedAccount,
} from "../../../sim/index";
import { type SimServer, simEndpointEnv, startSimServer } from "../../../sim/wire/index";
import { DERIVED_WHEN_OMITTED, NOT_SHOWN_BY_AWS } from "../../../tools/snapshot/fidelity";
import { buildScope, type ScopeInput } from "../../../tools/snapshot/scope";
import { type SnapshotResult, takeSnapshot } from "../../../tools/snapshot/snapshot";

type Json = Record<string, unknown>;

/** Serves the account on loopback with the SDK pointed at it (AWS_ENDPOINT_URL: restored by test/support/setup). */
export const serve = async (
  account: SimulatedAccount,
  observe?: (ctx: SimCallContext) => void,
): Promise<SimServer> => {
  const dispatch: SimDispatcher = (ctx, input) => {
    observe?.(ctx);
    return account.dispatch(ctx, input);
  };
  const server = await startSimServer(dispatch, { control: account.control });
  Object.assign(process.env, simEndpointEnv(server), { AWS_REGION: account.region });
  return server;
};

/** A snapshot of the served account over the wire, no backoff waits, the account's clock as "now". */
export const snapshotOf = (
  account: SimulatedAccount,
  scope: Partial<ScopeInput> = {},
  options: { maxAttempts?: number } = {},
): Promise<SnapshotResult> =>
  takeSnapshot({
    region: account.region,
    scope: buildScope({ vpcIds: [], tags: [], ...scope }),
    backoffMs: () => 1,
    maxAttempts: options.maxAttempts,
    now: () => account.clock.nowMs(),
  });

/** Applies `fn` to the object(s) holding the last segment of a `a[].b.c` path. */
const walk = (value: unknown, segments: string[], fn: (holder: Json, key: string) => void): void => {
  if (value === null || typeof value !== "object") return;
  const [head, ...rest] = segments;
  if (head === undefined) return;
  const many = head.endsWith("[]");
  const key = many ? head.slice(0, -2) : head;
  const holder = value as Json;
  if (rest.length === 0) {
    fn(holder, key);
    return;
  }
  const next = holder[key];
  if (many && Array.isArray(next)) for (const item of next) walk(item, rest, fn);
  else walk(next, rest, fn);
};

const drop = (value: unknown, path: string) =>
  walk(value, path.split("."), (h, k) => {
    delete h[k];
  });

const collect = (value: unknown, path: string): Json[] => {
  const out: Json[] = [];
  walk(value, path.split("."), (h) => out.push(h));
  return out;
};

/** Where the original omits a derived field (after pairing by sort order), the snapshot's value is not compared. */
const dropWhereOmitted = (original: unknown, snapshot: unknown, path: string) => {
  const key = path.split(".").at(-1)?.replace("[]", "") ?? "";
  const a = collect(original, path);
  const b = collect(snapshot, path);
  if (a.length !== b.length) return;
  a.forEach((holder, i) => {
    if (!(key in holder)) delete b[i]?.[key];
  });
};

const sortKey = (item: unknown): string => {
  if (item === null || typeof item !== "object") return JSON.stringify(item);
  const o = item as Json;
  const key = o.id ?? o.name ?? o.instanceId ?? o.bgpPeerId ?? o.instanceType ?? o.destinationCidrBlock;
  return typeof key === "string" ? key : JSON.stringify(o);
};

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Every array of objects sorted by its natural key, recursively (AWS lists in its own order). */
const sortDeep = (value: unknown): unknown => {
  if (Array.isArray(value)) {
    const items = value.map(sortDeep);
    return items.every((i) => typeof i === "object")
      ? items.sort((x, y) => sortKey(x).localeCompare(sortKey(y)))
      : items;
  }
  // Timestamps compare as instants (a fixture may write 08:00:00Z, AWS answers 08:00:00.000Z).
  if (typeof value === "string" && ISO_TIME.test(value)) return new Date(value).toISOString();
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, sortDeep(v)]));
};

export { collect, drop, dropWhereOmitted, sortDeep };

type Instance = AccountFixture["instances"][number];

/** The generated primary ENI of an instance, written out as the loader builds it (sim/account/load.ts). */
const generatedPrimary = (i: Instance, vpcOf: Map<string, string>): Json => ({
  id: i.primaryNetworkInterfaceId ?? derivedId("eni", `primary|${i.id}`),
  subnetId: i.subnetId,
  vpcId: vpcOf.get(i.subnetId),
  description: "",
  interfaceType: "interface",
  privateIpAddress: i.privateIpAddress,
  secondaryPrivateIpAddresses: [],
  sourceDestCheck: i.sourceDestCheck,
  requesterManaged: false,
  attachment: { instanceId: i.id, deviceIndex: 0, networkCardIndex: 0, status: "attached" },
  tags: {},
});

/** The network side written out: every ENI listed, local routes listed, instance targets as their primary ENI. */
const explicitNetwork = (f: AccountFixture, live: Instance[], modelledVgws: Set<string>) => {
  const vpcOf = new Map(f.subnets.map((s) => [s.id, s.vpcId]));
  const listed = new Set(
    f.networkInterfaces.filter((n) => n.attachment?.deviceIndex === 0).map((n) => n.attachment?.instanceId),
  );
  const enis: Json[] = [
    ...f.networkInterfaces,
    ...live.filter((i) => !listed.has(i.id)).map((i) => generatedPrimary(i, vpcOf)),
  ];
  const primaryOf = new Map(
    enis.flatMap((n) => {
      const a = n.attachment as { instanceId: string; deviceIndex: number } | undefined;
      return a?.deviceIndex === 0 ? [[a.instanceId, n.id as string] as const] : [];
    }),
  );
  const vpcs = new Map(f.vpcs.map((v) => [v.id, v]));
  const routeTables = f.routeTables.map((t) => {
    const vpc = vpcs.get(t.vpcId);
    const blocks =
      vpc === undefined ? [] : [vpc.cidrBlock, ...vpc.secondaryCidrBlocks, ...vpc.ipv6CidrBlocks];
    const routes: Json[] = t.routes
      .filter((r) => !(r.origin === "EnableVgwRoutePropagation" && modelledVgws.has(r.target)))
      .map((r) => (r.target.startsWith("i-") ? { ...r, target: primaryOf.get(r.target) ?? r.target } : r));
    for (const block of blocks)
      if (
        !routes.some(
          (r) => r.target === "local" && (r.destinationCidrBlock ?? r.destinationIpv6CidrBlock) === block,
        )
      )
        routes.push({
          [block.includes(":") ? "destinationIpv6CidrBlock" : "destinationCidrBlock"]: block,
          target: "local",
          origin: "CreateRouteTable",
        });
    return { ...t, routes };
  });
  return { enis, routeTables };
};

/** The effective catalogue entries of the types the instances use (the fixture's own and the built-in ones). */
const usedTypes = (f: Pick<AccountFixture, "instanceTypes">, names: Set<string>): Json[] =>
  [...instanceTypeCatalogue(f).values()]
    .filter((t) => names.has(t.name))
    .map(({ hypervisor: _hypervisor, ...rest }) => rest as unknown as Json);

/**
 * The original fixture written out the way a snapshot writes it (the normalisations docs/snapshot.md lists):
 * terminated instances left out; generated primary ENIs listed; local routes listed; a route to an instance
 * written to its primary ENI; propagated routes of a modelled gateway left to the gateway; group members
 * implied by `autoScalingGroup` listed; instance types as the effective catalogue of the types in use.
 */
export const explicitFixture = (input: unknown, source: string): Json => {
  const f = parseFixture(input, source);
  const live = f.instances.filter((i) => i.state !== "terminated");
  const ids = new Set(live.map((i) => i.id));
  const modelled = new Set(f.virtualPrivateGateways.map((g) => g.id));
  const { enis, routeTables } = explicitNetwork(f, live, modelled);
  const groups = f.autoScalingGroups.map((g) => {
    const members: Json[] = g.instances.filter((m) => ids.has(m.instanceId));
    for (const i of live)
      if (i.autoScalingGroup === g.name && !members.some((m) => m.instanceId === i.id))
        members.push({ instanceId: i.id, lifecycleState: "InService", protectedFromScaleIn: false });
    return { ...g, instances: members };
  });
  return {
    ...f,
    instances: live,
    instanceTypes: usedTypes(f, new Set(live.map((i) => i.instanceType))),
    networkInterfaces: enis,
    routeTables,
    autoScalingGroups: groups,
    lifecycleActions: f.lifecycleActions.filter((a) => ids.has(a.instanceId)),
  };
};

/** Both sides normalised for the round trip: the NOT_SHOWN_BY_AWS fields dropped, derived ones compared where stated. */
export const roundTripPair = (originalInput: unknown, source: string, snapshot: unknown) => {
  const expected = explicitFixture(originalInput, source);
  const parsed = parseFixture(snapshot, "snapshot");
  const actual: Json = {
    ...parsed,
    instanceTypes: usedTypes(parsed, new Set(parsed.instances.map((i) => i.instanceType))),
  };
  for (const rule of NOT_SHOWN_BY_AWS) {
    drop(expected, rule.path);
    drop(actual, rule.path);
  }
  // JSON, as a fixture file holds it (no undefined members).
  const e = sortDeep(JSON.parse(JSON.stringify(expected)));
  const a = sortDeep(JSON.parse(JSON.stringify(actual)));
  for (const rule of DERIVED_WHEN_OMITTED) dropWhereOmitted(e, a, rule.path);
  return { expected: e, actual: a };
};
