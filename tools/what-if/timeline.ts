/**
 * The text of a what-if (pure): the header, the timeline (the incident, the events and where they went,
 * each invocation's decision with its writes and the reads counted, the changes), the AWS calls in total,
 * the final state of the scenario's resources, the checks, and how the run ended. Invocations that wrote
 * nothing and decided the same, one after the other, are shown once with their count.
 */
import type { Change, EventEntry, InvocationEntry, WhatIfResult } from "./types";

type Entry =
  | { at: number; kind: "incident"; what: string }
  | { at: number; kind: "event"; event: EventEntry }
  | { at: number; kind: "invocation"; invocation: InvocationEntry; repeats: number; until: number }
  | { at: number; kind: "change"; change: Change };

/** `t+1m05s`, `t-58s`, `t+1h02m`. */
export const formatTime = (ms: number): string => {
  const s = Math.round(Math.abs(ms) / 1000);
  const sign = ms < 0 && s > 0 ? "-" : "+";
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `t${sign}${s}s`;
  if (s < 3600) return `t${sign}${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `t${sign}${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
};

const MAX_INPUT = 240;
const compact = (input: unknown): string => {
  const text = JSON.stringify(input);
  return text.length > MAX_INPUT ? `${text.slice(0, MAX_INPUT - 1)}…` : text;
};

const countText = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, n]) => `${op} ${n}`)
    .join(", ");

const quiet = (i: InvocationEntry) =>
  i.writes.length === 0 && i.actions.length === 0 && i.error === undefined;
const sameQuiet = (a: InvocationEntry, b: InvocationEntry) =>
  quiet(a) && quiet(b) && a.function === b.function && a.via === b.via && a.decision === b.decision;

/** The entries in time order (incident, events, invocations, changes at equal times), quiet repeats folded. */
const entriesOf = (r: WhatIfResult): Entry[] => {
  const order = { incident: 0, event: 1, invocation: 2, change: 3 } as const;
  const all: Entry[] = [
    ...r.incident.map((i) => ({ at: i.at, kind: "incident" as const, what: i.what })),
    ...r.events.map((event) => ({ at: event.at, kind: "event" as const, event })),
    ...r.invocations.map((invocation) => ({
      at: invocation.at,
      kind: "invocation" as const,
      invocation,
      repeats: 1,
      until: invocation.at,
    })),
    ...r.changes.map((change) => ({ at: change.at, kind: "change" as const, change })),
  ].sort((a, b) => a.at - b.at || order[a.kind] - order[b.kind]);
  const folded: Entry[] = [];
  for (const e of all) {
    const last = folded[folded.length - 1];
    if (e.kind === "invocation" && last?.kind === "invocation" && sameQuiet(last.invocation, e.invocation)) {
      last.repeats += 1;
      last.until = e.at;
    } else folded.push(e);
  }
  return folded;
};

const eventLines = (e: EventEntry): string[] => {
  if (e.routedTo.length === 0) return [`event ${e.event}: ignored (${e.ignored ?? "no rule matches it"})`];
  const targets = e.routedTo.map((t) => `${t.function}${t.run ? "" : " [not run: another capability]"}`);
  return [`event ${e.event} → ${targets.join(", ")}`];
};

const invocationLines = (i: InvocationEntry, repeats: number, until: number): string[] => {
  const times = repeats > 1 ? ` ×${repeats} until ${formatTime(until)}` : "";
  const retry = i.attempt > 0 ? ` (retry ${i.attempt})` : "";
  const reads = Object.values(i.reads).reduce((n, k) => n + k, 0);
  // A handler that waits (a grace, a read-back) writes later than it starts.
  const ran = i.tookMs >= 1000 && repeats === 1 ? ` (ran ${formatTime(i.tookMs).slice(2)})` : "";
  return [
    `${i.function} ← ${i.via}${retry}: ${i.decision}${times}${ran}`,
    ...(i.error === undefined ? [] : [`    error ${i.error}`]),
    ...i.actions.map((a) => `    action ${a}`),
    ...i.writes.map((w) => `    write ${w.operation} ${compact(w.input)} → ${w.outcome}`),
    ...(reads > 0 && repeats === 1 ? [`    reads ${reads} (${countText(i.reads)})`] : []),
  ];
};

