import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { StageConfig } from "../../functions/config";
import { DX_METRICS } from "../../shared/observe/metrics-catalogue";
import {
  type AlarmResource,
  dashboardRefs,
  generated,
  generators,
  observability,
  problemOf,
  SERVICE,
  stageConfig,
} from "./metric-refs";

/**
 * The operator dashboard and the paging alarms, as tools/serverless-config.cjs generates them for a stage
 * configuration (issue 13, docs/observability.md): a section per capability, a series per configured
 * group, only metrics the toolkit publishes, alarms that page through the stack's alarm topic with their
 * missing-data treatment chosen, and CloudWatch's limits kept.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const fileConfig = (stage: string): StageConfig =>
  stageConfig(JSON.parse(readFileSync(join(ROOT, "config", `${stage}.json`), "utf8")));
const DEV = fileConfig("dev");
const CI = fileConfig("ci");
const TOPIC = { Ref: observability.ALARM_TOPIC_LOGICAL_ID };

interface Widget {
  type: string;
  width: number;
  properties: { title?: string; markdown?: string; metrics?: unknown[][]; alarms?: string[] };
}
const widgetsOf = (body: string): Widget[] => (JSON.parse(body) as { widgets: Widget[] }).widgets;

/** Widgets per section: the text widget that opens it, up to the next one. */
const sections = (body: string): Record<string, Widget[]> => {
  const result: Record<string, Widget[]> = {};
  let current = "";
  for (const w of widgetsOf(body)) {
    if (w.type === "text") {
      current = (w.properties.markdown ?? "").split("\n")[0]?.replace("## ", "") ?? "";
      result[current] = [];
    } else result[current]?.push(w);
  }
  return result;
};
const titled = (body: string, title: string): Widget => {
  const found = widgetsOf(body).find((w) => w.properties.title === title);
  if (found === undefined) throw new Error(`no widget "${title}"`);
  return found;
};
const labels = (w: Widget): string[] =>
  (w.properties.metrics ?? []).flatMap((line) => {
    const options = line.find((item) => typeof item === "object" && item !== null && "label" in item);
    return options === undefined ? [] : [String((options as { label: string }).label)];
  });

