import { readFileSync } from "node:fs";

/** Raw fixture JSON, to be edited per test before it is loaded into the harness. */
export type RawFixture = {
  instances: Array<Record<string, unknown> & { id: string; tags?: Record<string, string> }>;
  alarms: Array<Record<string, unknown> & { name: string }>;
  routeTables: Array<Record<string, unknown> & { routes: Array<Record<string, unknown>> }>;
  [key: string]: unknown;
};

export const DEMO_ACCOUNT = "events/accounts/demo.json";

export const readEvent = <T = Record<string, unknown>>(path: string): T =>
  JSON.parse(readFileSync(path, "utf8")) as T;

export const demoFixture = (): RawFixture => JSON.parse(readFileSync(DEMO_ACCOUNT, "utf8")) as RawFixture;

export const instanceOf = (fixture: RawFixture, id: string) => {
  const instance = fixture.instances.find((i) => i.id === id);
  if (instance === undefined) throw new Error(`fixture has no instance ${id}`);
  return instance;
};

export const alarmOf = (fixture: RawFixture, name: string) => {
  const alarm = fixture.alarms.find((a) => a.name === name);
  if (alarm === undefined) throw new Error(`fixture has no alarm ${name}`);
  return alarm;
};
