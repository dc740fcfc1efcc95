import { expect } from "vitest";
import { parseStageConfig } from "../../../functions/config";
import type { HibernateResult } from "../../../functions/idle-hibernate/hibernate/report";
import type { Harness, InvocationReport } from "../../../sim/harness";
import { checkIdleHibernate } from "../../../tools/chaos/invariants/idle-hibernate";
import type { Fixture } from "../../support/fixtures";
import { START } from "./world";

/**
 * Invokes a function of the capability with a configuration, and checks the capability's invariants
 * (tools/chaos/invariants/idle-hibernate.ts) on the step: every scenario ends with no violation.
 */
export const invokeChecked = async (
  harness: Harness,
  name: "idle-hibernate" | "idle-alarms",
  event: unknown,
  idleHibernate: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Promise<InvocationReport> => {
  const report = await harness.invoke(name, event, {
    env: { OPS_CONFIG: JSON.stringify({ idleHibernate }), ...env },
  });
  const config = parseStageConfig({ idleHibernate }, "test").idleHibernate;
  const violations = checkIdleHibernate({
    config,
    before: report.before,
    after: report.after,
    calls: report.calls,
    results: report.result === undefined ? [] : [report.result],
  });
  expect(violations).toEqual([]);
  return report;
};

export const loadWorld = (harness: Harness, fixture: Fixture) =>
  harness.load(fixture, { now: new Date(START) });

export const hibernateResult = (report: InvocationReport): HibernateResult => {
  if (report.error !== undefined) throw report.error;
  return report.result as HibernateResult;
};

export const callsTo = (report: InvocationReport, operation: string) =>
  report.calls.filter((c) => c.operation === operation);

export const instanceAfter = (report: InvocationReport, id: string) => report.after.instances[id];

export const skipOf = (report: InvocationReport, id: string) =>
  hibernateResult(report).skips.find((s) => s.resource === id);

export const outcomeOf = (report: InvocationReport, id: string) =>
  hibernateResult(report)
    .actions.flatMap((a) => a.resources)
    .find((r) => r.resource === id);

/** The "Ops Toolkit Action" details the account received, in order. */
export const actionEvents = (harness: Harness): Array<Record<string, unknown>> =>
  harness.account.publishedEvents.map((e) => JSON.parse(e.Detail ?? "{}") as Record<string, unknown>);
