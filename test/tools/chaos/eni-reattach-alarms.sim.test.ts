import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "../../../sim/harness";
import { runTrace } from "../../../tools/chaos/driver";
import { eniAlarmPrefix, raisedEniAlarms } from "../../../tools/chaos/incidents/eni-reattach-alarms";
import { modelOf } from "../../../tools/chaos/models";
import type { CapabilityModel, Trace } from "../../../tools/chaos/types";
import { startHarness } from "../../support/harness";

/**
 * The operator's half of "all ENIs on the serving instance or an alarm": the stack's eni alarms exist in the
 * run's account and are raised from the metrics the functions printed (EMF), not from missing data.
 */

const CASE = JSON.parse(
  readFileSync(
    join(import.meta.dirname, "..", "..", "fixtures", "chaos", "eni-reattach-502-two-serving.json"),
    "utf8",
  ),
) as { trace: Trace; fixture: unknown };

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

const model = (): CapabilityModel => ({ ...modelOf("eni-reattach"), fixture: () => CASE.fixture });

describe("eni-reattach chaos: the stack's alarms in the simulated account", () => {
  it("creates the group's five alarms of serverless.yml (ABANDON, missing ENIs, configuration, capacity, unknown capacity)", async () => {
    await runTrace(harness, model(), { ...CASE.trace, items: [], days: 1 }, { stopOnViolation: false });
    const names = [...harness.account.state().metricAlarms.keys()].filter((n) =>
      n.startsWith(eniAlarmPrefix("fw-asg")),
    );
    expect(names.sort()).toEqual(
      ["abandoned", "capacity", "capacity-unknown", "configuration-errors", "missing-interfaces"].map(
        (s) => `${eniAlarmPrefix("fw-asg")}${s}`,
      ),
    );
    // A quiet day of reconciles: MissingInterfaces 0 was published, nothing is raised.
    expect(raisedEniAlarms(harness.account, "fw-asg")).toEqual([]);
    expect(
      harness.account.state().metricAlarms.get(`${eniAlarmPrefix("fw-asg")}missing-interfaces`)?.alarm
        .StateValue,
    ).toBe("OK");
  }, 120_000);

  it("two serving members, the ENIs on neither: settled holds because missing-interfaces is raised from MissingInterfaces 3", async () => {
    const run = await runTrace(harness, model(), CASE.trace, { stopOnViolation: false });
    expect(run.violations).toEqual([]);
    expect(raisedEniAlarms(harness.account, "fw-asg")).toContain(
      `${eniAlarmPrefix("fw-asg")}missing-interfaces`,
    );
    const reason = JSON.parse(
      harness.account.state().metricAlarms.get(`${eniAlarmPrefix("fw-asg")}missing-interfaces`)?.alarm
        .StateReasonData ?? "{}",
    ) as { recentDatapoints: number[] };
    expect(reason.recentDatapoints).toContain(3);
  }, 180_000);
});
