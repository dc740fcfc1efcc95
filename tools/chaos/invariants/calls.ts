import type { CallRecord } from "../../../sim/account/calls";

/**
 * A write that took effect: answered `ok`, or landed although its caller saw an error (a landing fault: a
 * 500 or a lost connection after the write, EC2 "Ensuring idempotency"). The safety checks judge both: the
 * campaign arms landing faults on every write of about half its incidents, and the SDK's retry of a landed
 * write is often answered an error too, so an `ok`-only check never saw those writes (review 8, F1).
 */
export const tookEffect = (call: CallRecord): boolean => call.outcome === "ok" || call.applied === true;
