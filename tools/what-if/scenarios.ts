/**
 * The four what-if scenarios: each names its target in the account and the stage configuration (an unknown
 * one is a WhatIfError listing the candidates), says when the account is ready for the incident, injects
 * it the way AWS would show it, and says when the toolkit's response is complete.
 *
 * - dx-down: every virtual interface of the group loses its data plane, BGP staying up (a grey failure:
 *   the propagated routes stay); with `--for`, the data plane comes back after that long.
 * - node-stop: StopInstances on a vFXT node (EC2 emits stopping, then stopped).
 * - firewall-replace: Auto Scaling replaces the group's serving firewall (the simulated account's
 *   replacement engine: terminate then launch, or launch before terminate as the instance maintenance
 *   policy at 100 % minimum healthy or an instance refresh with MinHealthyPercentage 100 does).
 * - idle: the instance's idle alarm goes to ALARM (from OK: an alarm already in ALARM is set OK first, since
 *   CloudWatch emits a state change only on a change).
 */
import type { StageConfig } from "../../functions/config";
import type { Capability } from "../../functions/index";
import type { AccountSnapshot, SimulatedAccount } from "../../sim/account/index";
import { dxView } from "../chaos/invariants/dx-failover";
import { alarmActionsIn } from "../lib/replay";
import { type ScenarioName, WhatIfError } from "./types";

export interface ScenarioOptions {
  group?: string;
  instance?: string;
  /** dx-down: how long the data plane stays down (ms). */
  forMs?: number;
  launchBeforeTerminate?: boolean;
}

export interface Scenario {
  name: ScenarioName;
  capability: Capability;
  target: string;
  description: string;
  /**
   * Why the account is not ready for the incident yet (the target not in a state it can happen to, or
   * something of it under way); undefined when it is.
   */
  blocker(account: SimulatedAccount): string | undefined;
  /** Injects the incident; returns what happened, in words. */
  inject(account: SimulatedAccount): Promise<string> | string;
  /** What happens later, relative to the incident (the data plane coming back). */
  later: Array<{ afterMs: number; apply(account: SimulatedAccount): string }>;
  /** Whether the toolkit's response is complete (besides the account being quiet). */
  done(account: SimulatedAccount, sinceIncidentMs: number): boolean;
  /** The longest simulated time after the incident the run may take. */
  capMs: number;
  /** What the account does besides the toolkit that the simulation does not model (shown with the final state). */
  notes?: string[];
  /** Resources whose final state the timeline shows. */
  shows: { routeTables: string[]; enis: string[]; instances: string[]; cidrs: string[] };
  /**
   * What the incident concerns (ids and names): only their changes, events and writes keep the run going,
   * and they must be settled for it to end (the account's other work is shown, not waited for).
   */
  watch: string[];
}

const HOUR_MS = 3_600_000;

const candidates = (what: string, names: readonly string[]): string =>
  names.length === 0 ? `(no ${what} in the account and configuration)` : names.join(", ");

export const unknown = (what: string, name: string, names: readonly string[], where: string): never => {
  throw new WhatIfError(`unknown ${what} "${name}" ${where}; candidates: ${candidates(what, names)}`);
};

const TRANSITIONS = /^(pending|stopping|shutting-down)$/;
const MEMBER_MOVING = /^(Pending|Terminating|Warmed:Pending|Warmed:Terminating|EnteringStandby|Detaching)/;

const among = <T>(record: Record<string, T>, ids: ReadonlySet<string>): T[] =>
  Object.entries(record)
    .filter(([id]) => ids.has(id))
    .map(([, v]) => v);

/** Nothing under way among `ids`: no instance between states, no ENI (de)attaching, no group member moving. */
export const settled = (snapshot: AccountSnapshot, ids: ReadonlySet<string>): boolean =>
  among(snapshot.instances, ids).every((i) => !TRANSITIONS.test(i.State)) &&
  among(snapshot.networkInterfaces, ids).every((e) => !/ing$/.test(e.Attachment?.Status ?? "")) &&
  among(snapshot.autoScalingGroups, ids).every(
    (g) =>
      Object.keys(g.LifecycleActions ?? {}).length === 0 &&
      Object.values(g.Instances).every((m) => !MEMBER_MOVING.test(m.LifecycleState)),
  );

