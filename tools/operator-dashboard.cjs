// The operator dashboard (issue 13): a section per capability, each a title, its metric widgets and the
// state of its alarms. Built from the stage configuration (one series per configured group) and the metric
// catalogue (tools/operator-observability.cjs `metricOf`). What each widget shows: docs/observability.md.
//
// CommonJS, as tools/serverless-config.cjs (osls require()s variable files).
"use strict";

const { loadCatalogue, metricOf, LIMITS } = require("./operator-observability.cjs");

const REGION = `\${AWS::Region}`;
const WIDTH = 8;
const HEIGHT = 6;

/** A time-series widget (Sum per 5 minutes unless `extra` says otherwise). */
const graph = (title, metrics, extra = {}) => ({
  type: "metric",
  properties: { title, region: REGION, view: "timeSeries", stat: "Sum", period: 300, metrics, ...extra },
});

/**
 * A SEARCH expression over every value of one dimension of a catalogue metric (skips by reason): the
 * other dimensions fixed, checked against the catalogue like any reference.
 */
const searchOf = (config, entry, fixed, stat, label) => {
  const line = metricOf(config, entry, { ...fixed, [entry.dimensions.find((d) => !(d in fixed))]: "" });
  const schema = [line[0], ...entry.dimensions].join(",");
  const filters = Object.entries(fixed).map(([k, v]) => `${k}="${v}"`);
  const query = `{${schema}} MetricName="${entry.name}" ${filters.join(" ")}`;
  return [[{ expression: `SEARCH('${query}', '${stat}', 300)`, label, id: "search" }]];
};

/** The functions' Lambda metrics: errors, throttles, and the longest run against the timeout. */
const lambdaWidgets = (functions) => {
  const fn = (f) => `\${${f.logicalId}}`;
  const duration = functions.flatMap((f, i) => [
    ["AWS/Lambda", "Duration", "FunctionName", fn(f), { id: `d${i}`, stat: "Maximum", visible: false }],
    [
      {
        expression: `100*d${i}/${f.timeoutSeconds * 1000}`,
        label: `${f.service} (${f.timeoutSeconds} s)`,
        id: `p${i}`,
      },
    ],
  ]);
  return [
    graph(
      "Errors per function",
      functions.map((f) => ["AWS/Lambda", "Errors", "FunctionName", fn(f), { label: f.service }]),
    ),
    graph(
      "Throttles per function",
      functions.map((f) => ["AWS/Lambda", "Throttles", "FunctionName", fn(f), { label: f.service }]),
    ),
    graph("Longest run, % of the function's timeout", duration, {
      stat: "Maximum",
      yAxis: { left: { min: 0, max: 110 } },
      annotations: { horizontal: [{ value: 100, label: "timeout" }] },
    }),
  ];
};

/** The failed-events queue, Lambda metrics, and the shared toolkit metrics per function. */
const allSection = ({ config, functions }) => {
  const { SHARED_METRICS: S } = loadCatalogue();
  const queue = `\${FailedEventsQueue.QueueName}`;
  const per = (entry, label = "") =>
    functions.map((f) => metricOf(config, entry, { service: f.service }, { label: `${f.service}${label}` }));
  return [
    graph(
      "Failed events: waiting, and age of the oldest",
      [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue, { label: "messages waiting" }],
        [
          "AWS/SQS",
          "ApproximateAgeOfOldestMessage",
          "QueueName",
          queue,
          { label: "oldest (s)", yAxis: "right" },
        ],
      ],
      { stat: "Maximum", period: 60 },
    ),
    ...lambdaWidgets(functions),
    graph("Actions taken and skipped", [
      ...per(S.ActionsTaken, " taken"),
      ...per(S.ActionsSkipped, " skipped"),
    ]),
    graph("Actions failed and retried", [
      ...per(S.ActionsFailed, " failed"),
      ...per(S.RetryableFailures, " retried"),
    ]),
    graph("Events rejected", [
      ...per(S.InvalidEvents, " invalid event"),
      ...per(S.ConfigurationErrors, " configuration"),
      ...per(S.ActionEventsFailed, " action event not sent"),
    ]),
  ];
};

/** idle-hibernate: hibernations, skips by reason, proofs that failed, hibernation age, paused alarms. */
const idleSection = ({ config }) => {
  const { IDLE_METRICS: I } = loadCatalogue();
  const idle = { service: "idle-hibernate" };
  const both = (entry, stat) =>
    ["idle-hibernate", "idle-alarms"].map((service) =>
      metricOf(config, entry, { service }, { label: service, stat }),
    );
  return [
    graph("Hibernations", [
      metricOf(config, I.HibernationInitiated, idle, { label: "hibernation initiated" }),
      metricOf(config, I.StoppedWithoutHibernation, idle, { label: "stopped (fallback)" }),
    ]),
    graph("Skips by reason", searchOf(config, I.HibernationSkipped, idle, "Sum", "")),
    graph("Hibernation not proven (normal shutdowns)", both(I.NormalShutdown, "Sum")),
    graph(
      "Hibernated too long, age unknown",
      [
        metricOf(config, I.HibernatedTooLong, idle, { label: "hibernated too long" }),
        metricOf(config, I.HibernationAgeUnknown, idle, { label: "age unknown" }),
      ],
      { stat: "Maximum", period: 3600 },
    ),
    graph("Idle alarms paused (actions disabled)", [metricOf(config, I.HibernationPaused, idle)]),
  ];
};

