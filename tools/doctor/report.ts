/**
 * How the doctor prints its findings: grouped by capability (in the order of the checks), each with its
 * severity, resource, message, fix and source, then one summary line; or the same as JSON.
 */
import type { Check, Finding, Severity } from "./types";

export interface DoctorRun {
  stage: string;
  region: string;
  /** Where the account was read: a fixture path, or "live". */
  account: string;
  checks: readonly Check[];
  findings: readonly Finding[];
}

/** Findings by severity; `error` counts readiness errors only, `unchecked` the checks that could not read. */
export type Summary = Record<Severity, number> & { unchecked: number };

export const summaryOf = (findings: readonly Finding[]): Summary => ({
  error: findings.filter((f) => f.severity === "error" && f.unchecked !== true).length,
  warning: findings.filter((f) => f.severity === "warning").length,
  info: findings.filter((f) => f.severity === "info").length,
  unchecked: findings.filter((f) => f.unchecked === true).length,
});

/** The verdict and the exit code: errors found (1) come before an incomplete run (3). */
export const verdictOf = (findings: readonly Finding[]): { word: string; exitCode: number } => {
  const s = summaryOf(findings);
  if (s.error > 0) return { word: "NOT READY", exitCode: 1 };
  if (s.unchecked > 0)
    return {
      word: "INCOMPLETE (the doctor could not read everything: see the unchecked findings)",
      exitCode: 3,
    };
  return { word: "ready", exitCode: 0 };
};

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

const capabilitiesOf = (run: DoctorRun): string[] => [
  ...new Set([...run.checks.map((c) => c.capability), ...run.findings.map((f) => f.capability)]),
];

const findingLines = (f: Finding): string[] => [
  `  ${(f.unchecked ? "UNCHECKED" : f.severity.toUpperCase()).padEnd(9)} ${f.check}${f.resource ? `  ${f.resource}` : ""}`,
  `            ${f.message}`,
  `            fix: ${f.fix}`,
  ...(f.source ? [`            source: ${f.source}`] : []),
];

export const summaryLine = (run: DoctorRun): string => {
  const s = summaryOf(run.findings);
  const unchecked = s.unchecked > 0 ? `, ${s.unchecked} not checked` : "";
  return `${s.error} error(s), ${s.warning} warning(s), ${s.info} info${unchecked} from ${run.checks.length} checks: ${
    verdictOf(run.findings).word
  }`;
};

export const doctorText = (run: DoctorRun): string => {
  const lines = [`ops-toolkit doctor: stage ${run.stage}, Region ${run.region}, account ${run.account}`, ""];
  for (const capability of capabilitiesOf(run)) {
    const findings = run.findings
      .filter((f) => f.capability === capability)
      .sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
    const checks = run.checks.filter((c) => c.capability === capability).length;
    lines.push(`${capability} (${checks} checks)${findings.length === 0 ? ": ok" : ""}`);
    for (const f of findings) lines.push(...findingLines(f));
    lines.push("");
  }
  lines.push(summaryLine(run), "");
  return lines.join("\n");
};

export const doctorJson = (run: DoctorRun): string =>
  `${JSON.stringify(
    {
      stage: run.stage,
      region: run.region,
      account: run.account,
      checks: run.checks.map((c) => ({ id: c.id, capability: c.capability, title: c.title })),
      summary: summaryOf(run.findings),
      findings: run.findings,
    },
    null,
    2,
  )}\n`;
