/**
 * dx-failover's incidents on test/fixtures/accounts/dx-failover.json (group lz-prod: two CIDRs, two
 * virtual interfaces, a VPN appliance ENI): Direct Connect's data plane failing with BGP up (a grey
 * failure: the propagated routes stay) and back, BGP sessions going down (routes withdrawn) and up, the VPN
 * tunnel lost and back, and flap bursts (the data plane toggling every 5–40 s, several times).
 *
 * The stack around the failover function is simulated as deployed in agent mode (docs of issue 10): the
 * probe agent samples both paths every 5 s of simulated time and writes `PathHealthy` (Probe=agent) with
 * PutMetricData, and puts "DX Path Degraded" on the trigger bus after 2 consecutive failed DX probes while
 * the VPN answers (re-armed after 3 successes). The dx-probe Lambda is not driven (it probes over sockets).
 */
import { readFileSync } from "node:fs";
import { DxFailoverConfigSchema } from "../../../functions/dx-failover/config";
import { decodeTableTags } from "../../../functions/dx-failover/failover/state";
import type { SimulatedAccount } from "../../../sim/account/index";
import {
  type CheckState,
  cellWorks,
  checkDxStep,
  type DxView,
  directConnectWorks,
  dxView,
} from "../invariants/dx-failover";
import { Episodes, emptyMeasures } from "../measures";
import type { Rng } from "../prng";
import type { CapabilityModel, Checker, IncidentKind, Params, World } from "../types";

const FIXTURE = "test/fixtures/accounts/dx-failover.json";
const GROUP = "lz-prod";
const ENI = "eni-0d0f00000000000a1";
const VIFS = ["dxvif-fgdx0001", "dxvif-fgdx0002"];
const NAMESPACE = "OpsToolkit/DxFailover";
const TRIGGER_BUS = "ops-toolkit-dx-trigger";
const SAMPLE_MS = 5000;
/**
 * How long traffic may have no working path: 2 probes and the trigger, or when the trigger is lost the
 * next reconcile (1 min) reading the agent's samples, and one Lambda retry (1 min) of a failed run.
 */
const DETECTION_MS = 150_000;
/** The agent re-arms its trigger after 3 successful probes: a break is over once the path worked that long. */
const RECOVERY_MS = 3 * SAMPLE_MS;

const section = {
  triggerBusName: TRIGGER_BUS,
  groups: [
    {
      name: GROUP,
      location: "local-zone",
      cidrs: ["10.100.0.0/16", "10.101.0.0/16"],
      applianceEniId: ENI,
      virtualInterfaceIds: VIFS,
      probe: { directConnect: ["127.0.0.1:9"], vpn: ["127.0.0.1:9"] },
    },
  ],
};

/** What the driver knows of the world outside the account: the VPN, the agent, pending flaps. */
interface Outside {
  vpnUp: boolean;
  lastSample: number;
  failures: number;
  successes: number;
  armed: boolean;
  /** Times (epoch ms) at which the data plane of every VIF toggles. */
  flaps: number[];
  /** Incidents applied so far (the measure `dx-blackholed-s` is per incident). */
  incidents: number;
}
const outside = new WeakMap<World, Outside>();
const outsideOf = (world: World): Outside => {
  let o = outside.get(world);
  if (o === undefined) {
    o = {
      vpnUp: true,
      lastSample: world.start - 300_000,
      failures: 0,
      successes: 0,
      armed: true,
      flaps: [],
      incidents: 0,
    };
    outside.set(world, o);
  }
  return o;
};

const vif = (params: Params) => VIFS[Number(params.vif) % VIFS.length] ?? "";
const dataPlaneUp = (account: SimulatedAccount, id: string) =>
  account.network.virtualInterface(id).dataPlane === "up";

const pickVif = (rng: Rng): Params => ({ vif: rng.int(0, VIFS.length - 1) });

