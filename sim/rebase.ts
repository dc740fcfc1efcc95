/**
 * Moves a fixture in time. Handlers read the real clock (they must: "started less than 15 minutes ago"
 * is about now), so replay, tests and local invocations shift every timestamp of a fixture by
 * (now − clock.start): the account then looks exactly as its author wrote it, relative to now.
 */

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

const shift = (value: unknown, deltaMs: number): unknown => {
  if (typeof value === "string") {
    if (!ISO_TIMESTAMP.test(value)) return value;
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? value : new Date(ms + deltaMs).toISOString();
  }
  if (Array.isArray(value)) return value.map((item) => shift(item, deltaMs));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shift(item, deltaMs)]));
  }
  return value;
};

/** A copy of `fixture` (raw JSON) whose `clock.start` is `now` and every other timestamp moved alike. */
export const rebaseFixture = <T>(fixture: T, now: Date): T => {
  const start = (fixture as { clock?: { start?: unknown } }).clock?.start;
  if (typeof start !== "string" || Number.isNaN(Date.parse(start))) return fixture;
  return shift(fixture, now.getTime() - Date.parse(start)) as T;
};