const ec2 = (account: SimulatedAccount, operation: string, input: Record<string, unknown>) =>
  account.dispatch({ service: "ec2", operation, region: account.region, requestId: "what-if" }, input);

// ---------------------------------------------------------------------------------------------------

const dxDown = (account: SimulatedAccount, config: StageConfig, options: ScenarioOptions): Scenario => {
  const section = config.dxFailover;
  const name = options.group ?? "";
  const group =
    section.groups.find((g) => g.name === name) ??
    unknown(
      "group",
      name,
      section.groups.map((g) => g.name),
      "in dxFailover.groups of the configuration",
    );
  const vifs = group.virtualInterfaceIds;
  if (vifs.length === 0)
    throw new WhatIfError(`group ${name} lists no virtualInterfaceIds: the what-if has no DX to take down`);
  const known = Object.keys(account.snapshot().virtualInterfaces);
  for (const id of vifs) if (!known.includes(id)) unknown("virtual interface", id, known, "in the account");
  const view = () =>
    dxView(account, section, () => ({ directConnectUp: true, vpnUp: true, applianceEnis: [] }));
  const tables = [...new Set(view().groups[name]?.cells.map((c) => c.routeTableId) ?? [])];
  if (tables.length === 0)
    throw new WhatIfError(`no route table of the account carries ${section.groupTagKey}=${name}`);
  const setPlane = (up: boolean) => {
    for (const id of vifs) account.network.setDataPlane(id, up);
    return `${vifs.join(", ")} data plane ${up ? "up" : "down"} (BGP unchanged)`;
  };
  const onDx = () => view().groups[name]?.active === "direct-connect";
  const forMs = options.forMs;
  const backoffMs = (group.flapBackoff?.maxRestoreWindowSeconds ?? 3600) * 1000;
  return {
    name: "dx-down",
    capability: "dx-failover",
    target: name,
    description: `the Direct Connect data plane of group ${name} (${vifs.join(", ")}) goes down${forMs === undefined ? "" : ` for ${forMs / 60_000} min`}`,
    blocker: (a) => {
      const down = vifs.filter((id) => a.network.virtualInterface(id).dataPlane !== "up");
      if (down.length > 0) return `the data plane of ${down.join(", ")} is down`;
      return onDx() ? undefined : `group ${name} is on the VPN (its tables' state tag)`;
    },
    inject: () => setPlane(false),
    later: forMs === undefined ? [] : [{ afterMs: forMs, apply: () => setPlane(true) }],
    done: (_a, since) => forMs === undefined || (since >= forMs && onDx()),
    capMs: (forMs ?? 0) + backoffMs + HOUR_MS,
    shows: { routeTables: tables, enis: [], instances: [], cidrs: group.cidrs },
    // Groups sharing an interface lose DX too.
    watch: section.groups
      .filter((g) => g.virtualInterfaceIds.some((id) => vifs.includes(id)))
      .flatMap((g) => [
        `${section.alarmNamePrefix}${g.name}-`,
        ...(view().groups[g.name]?.cells.map((c) => c.routeTableId) ?? []),
      ])
      .concat(vifs),
  };
};

/** vFXT nodes of the configuration in the account: tagged with their cluster and, when listed, listed. */
const vfxtNodes = (snapshot: AccountSnapshot, config: StageConfig) =>
  Object.entries(snapshot.instances).flatMap(([id, i]) => {
    const cluster = config.vfxtIpMove.clusters.find(
      (c) =>
        i.Tags[config.vfxtIpMove.clusterTagKey] === c.name &&
        (c.instanceIds.length === 0 || c.instanceIds.includes(id)),
    );
    return cluster === undefined ? [] : [{ id, cluster: cluster.name, state: i.State }];
  });

