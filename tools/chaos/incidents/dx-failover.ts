/**
 * dx-failover's incidents on the chaos account (tools/chaos/incidents/dx-account.ts: test/fixtures/accounts/
 * dx-failover.json made dual-stack, with DC2's prefix-list route in both group tables; group lz-prod: two
 * IPv4 CIDRs and one IPv6 CIDR, two virtual interfaces each with an IPv4 and an IPv6 session, a VPN appliance
 * ENI): Direct Connect's data plane failing with BGP up (a grey failure: the propagated routes stay) and
 * back, for one address family or both; BGP sessions of one family or both going down (routes withdrawn)
 * and up; circuit cuts (packets stop on both families, BGP follows 0.9 s later with BFD or 90 s later at
 * the hold timer, DX UG "BGP-specific settings"; repaired in reverse); the VPN tunnel lost and back; flap bursts (the data plane toggling every 5–40 s, several times);
 * DC2's prefix list edited (a new version of someone else's route the toolkit must leave alone).
 *
 * The stack around the failover function is simulated as deployed in agent mode (docs of issue 10): the
 * probe agent is the real probe engine (`ProbeLoop`, one round every 5 s of simulated time) whose connect
 * follows the agent subnet's route table on the account's per-family data plane (dx-data-plane.ts); its
 * samples go out as the real agent publishes them (`sampleData`, PutMetricData, Probe=agent), its trigger
 * ("DX Path Degraded", `triggerDetailOf`) on the trigger bus. The dx-probe Lambda is not driven here (see
 * `notDriven`); its sim test drives it with the same connect (test/functions/dx-failover/probe/simulated.sim.test.ts).
 */
import { DxFailoverConfigSchema } from "../../../functions/dx-failover/config";
import { triggerDetailOf } from "../../../functions/dx-failover/evidence";
import { decodeTableTags } from "../../../functions/dx-failover/failover/state";
import { sampleData } from "../../../functions/dx-failover/probe/agent";
import { ProbeLoop, type ProbeTrigger } from "../../../functions/dx-failover/probe/loop";
import { parseTargets } from "../../../functions/dx-failover/probe/tcp";
import type { ProbeConnect } from "../../../shared/runtime/handler";
import type { SimulatedAccount } from "../../../sim/account/index";
import {
  type CheckState,
  cellHasPath,
  cellWorks,
  checkDxStep,
  type DxView,
  directConnectFamilies,
  directConnectWorks,
  dxView,
} from "../invariants/dx-failover";
import { Episodes, emptyMeasures } from "../measures";
import type { Rng } from "../prng";
import type { CapabilityModel, Checker, IncidentKind, Params, World } from "../types";
import { DX_ACCOUNT, dxChaosFixture } from "./dx-account";
import { connectNow } from "./dx-data-plane";

const GROUP = "lz-prod";
const ENI = "eni-0d0f00000000000a1";
const VIFS = ["dxvif-fgdx0001", "dxvif-fgdx0002"];
const NAMESPACE = "OpsToolkit/DxFailover";
const TRIGGER_BUS = "ops-toolkit-dx-trigger";
const SAMPLE_MS = 5000;
/** The VPN probe target: the tunnel's far end on premises, routed to the appliance in the agent's table. */
const VPN_TARGET_NET = "192.168.255.0/24";
/**
 * How long traffic may have no working path: 2 probes and the trigger, or when the trigger is lost the
 * next reconcile (1 min) reading the agent's samples, and one Lambda retry (1 min) of a failed run.
 */
const DETECTION_MS = 150_000;
/** The agent re-arms its trigger after 3 successful probes: a break is over once the path worked that long. */
const RECOVERY_MS = 3 * SAMPLE_MS;
/**
 * The agent has been running this long when a run starts: its first tick publishes the rounds of the last
 * 5 minutes, on the data plane of the start (the world was as the fixture says), so the capability's
 * probe history, and the checker's, reach that far back.
 */
export const AGENT_HISTORY_MS = 300_000;

const section = {
  triggerBusName: TRIGGER_BUS,
  groups: [
    {
      name: GROUP,
      location: "local-zone",
      cidrs: ["10.100.0.0/16", "10.101.0.0/16", DX_ACCOUNT.onPremIpv6],
      applianceEniId: ENI,
      virtualInterfaceIds: VIFS,
      // One DX target per family (each family is judged on its own), the VPN's far end through the appliance.
      probe: {
        directConnect: ["10.100.0.53:53", "[2001:db8:100::53]:53"],
        vpn: ["192.168.255.10:500"],
        intervalMs: SAMPLE_MS,
      },
    },
  ],
};

