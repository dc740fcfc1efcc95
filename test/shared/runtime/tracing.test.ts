import type { Request } from "@middy/core";
import { describe, expect, it } from "vitest";
import { startTracing, tracingEnabled } from "../../../shared/runtime/observability";
import type { Tracing } from "../../../shared/runtime/tracing";

const LAMBDA = { AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x" };

describe("tracingEnabled (as the Powertools tracer decides)", () => {
  it.each([
    [{}, false],
    [LAMBDA, true],
    [{ ...LAMBDA, POWERTOOLS_TRACE_ENABLED: "true" }, true],
    [{ ...LAMBDA, POWERTOOLS_TRACE_ENABLED: "false" }, false],
    [{ ...LAMBDA, POWERTOOLS_TRACE_ENABLED: "FALSE" }, false],
    [{ ...LAMBDA, AWS_SAM_LOCAL: "true" }, false],
    [{ AWS_EXECUTION_ENV: "AWS_Lambda_amplify-mock" }, false],
    [{ POWERTOOLS_TRACE_ENABLED: "true" }, false],
  ])("%j → %s", (env, enabled) => {
    expect(tracingEnabled(env)).toBe(enabled);
  });
});

/** A stand-in for shared/runtime/tracing.ts that records what the handler does with it. */
const fakeTracingModule = () => {
  const calls: string[] = [];
  const tracing = {
    tracer: { captureAWSv3Client: <C extends object>(client: C) => ({ traced: client }) as unknown as C },
    middleware: {
      before: async () => {
        calls.push("before");
      },
      after: async () => {
        calls.push("after");
      },
      onError: async () => {
        calls.push("onError");
      },
    },
  } as unknown as Tracing;
  const loads: string[] = [];
  const load = async () => ({
    createTracing: (serviceName: string) => {
      loads.push(serviceName);
      return tracing;
    },
  });
  return { calls, loads, load };
};

const request = {} as Request;

describe("startTracing", () => {
  it("loads nothing when tracing is off (outside Lambda, or POWERTOOLS_TRACE_ENABLED=false)", async () => {
    const fake = fakeTracingModule();
    expect(startTracing("idle-hibernate", {}, fake.load)).toBeUndefined();
    expect(startTracing("idle-hibernate", { ...LAMBDA, POWERTOOLS_TRACE_ENABLED: "false" }, fake.load)).toBe(
      undefined,
    );
    await Promise.resolve();
    expect(fake.loads).toEqual([]);
  });

  it("when on, starts loading the tracer at once and traces through it once loaded", async () => {
    const fake = fakeTracingModule();
    const tracing = startTracing("idle-hibernate", LAMBDA, fake.load);
    if (tracing === undefined) throw new Error("tracing should be on");
    const client = { name: "ec2" };
    expect(tracing.instrument(client)).toBe(client);
    await tracing.middleware.before?.(request);
    expect(fake.loads).toEqual(["idle-hibernate"]);
    expect(tracing.instrument(client)).toEqual({ traced: client });
    await tracing.middleware.after?.(request);
    await tracing.middleware.onError?.(request);
    expect(fake.calls).toEqual(["before", "after", "onError"]);
    expect(fake.loads).toHaveLength(1);
  });
});
