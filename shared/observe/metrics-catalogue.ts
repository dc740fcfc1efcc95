/**
 * Every metric the toolkit publishes: namespace, name, dimension names and the functions that publish it.
 * The report code takes its metric names from here, and the stack's dashboard and alarms
 * (tools/serverless-config.cjs) are built from here, so that a widget or an alarm can only watch a metric
 * that is published, with the dimensions it is published with (test/serverless/metrics-catalogue.sim.test.ts
 * replays the shipped events and holds what the handlers print against this list).
 *
 * Dimensions are listed as published. Powertools puts `service` (the function's POWERTOOLS_SERVICE_NAME,
 * its registry name) first on every metric, and a `singleMetric()` adds its own dimension after it: a
 * metric is published once, with exactly that one dimension set.
 */

/** The toolkit's own namespace (POWERTOOLS_METRICS_NAMESPACE in serverless.yml). */
export const TOOLKIT_NAMESPACE = "OpsToolkit";

/** The functions, by registry name (= the `service` dimension). */
export const SERVICES = {
  idleHibernate: "idle-hibernate",
  idleAlarms: "idle-alarms",
  dxFailover: "dx-failover",
  dxProbe: "dx-probe",
  eniReattach: "eni-reattach",
  outpostsCapacity: "outposts-capacity",
  vfxtIpMove: "vfxt-ip-move",
} as const;

const ALL_SERVICES: readonly string[] = Object.values(SERVICES);

export interface CatalogueMetric {
  readonly name: string;
  /**
   * `toolkit`: TOOLKIT_NAMESPACE, through Powertools. `probes`: the dx probes' own namespace
   * (dxFailover.metricsNamespace), written as EMF by dx-probe and with PutMetricData by the agent.
   */
  readonly namespace: "toolkit" | "probes";
  readonly dimensions: readonly string[];
  /** The functions that publish it (the agent is not a function: `probes` metrics list dx-probe). */
  readonly services: readonly string[];
  readonly unit: "Count" | "Milliseconds" | "None";
}

const toolkit = (
  name: string,
  services: readonly string[],
  extra: readonly string[] = [],
  unit: CatalogueMetric["unit"] = "Count",
): CatalogueMetric => ({ name, namespace: "toolkit", dimensions: ["service", ...extra], services, unit });

const GROUP = ["Group"] as const;
const REASON = ["Reason"] as const;

/** Published by every function (shared runtime and pipeline), dimension `service` only. */
export const SHARED_METRICS = {
  ActionsTaken: toolkit("ActionsTaken", ALL_SERVICES),
  ActionsSkipped: toolkit("ActionsSkipped", ALL_SERVICES),
  ActionsFailed: toolkit("ActionsFailed", ALL_SERVICES),
  ActionsPlanned: toolkit("ActionsPlanned", ALL_SERVICES),
  InvalidEvents: toolkit("InvalidEvents", ALL_SERVICES),
  IgnoredEvents: toolkit("IgnoredEvents", ALL_SERVICES),
  ConfigurationErrors: toolkit("ConfigurationErrors", ALL_SERVICES),
  PreconditionFailures: toolkit("PreconditionFailures", ALL_SERVICES),
  Conflicts: toolkit("Conflicts", ALL_SERVICES),
  RetryableFailures: toolkit("RetryableFailures", ALL_SERVICES),
  ActionEventsFailed: toolkit("ActionEventsFailed", ALL_SERVICES),
} as const;

const IDLE = [SERVICES.idleHibernate];
/** Hibernation proofs: the read-back (idle-hibernate) and the `stopped` event (judged by idle-alarms). */
const IDLE_PROOFS = [SERVICES.idleHibernate, SERVICES.idleAlarms];

export const IDLE_METRICS = {
  HibernationInitiated: toolkit("HibernationInitiated", IDLE_PROOFS),
  NormalShutdown: toolkit("NormalShutdown", IDLE_PROOFS),
  StoppedWithoutHibernation: toolkit("StoppedWithoutHibernation", IDLE_PROOFS),
  HibernationPaused: toolkit("HibernationPaused", IDLE),
  HibernatedTooLong: toolkit("HibernatedTooLong", IDLE),
  HibernationAgeUnknown: toolkit("HibernationAgeUnknown", IDLE),
  /** One per instance skipped, by the skip's reason (the plan's SKIP_REASONS and the age watch's). */
  HibernationSkipped: toolkit("HibernationSkipped", IDLE, REASON),
} as const;

const DX = [SERVICES.dxFailover];

