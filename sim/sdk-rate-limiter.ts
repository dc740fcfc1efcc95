/**
 * The SDK's adaptive retry mode limits its own sending rate after a throttling error (a token bucket in
 * `DefaultRateLimiter`, @smithy/core/retry), timed by `Date.now` and `setTimeout`. Deployed, those waits
 * use up the invocation's time; on a simulated clock they would take real time and no simulated time.
 * `rateLimiterOn(clock)` points the limiter's time source and its waits at `clock` (through its
 * `getCurrentTimeInSeconds` method and its static `setTimeoutFn` seam) until the returned function puts
 * them back, so that the bucket fills and drains in simulated time, without real waiting.
 */
import { DefaultRateLimiter } from "@smithy/core/retry";
import type { Clock } from "../shared/runtime/clock";

/** The two members the limiter reads time through (TypeScript-private in the SDK's declarations). */
interface LimiterTime {
  getCurrentTimeInSeconds(): number;
}
interface LimiterTimers {
  setTimeoutFn: (fn: () => void, delayMs: number) => unknown;
}

export const rateLimiterOn = (clock: Clock): (() => void) => {
  const prototype = DefaultRateLimiter.prototype as unknown as LimiterTime;
  const timers = DefaultRateLimiter as unknown as LimiterTimers;
  const ownNow = Object.getOwnPropertyDescriptor(prototype, "getCurrentTimeInSeconds");
  const ownTimeout = timers.setTimeoutFn;
  prototype.getCurrentTimeInSeconds = () => clock.now() / 1000;
  // Whole milliseconds: a fraction of one would be lost on an epoch-ms clock, and the bucket never refill.
  timers.setTimeoutFn = (fn, delayMs) => clock.sleep(Math.ceil(delayMs)).then(fn);
  return () => {
    if (ownNow !== undefined) Object.defineProperty(prototype, "getCurrentTimeInSeconds", ownNow);
    timers.setTimeoutFn = ownTimeout;
  };
};