const nodeStop = (account: SimulatedAccount, config: StageConfig, options: ScenarioOptions): Scenario => {
  const snapshot = account.snapshot();
  const nodes = vfxtNodes(snapshot, config);
  const id = options.instance ?? "";
  const node =
    nodes.find((n) => n.id === id) ??
    unknown(
      "instance",
      id,
      nodes.map((n) => `${n.id} (${n.cluster}, ${n.state})`),
      "among the vFXT nodes of vfxtIpMove.clusters",
    );
  if (node.state !== "running")
    unknown(
      "running node",
      id,
      nodes.filter((n) => n.state === "running").map((n) => n.id),
      `(it is ${node.state})`,
    );
  const cluster = nodes.filter((n) => n.cluster === node.cluster).map((n) => n.id);
  const enis = Object.entries(snapshot.networkInterfaces)
    .filter(([, e]) => cluster.includes(e.Attachment?.InstanceId ?? ""))
    .map(([eni]) => eni);
  const tables = config.vfxtIpMove.clusters.find((c) => c.name === node.cluster)?.routeTableIds ?? [];
  return {
    name: "node-stop",
    capability: "vfxt-ip-move",
    target: id,
    description: `vFXT node ${id} of cluster ${node.cluster} stops`,
    blocker: () => undefined,
    inject: async (a) => {
      await ec2(a, "StopInstances", { InstanceIds: [id] });
      return `StopInstances ${id}`;
    },
    later: [],
    done: () => true,
    capMs: 6 * HOUR_MS,
    shows: { routeTables: tables, enis, instances: cluster, cidrs: [] },
    watch: [...cluster, ...enis, ...tables],
  };
};

const firewallReplace = (
  account: SimulatedAccount,
  config: StageConfig,
  options: ScenarioOptions,
): Scenario => {
  const snapshot = account.snapshot();
  const configured = config.eniReattach.groups.map((g) => g.name);
  const present = configured.filter((g) => snapshot.autoScalingGroups[g] !== undefined);
  const name = options.group ?? "";
  if (!present.includes(name))
    unknown("group", name, present, "among the eniReattach groups of the configuration found in the account");
  const group = config.eniReattach.groups.find((g) => g.name === name);
  const tagKey = config.eniReattach.tagKey;
  const enis = Object.entries(snapshot.networkInterfaces)
    .filter(([, e]) => e.Tags[tagKey]?.startsWith(`${name}/`))
    .map(([eni]) => eni);
  if (enis.length === 0) {
    // The toolkit would move nothing: say which ENIs the group's allow-list names instead.
    const listed = Object.entries(snapshot.networkInterfaces)
      .filter(([id, e]) => group?.allowedEniIds.includes(id) || group?.allowedSubnetIds.includes(e.SubnetId))
      .map(
        ([id, e]) =>
          `${id} (${
            Object.entries(e.Tags)
              .map(([k, v]) => `${k}=${v}`)
              .join(" ") || "no tags"
          })`,
      );
    throw new WhatIfError(
      `no ENI of the account carries ${tagKey}=${name}/<device index>: the replacement would move nothing; ENIs allow-listed for ${name}: ${listed.join(", ") || "none"}`,
    );
  }
  const serving = (s: AccountSnapshot) =>
    Object.entries(s.autoScalingGroups[name]?.Instances ?? {})
      .filter(([, m]) => m.LifecycleState === "InService")
      .map(([id]) => id)
      .sort();
  const mode = options.launchBeforeTerminate === true ? "launch-before-terminate" : "terminate-and-launch";
  let old = "";
  return {
    name: "firewall-replace",
    capability: "eni-reattach",
    target: name,
    description: `Auto Scaling replaces the firewall of group ${name} (${mode === "terminate-and-launch" ? "terminate, then launch" : "launch before terminate"}; ${group?.expectedInterfaces ?? 0} ENIs to move)`,
    blocker: (a) => {
      const s = a.snapshot();
      const members = Object.entries(s.autoScalingGroups[name]?.Instances ?? {});
      const moving = members.filter(([, m]) => MEMBER_MOVING.test(m.LifecycleState));
      if (moving.length > 0 || !settled(s, new Set([name])))
        return `${name} is busy: ${members.map(([id, m]) => `${id} ${m.LifecycleState}`).join(", ")}`;
      return serving(s).length > 0 ? undefined : `${name} has no InService member`;
    },
    inject: async (a) => {
      const s = a.snapshot();
      const members = serving(s);
      // The member holding the group's ENIs is the firewall; else the oldest InService member.
      old =
        members.find((id) => enis.some((e) => s.networkInterfaces[e]?.Attachment?.InstanceId === id)) ?? "";
      old ||= members[0] ?? "";
      const answer = await a.control("POST", `/autoscaling-groups/${name}/replace`, {
        instanceId: old,
        mode,
      });
      if (answer.status !== 200)
        throw new WhatIfError(`the replacement of ${old} was refused: ${JSON.stringify(answer.body)}`);
      return `${old} replaced (${mode})`;
    },
    later: [],
    done: (a) => serving(a.snapshot()).some((id) => id !== old),
    capMs: 6 * HOUR_MS,
    shows: {
      routeTables: [],
      enis,
      instances: Object.keys(snapshot.autoScalingGroups[name]?.Instances ?? {}),
      cidrs: [],
    },
    watch: [name, ...enis],
  };
};