/** dx-failover: one line per group in each widget, then each group's probes. */
const dxSection = ({ config, probeOf }) => {
  const { DX_METRICS: D } = loadCatalogue();
  const groups = config.dxFailover.groups;
  const per = (entry, options = {}, suffix = "") =>
    groups.map((g) =>
      metricOf(
        config,
        entry,
        { service: "dx-failover", Group: g.name },
        { label: `${g.name}${suffix}`, ...options },
      ),
    );
  const onVpn = groups.flatMap((g, i) => [
    metricOf(
      config,
      D.DxActivePathVpn,
      { service: "dx-failover", Group: g.name },
      { id: `v${i}`, visible: false },
    ),
    [{ expression: `60*v${i}`, label: g.name, id: `m${i}` }],
  ]);
  return [
    graph("Active path (1 = VPN, 0 = Direct Connect)", per(D.DxActivePathVpn), {
      stat: "Maximum",
      period: 60,
    }),
    graph("Time on the VPN (minutes per hour)", onVpn, { stat: "Average", period: 3600 }),
    graph("Switches", [...per(D.DxFailovers, {}, " failover"), ...per(D.DxFailbacks, {}, " failback")]),
    graph("Switch duration (ms, from the outage's start)", per(D.DxSwitchDuration), { stat: "Maximum" }),
    graph("Route override defeated (CIDRs)", per(D.DxOverrideDefeated), { stat: "Maximum" }),
    graph("Failover / failback incomplete (route writes not done)", per(D.DxSwitchIncomplete)),
    graph("Evidence conflict (probes and alarms disagree)", per(D.DxEvidenceConflict), { stat: "Maximum" }),
    graph("Stuck on the VPN, both paths down", [
      ...per(D.DxStuckOnVpn, { stat: "Maximum" }, " stuck on VPN"),
      ...per(D.DxBothPathsDown, {}, " both down"),
    ]),
    graph(
      "Probe triggers ignored, by reason",
      searchOf(config, D.ProbeTriggerIgnored, { service: "dx-failover" }, "Sum", ""),
    ),
    ...groups.map((g) => probeWidget(config, g, probeOf(g))),
  ];
};

/** A group's probes: the share of probes answered per path (1 = all), and their round-trip time. */
const probeWidget = (config, g, probe) => {
  const { PROBE_METRICS: P } = loadCatalogue();
  const path = (Path, label) => [
    metricOf(config, P.PathHealthy, { Group: g.name, Path, Probe: probe }, { label: `${label} answered` }),
    metricOf(
      config,
      P.PathLatency,
      { Group: g.name, Path, Probe: probe },
      { label: `${label} ms`, yAxis: "right" },
    ),
  ];
  return graph(
    `${g.name}: probes (${probe}), DX vs VPN`,
    [...path("direct-connect", "DX"), ...path("vpn", "VPN")],
    {
      stat: "Average",
      period: 60,
    },
  );
};

/** eni-reattach: lifecycle results, firewalls without their ENIs, hand-over time, capacity. */
const eniSection = ({ config }) => {
  const { ENI_METRICS: E } = loadCatalogue();
  const groups = config.eniReattach.groups;
  const per = (entry, suffix = "", service = "eni-reattach", list = groups) =>
    list.map((g) => metricOf(config, entry, { service, Group: g.name }, { label: `${g.name}${suffix}` }));
  const outposts = groups.filter((g) => g.outpostId !== undefined && g.instanceType !== undefined);
  const capacity = [
    ...per(E.FirewallCapacityAvailable, " capacity (1 = yes)", "outposts-capacity", outposts),
    ...per(E.CapacityKnown, " capacity known", "outposts-capacity", outposts),
  ];
  return [
    graph("Lifecycle hooks completed: CONTINUE / ABANDON", [
      ...per(E.LifecycleContinued, " CONTINUE"),
      ...per(E.LifecycleAbandoned, " ABANDON"),
    ]),
    graph("Firewall without all its ENIs (ENIs missing)", per(E.MissingInterfaces), { stat: "Maximum" }),
    graph("Hand-over time (ms, lifecycle action to completion)", per(E.HandOverDuration), {
      stat: "Maximum",
    }),
    graph("Hand-overs deferred, blocked, failed", [
      ...per(E.HandOverDeferred, " deferred"),
      ...per(E.HandOverBlocked, " blocked"),
      ...per(E.HandOverFailed, " failed"),
    ]),
    graph("Configuration errors (1 = a problem for the next replacement)", per(E.GroupConfigurationErrors), {
      stat: "Maximum",
    }),
    graph("Outposts capacity for the group's instance type", capacity, { stat: "Minimum", period: 900 }),
  ];
};

