/**
 * npm run replay -- <event.json> [--account <fixture.json>] [--function <name>] [--mode plan|dry-run|apply]
 *                   [--config <config.json>] [--json] [--logs]
 *
 * Runs a real handler on an event against a simulated account and prints what it decided, every AWS
 * call it made (input and outcome), and what changed in the account. Exit 1 when the handler throws.
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { describeEventShape, parseEvents, type ToolkitEvent } from "../shared/events";
import { formatStateChanges } from "../sim/account/index";
import { Harness, type InvocationReport, readJson } from "../sim/harness";
import { FUNCTIONS } from "./lib/functions";

const DEFAULT_ACCOUNT = "events/accounts/demo.json";
const MUTATING =
  /^(Create|Delete|Replace|Modify|Stop|Start|Put|Attach|Detach|Assign|Unassign|Complete|Record|Set|Associate|Disassociate|Terminate|Reboot)/;

const usage = `usage: npm run replay -- <event.json> [--account <fixture.json>] [--function <${FUNCTIONS.map((f) => f.name).join("|")}>]
                     [--mode plan|dry-run|apply] [--config <config.json>] [--json] [--logs]`;

const fail = (message: string): never => {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    account: { type: "string", default: DEFAULT_ACCOUNT },
    function: { type: "string" },
    mode: { type: "string" },
    config: { type: "string" },
    json: { type: "boolean", default: false },
    logs: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const eventPath = positionals[0] ?? fail("missing <event.json>");
if (!existsSync(eventPath)) fail(`no such event file: ${eventPath}`);
if (!existsSync(values.account)) fail(`no such account fixture: ${values.account}`);
if (values.mode !== undefined && !["plan", "dry-run", "apply"].includes(values.mode))
  fail(`unknown mode "${values.mode}"`);
if (values.config !== undefined && !existsSync(values.config))
  fail(`no such configuration file: ${values.config}`);

const event = readJson(eventPath);

/** The function for an event: --function, else the first whose accepted kinds include the event's. */
const chooseFunction = (): string => {
  if (values.function !== undefined) {
    const entry = FUNCTIONS.find((f) => f.name === values.function || f.serverlessName === values.function);
    return entry?.name ?? fail(`unknown function "${values.function}"`);
  }
  let kinds: ToolkitEvent["kind"][] = [];
  try {
    kinds = parseEvents(event).map((e) => e.kind);
  } catch {
    // A malformed event still goes to a handler (the default one), which rejects it and says why.
  }
  const kind = kinds[0];
  const entry = FUNCTIONS.find((f) => kind !== undefined && f.accepts.includes(kind)) ?? FUNCTIONS[0];
  return (entry as (typeof FUNCTIONS)[number]).name;
};

const env: Record<string, string> = {};
if (values.mode !== undefined) env.OPS_MODE = values.mode;
const configPath = values.config ?? (existsSync("config/dev.json") ? "config/dev.json" : undefined);
if (configPath !== undefined) env.OPS_CONFIG = JSON.stringify(readJson(configPath));

const harness = await Harness.start({ functions: FUNCTIONS, logLevel: values.logs ? "INFO" : "SILENT" });
let report: InvocationReport;
try {
  harness.load(values.account);
  report = await harness.invoke(chooseFunction(), event, { env });
} finally {
  await harness.close();
}

const errorJson = (error: unknown) =>
  error instanceof Error ? { name: error.name, message: error.message, ...(error as object) } : error;
const result = (report.result ?? {}) as {
  decision?: string;
  mode?: string;
  actions?: unknown;
  skips?: unknown;
};
const apiActions = report.calls
  .filter((call) => MUTATING.test(call.operation))
  .map((call) => ({
    operation: `${call.service}:${call.operation}`,
    input: call.input,
    outcome: call.outcome === "ok" ? "ok" : `${call.error?.code}: ${call.error?.message}`,
  }));

if (values.json) {
  process.stdout.write(
    `${JSON.stringify(
      {
        function: report.function,
        event: { file: eventPath, shape: describeEventShape(event) },
        account: values.account,
        mode: result.mode ?? values.mode ?? "apply",
        decision: report.error === undefined ? (result.decision ?? "unknown") : "failed",
        result: report.result,
        error: report.error === undefined ? undefined : errorJson(report.error),
        actions: apiActions,
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
      },
      null,
      2,
    )}\n`,
  );
} else {
  const out: string[] = [];
  const line = (text = "") => out.push(text);
  line(`ops-toolkit replay — ${report.function} (${result.mode ?? values.mode ?? "apply"} mode)`);
  line(`  event    ${eventPath}  [${describeEventShape(event)}]`);
  line(`  account  ${values.account}`);
  line();
  if (report.error !== undefined) {
    line(
      `FAILED: ${report.error instanceof Error ? `${report.error.name}: ${report.error.message}` : String(report.error)}`,
    );
    line("  (deployed, Lambda would retry this event and then keep it in the failed-events queue)");
  } else {
    line(`Decision: ${result.decision ?? "unknown"}`);
    const detail = report.result as Record<string, unknown>;
    for (const alarm of (detail.alarms as Array<Record<string, string>> | undefined) ?? []) {
      line(`  alarm ${alarm.alarmName}: ${alarm.decision} (${alarm.detail})`);
    }
    if (detail.error !== undefined) line(`  rejected: ${JSON.stringify(detail.error)}`);
  }
  const actions =
    (result.actions as Array<{ description: string; resources: Array<Record<string, string>> }>) ?? [];
  if (actions.length > 0) {
    line();
    line("Actions");
    for (const action of actions) {
      line(`  ${action.description}`);
      for (const r of action.resources)
        line(
          `    ${(r.status ?? "").padEnd(12)} ${r.resource}  ${r.code ? `[${r.code}] ` : ""}${r.detail ?? ""}`,
        );
    }
  }
  const skips = (result.skips as Array<Record<string, string>>) ?? [];
  if (skips.length > 0) {
    line();
    line("Skipped");
    for (const skip of skips) line(`  ${skip.resource}  ${skip.reason}: ${skip.detail}`);
  }
  line();
  line(`AWS calls (${report.calls.length})`);
  for (const call of report.calls) {
    const outcome = call.outcome === "ok" ? "ok" : `${call.error?.code} (${call.error?.httpStatus})`;
    line(`  ${String(call.seq).padStart(3)}  ${`${call.service}:${call.operation}`.padEnd(38)} ${outcome}`);
    line(`       ${JSON.stringify(call.input)}`);
  }
  line();
  line("State changes");
  const changes = formatStateChanges(report.changes);
  if (changes.length === 0) line("  (none)");
  for (const change of changes) line(`  ${change}`);
  line();
  line(`Handler time ${report.durationMs.toFixed(1)} ms`);
  process.stdout.write(`${out.join("\n")}\n`);
}
process.exit(report.error === undefined ? 0 : 1);