export const DX_METRICS = {
  DxPathSwitches: toolkit("DxPathSwitches", DX, GROUP),
  DxFailovers: toolkit("DxFailovers", DX, GROUP),
  DxFailbacks: toolkit("DxFailbacks", DX, GROUP),
  DxActivePathVpn: toolkit("DxActivePathVpn", DX, GROUP),
  DxSwitchDuration: toolkit("DxSwitchDuration", DX, GROUP, "Milliseconds"),
  DxBothPathsDown: toolkit("DxBothPathsDown", DX, GROUP),
  DxOverrideDefeated: toolkit("DxOverrideDefeated", DX, GROUP),
  DxStuckOnVpn: toolkit("DxStuckOnVpn", DX, GROUP),
  DxTagWriteFailed: toolkit("DxTagWriteFailed", DX, GROUP),
  DxSwitchIncomplete: toolkit("DxSwitchIncomplete", DX, GROUP),
  DxEvidenceConflict: toolkit("DxEvidenceConflict", DX, GROUP),
  ProbeTriggerIgnored: toolkit("ProbeTriggerIgnored", DX, REASON),
} as const;

const PROBE_DIMENSIONS = ["Group", "Path", "Probe"] as const;

/** The probes' samples: per `Group`, `Path` (direct-connect | vpn) and `Probe` (lambda | agent). */
export const PROBE_METRICS = {
  PathHealthy: {
    name: "PathHealthy",
    namespace: "probes",
    dimensions: PROBE_DIMENSIONS,
    services: [SERVICES.dxProbe],
    unit: "None",
  },
  PathLatency: {
    name: "PathLatency",
    namespace: "probes",
    dimensions: PROBE_DIMENSIONS,
    services: [SERVICES.dxProbe],
    unit: "Milliseconds",
  },
  /** Direct Connect's health per address family of its targets (`Family`: ipv4 | ipv6): each CIDR judged on its own family. */
  PathFamilyHealthy: {
    name: "PathFamilyHealthy",
    namespace: "probes",
    dimensions: ["Group", "Path", "Probe", "Family"],
    services: [SERVICES.dxProbe],
    unit: "None",
  },
} as const satisfies Record<string, CatalogueMetric>;

const ENI = [SERVICES.eniReattach];
const CAPACITY = [SERVICES.outpostsCapacity];

export const ENI_METRICS = {
  LifecycleAbandoned: toolkit("LifecycleAbandoned", ENI, GROUP),
  LifecycleContinued: toolkit("LifecycleContinued", ENI, GROUP),
  HandOverDuration: toolkit("HandOverDuration", ENI, GROUP, "Milliseconds"),
  HandOverDeferred: toolkit("HandOverDeferred", ENI, GROUP),
  HandOverBlocked: toolkit("HandOverBlocked", ENI, GROUP),
  HandOverFailed: toolkit("HandOverFailed", ENI, GROUP),
  MissingInterfaces: toolkit("MissingInterfaces", ENI, GROUP),
  /** The shared metric's name, with the `Group` dimension (a metric is its name and its dimension set). */
  GroupConfigurationErrors: toolkit("ConfigurationErrors", ENI, GROUP),
  FirewallCapacityAvailable: toolkit("FirewallCapacityAvailable", CAPACITY, GROUP),
  CapacityKnown: toolkit("CapacityKnown", CAPACITY, GROUP),
} as const;

const VFXT = [SERVICES.vfxtIpMove];

export const VFXT_METRICS = {
  AddressesMoved: toolkit("AddressesMoved", VFXT),
  NoHealthyNode: toolkit("NoHealthyNode", VFXT),
  AddressesUnserved: toolkit("AddressesUnserved", VFXT),
  AddressesRefused: toolkit("AddressesRefused", VFXT),
  AddressesHeldByForeignEni: toolkit("AddressesHeldByForeignEni", VFXT),
  InvalidAddresses: toolkit("InvalidAddresses", VFXT),
  AddressesNotReserved: toolkit("AddressesNotReserved", VFXT),
  BackstopMoves: toolkit("BackstopMoves", VFXT),
  ElasticIpsLost: toolkit("ElasticIpsLost", VFXT),
  UnlistedTaggedInstances: toolkit("UnlistedTaggedInstances", VFXT),
} as const;

/** The whole catalogue. */
export const METRICS_CATALOGUE: readonly CatalogueMetric[] = [
  SHARED_METRICS,
  IDLE_METRICS,
  DX_METRICS,
  PROBE_METRICS,
  ENI_METRICS,
  VFXT_METRICS,
].flatMap((group) => Object.values(group));

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((d, i) => [...b].sort()[i] === d);

/**
 * The catalogue entry a metric matches: namespace kind, name and dimension names (a set: CloudWatch
 * identifies a metric by its namespace, name and dimensions, whatever their order).
 */
export const catalogued = (
  namespace: CatalogueMetric["namespace"],
  name: string,
  dimensions: readonly string[],
): CatalogueMetric | undefined =>
  METRICS_CATALOGUE.find(
    (m) => m.namespace === namespace && m.name === name && sameSet(m.dimensions, dimensions),
  );
