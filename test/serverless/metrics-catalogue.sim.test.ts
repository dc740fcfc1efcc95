import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseStageConfig } from "../../functions/config";
import { sampleData } from "../../functions/dx-failover/probe/agent";
import { emfFamilyLine, emfLine } from "../../functions/dx-failover/probe/emf";
import type { PathSample, ProbeSample } from "../../functions/dx-failover/probe/loop";
import { FUNCTIONS as REGISTRY } from "../../functions/index";
import { type CatalogueMetric, catalogued, METRICS_CATALOGUE } from "../../shared/observe/metrics-catalogue";
import type { Harness } from "../../sim/harness";
import { replayEvent } from "../../tools/lib/replay";
import { startHarness } from "../support/harness";
import { generated, problemOf } from "./metric-refs";

/**
 * The cross-check of issue 13: what the handlers actually print (CloudWatch EMF on stdout, as Lambda ships
 * it to CloudWatch) when every shipped event is replayed on the demo account, against the metric catalogue
 * the dashboard and the alarms are built from. Every printed metric is catalogued, with its dimensions and
 * under a service the catalogue names; and every catalogued metric a widget or an alarm watches is printed
 * by some replay, except the few that only a failure prints (listed below, each with the reason).
 */

const ROOT = join(import.meta.dirname, "..", "..");
const EVENTS = join(ROOT, "events");
const RAW_CONFIG = JSON.parse(readFileSync(join(ROOT, "config", "dev.json"), "utf8")) as unknown;
const CONFIG = parseStageConfig(RAW_CONFIG, "config/dev.json");

/**
 * Watched, and printed only by a failure the shipped events do not replay. Each is published by the same
 * code path (the same helper and dimensions) as a metric that is replayed.
 */
const ONLY_ON_FAILURE: Record<string, string> = {
  "toolkit LifecycleAbandoned service,Group": "an ABANDON (eni groupMetric, as LifecycleContinued)",
  "toolkit HandOverDeferred service,Group": "a serving instance holds the ENIs (eni groupMetric)",
  "toolkit HandOverBlocked service,Group": "a foreign holder (eni groupMetric)",
  "toolkit HandOverFailed service,Group": "a failed hand-over (eni groupMetric)",
  "toolkit DxSwitchIncomplete service,Group": "a refused route write (dx put, as DxActivePathVpn)",
  "toolkit DxBothPathsDown service,Group": "both paths down (dx put)",
  "toolkit NoHealthyNode service": "a cluster without a healthy node (vfxt metric, as AddressesMoved)",
  "toolkit AddressesUnserved service": "an address left unserved (vfxt metric)",
  "toolkit AddressesRefused service": "a refused assignment (vfxt metric)",
  "toolkit AddressesHeldByForeignEni service": "a foreign ENI (vfxt metric)",
  "toolkit InvalidAddresses service": "an invalid configured address (vfxt metric)",
  "toolkit ElasticIpsLost service": "a node terminated during the grace (vfxt metric)",
  "toolkit UnlistedTaggedInstances service": "a tagged instance not listed (vfxt metric)",
  "toolkit StoppedWithoutHibernation service": "the stop fallback (idle count, as HibernationInitiated)",
  "toolkit InvalidEvents service": "a malformed event (shared runtime)",
  "toolkit ConfigurationErrors service": "an invalid configuration at cold start (shared runtime)",
  "toolkit RetryableFailures service": "an AWS error that outlives the retries (shared runtime)",
  "toolkit ActionEventsFailed service": "PutEvents refused (shared pipeline)",
  // The probes print through emfLine and the agent through sampleData: checked directly below.
  "probes PathHealthy Group,Path,Probe": "dx-probe's EMF and the agent's PutMetricData (tested below)",
  "probes PathLatency Group,Path,Probe": "dx-probe's EMF and the agent's PutMetricData (tested below)",
};

interface Printed {
  namespace: string;
  name: string;
  dimensions: string[];
  service: string;
  file: string;
}

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [relative(EVENTS, path)];
  });

