// The operator's view of the stack (issue 13): one CloudWatch dashboard with a section per capability, and
// the alarms that page someone, through the stack's alarm topic (OpsAlarmTopic). Loaded by
// tools/serverless-config.cjs; documented, widget by widget and alarm by alarm, in docs/observability.md.
//
// Every toolkit metric is referenced through shared/observe/metrics-catalogue.ts (`metricOf`, `alarmOn`):
// a reference whose dimensions are not the catalogue's fails packaging, so a widget or an alarm can only
// watch what the handlers publish, with the dimensions they publish it with.
//
// CommonJS, as tools/serverless-config.cjs (osls require()s variable files).
"use strict";

let catalogue;
/** shared/observe/metrics-catalogue.ts, compiled on the fly by tsx (loaded once per process). */
const loadCatalogue = () => {
  if (catalogue === undefined) {
    const tsx = require("tsx/cjs/api");
    catalogue = tsx.require("../shared/observe/metrics-catalogue.ts", __filename);
  }
  return catalogue;
};

/** The stack's alarm topic: every paging alarm notifies it on ALARM and on OK. */
const ALARM_TOPIC_LOGICAL_ID = "OpsAlarmTopic";
const pagerActions = () => ({
  AlarmActions: [{ Ref: ALARM_TOPIC_LOGICAL_ID }],
  OKActions: [{ Ref: ALARM_TOPIC_LOGICAL_ID }],
});

/** dx-failover: page when a group has been on the VPN this long (the DX outage outlived a normal blip). */
const ON_VPN_PAGE_AFTER_MINUTES = 60;
/** dx-failover: page when Direct Connect has not answered a single probe for this long. */
const DX_NOT_RESTORED_PAGE_AFTER_MINUTES = 30;

/** CloudWatch limits (docs/aws-behaviour.md "Operator dashboard and alarms"). */
const LIMITS = { widgets: 500, metricsPerWidget: 500, metricsPerDashboard: 2500, alarmsPerWidget: 100 };

/** The namespace a catalogue entry is published in. */
const namespaceOf = (entry, config) =>
  entry.namespace === "toolkit" ? loadCatalogue().TOOLKIT_NAMESPACE : config.dxFailover.metricsNamespace;

/**
 * The dimensions of a reference to `entry`, checked against the catalogue: the same names, and a `service`
 * among the functions that publish it (packaging fails otherwise).
 * @param {{ name: string, dimensions: string[], services: string[] }} entry
 * @param {Record<string, string>} values
 */
const dimensionsOf = (entry, values) => {
  const names = Object.keys(values).sort();
  const expected = [...entry.dimensions].sort();
  if (names.join(",") !== expected.join(",")) {
    throw new Error(`${entry.name}: published with [${expected}], referenced with [${names}]`);
  }
  if (values.service !== undefined && !entry.services.includes(values.service)) {
    throw new Error(`${entry.name}: not published by ${values.service}`);
  }
  return entry.dimensions.map((name) => ({ Name: name, Value: values[name] }));
};

/** A dashboard metric line: [namespace, name, dim, value, …, options]. */
const metricOf = (config, entry, values, options = {}) => [
  namespaceOf(entry, config),
  entry.name,
  ...dimensionsOf(entry, values).flatMap((d) => [d.Name, d.Value]),
  options,
];

/** An alarm's metric properties (Namespace, MetricName, Dimensions). */
const alarmOn = (config, entry, values) => ({
  Namespace: namespaceOf(entry, config),
  MetricName: entry.name,
  Dimensions: dimensionsOf(entry, values),
});

/** A toolkit alarm resource: `${service}-${stage}-<what>`, paging unless `page` is false. */
const alarmResource = (name, description, props, page = true) => ({
  Type: "AWS::CloudWatch::Alarm",
  Properties: { AlarmName: name, AlarmDescription: description, ...props, ...(page ? pagerActions() : {}) },
});

/** `lz-prod` → `Lzprod`: the group's part of a logical id. */
const logicalPart = (name) => {
  const alnum = name.replace(/[^A-Za-z0-9]/g, "");
  return `${alnum.charAt(0).toUpperCase()}${alnum.slice(1)}`;
};

/**
 * idle-hibernate: a hibernation the toolkit requested ended in a normal shutdown (StateReason not
 * Client.UserInitiatedHibernate: the memory was lost). Judged by idle-hibernate's read-back and by
 * idle-alarms on the `stopped` event, hence the sum of both series.
 */
const idlePagerAlarms = (config, service, stage) => {
  const { NormalShutdown } = loadCatalogue().IDLE_METRICS;
  const series = (id, fn) => ({
    Id: id,
    MetricStat: { Metric: alarmOn(config, NormalShutdown, { service: fn }), Period: 300, Stat: "Sum" },
    ReturnData: false,
  });
  return {
    IdleHibernationNotProvenAlarm: alarmResource(
      `${service}-${stage}-idle-hibernation-not-proven`,
      'idle-hibernate asked an instance to hibernate and it stopped without hibernating (normal shutdown: its memory is lost). See the "normal-shutdown" action events and the logs ("Hibernation proof").',
      {
        Metrics: [
          series("readBack", "idle-hibernate"),
          series("stoppedEvent", "idle-alarms"),
          { Id: "shutdowns", Expression: "SUM(METRICS())", Label: "normal shutdowns", ReturnData: true },
        ],
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
        // Published only when a stop is judged: no datapoint means nothing went wrong.
        TreatMissingData: "notBreaching",
      },
    ),
  };
};

