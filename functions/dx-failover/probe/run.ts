import type { OpsResult } from "../../../shared/runtime/handler";
import type { StageContext } from "../../config";
import { type DxFailoverGroupConfig, PROBE_CAPABILITY, probedByOf, probeOptionsOf } from "../config";
import { familySeriesOf } from "../evidence";
import { emfFamilyLine, emfLine, writeLines } from "./emf";
import { ProbeLoop, type ProbeSample } from "./loop";
import type { ProbeFn } from "./tcp";
import { putTrigger } from "./trigger";
import { probeStopAt } from "./window";

/**
 * dx-probe (Lambda): scheduled every minute, in the probe subnets of the Region (their route table keeps
 * the propagated Direct Connect route, so DX is probed even while production traffic is on the VPN). It
 * probes the groups whose workloads run in the Region (`probedBy: lambda`); a Local Zone group is probed by
 * the agent in its Local Zone. Each sample goes out as an EMF line on stdout (high resolution, no AWS API
 * call); when DX fails M consecutive probes while the VPN answers, the "DX Path Degraded" event is put on
 * the trigger bus at once, the one AWS call the probe makes.
 */

export interface GroupProbeSummary {
  name: string;
  rounds: number;
  triggers: number;
  triggerErrors: number;
  lastStatus?: ProbeSample["status"];
}

export interface ProbeResult extends OpsResult {
  groups: GroupProbeSummary[];
  /** The window of this invocation (ms epoch). */
  window: { start: number; stop: number };
  /** Groups left to the agent (Local Zone). */
  agentGroups: string[];
}

const probeGroup = async (
  group: DxFailoverGroupConfig,
  region: string,
  context: StageContext,
  stopAt: number,
  probe: ProbeFn | undefined,
): Promise<GroupProbeSummary> => {
  const config = context.config.dxFailover;
  const summary: GroupProbeSummary = { name: group.name, rounds: 0, triggers: 0, triggerErrors: 0 };
  const onSample = (sample: ProbeSample) => {
    writeLines([
      ...[sample.dx, sample.vpn].map((p) =>
        emfLine(config.metricsNamespace, group.name, "lambda", sample.at, p),
      ),
      ...familySeriesOf(sample.dx).map(([family, c]) =>
        emfFamilyLine(config.metricsNamespace, group.name, "lambda", sample.at, family, c.ok),
      ),
    ]);
    summary.lastStatus = sample.status;
  };
  const target = {
    busName: config.triggerBusName,
    source: context.config.actionEvents.source,
    group: group.name,
    probe: "lambda" as const,
  };
  const loop = new ProbeLoop({
    ...probeOptionsOf(group),
    clock: context.clock,
    stopAt,
    ...(probe === undefined ? {} : { probe }),
    onSample,
    onTrigger: async (trigger) => {
      const detail = await putTrigger(context.clients.eventBridge(region), target, trigger);
      context.logger.warn("DX path degraded: trigger put on the trigger bus", {
        ...detail,
        bus: target.busName,
      });
    },
    onError: (error, where) =>
      context.logger.warn(`Probe ${where} callback failed`, { group: group.name, error }),
  });
  const run = await loop.run();
  return { ...summary, rounds: run.rounds, triggers: run.triggers, triggerErrors: run.triggerErrors };
};

/** `probe`: the connect of one target (deployed: none, a real TCP socket; a simulation passes its data plane). */
export const runProbe = async (
  input: { region: string; scheduledAt: number },
  context: StageContext,
  probe?: ProbeFn,
): Promise<ProbeResult> => {
  const config = context.config.dxFailover;
  const start = context.clock.now();
  const stop = probeStopAt({
    scheduledAt: input.scheduledAt,
    startedAt: start,
    deadlineAt: context.deadline.at,
    marginMs: config.probeMarginMs,
    overlapMs: config.probeOverlapMs,
  });
  const mine = config.groups.filter((g) => probedByOf(g) === "lambda");
  const agentGroups = config.groups.filter((g) => probedByOf(g) === "agent").map((g) => g.name);
  const result = (decision: string, groups: GroupProbeSummary[]): ProbeResult => ({
    capability: PROBE_CAPABILITY,
    decision,
    mode: context.mode,
    groups,
    window: { start, stop },
    agentGroups,
  });
  if (mine.length === 0) return result("no-lambda-probed-group", []);
  if (stop <= start) {
    context.logger.info("This minute's window has passed (late or repeated delivery): not probing", {
      scheduledAt: input.scheduledAt,
    });
    return result("window-passed", []);
  }
  const summaries = await Promise.all(mine.map((g) => probeGroup(g, input.region, context, stop, probe)));
  return result(summaries.some((s) => s.triggers > 0) ? "triggered" : "probed", summaries);
};