describe("the dashboard: a section per capability", () => {
  const { body } = generated(DEV, "dev");
  const bySection = sections(body);

  it("opens with the functions, then one section per capability, each ending with its alarms", () => {
    expect(Object.keys(bySection)).toEqual([
      "Every function",
      "idle-hibernate",
      "dx-failover",
      "eni-reattach",
      "vfxt-ip-move",
    ]);
    for (const widgets of Object.values(bySection)) {
      expect(widgets.at(-1)?.type).toBe("alarm");
      expect(widgets.filter((w) => w.type === "metric").length).toBeGreaterThanOrEqual(4);
    }
  });

  it("every function: failed events (depth and age of the oldest), errors, throttles, run time against its timeout", () => {
    expect(labels(titled(body, "Failed events: waiting, and age of the oldest"))).toEqual([
      "messages waiting",
      "oldest (s)",
    ]);
    const refs = dashboardRefs(body).filter(
      (r) => r.where === "Failed events: waiting, and age of the oldest",
    );
    expect(refs.map((r) => r.name)).toEqual([
      "ApproximateNumberOfMessagesVisible",
      "ApproximateAgeOfOldestMessage",
    ]);
    const duration = titled(body, "Longest run, % of the function's timeout").properties.metrics ?? [];
    // vfxt-ip-move's own timeout (114 s), not the provider's.
    expect(duration).toContainEqual([
      { expression: "100*d2/114000", label: "vfxt-ip-move (114 s)", id: "p2" },
    ]);
    for (const title of ["Errors per function", "Throttles per function"])
      expect(labels(titled(body, title))).toHaveLength(7);
  });

  it("dx-failover: the active path, time on the VPN and switches of every configured group, and each group's own probe", () => {
    const groups = DEV.dxFailover.groups.map((g) => g.name);
    expect(labels(titled(body, "Active path (1 = VPN, 0 = Direct Connect)"))).toEqual(groups);
    const onVpn = titled(body, "Time on the VPN (minutes per hour)").properties.metrics ?? [];
    expect(onVpn.filter((line) => typeof line[0] === "object")).toEqual(
      groups.map((g, i) => [{ expression: `60*v${i}`, label: g, id: `m${i}` }]),
    );
    expect(labels(titled(body, "Switches"))).toEqual([
      ...groups.map((g) => `${g} failover`),
      ...groups.map((g) => `${g} failback`),
    ]);
    // Local Zone groups are probed by the agent, region-core by the Lambda probe.
    const probes = dashboardRefs(body).filter((r) => r.name === "PathHealthy");
    expect(probes.map((r) => `${r.dimensions.Group} ${r.dimensions.Path} ${r.dimensions.Probe}`)).toEqual([
      "lz-prod direct-connect agent",
      "lz-prod vpn agent",
      "lz-edge direct-connect agent",
      "lz-edge vpn agent",
      "region-core direct-connect lambda",
      "region-core vpn lambda",
    ]);
    expect(new Set(probes.map((r) => r.namespace))).toEqual(new Set([DEV.dxFailover.metricsNamespace]));
  });

  it("eni-reattach: CONTINUE/ABANDON, ENIs missing and hand-over time per group; capacity only for groups on an Outpost", () => {
    const config = stageConfig({
      eniReattach: {
        groups: [
          {
            name: "fw-a",
            hookNames: ["l"],
            allowedEniIds: ["eni-0000000a"],
            expectedInterfaces: 1,
            outpostId: "op-0a1b2c3d4e5f60001",
            instanceType: "c5.xlarge",
          },
          { name: "fw-b", hookNames: ["l"], allowedEniIds: ["eni-0000000b"], expectedInterfaces: 1 },
        ],
      },
    });
    const { body: eni } = generated(config);
    expect(labels(titled(eni, "Lifecycle hooks completed: CONTINUE / ABANDON"))).toEqual([
      "fw-a CONTINUE",
      "fw-b CONTINUE",
      "fw-a ABANDON",
      "fw-b ABANDON",
    ]);
    expect(labels(titled(eni, "Firewall without all its ENIs (ENIs missing)"))).toEqual(["fw-a", "fw-b"]);
    expect(labels(titled(eni, "Hand-over time (ms, lifecycle action to completion)"))).toEqual([
      "fw-a",
      "fw-b",
    ]);
    expect(labels(titled(eni, "Outposts capacity for the group's instance type"))).toEqual([
      "fw-a capacity (1 = yes)",
      "fw-a capacity known",
    ]);
  });

  it("idle-hibernate: skips by reason (every reason, by SEARCH), normal shutdowns judged by either function", () => {
    const skips = dashboardRefs(body).filter((r) => r.where === "Skips by reason");
    expect(skips).toEqual([
      {
        namespace: "OpsToolkit",
        name: "HibernationSkipped",
        dimensions: { service: "idle-hibernate", Reason: "*" },
        where: "Skips by reason",
      },
    ]);
    expect(labels(titled(body, "Hibernation not proven (normal shutdowns)"))).toEqual([
      "idle-hibernate",
      "idle-alarms",
    ]);
  });

  it("vfxt-ip-move: no healthy node, addresses moved, unserved, refused, backstop moves", () => {
    const names = dashboardRefs(body)
      .filter((r) => r.dimensions.service === "vfxt-ip-move")
      .map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "NoHealthyNode",
        "AddressesMoved",
        "AddressesUnserved",
        "AddressesRefused",
        "BackstopMoves",
      ]),
    );
  });

  it("a section without a configured group keeps its title and alarms, and no empty graph", () => {
    const { body: bare } = generated(stageConfig({}));
    const dx = sections(bare)["dx-failover"] ?? [];
    expect(dx.filter((w) => w.type === "metric").map((w) => w.properties.title)).toEqual([
      "Probe triggers ignored, by reason",
    ]);
    for (const w of widgetsOf(bare))
      if (w.type === "metric") expect(w.properties.metrics?.length).toBeGreaterThan(0);
  });
});

describe("every widget and alarm watches a metric that is published", () => {
  it.each([
    ["dev", DEV],
    ["ci", CI],
  ])(
    "config/%s.json: namespace, name, dimensions and values as the handlers publish them",
    (_stage, config) => {
      const { refs } = generated(config);
      expect(refs.length).toBeGreaterThan(100);
      expect(refs.map((ref) => problemOf(ref, config)).filter(Boolean)).toEqual([]);
    },
  );

  it("the check itself catches a wrong dimension, a wrong service and an unconfigured group", () => {
    const at = { where: "w", namespace: "OpsToolkit" };
    expect(
      problemOf({ ...at, name: "DxActivePathVpn", dimensions: { service: "dx-failover" } }, DEV),
    ).toMatch(/not in the catalogue/);
    expect(
      problemOf(
        { ...at, name: "DxActivePathVpn", dimensions: { service: "eni-reattach", Group: "lz-prod" } },
        DEV,
      ),
    ).toMatch(/service=eni-reattach is never published/);
    expect(
      problemOf(
        { ...at, name: "DxActivePathVpn", dimensions: { service: "dx-failover", Group: "nope" } },
        DEV,
      ),
    ).toMatch(/Group=nope/);
  });

  it("the generator refuses, at package time, a reference that is not the catalogue's", () => {
    expect(() => observability.metricOf(DEV, DX_METRICS.DxActivePathVpn, { service: "dx-failover" })).toThrow(
      /published with \[Group,service\], referenced with \[service\]/,
    );
    expect(() =>
      observability.metricOf(DEV, DX_METRICS.DxActivePathVpn, { service: "vfxt-ip-move", Group: "g" }),
    ).toThrow(/not published by vfxt-ip-move/);
  });
});