interface EmfDocument {
  _aws?: { CloudWatchMetrics?: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  service?: string;
}

/** The metrics of one EMF document (one per metric and dimension set). */
const printedBy = (doc: EmfDocument, file: string): Printed[] =>
  (doc._aws?.CloudWatchMetrics ?? []).flatMap((directive) =>
    directive.Dimensions.flatMap((dimensions) =>
      directive.Metrics.map((m) => ({
        namespace: directive.Namespace,
        name: m.Name,
        dimensions,
        service: doc.service ?? "",
        file,
      })),
    ),
  );

let harness: Harness;
const printed: Printed[] = [];

/** Replays every shipped event with Powertools metrics on, keeping what reaches stdout. */
const replayAll = async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = "false";
  let file = "";
  const capture = (chunk: unknown) => {
    for (const line of String(chunk).split("\n")) {
      if (line.trim().startsWith("{")) printed.push(...printedBy(JSON.parse(line) as EmfDocument, file));
    }
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture);
  vi.spyOn(console, "log").mockImplementation(capture);
  const capabilities = [...new Set(REGISTRY.map((f) => f.capability))];
  try {
    for (file of capabilities.flatMap((c) => filesUnder(join(EVENTS, c)))) {
      harness.load(join(EVENTS, "accounts", "demo.json"), { now: new Date() });
      const event = JSON.parse(readFileSync(join(EVENTS, file), "utf8")) as unknown;
      await replayEvent(harness, event, {
        config: CONFIG,
        env: { OPS_CONFIG: JSON.stringify(RAW_CONFIG) },
        stage: "dev",
      });
    }
  } finally {
    vi.restoreAllMocks();
  }
};

beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
  await replayAll();
}, 300_000);
// process.env (POWERTOOLS_METRICS_DISABLED) is put back after each file by test/support/setup.ts.
afterAll(async () => {
  await harness.close();
});

const kindOf = (namespace: string): CatalogueMetric["namespace"] | undefined =>
  namespace === "OpsToolkit"
    ? "toolkit"
    : namespace === CONFIG.dxFailover.metricsNamespace
      ? "probes"
      : undefined;
const keyOf = (m: Pick<CatalogueMetric, "namespace" | "name" | "dimensions">) =>
  `${m.namespace} ${m.name} ${[...m.dimensions].join(",")}`;

describe("what the handlers print when the shipped events are replayed", () => {
  it("prints metrics of every function that has something to report", () => {
    expect(new Set(printed.map((p) => p.service))).toEqual(
      new Set([
        "idle-hibernate",
        "idle-alarms",
        "dx-failover",
        "eni-reattach",
        "outposts-capacity",
        "vfxt-ip-move",
      ]),
    );
  });

  it("every printed metric is catalogued: namespace, name, dimension set, and a service that publishes it", () => {
    const strays = printed.filter((p) => {
      const kind = kindOf(p.namespace);
      const entry = kind === undefined ? undefined : catalogued(kind, p.name, p.dimensions);
      return entry === undefined || !entry.services.includes(p.service);
    });
    expect(strays.map((p) => `${p.file}: ${p.namespace} ${p.name} [${p.dimensions}] ${p.service}`)).toEqual(
      [],
    );
  });

  it("every catalogued metric the dashboard and the alarms watch is printed, but those only a failure prints", () => {
    const watched = new Set<string>();
    for (const ref of generated(CONFIG, "dev").refs) {
      if (problemOf(ref, CONFIG) !== undefined) throw new Error(`unpublished: ${JSON.stringify(ref)}`);
      const kind = kindOf(ref.namespace);
      const entry = kind === undefined ? undefined : catalogued(kind, ref.name, Object.keys(ref.dimensions));
      if (entry !== undefined) watched.add(keyOf(entry));
    }
    const seen = new Set(
      printed.flatMap((p) => {
        const kind = kindOf(p.namespace);
        const entry = kind === undefined ? undefined : catalogued(kind, p.name, p.dimensions);
        return entry === undefined ? [] : [keyOf(entry)];
      }),
    );
    const unseen = [...watched].filter((key) => !seen.has(key)).sort();
    expect(unseen).toEqual(Object.keys(ONLY_ON_FAILURE).sort());
  });

  it("the catalogue names only deployed functions", () => {
    const deployed = new Set(REGISTRY.map((f) => f.name));
    for (const m of METRICS_CATALOGUE)
      for (const s of m.services) expect(deployed, `${m.name} ${s}`).toContain(s);
  });
});