/** vfxt-ip-move: addresses moved and unserved, clusters without a healthy node, configuration problems. */
const vfxtSection = ({ config }) => {
  const { VFXT_METRICS: V } = loadCatalogue();
  const line = (entry, label) => metricOf(config, entry, { service: "vfxt-ip-move" }, { label });
  return [
    graph("Addresses moved, backstop moves", [
      line(V.AddressesMoved, "moved"),
      line(V.BackstopMoves, "moved by the backstop (the cluster did not)"),
    ]),
    graph("Clusters with no healthy node", [line(V.NoHealthyNode, "no healthy node")]),
    graph("Addresses unserved, refused", [
      line(V.AddressesUnserved, "unserved"),
      line(V.AddressesRefused, "refused by AWS"),
      line(V.ElasticIpsLost, "Elastic IPs lost"),
    ]),
    graph("Configuration problems", [
      line(V.AddressesHeldByForeignEni, "held by a foreign ENI"),
      line(V.InvalidAddresses, "invalid addresses"),
      line(V.AddressesNotReserved, "not in a CIDR reservation"),
      line(V.UnlistedTaggedInstances, "tagged, not listed"),
    ]),
  ];
};

const SECTIONS = [
  [
    "all",
    "Every function",
    "The on-failure queue, Lambda errors, throttles and run time, the toolkit's shared counters.",
    allSection,
  ],
  [
    "idle",
    "idle-hibernate",
    "Hibernations, skips by reason, hibernations not proven, instances hibernated too long.",
    idleSection,
  ],
  [
    "dx",
    "dx-failover",
    "Per group: the active path, time on the VPN, switches, problems of the override, the probes.",
    dxSection,
  ],
  [
    "eni",
    "eni-reattach",
    "Per firewall group: lifecycle results, ENIs missing, hand-over time, Outposts capacity.",
    eniSection,
  ],
  ["vfxt", "vfxt-ip-move", "Addresses moved and unserved, clusters without a healthy node.", vfxtSection],
];

/** Alarm ARNs, at most LIMITS.alarmsPerWidget per alarm widget. */
const alarmWidgets = (title, logicalIds) => {
  const widgets = [];
  for (let i = 0; i < logicalIds.length; i += LIMITS.alarmsPerWidget) {
    const alarms = logicalIds.slice(i, i + LIMITS.alarmsPerWidget).map((id) => `\${${id}.Arn}`);
    widgets.push({ type: "alarm", properties: { title, alarms, sortBy: "stateUpdatedTimestamp" } });
  }
  return widgets;
};

/** Rows: each section's title (full width), its graphs three to a row, then its alarms (full width). */
const layout = (sections) => {
  const widgets = [];
  let y = 0;
  const row = (widget, x, width, height) => widgets.push({ ...widget, x, y, width, height });
  for (const { title, text, graphs, alarms } of sections) {
    row({ type: "text", properties: { markdown: `## ${title}\n${text}` } }, 0, 24, 2);
    y += 2;
    graphs.forEach((g, i) => {
      row(g, (i % 3) * WIDTH, WIDTH, HEIGHT);
      if (i % 3 === 2 || i === graphs.length - 1) y += HEIGHT;
    });
    for (const a of alarms) {
      row(a, 0, 24, 4);
      y += 4;
    }
  }
  return widgets;
};

/** Fails packaging when the dashboard would break a CloudWatch limit. */
const checkLimits = (widgets) => {
  const counts = widgets.map((w) => (w.properties.metrics ?? []).length);
  const problems = [
    widgets.length > LIMITS.widgets && `${widgets.length} widgets (at most ${LIMITS.widgets})`,
    Math.max(0, ...counts) > LIMITS.metricsPerWidget &&
      `a widget with more than ${LIMITS.metricsPerWidget} metrics`,
    counts.reduce((a, b) => a + b, 0) > LIMITS.metricsPerDashboard &&
      `more than ${LIMITS.metricsPerDashboard} metrics`,
  ].filter(Boolean);
  if (problems.length > 0) throw new Error(`dashboard: ${problems.join("; ")}`);
};

/**
 * The dashboard body, for Fn::Sub. `input`: the validated configuration, the functions ({ logicalId,
 * service, timeoutSeconds }), the alarms' logical ids per section (all, idle, dx, eni, vfxt) and the
 * authoritative probe of a dx group.
 */
const dashboardBody = (input) => {
  const sections = SECTIONS.map(([key, title, text, build]) => ({
    title,
    text,
    graphs: build(input).filter((g) => g.properties.metrics.length > 0),
    alarms: alarmWidgets(`${title}: alarms`, input.alarms[key] ?? []),
  }));
  const widgets = layout(sections);
  checkLimits(widgets);
  return JSON.stringify({ start: "-PT24H", periodOverride: "inherit", widgets });
};

module.exports = { dashboardBody };