const alarmsOf = (config: StageConfig) => generated(config, "dev").alarms;
const props = (alarms: Record<string, AlarmResource>, name: string) => {
  const found = Object.values(alarms).find((a) => a.Properties.AlarmName === name);
  if (found === undefined) throw new Error(`no alarm ${name}`);
  return found.Properties;
};

describe("paging alarms", () => {
  const alarms = alarmsOf(DEV);
  const paging = { AlarmActions: [TOPIC], OKActions: [TOPIC] };

  it.each([
    [
      "failover-incomplete",
      "DxSwitchIncomplete",
      "Sum",
      60,
      1,
      1,
      "GreaterThanOrEqualToThreshold",
      "notBreaching",
    ],
    ["on-vpn-too-long", "DxActivePathVpn", "Minimum", 300, 12, 1, "GreaterThanOrEqualToThreshold", "missing"],
    ["stuck-on-vpn", "DxStuckOnVpn", "Maximum", 300, 1, 1, "GreaterThanOrEqualToThreshold", "missing"],
    ["both-paths-down", "DxBothPathsDown", "Sum", 60, 1, 1, "GreaterThanOrEqualToThreshold", "notBreaching"],
    [
      "override-defeated",
      "DxOverrideDefeated",
      "Maximum",
      300,
      1,
      1,
      "GreaterThanOrEqualToThreshold",
      "missing",
    ],
  ])(
    "dx-failover %s: one per configured group, on %s",
    (what, metric, stat, period, periods, threshold, op, missing) => {
      for (const g of DEV.dxFailover.groups) {
        expect(props(alarms, `${SERVICE}-dev-dx-${g.name}-${what}`)).toMatchObject({
          Namespace: "OpsToolkit",
          MetricName: metric,
          Dimensions: [
            { Name: "service", Value: "dx-failover" },
            { Name: "Group", Value: g.name },
          ],
          Statistic: stat,
          Period: period,
          EvaluationPeriods: periods,
          Threshold: threshold,
          ComparisonOperator: op,
          TreatMissingData: missing,
          ...paging,
        });
      }
    },
  );

  it("dx-failover direct-connect-not-restored: no DX probe answered for 30 minutes, on the group's own probe", () => {
    expect(props(alarms, `${SERVICE}-dev-dx-region-core-direct-connect-not-restored`)).toMatchObject({
      Namespace: DEV.dxFailover.metricsNamespace,
      MetricName: "PathHealthy",
      Dimensions: [
        { Name: "Group", Value: "region-core" },
        { Name: "Path", Value: "direct-connect" },
        { Name: "Probe", Value: "lambda" },
      ],
      Statistic: "Maximum",
      Period: 300,
      EvaluationPeriods: 6,
      DatapointsToAlarm: 6,
      Threshold: 1,
      ComparisonOperator: "LessThanThreshold",
      TreatMissingData: "missing",
      ...paging,
    });
    expect(props(alarms, `${SERVICE}-dev-dx-lz-prod-direct-connect-not-restored`).Dimensions).toContainEqual({
      Name: "Probe",
      Value: "agent",
    });
  });

  it("dx-failover: six paging alarms per group, generated from the configuration; the groups' input alarms page no one", () => {
    const two = stageConfig({
      dxFailover: {
        groups: DEV.dxFailover.groups
          .slice(0, 2)
          .map(({ name, cidrs, applianceEniId, virtualInterfaceIds, probe }) => ({
            name,
            cidrs,
            applianceEniId,
            virtualInterfaceIds,
            probe,
          })),
      },
    });
    const names = Object.values(alarmsOf(two)).map((a) => String(a.Properties.AlarmName));
    expect(names.filter((n) => n.startsWith(`${SERVICE}-dev-dx-`))).toHaveLength(12);
    const inputs = Object.values(alarmsOf(two)).filter((a) =>
      String(a.Properties.AlarmName).startsWith(two.dxFailover.alarmNamePrefix),
    );
    expect(inputs).toHaveLength(8);
    for (const a of inputs) expect(a.Properties.AlarmActions).toBeUndefined();
  });

  it("idle-hibernate hibernation-not-proven: normal shutdowns judged by either function, summed", () => {
    const p = props(alarms, `${SERVICE}-dev-idle-hibernation-not-proven`);
    expect(p).toMatchObject({
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      TreatMissingData: "notBreaching",
      ...paging,
    });
    const metrics = p.Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: { Dimensions: unknown } };
    }[];
    expect(metrics.map((m) => m.MetricStat?.Metric.Dimensions ?? m.Expression)).toEqual([
      [{ Name: "service", Value: "idle-hibernate" }],
      [{ Name: "service", Value: "idle-alarms" }],
      "SUM(METRICS())",
    ]);
  });

  it("eni-reattach: an ABANDON and a firewall without its ENIs page; configuration and capacity only show", () => {
    const pages = (what: string) => props(alarms, `${SERVICE}-dev-eni-fw-asg-${what}`).AlarmActions;
    expect(pages("abandoned")).toEqual([TOPIC]);
    expect(pages("missing-interfaces")).toEqual([TOPIC]);
    for (const what of ["configuration-errors", "capacity", "capacity-unknown"])
      expect(pages(what)).toBeUndefined();
  });

  it("every alarm of a section is on that section's alarm widget", () => {
    const { body } = generated(DEV, "dev");
    const shown = widgetsOf(body).flatMap((w) => w.properties.alarms ?? []);
    const expected = Object.values(generators.alarmsBySection(DEV, SERVICE, "dev")).flat();
    expect(expected).toEqual(expect.arrayContaining(Object.keys(alarmsOf(DEV))));
    expect([...shown].sort()).toEqual(expected.map((id) => `\${${id}.Arn}`).sort());
  });
});

