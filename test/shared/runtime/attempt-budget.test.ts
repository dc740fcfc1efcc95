import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpHandler } from "@smithy/core/protocols";
import { HttpRequest, HttpResponse } from "@smithy/core/transport";
import { describe, expect, it } from "vitest";
import {
  AttemptCutOffError,
  InvocationBoundHttpHandler,
  LAST_WORDS_MS,
} from "../../../shared/aws/attempt-cutoff";
import { AwsClientFactory } from "../../../shared/aws/clients";
import { classifyAwsError } from "../../../shared/aws/errors";
import { ClockRequestTimeoutHandler, RequestTimeoutError } from "../../../shared/aws/request-timeout";
import { runPool } from "../../../shared/pipeline/pool";
import { readUntil } from "../../../shared/pipeline/verify";
import type { Clock } from "../../../shared/runtime/clock";
import { DeadlineHolder, deadlineAt, deadlineFromRemaining } from "../../../shared/runtime/deadline";

/** A clock that moves only when told, with sleeps woken as it passes them (aborted sleeps are dropped). */
const manualClock = (start: number) => {
  let now = start;
  const sleepers: Array<{ due: number; wake: () => void }> = [];
  const clock: Clock = {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        const sleeper = { due: now + ms, wake: resolve };
        sleepers.push(sleeper);
        signal?.addEventListener("abort", () => {
          sleepers.splice(sleepers.indexOf(sleeper), 1);
          resolve();
        });
      }),
  };
  const advance = async (ms: number) => {
    now += ms;
    for (const s of sleepers.filter((x) => x.due <= now)) {
      sleepers.splice(sleepers.indexOf(s), 1);
      s.wake();
    }
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { clock, advance, pending: () => sleepers.length };
};

describe("Deadline: time for one more attempt", () => {
  it("an attempt may start only if it ends before the deadline, after an optional wait", () => {
    const d = deadlineAt(10_000, manualClock(0).clock, { attemptMs: 4_000 });
    expect(d.hasTimeForAttempt(0, 5_999)).toBe(true);
    expect(d.hasTimeForAttempt(0, 6_000)).toBe(false);
    expect(d.hasTimeForAttempt(1_000, 4_999)).toBe(true);
    expect(d.hasTimeForAttempt(1_000, 5_000)).toBe(false);
    // The existing API is unchanged: not expired although no attempt fits any more.
    expect(d.expired(9_000)).toBe(false);
    expect(d.remainingMs(9_000)).toBe(1_000);
  });

  it("without an attempt budget it is the old rule: not expired (after the wait)", () => {
    const d = deadlineAt(10_000, manualClock(0).clock);
    expect(d.attemptMs).toBe(0);
    expect(d.endsAt).toBeUndefined();
    expect(d.hasTimeForAttempt(0, 9_999)).toBe(true);
    expect(d.hasTimeForAttempt(0, 10_000)).toBe(false);
    expect(d.hasTimeForAttempt(500, 9_500)).toBe(false);
  });

  it("the handler's deadline keeps the safety margin and knows when Lambda ends the invocation", () => {
    const { clock } = manualClock(1_000);
    const d = deadlineFromRemaining(60_000, 1_500, clock, 4_000);
    expect({ at: d.at, endsAt: d.endsAt, attemptMs: d.attemptMs }).toEqual({
      at: 59_500,
      endsAt: 61_000,
      attemptMs: 4_000,
    });
  });
});

describe("runPool and readUntil under the rule", () => {
  it("the pool starts no task with less than one attempt left before the deadline", async () => {
    let now = 0;
    const clock: Clock = { now: () => now, sleep: async () => {} };
    const deadline = deadlineAt(5_000, clock, { attemptMs: 4_000 });
    const started: number[] = [];
    // Each task takes 600 ms: the second starts at 600 ms (4.4 s left), the third would start at
    // 1,200 ms with 3.8 s left, less than one attempt.
    const report = await runPool([1, 2, 3], { concurrency: 1, deadline }, async (item) => {
      started.push(item);
      now += 600;
    });
    expect(started).toEqual([1, 2]);
    expect(report.ran).toEqual([1, 2]);
    expect(report.notStarted).toEqual([3]);
  });

  it("readUntil starts no read whose attempt would end past the deadline", async () => {
    const manual = manualClock(0);
    const deadline = deadlineAt(6_500, manual.clock, { attemptMs: 4_000 });
    let reads = 0;
    const waiting = readUntil(
      async () => {
        reads += 1;
        return false;
      },
      (done) => done,
      { deadline, timeoutMs: 60_000, intervalMs: 1_000, maxIntervalMs: 1_000 },
    );
    // Reads at 0, 1 and 2 s (the one at 2 s ends by 6 s at the latest, before the deadline at 6.5 s); one
    // at 3 s could end at 7 s: not started.
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 5; i += 1) await manual.advance(1_000);
    const result = await waiting;
    expect(result.done).toBe(false);
    expect(reads).toBe(3);
  });
});

const REQUEST = new HttpRequest({ hostname: "ec2.example", path: "/" });

/** A transport that answers when told (or never), and remembers the abort signal it was handed. */
const stalling = () => {
  const seen: Array<AbortSignal | undefined> = [];
  let answer: (() => void) | undefined;
  const handler = {
    handle: (_request: unknown, options?: { abortSignal?: AbortSignal }) => {
      seen.push(options?.abortSignal);
      return new Promise((resolve) => {
        answer = () => resolve({ response: new HttpResponse({ statusCode: 200, headers: {} }) });
      });
    },
    updateHttpClientConfig: () => {},
    httpHandlerConfigs: () => ({}),
  } as unknown as HttpHandler;
  return { handler, seen, answer: () => answer?.() };
};