const kinds: IncidentKind[] = [
  {
    name: "dx-data-plane-toggle",
    weight: 4,
    draw: pickVif,
    apply: ({ account }, params) => {
      const up = !dataPlaneUp(account, vif(params));
      account.network.setDataPlane(vif(params), up);
      return `${vif(params)} data plane ${up ? "up" : "down"} (BGP unchanged)`;
    },
  },
  {
    name: "bgp-toggle",
    weight: 3,
    draw: pickVif,
    apply: ({ account }, params) => {
      const id = vif(params);
      const down = account.network.virtualInterface(id).bgpPeers.some((p) => p.bgpStatus === "up");
      account.setBgpStatus(id, down ? "down" : "up");
      return `${id} BGP ${down ? "down" : "up"}`;
    },
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
      let at = world.account.clock.nowMs();
      for (const gap of gaps) {
        at += gap;
        outsideOf(world).flaps.push(at);
      }
      return `${gaps.length} data-plane toggles`;
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

const datum = (at: number, path: string, ok: boolean) => ({
  MetricName: "PathHealthy",
  Dimensions: [
    { Name: "Group", Value: GROUP },
    { Name: "Path", Value: path },
    { Name: "Probe", Value: "agent" },
  ],
  Value: ok ? 1 : 0,
  Timestamp: new Date(at),
  StorageResolution: 1,
});

const trigger = (world: World, at: number) => ({
  version: "0",
  id: `chaos-trigger-${at}`,
  "detail-type": "DX Path Degraded",
  source: "ops-toolkit",
  account: world.account.accountId,
  time: new Date(at).toISOString(),
  region: world.account.region,
  resources: [],
  detail: {
    group: GROUP,
    reason: "dx-down",
    probe: "agent",
    at,
    dxFailingSince: at - SAMPLE_MS,
    dx: { ok: false, consecutiveFailures: 2, consecutiveSuccesses: 0 },
    vpn: { ok: true, consecutiveFailures: 0, consecutiveSuccesses: 3 },
  },
});

const parsedConfig = DxFailoverConfigSchema.parse(section);
/** The section, parsed once (the agent's tick reads it every few simulated seconds). */
const groupConfig = () => parsedConfig;

/** The agent: samples since its last tick (batched like its flush), and its trigger. */
const tick = async (world: World, now: number): Promise<unknown[]> => {
  const o = outsideOf(world);
  const account = world.account;
  const group = groupConfig().groups[0];
  if (group === undefined) return [];
  const toggles = o.flaps.filter((t) => t <= now).length;
  for (let k = 0; k < toggles; k++)
    for (const id of VIFS) account.network.setDataPlane(id, !dataPlaneUp(account, id));
  o.flaps = o.flaps.filter((t) => t > now);
  const dxOk = directConnectWorks(account, group);
  const data = [];
  for (let at = o.lastSample + SAMPLE_MS; at <= now; at += SAMPLE_MS)
    data.push(datum(at, "direct-connect", dxOk), datum(at, "vpn", o.vpnUp));
  o.lastSample = Math.max(o.lastSample, now - (now % SAMPLE_MS));
  for (let k = 0; k < data.length; k += 1000)
    await account.dispatch(
      { service: "monitoring", operation: "PutMetricData", region: account.region, requestId: "agent" },
      { Namespace: NAMESPACE, MetricData: data.slice(k, k + 1000) },
    );
  o.failures = dxOk ? 0 : o.failures + 1;
  o.successes = dxOk ? o.successes + 1 : 0;
  if (o.successes >= 3) o.armed = true;
  if (dxOk || o.failures < 2 || !o.armed || !o.vpnUp) return [];
  o.armed = false;
  return [trigger(world, now)];
};

/**
 * A failback waits on time alone while a group table's state says the VPN is active: the reconcile fails
 * back once Direct Connect has worked for the restore window (quiet time must not collapse it; speed5).
 */
const timePending = (world: World): boolean => {
  const config = groupConfig();
  return [...world.account.state().routeTables.values()].some((table) => {
    const tags = Object.fromEntries(table.tags);
    return config.groups.some(
      (g) => decodeTableTags(tags, g.name, config.groupTagKey).state.activePath === "vpn",
    );
  });
};

/** Some configured CIDR has no route over a working path while a path works. */
const blackholed = (view: DxView): boolean =>
  Object.values(view.groups).some(
    (g) => (g.directConnectUp || g.vpnUp) && g.cells.some((cell) => !cellWorks(cell, g)),
  );

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
  const config = groupConfig();
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
      const view = dxView(account, config, (g) => ({
        directConnectUp: directConnectWorks(account, g),
        vpnUp: outsideOf(world).vpnUp,
        applianceEnis: [ENI],
      }));
      meter.step(view);
      const checked = checkDxStep(state, view, config, {
        detectionMs: DETECTION_MS,
        toleranceMs: SAMPLE_MS,
        recoveryMs: RECOVERY_MS,
      });
      state = checked.state;
      return checked.violations.map((v) => ({ invariant: v.invariant, message: v.message }));
    },
  };
};

export const dxFailoverModel: CapabilityModel = {
  capability: "dx-failover",
  variants: ["agent"],
  fixture: () => JSON.parse(readFileSync(FIXTURE, "utf8")),
  stage: () => ({ mode: "apply", dxFailover: section }),
  notDriven: { "dx-probe": "probes over sockets; the agent's samples and trigger are simulated instead" },
  incidents,
  apiFaults: [
    { service: "ec2", operation: "DescribeRouteTables" },
    { service: "ec2", operation: "CreateRoute" },
    { service: "ec2", operation: "ReplaceRoute" },
    { service: "ec2", operation: "DeleteRoute" },
    { service: "ec2", operation: "CreateTags" },
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
