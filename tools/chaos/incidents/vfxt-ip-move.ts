/**
 * vfxt-ip-move's incidents on the two clusters of test/fixtures/accounts/vfxt.json (vfxt-a: secondary
 * addresses on the nodes' ENIs; vfxt-b: /32 routes to the nodes' ENIs in four tables): a node stopped,
 * started again, terminated (its primary ENI deleted with it), failing a status check (instance or system;
 * its status alarm follows the published status check metrics) and recovering, and the cluster software
 * moving a failed node's addresses itself (AssignPrivateIpAddresses with reassignment, ReplaceRoute), as
 * Avere vFXT does within its own failover time. The seed picks the grace: the default 900 s or 60 s.
 */
import { readFileSync } from "node:fs";
import { expandAddresses } from "../../../functions/vfxt-ip-move/addresses";
import { type VfxtIpMoveConfig, VfxtIpMoveConfigSchema } from "../../../functions/vfxt-ip-move/config";
import type { SimulatedAccount } from "../../../sim/account/index";
import {
  checkVfxtHolders,
  checkVfxtInvariants,
  checkVfxtMoves,
  checkVfxtScope,
  unservedAddresses,
  type VfxtView,
  vfxtView,
} from "../invariants/vfxt-ip-move";
import { Episodes, emptyMeasures } from "../measures";
import type { Rng } from "../prng";
import type { CapabilityModel, Checker, Episode, IncidentKind, Params, World } from "../types";
import { clusterEc2 } from "./vfxt-cluster-ec2";
import { joinIncidents, nodesOf, primaryEniOf, TAG } from "./vfxt-join";

const FIXTURE = "test/fixtures/accounts/vfxt.json";

interface StatusAlarmFixture {
  name: string;
  period: number;
  evaluationPeriods: number;
}
const NODES = ["a01", "a02", "a03", "b01", "b02", "b03"].map((n) => `i-0af7c0de000000${n}`);
const TABLES = ["b01", "b02", "b03"].map((n) => `rtb-0af7c0de000000${n}`).concat("rtb-0af7c0de000000c01");
/**
 * The longest a node's status alarm takes to reach ALARM after its check fails: its evaluation periods
 * (the fixture's `ops-vfxt-status-*` alarms, 2 × 60 s), each minute's StatusCheckFailed datapoint counting.
 */
const STATUS_ALARM_MS = Math.max(
  0,
  ...(JSON.parse(readFileSync(FIXTURE, "utf8")) as { alarms: StatusAlarmFixture[] }).alarms
    .filter((a) => a.name.startsWith("ops-vfxt-status-"))
    .map((a) => a.period * a.evaluationPeriods * 1000),
);
/**
 * Beyond the grace: the status alarm's detection, then a reconcile (5 min), a delayed event, Lambda's two
 * retries and a spare reconcile.
 */
const DETECTION_MS = STATUS_ALARM_MS + 20 * 60_000;

/**
 * The stage's section. `discover`: vfxt-b finds its /32 route tables (`discoverRouteTables`: each node
 * subnet's table) instead of listing them (review 9, finding 2: the discovery path had no campaign).
 */
const sectionOf = (graceSeconds: number, discover = false) => ({
  clusters: [
    {
      name: "vfxt-a",
      addresses: [
        "10.20.1.101",
        "10.20.1.102",
        "10.20.1.103/32",
        "10.20.1.104",
        "10.20.1.105",
        "10.20.1.106",
      ],
      rebalance: false,
      graceSeconds,
    },
    {
      name: "vfxt-b",
      addresses: ["10.250.0.11", "10.250.0.12", "10.250.0.13"],
      ...(discover ? { discoverRouteTables: true } : { routeTableIds: TABLES }),
      rebalance: false,
      graceSeconds,
    },
  ],
});

/**
 * Per run, per cluster: when one of its nodes last failed (the `served` invariant of that cluster waits
 * grace + detection after it; another cluster's failures do not postpone it: review 8, finding 5).
 */
const lastFailure = new WeakMap<World, Map<string, number>>();

const ec2 = (account: SimulatedAccount, operation: string, input: Record<string, unknown>) =>
  account.dispatch({ service: "ec2", operation, region: account.region, requestId: "chaos" }, input);

const stateOf = (account: SimulatedAccount, id: string): string =>
  account.state().instances.get(id)?.state ?? "gone";

const failed = (world: World, id: string): void => {
  const cluster = world.account.state().instances.get(id)?.tags.get(TAG) ?? "";
  const failures = lastFailure.get(world) ?? new Map<string, number>();
  failures.set(cluster, world.account.clock.nowMs());
  lastFailure.set(world, failures);
};

