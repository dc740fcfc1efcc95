import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseStageConfig } from "../../../functions/config";
import { probedByOf } from "../../../functions/dx-failover/config";
import { parseFixture, SimulatedAccount } from "../../../sim/index";
import { dxProbes } from "../../../tools/what-if/dx-probes";

type Json = Record<string, unknown>;
const read = (path: string): Json => JSON.parse(readFileSync(path, "utf8"));
const EDGE_APPLIANCE = "i-0d0f00000000000e1";

describe("review: the probes' history before the start (docs/what-if.md: the interfaces' and the appliance's state)", () => {
  it("review: lz-edge's appliance stopped at the start: the history's VPN samples are failures, not successes", () => {
    const fixture = read("events/accounts/demo.json") as Json & { instances: Json[] };
    for (const i of fixture.instances) if (i.id === EDGE_APPLIANCE) i.state = "stopped";
    const account = SimulatedAccount.fromFixture(parseFixture(fixture, "demo+edge-appliance-stopped"));
    const config = parseStageConfig(read("config/dev.json"), "config/dev.json").dxFailover;
    const edge = config.groups.find((g) => g.name === "lz-edge");
    if (edge === undefined) throw new Error("config/dev.json has no lz-edge");
    dxProbes(account, config, account.clock.nowMs());
    const vpn = account.state().metricStore.get(config.metricsNamespace, "PathHealthy", [
      { Name: "Group", Value: "lz-edge" },
      { Name: "Path", Value: "vpn" },
      { Name: "Probe", Value: probedByOf(edge) },
    ]);
    expect(vpn?.samples.length).toBeGreaterThan(0);
    expect(new Set(vpn?.samples.map((s) => s.max))).toEqual(new Set([0]));
  });
});