/** A changed value: `(none)` when absent, `""` when empty. */
const valueText = (v: string | undefined): string => (v === undefined ? "(none)" : v === "" ? '""' : v);

const changeLine = (c: Change): string =>
  `change ${c.kind} ${c.resource} ${c.subject}: ${valueText(c.from)} → ${valueText(c.to)}`;

const entryLines = (e: Entry): string[] => {
  if (e.kind === "incident") return [`INCIDENT ${e.what}`];
  if (e.kind === "event") return eventLines(e.event);
  if (e.kind === "invocation") return invocationLines(e.invocation, e.repeats, e.until);
  return [changeLine(e.change)];
};

const timelineLines = (r: WhatIfResult): string[] =>
  entriesOf(r).flatMap((e) => {
    const [first = "", ...rest] = entryLines(e);
    return [`  ${formatTime(e.at).padEnd(10)} ${first}`, ...rest.map((l) => `  ${" ".repeat(10)} ${l}`)];
  });

const finalLines = (r: WhatIfResult): string[] => {
  const f = r.final;
  return [
    ...Object.entries(f.routes).flatMap(([table, routes]) => [
      `  route table ${table}`,
      ...Object.entries(routes).map(([dest, target]) => `    ${dest} → ${target}`),
    ]),
    ...Object.entries(f.enis).map(
      ([eni, where]) => `  ${eni} → ${where}${f.addresses[eni] ? `  [${f.addresses[eni]?.join(", ")}]` : ""}`,
    ),
    ...Object.entries(f.instances).map(([id, state]) => `  ${id} ${state}`),
    ...f.notes.map((n) => `  ${n}`),
  ];
};

const SHOWN_VIOLATIONS = 5;
const checkLines = (r: WhatIfResult): string[] =>
  r.checks.flatMap((c) => [
    `  ${c.holds ? "holds " : "BROKEN"} ${c.invariant}: ${c.meaning}`,
    ...c.violations.slice(0, SHOWN_VIOLATIONS).map((v) => `         ${formatTime(v.at)} ${v.message}`),
    ...(c.violationCount > SHOWN_VIOLATIONS
      ? [
          `         … ${c.violationCount - SHOWN_VIOLATIONS} more (--json has the first ${c.violations.length})`,
        ]
      : []),
  ]);

/** The what-if as text. */
export const timelineText = (r: WhatIfResult): string => {
  const settledNote =
    r.settledMs > 0
      ? [
          `  (the account needed ${formatTime(r.settledMs).slice(2)} to be ready for the incident: earlier times are negative)`,
        ]
      : [];
  const lines = [
    `ops-toolkit what-if: ${r.scenario.name} ${r.scenario.target} (${r.scenario.capability})`,
    `  account   ${r.account}`,
    `  config    ${r.config}`,
    `  incident  ${r.scenario.description}`,
    ...settledNote,
    "",
    "Timeline (simulated time from the incident)",
    ...timelineLines(r),
    "",
    `AWS calls: ${r.calls.writes} write(s), ${r.calls.reads} read(s)${r.calls.reads > 0 ? ` (${countText(r.calls.readsByOperation)})` : ""}`,
    "",
    "Final state",
    ...finalLines(r),
    "",
    "Checks",
    ...checkLines(r),
    "",
    `End: ${formatTime(r.end.at)} ${r.end.reason}${r.end.quiet ? "" : " (so the end-of-run checks were not made: exit 1)"}`,
    ...Object.entries(r.notDriven).map(([fn, why]) => `  not driven: ${fn} (${why})`),
  ];
  return `${lines.join("\n")}\n`;
};
