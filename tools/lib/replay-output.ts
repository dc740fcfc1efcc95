/**
 * What `npm run replay` prints: the routing of the event, then for every function it reached the
 * decision, the actions, every AWS call and the state changes (text), or all of it as one JSON object.
 */
import { formatStateChanges } from "../../sim/account/index";
import type { InvocationReport } from "../../sim/harness";

export interface ReplayedInvocation {
  /** How the event reached the function: a trigger in words, or `--function`. */
  via: string;
  report: InvocationReport;
}

export interface ReplayRun {
  eventFile: string;
  /** describeEventShape of the event. */
  shape: string;
  /** What the event is, as routed (e.g. `EventBridge event aws.ec2 / "…"`). */
  routedAs: string;
  account: string;
  config: string;
  stage: string;
  /** The configuration's mode (OPS_MODE overrides it). */
  mode: string;
  invocations: ReplayedInvocation[];
  /** Why no function received the event (no invocation then). */
  unmatched?: string;
}

/** Calls that change something, shown apart as "actions". */
const MUTATING =
  /^(Create|Delete|Replace|Modify|Stop|Start|Put|Attach|Detach|Assign|Unassign|Complete|Record|Set|Associate|Disassociate|Terminate|Reboot)/;

interface HandlerResult {
  decision?: string;
  mode?: string;
  actions?: Array<{ description: string; resources: Array<Record<string, string>> }>;
  skips?: Array<Record<string, string>>;
  alarms?: Array<Record<string, string>>;
  error?: unknown;
}

const resultOf = (report: InvocationReport): HandlerResult => (report.result ?? {}) as HandlerResult;

const decisionOf = (report: InvocationReport): string =>
  report.error === undefined ? (resultOf(report).decision ?? "unknown") : "failed";

const modeOf = (run: ReplayRun, report: InvocationReport): string => resultOf(report).mode ?? run.mode;

const errorJson = (error: unknown) =>
  error instanceof Error ? { name: error.name, message: error.message, ...(error as object) } : error;

const errorText = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

const apiActions = (report: InvocationReport) =>
  report.calls
    .filter((call) => MUTATING.test(call.operation))
    .map((call) => ({
      operation: `${call.service}:${call.operation}`,
      input: call.input,
      outcome: call.outcome === "ok" ? "ok" : `${call.error?.code}: ${call.error?.message}`,
    }));

const invocationJson = (run: ReplayRun, { via, report }: ReplayedInvocation) => ({
  function: report.function,
  via,
  mode: modeOf(run, report),
  decision: decisionOf(report),
  result: report.result,
  error: report.error === undefined ? undefined : errorJson(report.error),
  actions: apiActions(report),
  calls: report.calls.map((call) => ({
    seq: call.seq,
    at: call.at,
    operation: `${call.service}:${call.operation}`,
    input: call.input,
    outcome: call.outcome,
    error: call.error,
    output: call.output,
  })),
  stateChanges: report.changes,
  before: report.before,
  after: report.after,
  durationMs: Math.round(report.durationMs * 10) / 10,
  simulatedMs: report.simulatedMs,
});

export const replayJson = (run: ReplayRun): string =>
  `${JSON.stringify(
    {
      event: { file: run.eventFile, shape: run.shape, routedAs: run.routedAs },
      account: run.account,
      config: run.config,
      stage: run.stage,
      functions: run.invocations.map(({ report }) => report.function),
      unmatched: run.unmatched,
      invocations: run.invocations.map((invocation) => invocationJson(run, invocation)),
    },
    null,
    2,
  )}\n`;

const outcomeLines = (report: InvocationReport): string[] => {
  if (report.error !== undefined)
    return [
      `FAILED: ${errorText(report.error)}`,
      "  (deployed, Lambda would retry this event and then keep it in the failed-events queue)",
    ];
  const result = resultOf(report);
  return [
    `Decision: ${result.decision ?? "unknown"}`,
    ...(result.alarms ?? []).map(
      (alarm) => `  alarm ${alarm.alarmName}: ${alarm.decision} (${alarm.detail})`,
    ),
    ...(result.error === undefined ? [] : [`  rejected: ${JSON.stringify(result.error)}`]),
  ];
};

const actionLines = (report: InvocationReport): string[] => {
  const actions = resultOf(report).actions ?? [];
  if (actions.length === 0) return [];
  return [
    "",
    "Actions",
    ...actions.flatMap((action) => [
      `  ${action.description}`,
      ...action.resources.map(
        (r) =>
          `    ${(r.status ?? "").padEnd(12)} ${r.resource}  ${r.code ? `[${r.code}] ` : ""}${r.detail ?? ""}`,
      ),
    ]),
  ];
};

const skipLines = (report: InvocationReport): string[] => {
  const skips = resultOf(report).skips ?? [];
  if (skips.length === 0) return [];
  return ["", "Skipped", ...skips.map((skip) => `  ${skip.resource}  ${skip.reason}: ${skip.detail}`)];
};

const callLines = (report: InvocationReport): string[] => [
  "",
  `AWS calls (${report.calls.length})`,
  ...report.calls.flatMap((call) => {
    const outcome = call.outcome === "ok" ? "ok" : `${call.error?.code} (${call.error?.httpStatus})`;
    return [
      `  ${String(call.seq).padStart(3)}  ${`${call.service}:${call.operation}`.padEnd(38)} ${outcome}`,
      `       ${JSON.stringify(call.input)}`,
    ];
  }),
];

const changeLines = (report: InvocationReport): string[] => {
  const changes = formatStateChanges(report.changes);
  return ["", "State changes", ...(changes.length === 0 ? ["  (none)"] : changes.map((c) => `  ${c}`))];
};

const invocationText = (run: ReplayRun, { via, report }: ReplayedInvocation): string[] => [
  "",
  `═══ ${report.function} (${modeOf(run, report)} mode), via ${via}`,
  ...outcomeLines(report),
  ...actionLines(report),
  ...skipLines(report),
  ...callLines(report),
  ...changeLines(report),
  "",
  `Handler time ${report.durationMs.toFixed(1)} ms (${(report.simulatedMs / 1000).toFixed(1)} s on the account's simulated clock)`,
];

export const replayText = (run: ReplayRun): string => {
  const names = run.invocations.map(({ report }) => report.function);
  const lines = [
    "ops-toolkit replay",
    `  event    ${run.eventFile}  [${run.shape}]`,
    `  account  ${run.account}`,
    `  config   ${run.config} (stage ${run.stage})`,
    `  routed   ${run.routedAs} → ${names.length > 0 ? names.join(", ") : "no function"}`,
  ];
  if (run.unmatched !== undefined) {
    lines.push(
      "",
      `Not delivered: no deployed trigger matches this event (${run.unmatched}).`,
      "  `--function <name>` hands it to a function anyway.",
    );
  }
  for (const invocation of run.invocations) lines.push(...invocationText(run, invocation));
  return `${lines.join("\n")}\n`;
};