/** The chaos account with the agent's route to the VPN target through the appliance. */
const fixture = () => {
  const f = dxChaosFixture();
  for (const t of (f.routeTables ?? []) as Record<string, unknown>[])
    if (t.id === DX_ACCOUNT.probeTable)
      t.routes = [...((t.routes as unknown[]) ?? []), { destinationCidrBlock: VPN_TARGET_NET, target: ENI }];
  return f;
};

/** What the driver knows of the world outside the account: the VPN, the agent, pending flaps. */
interface Outside {
  vpnUp: boolean;
  lastSample: number;
  /** The agent's probe engine, and the connect its next rounds use (the data plane of this tick). */
  agent: ProbeLoop;
  connect: ProbeConnect;
  /** Triggers the agent fired since the last tick. */
  fired: ProbeTrigger[];
  /** The agent table's effective route per probe target, as of `routesAt` (incidents and BGP statuses). */
  routes: Map<string, ReturnType<SimulatedAccount["network"]["effectiveRoutes"]>[number]["route"]>;
  routesAt: string;
  /** A burst's steps (epoch ms): every VIF's data plane down, or back as it was before the burst took it down. */
  flaps: { at: number; down: boolean }[];
  /** Each VIF's data plane per family before the burst now in a down step took it down. */
  beforeFlap?: Map<string, Record<"ipv4" | "ipv6", "up" | "down">>;
  /** Changes due later (a circuit cut's BGP going down at the hold timer, its repair), in time order. */
  later: { at: number; change: (account: SimulatedAccount) => void }[];
  /** Incidents applied so far (the measure `dx-blackholed-s` is per incident). */
  incidents: number;
}
const outside = new WeakMap<World, Outside>();
const outsideOf = (world: World): Outside => {
  let o = outside.get(world);
  if (o === undefined) {
    const created: Outside = {
      vpnUp: true,
      lastSample: world.start - AGENT_HISTORY_MS,
      agent: undefined as unknown as ProbeLoop,
      connect: async (t, timeoutMs) => ({ target: t.host, ok: false, latencyMs: timeoutMs, error: "unset" }),
      fired: [],
      routes: new Map(),
      routesAt: "",
      flaps: [],
      later: [],
      incidents: 0,
    };
    created.agent = agentLoop(world, created);
    outside.set(world, created);
    o = created;
  }
  return o;
};

const group = () => parsedConfig.groups[0];

/** The real probe engine of the agent, on the account's clock, its connect swapped every tick. */
const agentLoop = (world: World, o: Outside): ProbeLoop => {
  const g = group();
  return new ProbeLoop({
    dx: parseTargets((g?.probe.directConnect ?? []).join(",")),
    vpn: parseTargets((g?.probe.vpn ?? []).join(",")),
    intervalMs: SAMPLE_MS,
    timeoutMs: 800,
    clock: { now: () => world.account.clock.nowMs(), sleep: async () => undefined },
    probe: (target, timeoutMs) => o.connect(target, timeoutMs),
    onTrigger: (trigger) => {
      o.fired.push(trigger);
    },
  });
};

const vif = (params: Params) => VIFS[Number(params.vif) % VIFS.length] ?? "";
type FamilyParam = "ipv4" | "ipv6" | "both";
const familyParam = (params: Params): FamilyParam => (params.family as FamilyParam | undefined) ?? "both";
const familiesOf = (f: FamilyParam) => (f === "both" ? (["ipv4", "ipv6"] as const) : [f]);
const planeUp = (account: SimulatedAccount, id: string, f: FamilyParam) =>
  familiesOf(f).every((x) => account.network.virtualInterface(id).dataPlanes[x] === "up");

/** BFD (300 ms × 3) tears BGP down 0.9 s after the packets stop; without it, the 90 s hold timer. */
const BFD_DOWN_MS = 900;
const HOLD_TIMER_MS = 90_000;
/** After a repair, BGP comes back once packets pass: a new session in a few seconds [decision]. */
const BGP_REESTABLISH_MS = 10_000;

/** A circuit cut: packets stop on both families, BGP follows at BFD or the hold timer; repair in reverse. */
const circuitCut = (world: World, params: Params): string => {
  const { account } = world;
  const o = outsideOf(world);
  const id = vif(params);
  const now = account.clock.nowMs();
  const downAfter = params.bfd === true ? BFD_DOWN_MS : HOLD_TIMER_MS;
  const repairAt = now + Number(params.repairS) * 1000;
  account.network.setDataPlane(id, false);
  o.later.push(
    { at: now + downAfter, change: (a) => a.setBgpStatus(id, "down") },
    { at: repairAt, change: (a) => a.network.setDataPlane(id, true) },
    { at: repairAt + BGP_REESTABLISH_MS, change: (a) => a.setBgpStatus(id, "up") },
  );
  o.later.sort((a, b) => a.at - b.at);
  return `${id} circuit cut: data plane down, BGP down in ${downAfter / 1000} s (${params.bfd === true ? "BFD" : "hold timer"}), repaired after ${params.repairS} s`;
};