const impaired = (account: SimulatedAccount, id: string): boolean => {
  const status = account.state().instances.get(id)?.status;
  return status?.instance === "impaired" || status?.system === "impaired";
};

/** An incident on the node `params.node` picks among the nodes it can happen to now (none: nothing). */
const onNode = (
  name: string,
  weight: number,
  can: (account: SimulatedAccount, id: string) => boolean,
  act: (world: World, id: string, params: Params) => Promise<string> | string,
  extra: (rng: Rng) => Params = () => ({}),
): IncidentKind => ({
  name,
  weight,
  draw: (rng) => ({ node: rng.int(0, NODES.length - 1), ...extra(rng) }),
  apply: (world, params) => {
    // The cluster's nodes now (a joined node can fail too), in id order: the fixture's six first.
    const candidates = nodesOf(world.account).filter((id) => can(world.account, id));
    const id = candidates[Number(params.node) % Math.max(candidates.length, 1)];
    return id === undefined ? "no node it can happen to" : act(world, id, params);
  },
});

const running = (account: SimulatedAccount, id: string) => stateOf(account, id) === "running";

const healthy = (account: SimulatedAccount, id: string): boolean => {
  const i = account.state().instances.get(id);
  return i?.state === "running" && i.status?.instance !== "impaired" && i.status?.system !== "impaired";
};

/** The cluster software's own failover: a failed node's addresses to a healthy node of the cluster. */
const clusterMoves = async (world: World, params: Params): Promise<string> => {
  const account = world.account;
  const cluster = Number(params.cluster) % 2 === 0 ? "a" : "b";
  const nodes = nodesOf(account, `vfxt-${cluster}`);
  const alive = nodes.filter((id) => healthy(account, id));
  const to = alive[Number(params.to) % Math.max(alive.length, 1)];
  if (to === undefined) return `no healthy node in vfxt-${cluster}`;
  const eni = primaryEniOf(account.state(), to)?.id;
  const moved: string[] = [];
  if (cluster === "a") {
    for (const n of account.state().networkInterfaces.values()) {
      if (n.attachment !== undefined && healthy(account, n.attachment.instanceId)) continue;
      if (n.tags.get(TAG) !== `vfxt-${cluster}`) continue;
      moved.push(...n.secondaryPrivateIpAddresses);
    }
    if (moved.length > 0)
      await clusterEc2(account, "AssignPrivateIpAddresses", {
        NetworkInterfaceId: eni,
        PrivateIpAddresses: moved,
        AllowReassignment: true,
      });
    return `${moved.join(", ") || "nothing"} → ${to}`;
  }
  for (const table of TABLES)
    for (const route of account.state().routeTables.get(table)?.routes ?? []) {
      const owner = account.state().networkInterfaces.get(route.target)?.attachment?.instanceId;
      if (route.origin !== "CreateRoute" || (owner !== undefined && healthy(account, owner))) continue;
      await clusterEc2(account, "ReplaceRoute", {
        RouteTableId: table,
        DestinationCidrBlock: route.destinationCidrBlock,
        NetworkInterfaceId: eni,
      });
      moved.push(`${table} ${route.destinationCidrBlock}`);
    }
  return `${moved.join(", ") || "nothing"} → ${to}`;
};

/** Per run: configured addresses the cluster itself moved (rebalancing), and when (not the function's moves). */
const clusterMoved = new WeakMap<World, Map<string, number>>();
/** A move the cluster made this long before an invocation may still complete during it (the remap). */
const CLUSTER_MOVE_LAG_MS = 60_000;

const CONFIGURED = new Set(sectionOf(900).clusters.flatMap((c) => expandAddresses(c.addresses)));

