import { readFileSync } from "node:fs";
import { expect } from "vitest";
import type { SimulatedAccount } from "../../../sim/index";
import { openFixtureSession, resolveStage } from "../../../tools/doctor/context";
import { runDoctor } from "../../../tools/doctor/run";
import type { Check, DoctorContext, Finding } from "../../../tools/doctor/types";
import { demoFixture, type Fixture } from "../../support/fixtures";

/**
 * The doctor against a fixture, as the checks' tests need it: the fixture served by the simulated
 * account on loopback (tools/doctor/context.ts), the stage configuration validated as packaging does.
 */

/** config/dev.json, parsed and editable (a fresh copy each call). */
export const demoConfig = (): Record<string, unknown> & {
  idleHibernate: Record<string, unknown>;
  dxFailover: { groups: Array<Record<string, unknown>> } & Record<string, unknown>;
  eniReattach: { groups: Array<Record<string, unknown>> } & Record<string, unknown>;
  vfxtIpMove: { clusters: Array<Record<string, unknown>> } & Record<string, unknown>;
} => JSON.parse(readFileSync("config/dev.json", "utf8"));

export { demoFixture, type Fixture };

export interface DoctorOnOptions {
  /** Changes to the simulated account before the checks run (faults such as AccessDenied, state). */
  prepare?: (account: SimulatedAccount) => void;
  stage?: string;
}

/** Runs the context-taking function on a fixture session, closed afterwards. */
export const withDoctorContext = async <T>(
  fixture: unknown,
  config: unknown,
  use: (ctx: DoctorContext, account: SimulatedAccount) => Promise<T>,
  options: DoctorOnOptions = {},
): Promise<T> => {
  const stage = options.stage ?? "dev";
  const loaded = resolveStage(config, stage, "test config");
  if (!loaded.ok) throw new Error(`invalid test configuration: ${loaded.issues.join("; ")}`);
  const session = await openFixtureSession(fixture, { stage, resolved: loaded.resolved }, options.prepare);
  try {
    return await use(session.ctx, session.account as SimulatedAccount);
  } finally {
    await session.close();
  }
};

/** The findings of `checks` on a fixture (raw JSON or a path) with a stage configuration (parsed JSON). */
export const doctorOn = (
  fixture: unknown,
  config: unknown,
  checks: readonly Check[],
  options: DoctorOnOptions = {},
): Promise<Finding[]> => withDoctorContext(fixture, config, (ctx) => runDoctor(ctx, checks), options);

/** The findings of one check id. */
export const findingsOf = (findings: readonly Finding[], check: string): Finding[] =>
  findings.filter((f) => f.check === check);

/** Findings at severity error. */
export const errorsIn = (findings: readonly Finding[]): Finding[] =>
  findings.filter((f) => f.severity === "error");

export type DemoConfig = ReturnType<typeof demoConfig>;

/** Edits of the demo account and configuration that break what one check is built to catch. */
export interface DemoEdit {
  fixture?: (f: Fixture) => void;
  config?: (c: DemoConfig) => void;
}

/** The findings of the check `id` (one of `checks`) on the demo account and config/dev.json, edited. */
export const runCheckOnDemo = async (
  checks: readonly Check[],
  id: string,
  edit: DemoEdit = {},
): Promise<Finding[]> => {
  const fixture = demoFixture();
  const config = demoConfig();
  edit.fixture?.(fixture);
  edit.config?.(config);
  const check = checks.filter((c) => c.id === id);
  expect(check).toHaveLength(1);
  return findingsOf(await doctorOn(fixture, config, check), id);
};
