import * as z from "zod/mini";

/**
 * AWS event timestamps come in three spellings:
 *   EventBridge `time`                 "2019-10-02T17:04:40Z"
 *   SNS `Timestamp`                    "2015-06-03T17:43:27.123Z"
 *   CloudWatch alarm state timestamps  "2019-10-02T17:04:40.989+0000"   (offset without a colon)
 * `new Date()` accepts the last form in V8 only through its implementation-defined fallback, which
 * also accepts "1", "Tuesday 2019" and similar. This parser accepts exactly ISO-8601 date-time with a
 * mandatory zone (`Z`, `±hh:mm` or `±hhmm`) and rejects impossible dates (Feb 30, 25:00).
 */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/;

export function parseAwsTimestamp(text: string): Date | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[9] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const local = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  // Date.UTC rolls Feb 30 over to Mar 2: a changed day or month means the date does not exist.
  if (local.getUTCMonth() !== month - 1 || local.getUTCDate() !== day) return undefined;
  // Date.UTC maps years 0-99 to 1900-1999.
  if (year < 100) local.setUTCFullYear(year);
  return new Date(local.getTime() - offsetMinutes * 60_000);
}

/** A string holding an ISO-8601 timestamp, parsed to a Date. */
export const timestamp = z.pipe(
  z.string(),
  z.transform((text: string, ctx) => {
    const date = parseAwsTimestamp(text);
    if (date === undefined) {
      ctx.issues.push({
        code: "custom",
        message: `expected an ISO-8601 timestamp with a zone (e.g. "2019-10-02T17:04:40Z"), received ${JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)}`,
        input: text,
      });
      return z.NEVER;
    }
    return date;
  }),
);
