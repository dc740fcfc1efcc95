/**
 * CloudWatch `GetMetricData` retention, period and start-time rules (API model: `MetricStat.Period`,
 * `GetMetricDataInput.StartTime`, `MaxDatapoints`; CloudWatch User Guide, "Metrics retention"):
 *
 * - "Data points with a period of less than 60 seconds are available for 3 hours … 60 seconds … for 15
 *   days … 300 seconds … 63 days … 3600 seconds … 455 days";
 * - a period is 1, 5, 10, 20, 30 or a multiple of 60 (else `InvalidParameterValue` [decision on the code]);
 * - "If the StartTime parameter specifies a time stamp that is greater than 3 hours ago, you must specify the
 *   period as follows or no data points in that time range is returned": a multiple of 60 s beyond 3 hours,
 *   of 300 s beyond 15 days, of 3600 s beyond 63 days — the whole query then has no datapoints
 *   [decision: the conservative reading], `StatusCode: Complete`;
 * - the start time is rounded down: to the 5/10/20/30-second division for those periods, else to the minute
 *   (less than 15 days ago), 5 minutes (15–63 days), the hour (older); periods then run from it;
 * - at most `MaxDatapoints` (default 100,800) per call: the rest follows with `NextToken`, results cut short
 *   say `PartialData`.
 */
import type { MetricDataResult } from "@aws-sdk/client-cloudwatch";
import { awsError } from "./errors";

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const SUB_MINUTE_PERIODS = [1, 5, 10, 20, 30];
export const DEFAULT_MAX_DATAPOINTS = 100_800;

export function checkPeriod(period: number, path: string): void {
  if (Number.isInteger(period) && (SUB_MINUTE_PERIODS.includes(period) || (period > 0 && period % 60 === 0)))
    return;
  throw awsError(
    "InvalidParameterValue",
    `The value ${period} for parameter ${path} is not valid: the period must be 1, 5, 10, 20, 30 or a multiple of 60.`,
  );
}

/** Whether data this old is still kept at a resolution the period can be computed from. */
export function periodFitsAge(periodS: number, startMs: number, nowMs: number): boolean {
  const age = nowMs - startMs;
  if (age > 63 * DAY) return periodS % 3600 === 0;
  if (age > 15 * DAY) return periodS % 300 === 0;
  if (age > 3 * HOUR) return periodS % 60 === 0;
  return true;
}

/** The start time CloudWatch actually uses. */
export function roundedStart(startMs: number, periodS: number, nowMs: number): number {
  const age = nowMs - startMs;
  const step =
    periodS > 1 && periodS < 60
      ? periodS * 1000
      : age > 63 * DAY
        ? HOUR
        : age > 15 * DAY
          ? 5 * 60_000
          : 60_000;
  return startMs - (((startMs % step) + step) % step);
}

/**
 * One page of at most `max` datapoints over the results in order, from `offset`; a result with points
 * beyond the page is `PartialData`. Returns the offset of the next page, if any.
 */
export function pageOfDatapoints(
  results: readonly MetricDataResult[],
  offset: number,
  max: number,
): { results: MetricDataResult[]; next?: number } {
  let skip = offset;
  let room = max;
  const page = results.map((r): MetricDataResult => {
    const values = r.Values ?? [];
    const timestamps = r.Timestamps ?? [];
    const from = Math.min(skip, values.length);
    skip -= from;
    const to = from + Math.min(room, values.length - from);
    room -= to - from;
    const partial = to < values.length;
    return {
      ...r,
      Timestamps: timestamps.slice(from, to),
      Values: values.slice(from, to),
      StatusCode: partial ? "PartialData" : r.StatusCode,
    };
  });
  const total = results.reduce((sum, r) => sum + (r.Values?.length ?? 0), 0);
  const end = offset + (max - room);
  return end < total ? { results: page, next: end } : { results: page };
}