/** An invocation `remainingMs` from its Lambda timeout (safety 1.5 s, attempts of 4 s) on a manual clock, and a stalling transport. */
const invocation = (remainingMs: number) => {
  const manual = manualClock(0);
  const deadlines = new DeadlineHolder();
  deadlines.set(deadlineFromRemaining(remainingMs, 1_500, manual.clock, 4_000));
  return { manual, deadlines, inner: stalling() };
};

describe("InvocationBoundHttpHandler: no attempt outlives the invocation", () => {
  it("cuts off an attempt still in flight LAST_WORDS_MS before the Lambda timeout, as a retryable timeout", async () => {
    const { manual, deadlines, inner } = invocation(6_000);
    const handler = new InvocationBoundHttpHandler(inner.handler, deadlines);
    await manual.advance(3_900);
    const attempt = handler.handle(REQUEST).then(
      () => undefined,
      (error: unknown) => error,
    );
    await manual.advance(6_000 - LAST_WORDS_MS - 3_900 - 1);
    expect(inner.seen[0]?.aborted).toBe(false);
    await manual.advance(1);
    const error = await attempt;
    expect(error).toBeInstanceOf(AttemptCutOffError);
    expect(inner.seen[0]?.aborted).toBe(true);
    expect(classifyAwsError("PutEvents", error)).toBe("transient");
  });

  it("an attempt its own timeouts end in time gets no timer and passes through", async () => {
    const { manual, deadlines, inner } = invocation(60_000);
    const attempt = new InvocationBoundHttpHandler(inner.handler, deadlines).handle(REQUEST);
    expect(manual.pending()).toBe(0);
    expect(inner.seen[0]).toBeUndefined();
    inner.answer();
    await expect(attempt).resolves.toMatchObject({ response: { statusCode: 200 } });
  });

  it("a late attempt that is answered in time cancels its timer", async () => {
    const { manual, deadlines, inner } = invocation(6_000);
    await manual.advance(3_000);
    const attempt = new InvocationBoundHttpHandler(inner.handler, deadlines).handle(REQUEST);
    expect(manual.pending()).toBe(1);
    inner.answer();
    await expect(attempt).resolves.toMatchObject({ response: { statusCode: 200 } });
    expect(manual.pending()).toBe(0);
    expect(inner.seen[0]?.aborted).toBe(false);
  });

  it("outside an invocation (no deadline) it is the plain transport", async () => {
    const inner = stalling();
    const attempt = new InvocationBoundHttpHandler(inner.handler, new DeadlineHolder()).handle(REQUEST);
    expect(inner.seen[0]).toBeUndefined();
    inner.answer();
    await expect(attempt).resolves.toMatchObject({ response: { statusCode: 200 } });
  });
});

describe("AwsClientFactory's transport", () => {
  it("makes requestTimeout end an attempt with a TimeoutError (throwOnRequestTimeout), not only log a warning", async () => {
    // A loopback server that accepts the request and never answers.
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const factory = new AwsClientFactory({
        maxAttempts: 1,
        connectionTimeoutMs: 1_000,
        requestTimeoutMs: 50,
        deadlines: new DeadlineHolder(),
      });
      const transport = factory.ec2("eu-west-1").config.requestHandler as HttpHandler;
      expect(transport).toBeInstanceOf(InvocationBoundHttpHandler);
      const request = new HttpRequest({
        protocol: "http:",
        hostname: "127.0.0.1",
        port,
        method: "GET",
        path: "/",
      });
      await expect(transport.handle(request)).rejects.toMatchObject({ name: "TimeoutError" });
      transport.destroy?.();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("ClockRequestTimeoutHandler: a transport without timeouts gets the request timeout on the deadline's clock", () => {
  it("abandons an attempt at requestTimeoutMs with NodeHttpHandler's TimeoutError, retryable, and aborts the transport's wait", async () => {
    const { manual, deadlines, inner } = invocation(60_000);
    const attempt = new ClockRequestTimeoutHandler(inner.handler, 3_000, deadlines).handle(REQUEST).then(
      () => undefined,
      (error: unknown) => error,
    );
    await manual.advance(2_999);
    expect(inner.seen[0]?.aborted).toBe(false);
    await manual.advance(1);
    const error = await attempt;
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error).toMatchObject({ name: "TimeoutError", code: "ETIMEDOUT" });
    expect(inner.seen[0]?.aborted).toBe(true);
    expect(classifyAwsError("DescribeInstances", error)).toBe("transient");
  });

  it("an attempt answered in time passes through and leaves no timer behind", async () => {
    const { manual, deadlines, inner } = invocation(60_000);
    const attempt = new ClockRequestTimeoutHandler(inner.handler, 3_000, deadlines).handle(REQUEST);
    await manual.advance(2_000);
    inner.answer();
    await expect(attempt).resolves.toMatchObject({ response: { statusCode: 200 } });
    expect(manual.pending()).toBe(0);
  });

  it("outside an invocation (no deadline) it is the plain transport", async () => {
    const inner = stalling();
    const attempt = new ClockRequestTimeoutHandler(inner.handler, 3_000, new DeadlineHolder()).handle(
      REQUEST,
    );
    expect(inner.seen[0]).toBeUndefined();
    inner.answer();
    await expect(attempt).resolves.toMatchObject({ response: { statusCode: 200 } });
  });
});