const incidents: IncidentKind[] = [
  onNode("stop", 3, running, async (world, id) => {
    failed(world, id);
    await ec2(world.account, "StopInstances", { InstanceIds: [id] });
    return "stopping";
  }),
  onNode(
    "start",
    3,
    (account, id) => stateOf(account, id) === "stopped",
    async (world, id) => {
      await ec2(world.account, "StartInstances", { InstanceIds: [id] });
      return "pending";
    },
  ),
  onNode("terminate", 1, running, async (world, id) => {
    failed(world, id);
    await ec2(world.account, "TerminateInstances", { InstanceIds: [id] });
    return "shutting-down";
  }),
  onNode(
    "status-check-failed",
    3,
    (account, id) => running(account, id) && !impaired(account, id),
    (world, id, params) => {
      failed(world, id);
      // The node's status alarm goes to ALARM from the published StatusCheckFailed datapoints, after its
      // evaluation periods (sim/account/status-metrics.ts), not at the failure instant.
      world.account.setInstanceStatus(id, { [String(params.check)]: "impaired" });
      return `${String(params.check)} impaired`;
    },
    (rng) => ({ check: rng.pick(["instance", "system"]) }),
  ),
  onNode(
    "status-check-recovered",
    3,
    (account, id) => running(account, id) && impaired(account, id),
    (world, id) => {
      world.account.setInstanceStatus(id, { instance: "ok", system: "ok" });
      return "ok";
    },
  ),
  {
    name: "cluster-moves",
    weight: 3,
    draw: (rng) => ({ cluster: rng.int(0, 1), to: rng.int(0, 2) }),
    apply: clusterMoves,
  },
  ...joinIncidents({
    ec2: clusterEc2,
    tables: TABLES,
    configured: CONFIGURED,
    moved: (world, address) => {
      const moves = clusterMoved.get(world) ?? new Map<string, number>();
      moves.set(address, world.account.clock.nowMs());
      clusterMoved.set(world, moves);
    },
  }),
];

const checker =
  (graceSeconds: number, discover: boolean) =>
  (world: World): Checker => {
    const config = VfxtIpMoveConfigSchema.parse(sectionOf(graceSeconds, discover));
    const state = () => world.account.state();
    const settleMs = graceSeconds * 1000 + DETECTION_MS;
    let before: VfxtView = vfxtView(state(), config, world.start);
    /** An invocation is under way (its writes are judged against `before`). */
    let judging = false;
    const views = viewsDuring(world, config);
    const viewBefore = (seq: number): VfxtView => views.before(seq) ?? before;
    const measures = emptyMeasures();
    const unserved = new Episodes(measures, `vfxt-unserved-s grace-${graceSeconds}`);
    const addresses = config.clusters.flatMap((c) =>
      expandAddresses(c.addresses).map((a) => `${c.name} ${a}`),
    );
    const measure = (now: number): ReadonlySet<string> => {
      const open = new Set(unservedAddresses(state(), config, now));
      for (const address of addresses) unserved.observe(address, open.has(address), now);
      return open;
    };
    const returns = returnsOf(world, config, before.healthy);
    return {
      measures: () => {
        unserved.finish(world.account.clock.nowMs());
        return measures;
      },
      // Measured around invocations too: a handler sleeping through the grace holds the steps still.
      beforeInvocation: () => {
        before = vfxtView(state(), config, world.account.clock.nowMs());
        judging = true;
        views.clear();
        measure(before.at);
      },
      beforeCall: () => {
        if (judging) views.capture();
      },
      invocation: (report) => {
        const now = world.account.clock.nowMs();
        judging = false;
        measure(now);
        const after = vfxtView(state(), config, now);
        // Each write judged against the state just before it reached the account (a plan made before a
        // grace and applied after it, off a node that came back, is caught).
        const moves = report.calls.flatMap((call) => checkVfxtMoves(viewBefore(call.seq), [call], config));
        // One finding per move: the state check adds what the operations check cannot see.
        const seen = new Set(moves.map((m) => m.invariant));
        // The cluster's own moves between the function's calls are not the function's.
        const byCluster = [...(clusterMoved.get(world) ?? [])]
          .filter(([, at]) => at >= before.at - CLUSTER_MOVE_LAG_MS)
          .map(([address]) => address);
        return [
          ...moves,
          ...checkVfxtScope(report.calls, config, state()),
          ...checkVfxtHolders(before, after, state(), config).filter(
            (v) =>
              !seen.has(v.invariant) &&
              !byCluster.some((a) => v.message.includes(` ${a} `) || v.message.includes(` ${a}/32 `)),
          ),
        ];
      },
      step: () => {
        const now = world.account.clock.nowMs();
        // A node that failed while the invocation ran (an incident between its calls) was no healthy node
        // for the function's later writes: it is judged healthy only if it stayed healthy throughout.
        if (judging) {
          before = { ...before, healthy: stillHealthy(before, vfxtView(state(), config, now)) };
          views.capture();
        }
        const returned = returns.settled(now, measure(now));
        const settled = (cluster: string) =>
          now - (lastFailure.get(world)?.get(cluster) ?? world.start) >= settleMs && returned(cluster);
        return checkVfxtInvariants(state(), config, { now, settled });
      },
    };
  };

/**
 * Views taken while an invocation runs (before each of its SDK calls, and at each step of the world during
 * it), with how many calls the account had logged then: a write is judged against the last view before it.
 */
