import type { AccountFixtureInput } from "../../../sim/account/fixture";

/** The fixture format the snapshot writes (sim/account/fixture.ts; docs/simulated-account.md). */
export type FixtureOut = AccountFixtureInput;
export type Out<K extends keyof FixtureOut> =
  NonNullable<FixtureOut[K]> extends readonly (infer E)[] ? E : never;

export type KeepTag = (key: string) => boolean;

/** Tags as the fixture writes them (`{ key: value }`), only the keys the toolkit reads. */
export const keptTagMap = (
  tags: readonly { Key?: string; Value?: string }[] | undefined,
  keep: KeepTag,
): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined && keep(t.Key)) out[t.Key] = t.Value ?? "";
  return out;
};

export const iso = (value: Date | string | undefined): string | undefined =>
  value === undefined ? undefined : new Date(value).toISOString();

/** Drops `undefined` members (the fixture schema is strict and its optional fields are absent, not undefined). */
export const compact = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

export const byId =
  <T>(id: (item: T) => string) =>
  (a: T, b: T): number =>
    id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0;