/**
 * What pages for one dx-failover group: [logical id part, name part, description, metric, dimensions,
 * statistic and evaluation]. TreatMissingData per alarm: `notBreaching` where the metric is published only
 * when the condition holds; `missing` where it is published by every invocation (a gap proves neither
 * path: a stopped function pages through the failed-events queue).
 */
const dxGroupAlarmSpecs = (g, probe) => {
  const { DX_METRICS, PROBE_METRICS } = loadCatalogue();
  const group = { service: "dx-failover", Group: g.name };
  const onVpn = ON_VPN_PAGE_AFTER_MINUTES / 5;
  const dxDown = DX_NOT_RESTORED_PAGE_AFTER_MINUTES / 5;
  const sum = { Statistic: "Sum", Period: 60, TreatMissingData: "notBreaching" };
  return [
    [
      "FailoverIncomplete",
      "failover-incomplete",
      'route writes of the wanted path were not done (refused, throttled, not attempted): traffic of those routes stays on the old path. See the "failover-incomplete"/"failback-incomplete" action events.',
      DX_METRICS.DxSwitchIncomplete,
      group,
      sum,
    ],
    [
      "OnVpnTooLong",
      "on-vpn-too-long",
      `on the VPN for ${ON_VPN_PAGE_AFTER_MINUTES} minutes: Direct Connect is still down, or it is back and the failback is held (dwell, backed-off restore window, routes not propagated).`,
      DX_METRICS.DxActivePathVpn,
      group,
      {
        Statistic: "Minimum",
        Period: 300,
        EvaluationPeriods: onVpn,
        DatapointsToAlarm: onVpn,
        TreatMissingData: "missing",
      },
    ],
    // A dead probe is the probe-missing alarm's business: missing data proves nothing about Direct Connect.
    [
      "DirectConnectNotRestored",
      "direct-connect-not-restored",
      `Direct Connect has not answered one probe for ${DX_NOT_RESTORED_PAGE_AFTER_MINUTES} minutes (the ${probe} probe): the circuit or its BGP sessions are down.`,
      PROBE_METRICS.PathHealthy,
      { Group: g.name, Path: "direct-connect", Probe: probe },
      {
        Statistic: "Maximum",
        Period: 300,
        EvaluationPeriods: dxDown,
        DatapointsToAlarm: dxDown,
        ComparisonOperator: "LessThanThreshold",
        TreatMissingData: "missing",
      },
    ],
    [
      "StuckOnVpn",
      "stuck-on-vpn",
      'Direct Connect is restored but cannot carry the group\'s routes (blocked CIDRs): the failback will not happen by itself. See the "stuck-on-vpn" action event.',
      DX_METRICS.DxStuckOnVpn,
      group,
      { Statistic: "Maximum", Period: 300, TreatMissingData: "missing" },
    ],
    [
      "BothPathsDown",
      "both-paths-down",
      "Direct Connect and the VPN are both down: no path to on-premises.",
      DX_METRICS.DxBothPathsDown,
      group,
      sum,
    ],
    [
      "OverrideDefeated",
      "override-defeated",
      'the static routes to the appliance do not carry all of a CIDR (more specific routes win): part of the traffic still goes to Direct Connect. See the "override-defeated" action event.',
      DX_METRICS.DxOverrideDefeated,
      group,
      { Statistic: "Maximum", Period: 300, TreatMissingData: "missing" },
    ],
  ];
};

/** The paging alarms of one dx-failover group (names `${service}-${stage}-dx-<group>-<what>`). */
const dxGroupPagerAlarms = (config, service, stage, g, probe) =>
  dxGroupAlarmSpecs(g, probe).map(([logical, what, description, entry, values, props]) => [
    `DxPager${logicalPart(g.name)}${logical}Alarm`,
    alarmResource(`${service}-${stage}-dx-${g.name}-${what}`, `dx-failover ${g.name}: ${description}`, {
      ...alarmOn(config, entry, values),
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      ...props,
    }),
  ]);

/** Every dx-failover group's paging alarms. `probeOf(group)` is the group's authoritative probe. */
const dxPagerAlarms = (config, service, stage, probeOf) =>
  Object.fromEntries(
    config.dxFailover.groups.flatMap((g) => dxGroupPagerAlarms(config, service, stage, g, probeOf(g))),
  );

/** The paging alarms generated from the configuration (the others are in serverless.yml). */
const operatorAlarmResources = (config, service, stage, probeOf) => ({
  ...idlePagerAlarms(config, service, stage),
  ...dxPagerAlarms(config, service, stage, probeOf),
});

module.exports = {
  operatorAlarmResources,
  loadCatalogue,
  ALARM_TOPIC_LOGICAL_ID,
  LIMITS,
  pagerActions,
  metricOf,
};