/** What CloudWatch does for an alarm's EC2 action (CloudWatch User Guide, "Alarm actions": EC2 actions). */
const EC2_ACTION_WORDS: Record<string, string> = {
  stop: "stops (a plain stop: the memory is lost)",
  terminate: "terminates",
  reboot: "reboots",
  recover: "recovers",
};

/** The alarm's enabled ALARM actions that are EC2 actions (`arn:aws:automate:<region>:ec2:stop|…`). */
const ec2ActionsOf = (account: SimulatedAccount, alarm: string): string[] =>
  (alarmActionsIn(account)(alarm, "ALARM") ?? []).filter((a) => /^arn:[^:]+:automate:[^:]*:ec2:/.test(a));

/** Whether an alarm name is one the idle-hibernate configuration acts on (its prefix or an adopted pattern). */
const idleAlarmName = (config: StageConfig, name: string): boolean =>
  name.startsWith(config.idleHibernate.alarmNamePrefix) ||
  config.idleHibernate.adoptAlarmNamePatterns.some((p) =>
    new RegExp(
      `^${p
        .split("*")
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*")}$`,
    ).test(name),
  );

const idle = (account: SimulatedAccount, config: StageConfig, options: ScenarioOptions): Scenario => {
  const snapshot = account.snapshot();
  const alarms = Object.entries(snapshot.alarms)
    .filter(([name, a]) => a.Dimensions?.InstanceId !== undefined && idleAlarmName(config, name))
    .sort(([, a], [, b]) => String(a.Dimensions?.InstanceId).localeCompare(String(b.Dimensions?.InstanceId)));
  const id = options.instance ?? "";
  const [alarm] =
    alarms.find(([, a]) => a.Dimensions?.InstanceId === id) ??
    unknown(
      "instance",
      id,
      alarms.map(([name, a]) => `${a.Dimensions?.InstanceId} (${name})`),
      "with an idle alarm (idleHibernate.alarmNamePrefix or adoptAlarmNamePatterns)",
    );
  const ec2Actions = ec2ActionsOf(account, alarm);
  return {
    name: "idle",
    capability: "idle-hibernate",
    target: id,
    description: `the idle alarm ${alarm} of ${id} goes to ALARM`,
    notes: ec2Actions.map(
      (action) =>
        `${alarm} has the EC2 alarm action ${action}: at ALARM CloudWatch itself ${EC2_ACTION_WORDS[action.split(":").pop() ?? ""] ?? "acts on"} ${id}, racing the hibernation (alarm EC2 actions are not simulated)`,
    ),
    blocker: () => undefined,
    inject: (a) => {
      const wasAlarm = a.snapshot().alarms[alarm]?.StateValue === "ALARM";
      if (wasAlarm) a.setAlarmState(alarm, "OK", "what-if: the alarm was in ALARM; set OK first");
      a.setAlarmState(
        alarm,
        "ALARM",
        "Threshold Crossed: 3 out of the last 3 datapoints were less than the threshold",
      );
      return `${alarm}: ${wasAlarm ? "ALARM → OK → ALARM" : "→ ALARM"}`;
    },
    later: [],
    done: () => true,
    capMs: 6 * HOUR_MS,
    shows: { routeTables: [], enis: [], instances: [id], cidrs: [] },
    watch: [id, alarm],
  };
};

export const SCENARIOS: Record<
  ScenarioName,
  (account: SimulatedAccount, config: StageConfig, options: ScenarioOptions) => Scenario
> = {
  "dx-down": dxDown,
  "node-stop": nodeStop,
  "firewall-replace": firewallReplace,
  idle,
};