describe("what the dx probes publish", () => {
  const path = (name: PathSample["path"], ok: boolean): PathSample => ({
    path: name,
    ok,
    latencyMs: 12,
    results: [],
    consecutiveFailures: ok ? 0 : 1,
    consecutiveSuccesses: ok ? 1 : 0,
  });
  const sample: ProbeSample = {
    seq: 1,
    at: Date.UTC(2026, 11, 7),
    durationMs: 12,
    dx: path("direct-connect", false),
    vpn: path("vpn", true),
    status: "dx-failing",
    triggered: false,
    armed: true,
  };

  it("dx-probe's EMF lines: PathHealthy and PathLatency per Group, Path and Probe, in the probes' namespace", () => {
    const docs = [sample.dx, sample.vpn].map(
      (p) =>
        JSON.parse(
          emfLine(CONFIG.dxFailover.metricsNamespace, "region-core", "lambda", sample.at, p),
        ) as EmfDocument,
    );
    const metrics = docs.flatMap((d) => printedBy(d, "emfLine"));
    expect(metrics.map((m) => `${m.name} ${m.dimensions}`)).toEqual([
      "PathHealthy Group,Path,Probe",
      "PathHealthy Group,Path,Probe",
      "PathLatency Group,Path,Probe",
    ]);
    for (const m of metrics) expect(catalogued("probes", m.name, m.dimensions), m.name).toBeDefined();
  });

  it("the agent's PutMetricData data: the same names and dimensions, Probe=agent", () => {
    const data = sampleData("lz-prod", sample);
    expect(data.map((d) => d.MetricName)).toEqual(["PathHealthy", "PathHealthy", "PathLatency"]);
    for (const d of data) {
      const names = (d.Dimensions ?? []).map((x) => x.Name ?? "");
      expect(catalogued("probes", d.MetricName ?? "", names), d.MetricName).toBeDefined();
      expect(d.Dimensions).toContainEqual({ Name: "Probe", Value: "agent" });
    }
  });

  it("Direct Connect's targets on both families: PathFamilyHealthy per Family too (EMF and PutMetricData); one family: none", () => {
    const dual: ProbeSample = {
      ...sample,
      dx: {
        ...sample.dx,
        families: {
          ipv4: { ok: true, consecutiveFailures: 0, consecutiveSuccesses: 1 },
          ipv6: { ok: false, consecutiveFailures: 1, consecutiveSuccesses: 0 },
        },
      },
    };
    const data = sampleData("lz-prod", dual).filter((d) => d.MetricName === "PathFamilyHealthy");
    expect(data.map((d) => [d.Dimensions?.find((x) => x.Name === "Family")?.Value, d.Value])).toEqual([
      ["ipv4", 1],
      ["ipv6", 0],
    ]);
    const doc = JSON.parse(
      emfFamilyLine(CONFIG.dxFailover.metricsNamespace, "region-core", "lambda", dual.at, "ipv6", false),
    ) as EmfDocument;
    const printedFamily = printedBy(doc, "emfFamilyLine");
    expect(printedFamily.map((m) => `${m.name} ${m.dimensions}`)).toEqual([
      "PathFamilyHealthy Group,Path,Probe,Family",
    ]);
    for (const d of data)
      expect(
        catalogued(
          "probes",
          d.MetricName ?? "",
          (d.Dimensions ?? []).map((x) => x.Name ?? ""),
        ),
      ).toBeDefined();
    for (const m of printedFamily) expect(catalogued("probes", m.name, m.dimensions)).toBeDefined();
    const single: ProbeSample = {
      ...sample,
      dx: {
        ...sample.dx,
        families: { ipv4: { ok: false, consecutiveFailures: 1, consecutiveSuccesses: 0 } },
      },
    };
    expect(sampleData("lz-prod", single).some((d) => d.MetricName === "PathFamilyHealthy")).toBe(false);
  });
});
