/**
 * EventBridge PutEvents: 1–10 entries (else `ValidationException` for the whole call); each entry
 * is validated on its own and answered with an `EventId` or an `ErrorCode`/`ErrorMessage`, as the
 * real API does (the HTTP call succeeds; `FailedEntryCount` counts the failures). Each entry goes to its
 * bus (unknown: `ResourceNotFoundException` [decision]), if its caller may put it there, and is matched by
 * that bus's rules only (sim/account/event-buses.ts).
 */
import type { PutEventsResponse, PutEventsResultEntry } from "@aws-sdk/client-eventbridge";
import type { OpContext, ServiceModel } from "./context";
import { awsError, eventsParamErrors } from "./errors";
import { authorizeEntry, callerOf, deliver, resolveBus } from "./event-buses";
import type { Params } from "./query";

/** 256 KiB: the PutEvents request entry size limit. */
const MAX_PUT_EVENTS_BYTES = 256 * 1024;

function entrySize(entry: Record<string, unknown>): number {
  let size = 0;
  if (entry.Time !== undefined) size += 14;
  for (const key of ["Source", "DetailType", "Detail", "TraceHeader"] as const) {
    const value = entry[key];
    if (typeof value === "string") size += Buffer.byteLength(value, "utf8");
  }
  if (Array.isArray(entry.Resources)) {
    for (const r of entry.Resources) if (typeof r === "string") size += Buffer.byteLength(r, "utf8");
  }
  return size;
}

function invalidArgument(field: string): PutEventsResultEntry {
  return {
    ErrorCode: "InvalidArgument",
    ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
  };
}

function validateEntry(entry: Record<string, unknown>): PutEventsResultEntry | undefined {
  const source = entry.Source;
  if (typeof source !== "string" || source === "") return invalidArgument("Source");
  const detailType = entry.DetailType;
  if (typeof detailType !== "string" || detailType === "") return invalidArgument("DetailType");
  const detail = entry.Detail;
  if (typeof detail !== "string" || detail === "") return invalidArgument("Detail");
  let parsed: unknown;
  try {
    parsed = JSON.parse(detail);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." };
  }
  if (source.startsWith("aws.")) {
    return { ErrorCode: "NotAuthorizedForSourceException", ErrorMessage: "Not authorized for the source." };
  }
  return undefined;
}

function putEvents(c: OpContext, p: Params): PutEventsResponse {
  const entries = p.objList("Entries");
  if (entries === undefined) throw eventsParamErrors.missing("Entries");
  if (entries.length < 1) {
    throw awsError(
      "ValidationException",
      "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  if (entries.length > 10) {
    throw awsError(
      "ValidationException",
      `1 validation error detected: Value '[${entries.length} entries]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10`,
    );
  }
  if (entries.reduce((sum, e) => sum + entrySize(e), 0) > MAX_PUT_EVENTS_BYTES) {
    throw awsError("ValidationException", "Total size of the entries in the request is over the limit.");
  }
  const results: PutEventsResultEntry[] = entries.map((entry) => {
    const error = validateEntry(entry);
    if (error !== undefined) return error;
    const bus = resolveBus(c, entry.EventBusName);
    if (bus === undefined) {
      return {
        ErrorCode: "ResourceNotFoundException",
        ErrorMessage: `Event bus ${String(entry.EventBusName)} does not exist.`,
      };
    }
    const decision = authorizeEntry(c, bus, String(entry.Source), String(entry.DetailType));
    if (!decision.allowed) {
      return {
        ErrorCode: decision.code,
        ErrorMessage: `${callerOf(c).arn} is not authorized to perform events:PutEvents on resource ${bus.arn} for this entry.`,
      };
    }
    const eventId = c.ids.uuid();
    c.publish(structuredClone(entry), eventId);
    deliver(c, bus, entry, eventId);
    return { EventId: eventId };
  });
  return { FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length, Entries: results };
}

export const eventBridgeModel: ServiceModel = {
  PutEvents: putEvents,
};