/**
 * `StartBgpFailoverTest` on the drawn interfaces, for the drawn family's sessions, as an operator runs it
 * (a test already running on an interface, or one not available, is refused: the refusal is the outcome).
 */
const bgpFailoverTest = async ({ account }: World, params: Params): Promise<string> => {
  const f = familyParam(params);
  const ids = params.vifs === "both" ? VIFS : [vif(params)];
  const outcomes: string[] = [];
  for (const id of ids) {
    const peers = account.network
      .virtualInterface(id)
      .bgpPeers.filter((p) => f === "both" || p.addressFamily === f)
      .map((p) => p.bgpPeerId);
    try {
      await account.dispatch(
        {
          service: "directconnect",
          operation: "StartBgpFailoverTest",
          region: account.region,
          requestId: "operator",
        },
        { virtualInterfaceId: id, bgpPeers: peers, testDurationInMinutes: Number(params.minutes) },
      );
      outcomes.push(`${id} ${f === "both" ? "" : `${f} `}sessions down for ${params.minutes} min`);
    } catch (error) {
      outcomes.push(`${id} refused (${(error as { name?: string }).name ?? "error"})`);
    }
  }
  return `BGP failover test: ${outcomes.join("; ")}`;
};

/** A VIF and a family: one family alone half the time (a grey failure of IPv6 only, or of IPv4 only). */
const pickVifFamily = (rng: Rng): Params => ({
  vif: rng.int(0, VIFS.length - 1),
  family: rng.pick(["both", "both", "ipv4", "ipv6"]),
});
const kinds: IncidentKind[] = [
  {
    name: "dx-data-plane-toggle",
    weight: 4,
    draw: pickVifFamily,
    apply: ({ account }, params) => {
      const f = familyParam(params);
      const up = !planeUp(account, vif(params), f);
      account.network.setDataPlane(vif(params), up, f === "both" ? undefined : f);
      return `${vif(params)} data plane ${f === "both" ? "" : `${f} `}${up ? "up" : "down"} (BGP unchanged)`;
    },
  },
  {
    name: "bgp-toggle",
    weight: 3,
    draw: pickVifFamily,
    apply: ({ account }, params) => {
      const id = vif(params);
      const f = familyParam(params);
      const peers = account.network
        .virtualInterface(id)
        .bgpPeers.filter((p) => f === "both" || p.addressFamily === f);
      const down = peers.some((p) => p.bgpStatus === "up");
      account.setBgpStatus(id, down ? "down" : "up", f === "both" ? {} : { addressFamily: f });
      return `${id} BGP ${f === "both" ? "" : `${f} `}${down ? "down" : "up"}`;
    },
  },
  {
    name: "circuit-cut",
    weight: 3,
    draw: (rng) => ({ vif: rng.int(0, VIFS.length - 1), bfd: rng.chance(0.5), repairS: rng.int(120, 1800) }),
    apply: circuitCut,
  },
  {
    name: "vpn-toggle",
    weight: 2,
    draw: () => ({}),
    apply: (world) => {
      const o = outsideOf(world);
      o.vpnUp = !o.vpnUp;
      return `VPN ${o.vpnUp ? "up" : "down"}`;
    },
  },
  {
    name: "flap-burst",
    weight: 2,
    draw: (rng) => ({ gapsS: Array.from({ length: rng.int(2, 8) }, () => rng.int(5, 40)) }),
    apply: (world, params) => {
      const gaps = (params.gapsS as number[]).map((s) => s * 1000);
      const o = outsideOf(world);
      let at = world.account.clock.nowMs();
      gaps.forEach((gap, k) => {
        at += gap;
        o.flaps.push({ at, down: k % 2 === 0 });
      });
      o.flaps.sort((a, b) => a.at - b.at);
      return `${gaps.length} data-plane toggles`;
    },
  },
  {
    // The Resiliency Toolkit's failover test (DX UG "Direct Connect Failover Test"; sim/account/dx-failover-test.ts):
    // the sessions of one family or both go DOWN on one interface or both for 1–60 minutes, then come back.
    name: "bgp-failover-test",
    weight: 1,
    draw: (rng) => ({
      vifs: rng.pick(["one", "both", "both"]),
      vif: rng.int(0, VIFS.length - 1),
      family: rng.pick(["both", "both", "ipv4", "ipv6"]),
      minutes: rng.int(1, 60),
    }),
    apply: bgpFailoverTest,
  },
  {
    name: "prefix-list-edit",
    weight: 1,
    draw: () => ({}),
    apply: ({ account }) => {
      const entries = account.snapshot().managedPrefixLists[DX_ACCOUNT.prefixList]?.Entries ?? [];
      const has = entries.includes(DX_ACCOUNT.dc2Extra);
      const next = has ? [...DX_ACCOUNT.dc2] : [...DX_ACCOUNT.dc2, DX_ACCOUNT.dc2Extra];
      const version = account.network.setPrefixListEntries(
        DX_ACCOUNT.prefixList,
        next.map((cidr) => ({ cidr })),
      );
      return `${DX_ACCOUNT.prefixList} (DC2) version ${version}: ${next.join(" ")}`;
    },
  },
];