const viewsDuring = (world: World, config: VfxtIpMoveConfig) => {
  const views: Array<{ calls: number; view: VfxtView }> = [];
  return {
    capture: () => {
      const view = vfxtView(world.account.state(), config, world.account.clock.nowMs());
      views.push({ calls: world.account.calls.length, view });
    },
    before: (seq: number): VfxtView | undefined => views.findLast((v) => v.calls < seq)?.view,
    clear: () => {
      views.length = 0;
    },
  };
};

/**
 * A node that becomes healthy while some configured address is unserved (e.g. the first node back after
 * every node of a cluster was down) is a target from then on, but nothing tells the function: EC2 emits
 * no event when status checks pass ("EC2 Instance State-change Notification" covers states only) nor at
 * the end of the function's boot grace (its own rule, README "Health"); its next trigger is the 5-minute
 * reconcile, which a throttled or failed delivery can push back (Lambda's retries). So `served` is judged
 * again only RETURN_DETECTION_MS after such a return, as it is after a failure.
 */
const RETURN_DETECTION_MS = 20 * 60_000;

const returnsOf = (world: World, config: VfxtIpMoveConfig, initial: ReadonlySet<string>) => {
  let healthy = initial;
  /** Cluster → when one of its nodes last became healthy while an address of it was unserved. */
  const returnedAt = new Map<string, number>();
  const clusterOf = (id: string) => world.account.state().instances.get(id)?.tags.get(TAG) ?? "";
  return {
    /**
     * At a step, with the addresses unserved now (`<cluster> <address>`): per cluster, has the detection
     * time passed since the last return of one of its nodes?
     */
    settled: (now: number, unserved: ReadonlySet<string>): ((cluster: string) => boolean) => {
      const current = vfxtView(world.account.state(), config, now).healthy;
      const waiting = new Set([...unserved].map((u) => u.split(" ")[0]));
      for (const id of current) {
        const cluster = clusterOf(id);
        if (!healthy.has(id) && waiting.has(cluster)) returnedAt.set(cluster, now);
      }
      healthy = current;
      return (cluster) => now - (returnedAt.get(cluster) ?? Number.NEGATIVE_INFINITY) >= RETURN_DETECTION_MS;
    },
  };
};

const stillHealthy = (before: VfxtView, now: VfxtView): ReadonlySet<string> =>
  new Set([...before.healthy].filter((id) => now.healthy.has(id)));

const fixture = (): unknown => JSON.parse(readFileSync(FIXTURE, "utf8"));

const graceOf = (variant: string): number => (variant.startsWith("grace-60") ? 60 : 900);
const discovers = (variant: string): boolean => variant.endsWith("-discover");

/**
 * drive6: a failed node comes back, the cluster moves its addresses itself, or a second node fails, 0.1–2
 * graces later: about half within the grace, the race the grace exists for (review5 finding 1).
 */
const incidentEpisodes = (variant: string): Episode[] => {
  const graceMs = graceOf(variant) * 1000;
  const delayMs = [Math.round(graceMs / 10), 2 * graceMs] as const;
  const failure = (after: string, back: string | undefined): Episode => ({
    after,
    chance: 0.6,
    next: [
      ...(back === undefined ? [] : [{ incident: back, weight: 3 }]),
      { incident: "cluster-moves", weight: 2 },
      { incident: "stop", weight: 1 },
    ],
    delayMs,
  });
  return [
    failure("stop", "start"),
    failure("status-check-failed", "status-check-recovered"),
    failure("terminate", undefined),
  ];
};

export const vfxtIpMoveModel: CapabilityModel = {
  capability: "vfxt-ip-move",
  variants: ["grace-900", "grace-60", "grace-60-discover"],
  fixture,
  stage: (variant) => ({ mode: "apply", vfxtIpMove: sectionOf(graceOf(variant), discovers(variant)) }),
  notDriven: {},
  incidents,
  apiFaults: [
    { service: "ec2", operation: "DescribeInstances" },
    { service: "ec2", operation: "DescribeInstanceStatus" },
    { service: "ec2", operation: "DescribeNetworkInterfaces" },
    { service: "ec2", operation: "AssignPrivateIpAddresses" },
    { service: "ec2", operation: "ReplaceRoute" },
    { service: "ec2", operation: "DescribeRouteTables" },
  ],
  incidentsPerDay: [2, 6],
  episodes: incidentEpisodes,
  stepMs: 10_000,
  activeWindowMs: (900 + 30 * 60) * 1000,
  quietStepMs: 60 * 60_000,
  timeoutMs: 900_000,
  checker: (world, variant) => checker(graceOf(variant), discovers(variant))(world),
};
