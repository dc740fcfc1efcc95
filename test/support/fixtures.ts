import { readFileSync } from "node:fs";
import { type AccountFixtureInput, parseFixture } from "../../sim/account/fixture";

/**
 * Fixtures as tests edit them before the harness loads them: the fixture's own input type (the zod input
 * of sim/account/fixture.ts, defaults not applied), with every collection and `behaviour` present so that
 * edits need no `?? []`. A file is checked against the schema the first time it is read.
 */

type Input = AccountFixtureInput;
type CollectionKey = {
  [K in keyof Input]-?: NonNullable<Input[K]> extends readonly unknown[] ? K : never;
}[keyof Input];

export type Fixture = Omit<Input, CollectionKey | "behaviour"> & {
  [K in CollectionKey]-?: NonNullable<Input[K]>;
} & { behaviour: NonNullable<Input["behaviour"]> };

export type InstanceInput = Fixture["instances"][number];
export type InstanceStateInput = InstanceInput["state"];
export type NetworkInterfaceInput = Fixture["networkInterfaces"][number];
export type AlarmInput = Fixture["alarms"][number];
export type AutoScalingGroupInput = Fixture["autoScalingGroups"][number];

const DEMO_ACCOUNT = "events/accounts/demo.json";

const checked = new Map<string, string>();

/** A fixture file as a fresh, editable `Fixture` (validated once per file and process). */
export const readFixture = (path: string): Fixture => {
  let text = checked.get(path);
  if (text === undefined) {
    text = readFileSync(path, "utf8");
    const parsed = parseFixture(JSON.parse(text), path);
    const raw = JSON.parse(text) as Record<string, unknown>;
    for (const [key, value] of Object.entries(parsed)) if (Array.isArray(value)) raw[key] ??= [];
    raw.behaviour ??= {};
    text = JSON.stringify(raw);
    checked.set(path, text);
  }
  return JSON.parse(text) as Fixture;
};

export const demoFixture = (): Fixture => readFixture(DEMO_ACCOUNT);

export const readEvent = <T = Record<string, unknown>>(path: string): T =>
  JSON.parse(readFileSync(path, "utf8")) as T;

const find = <T>(items: readonly T[], match: (item: T) => boolean, what: string): T => {
  const found = items.find(match);
  if (found === undefined) throw new Error(`fixture has no ${what}`);
  return found;
};

export const instanceOf = (fixture: Fixture, id: string): InstanceInput =>
  find(fixture.instances, (i) => i.id === id, `instance ${id}`);

export const networkInterfaceOf = (fixture: Fixture, id: string): NetworkInterfaceInput =>
  find(fixture.networkInterfaces, (n) => n.id === id, `ENI ${id}`);

export const alarmOf = (fixture: Fixture, name: string): AlarmInput =>
  find(fixture.alarms, (a) => a.name === name, `alarm ${name}`);

export const autoScalingGroupOf = (fixture: Fixture, name: string): AutoScalingGroupInput =>
  find(fixture.autoScalingGroups, (g) => g.name === name, `Auto Scaling group ${name}`);

/** Sets one tag of a fixture resource (its `tags` are optional in the input). */
export const setTag = (resource: { tags?: Record<string, string> }, key: string, value: string): void => {
  resource.tags = { ...resource.tags, [key]: value };
};