/** Every incident counts itself (the measure is per incident). */
const incidents: IncidentKind[] = kinds.map((kind) => ({
  ...kind,
  apply: (world, params) => {
    outsideOf(world).incidents += 1;
    return kind.apply(world, params);
  },
}));

const trigger = (world: World, t: ProbeTrigger) => ({
  version: "0",
  id: `chaos-trigger-${t.at}`,
  "detail-type": "DX Path Degraded",
  source: "ops-toolkit",
  account: world.account.accountId,
  time: new Date(t.at).toISOString(),
  region: world.account.region,
  resources: [],
  detail: triggerDetailOf(GROUP, "agent", t),
});

const parsedConfig = DxFailoverConfigSchema.parse(section);

/**
 * One step of a flap burst. The VIFs of a path flap in phase (one circuit, one optic, one provider
 * segment): a down step takes every VIF's data plane down, both families, whatever each was; an up step
 * undoes only that: what was up before the burst comes up again, what was down on its own is left as it
 * is now (the burst never repairs a failed VIF, nor undoes a repair that came during the burst).
 */
const flapStep = (account: SimulatedAccount, o: Outside, down: boolean) => {
  if (down) {
    o.beforeFlap ??= new Map(VIFS.map((id) => [id, { ...account.network.virtualInterface(id).dataPlanes }]));
    for (const id of VIFS) account.network.setDataPlane(id, false);
    return;
  }
  for (const [id, planes] of o.beforeFlap ?? [])
    for (const family of ["ipv4", "ipv6"] as const)
      if (planes[family] === "up") account.network.setDataPlane(id, true, family);
  o.beforeFlap = undefined;
};

/** Flap bursts' steps due by now, in time order, and later changes. */
const applyFlaps = (account: SimulatedAccount, o: Outside, now: number) => {
  for (const due of o.later.filter((l) => l.at <= now)) due.change(account);
  o.later = o.later.filter((l) => l.at > now);
  for (const step of o.flaps.filter((t) => t.at <= now)) flapStep(account, o, step.down);
  o.flaps = o.flaps.filter((t) => t.at > now);
};

/**
 * The agent: the rounds of its probe engine since the last tick (one per 5 s, on the data plane of this
 * moment), their samples batched into PutMetricData as the agent flushes them, and its triggers.
 */
const tick = async (world: World, now: number): Promise<unknown[]> => {
  const o = outsideOf(world);
  const account = world.account;
  applyFlaps(account, o, now);
  // The toolkit never writes the agent's table (`outside-configuration`): only an incident or a BGP change
  // (a circuit cut's hold timer, the end of a BGP failover test, both timed by the account) changes it.
  const routesAt = `${o.incidents}|${VIFS.map((id) =>
    account.network
      .virtualInterface(id)
      .bgpPeers.map((p) => p.bgpStatus)
      .join(","),
  ).join("|")}`;
  if (o.routesAt !== routesAt) o.routes.clear();
  o.routesAt = routesAt;
  o.connect = connectNow(account, {
    routeTableId: DX_ACCOUNT.probeTable,
    applianceEnis: [ENI],
    vpnUp: () => o.vpnUp,
    routes: o.routes,
  });
  const data = [];
  for (let at = o.lastSample + SAMPLE_MS; at <= now; at += SAMPLE_MS)
    data.push(...sampleData(GROUP, await o.agent.round(at)));
  o.lastSample = Math.max(o.lastSample, now - (now % SAMPLE_MS));
  for (let k = 0; k < data.length; k += 1000)
    await account.dispatch(
      { service: "monitoring", operation: "PutMetricData", region: account.region, requestId: "agent" },
      { Namespace: NAMESPACE, MetricData: data.slice(k, k + 1000) },
    );
  const fired = o.fired;
  o.fired = [];
  return fired.map((t) => trigger(world, t));
};