describe("alarm names never match what a function takes as its input alarms", () => {
  const meta = { source: "test", stage: "dev", service: SERVICE };
  const group = DEV.dxFailover.groups[2];

  it.each([
    [
      "dxFailover.alarmNamePrefix",
      { dxFailover: { alarmNamePrefix: `${SERVICE}-dev-dx-`, groups: [group] } },
    ],
    ["vfxtIpMove.statusAlarmPrefix", { vfxtIpMove: { statusAlarmPrefix: `${SERVICE}-dev-vfxt-` } }],
    ["idleHibernate.alarmNamePrefix", { idleHibernate: { alarmNamePrefix: `${SERVICE}-dev-idle-` } }],
  ])("%s matching the toolkit's own alarms is refused", (key, input) => {
    expect(() => generators.resolveConfig(input, meta)).toThrow(key);
  });

  it("the defaults pass", () => {
    expect(
      generators.resolveConfig({ dxFailover: { groups: [group] } }, meta).config.dxFailover.groups,
    ).toHaveLength(1);
  });
});

describe("CloudWatch limits", () => {
  const many = (n: number) =>
    stageConfig({
      dxFailover: {
        groups: Array.from({ length: n }, (_, i) => ({
          name: `dx-${i}`,
          cidrs: [`10.${i}.0.0/16`],
          applianceEniId: "eni-0d0f00000000000a1",
          virtualInterfaceIds: ["dxvif-fgdx0001"],
          probe: { directConnect: ["127.0.0.1:5301"], vpn: ["127.0.0.1:5302"] },
        })),
      },
      eniReattach: {
        groups: Array.from({ length: n }, (_, i) => ({
          name: `fw-${i}`,
          hookNames: ["l"],
          allowedEniIds: [`eni-${i.toString(16).padStart(8, "0")}`],
          expectedInterfaces: 1,
          outpostId: "op-0a1b2c3d4e5f60001",
          instanceType: "c5.xlarge",
        })),
      },
    });
  const { LIMITS } = observability;

  it("40 dx groups and 40 firewall groups: widgets, metrics per widget and per dashboard, alarms per widget", () => {
    const { body } = generated(many(40));
    const widgets = widgetsOf(body);
    expect(widgets.length).toBeLessThanOrEqual(LIMITS.widgets);
    const counts = widgets.map((w) => w.properties.metrics?.length ?? 0);
    expect(Math.max(...counts)).toBeLessThanOrEqual(LIMITS.metricsPerWidget);
    expect(counts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(LIMITS.metricsPerDashboard);
    const alarmWidgets = widgets.filter((w) => w.type === "alarm");
    for (const w of alarmWidgets)
      expect(w.properties.alarms?.length).toBeLessThanOrEqual(LIMITS.alarmsPerWidget);
    // 40 groups × 10 alarms: four widgets of 100.
    expect(alarmWidgets.filter((w) => w.properties.title === "dx-failover: alarms")).toHaveLength(4);
  });

  it("a configuration whose dashboard would break a limit fails packaging", () => {
    expect(() => generated(many(120))).toThrow(/more than 2500 metrics/);
  });
});
