/**
 * Moves a fixture in time. Handlers read the real clock (they must: "started less than 15 minutes ago"
 * is about now), so replay, tests and local invocations shift every timestamp of a fixture by
 * (now − clock.start): the account then looks exactly as its author wrote it, relative to now — ISO
 * timestamps and the "(YYYY-MM-DD HH:MM:SS GMT)" times EC2 writes into text.
 */

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * The time EC2 writes into text, e.g. `StateTransitionReason` "User initiated (2019-10-02 17:11:00 GMT)"
 * (EC2 API reference, Instance.stateTransitionReason): moved with the fixture, so that an age read from it
 * (idle-hibernate's hibernation age) is the author's too.
 */
const GMT_IN_TEXT = /\((\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) GMT\)/g;

const gmtText = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} GMT`;

const shiftText = (value: string, deltaMs: number): string =>
  value.replace(GMT_IN_TEXT, (whole, day: string, time: string) => {
    const ms = Date.parse(`${day}T${time}Z`);
    return Number.isNaN(ms) ? whole : `(${gmtText(ms + deltaMs)})`;
  });

const shift = (value: unknown, deltaMs: number): unknown => {
  if (typeof value === "string") {
    if (!ISO_TIMESTAMP.test(value)) return shiftText(value, deltaMs);
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