/**
 * A failback waits on time alone while a group table's state says the VPN is active and Direct Connect
 * works: the reconcile fails back once it has worked for the restore window (quiet time must not collapse
 * that reconcile; speed5). While Direct Connect does not work, nothing waits on time: it coming back is an
 * incident, which starts an active window.
 */
const timePending = (world: World): boolean => {
  const config = parsedConfig;
  const tables = [...world.account.state().routeTables.values()].map((t) => Object.fromEntries(t.tags));
  return config.groups.some(
    (g) =>
      tables.some((tags) => decodeTableTags(tags, g.name, config.groupTagKey).state.activePath === "vpn") &&
      directConnectWorks(world.account, g),
  );
};

/** Some configured CIDR has no route over a working path while a path works. */
const blackholed = (view: DxView): boolean =>
  Object.values(view.groups).some((g) => g.cells.some((cell) => cellHasPath(cell, g) && !cellWorks(cell, g)));

/** Blackholed seconds from one incident to the next (`Episodes.record` per incident). */
const blackholeMeter = (world: World) => {
  const measures = emptyMeasures();
  const perIncident = new Episodes(measures, "dx-blackholed-s");
  let counted = 0;
  let seconds = 0;
  let last: { at: number; blackholed: boolean } | undefined;
  return {
    measures,
    step(view: DxView): void {
      const incidents = outsideOf(world).incidents;
      if (last?.blackholed === true) seconds += (view.at - last.at) / 1000;
      if (incidents !== counted) {
        if (counted > 0) perIncident.record(seconds);
        counted = incidents;
        seconds = 0;
      }
      last = { at: view.at, blackholed: blackholed(view) };
    },
    finish(): void {
      if (counted > 0) perIncident.record(seconds);
      counted = 0;
    },
  };
};

const checker = (world: World): Checker => {
  const config = parsedConfig;
  let state: CheckState | undefined;
  const meter = blackholeMeter(world);
  return {
    measures: () => {
      meter.finish();
      return meter.measures;
    },
    invocation: () => [],
    step: () => {
      const account = world.account;
      const view = dxView(account, config, (g) => {
        // `directConnectWorks` is every family of these working: read the interfaces once.
        const families = directConnectFamilies(account, g);
        return {
          directConnectUp: Object.values(families).every((up) => up),
          directConnectFamilies: families,
          vpnUp: outsideOf(world).vpnUp,
          applianceEnis: [ENI],
        };
      });
      meter.step(view);
      const checked = checkDxStep(state, view, config, {
        detectionMs: DETECTION_MS,
        toleranceMs: SAMPLE_MS,
        recoveryMs: RECOVERY_MS,
        priorMs: AGENT_HISTORY_MS,
      });
      state = checked.state;
      return checked.violations.map((v) => ({ invariant: v.invariant, message: v.message }));
    },
  };
};

export const dxFailoverModel: CapabilityModel = {
  capability: "dx-failover",
  variants: ["agent"],
  fixture,
  stage: () => ({ mode: "apply", dxFailover: section }),
  notDriven: {
    "dx-probe":
      "the group is a Local Zone group (the agent probes it: the real ProbeLoop on the simulated data plane); a Lambda probe runs for its whole minute and the driver runs invocations one at a time, so its trigger's failover would wait for it (driven by its schedule in test/functions/dx-failover/probe/simulated.sim.test.ts)",
  },
  incidents,
  apiFaults: [
    { service: "ec2", operation: "DescribeRouteTables" },
    { service: "ec2", operation: "CreateRoute" },
    { service: "ec2", operation: "ReplaceRoute" },
    { service: "ec2", operation: "DeleteRoute" },
    { service: "ec2", operation: "CreateTags" },
    { service: "ec2", operation: "GetManagedPrefixListEntries" },
    { service: "ec2", operation: "DescribeManagedPrefixLists" },
    { service: "monitoring", operation: "GetMetricData" },
    { service: "directconnect", operation: "DescribeVirtualInterfaces" },
  ],
  incidentsPerDay: [4, 12],
  stepMs: SAMPLE_MS,
  activeWindowMs: 20 * 60_000,
  quietStepMs: 15 * 60_000,
  quietTickMs: 10_000,
  timePending,
  timeoutMs: 60_000,
  checker,
  tick,
};
