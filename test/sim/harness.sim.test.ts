import { DescribeInstancesCommand, EC2Client, StopInstancesCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Clock, systemClock } from "../../shared/runtime/clock";
import { Harness } from "../../sim/harness";
import type { BuildHandler, HandlerOverrides, HarnessFunction } from "../../sim/lambda";
import { demoFixture } from "../support/fixtures";

/**
 * The harness with a function registry of fake handlers (a BuildHandler that records what it is given and
 * runs a script against the account through the SDK), in both clock modes.
 */

const INSTANCE = "i-0123456789abcdef0";
const START = new Date("2030-01-01T00:00:00.000Z");

type Script = (clock: Clock, context: { getRemainingTimeInMillis(): number }) => Promise<unknown>;

/** A function whose handler runs `script` on the clock it is given (the system clock if none). */
const scripted = (name: string, script: Script, builds: HandlerOverrides[] = []): HarnessFunction => {
  const build: BuildHandler = (_env, overrides) => {
    builds.push(overrides ?? {});
    return (_event, context) => script(overrides?.clock ?? systemClock, context);
  };
  return { name, serverlessName: `${name}Key`, load: async () => build };
};

const ec2 = () => new EC2Client({ region: "us-east-1", maxAttempts: 1 });
const stateOf = async (client: EC2Client): Promise<string | undefined> =>
  (await client.send(new DescribeInstancesCommand({ InstanceIds: [INSTANCE] }))).Reservations?.[0]
    ?.Instances?.[0]?.State?.Name;

/** Stops the instance, then polls every 5 s until EC2 shows it stopped; returns the states seen. */
const stopAndWait: Script = async (clock) => {
  const client = ec2();
  await client.send(new StopInstancesCommand({ InstanceIds: [INSTANCE] }));
  const seen: string[] = [];
  for (let state = await stateOf(client); state !== "stopped"; state = await stateOf(client)) {
    seen.push(state ?? "none");
    await clock.sleep(5000);
  }
  return { seen, at: clock.now() };
};

describe("manual clock", () => {
  let harness: Harness;
  const builds: HandlerOverrides[] = [];
  const order: string[] = [];
  beforeAll(async () => {
    harness = await Harness.start({
      clock: "manual",
      functions: [
        scripted("stop-and-wait", stopAndWait, builds),
        scripted("remaining", async (clock, context) => {
          await clock.sleep(10_000);
          return context.getRemainingTimeInMillis();
        }),
        scripted("concurrent", async (clock) => {
          const nap = async (ms: number) => {
            await clock.sleep(ms);
            order.push(`${ms}@${clock.now() - START.getTime()}`);
          };
          await Promise.all([nap(3000), nap(1000), nap(1000), nap(2000)]);
          return clock.now();
        }),
        scripted("watch", async (clock) => {
          const client = ec2();
          for (let polls = 1; polls <= 10; polls += 1) {
            await clock.sleep(1000);
            if ((await stateOf(client)) !== "running") return clock.now() - START.getTime();
          }
          return undefined;
        }),
      ],
    });
  });
  afterAll(async () => {
    await harness.close();
  });

  it("hands handlers the simulated clock, whose sleeps move simulated time to each due time", async () => {
    harness.load(demoFixture(), { now: START });
    const report = await harness.invoke("stop-and-wait", {});
    expect(report.error).toBeUndefined();
    // stopping → stopped takes the fixture's stoppingToStoppedMs (30 s): polls at 0, 5, … 25 s see it stopping.
    expect(report.result).toEqual({
      seen: ["stopping", "stopping", "stopping", "stopping", "stopping", "stopping"],
      at: START.getTime() + 30_000,
    });
    expect(report.simulatedMs).toBe(30_000);
    expect(harness.account.clock.nowMs()).toBe(START.getTime() + 30_000);
    // The handler's clock is simulated time seen through its invocation's timeout (sim/lambda-timeout.ts).
    expect(builds[0]?.clock).not.toBe(undefined);
    expect(builds[0]?.clock?.now()).toBe(harness.clock.now());
  });

  it("uses up the Lambda context's remaining time with simulated time", async () => {
    harness.load(demoFixture(), { now: START });
    const report = await harness.invoke("remaining", {}, { timeoutMs: 60_000 });
    expect(report.result).toBe(50_000);
  });

  it("wakes concurrent sleepers in due order, sharing the same stretch of time", async () => {
    harness.load(demoFixture(), { now: START });
    const report = await harness.invoke("concurrent", {});
    expect(order).toEqual(["1000@1000", "1000@1000", "2000@2000", "3000@3000"]);
    expect(report.simulatedMs).toBe(3000);
  });

  it("interleaves a driver sleeping on harness.clock with a running handler", async () => {
    harness.load(demoFixture(), { now: START });
    const run = harness.invoke("watch", {});
    await harness.clock.sleep(2500);
    await harness.account.dispatch(
      { service: "ec2", operation: "StopInstances", region: "us-east-1", requestId: "driver" },
      { InstanceIds: [INSTANCE] },
    );
    const report = await run;
    // Polls at 1 s and 2 s see it running; the driver stops it at 2.5 s; the poll at 3 s sees it stopping.
    expect(report.result).toBe(3000);
  });

  it("moves the account's clock on advance, and refuses to swap the account under a sleeping handler", async () => {
    harness.load(demoFixture(), { now: START });
    expect(harness.advance(45_000).getTime()).toBe(START.getTime() + 45_000);
    expect(harness.clock.now()).toBe(START.getTime() + 45_000);
    const sleeping = harness.clock.sleep(1000);
    expect(() => harness.load(demoFixture(), { now: START })).toThrow(/still sleeping/);
    await sleeping;
    expect(harness.clock.now()).toBe(START.getTime() + 46_000);
  });
});

describe("registry and real clock (the default)", () => {
  let harness: Harness;
  const builds: HandlerOverrides[] = [];
  const envBefore = { ...process.env };
  beforeAll(async () => {
    harness = await Harness.start({
      functions: [scripted("now", async (clock) => clock.now(), builds)],
    });
  });
  afterAll(async () => {
    await harness.close();
  });

  it("builds handlers with no overrides, on the system clock, and finds them by name or serverless key", async () => {
    harness.load(demoFixture());
    const before = Date.now();
    const report = await harness.invoke("nowKey", {});
    expect(report.function).toBe("now");
    expect(report.result).toBeGreaterThanOrEqual(before);
    expect(builds).toEqual([{}]);
    expect(harness.clock).toBe(systemClock);
  });

  it("reuses a handler per environment and builds a new one for another", async () => {
    harness.load(demoFixture());
    const first = builds.length;
    await harness.invoke("now", {});
    await harness.invoke("now", {});
    await harness.invoke("now", {}, { env: { OPS_MODE: "plan" } });
    expect(builds.length - first).toBe(2);
  });

  it("starts the functions cold on a new account (Lambda runs another account's in other environments)", async () => {
    harness.load(demoFixture());
    const first = builds.length;
    await harness.invoke("now", {});
    harness.load(demoFixture());
    await harness.invoke("now", {});
    expect(builds.length - first).toBe(2);
  });

  it("names the functions it was given when asked for another", async () => {
    await expect(harness.invoke("idle-hibernate", {})).rejects.toThrow(
      'unknown function "idle-hibernate" (functions given to Harness.start: now)',
    );
  });

  it("points the SDK at its server while open and puts the environment back on close", async () => {
    expect(process.env.AWS_ENDPOINT_URL).toBe(harness.url);
    const other = await Harness.start();
    expect(process.env.AWS_ENDPOINT_URL).toBe(other.url);
    await other.close();
    expect(process.env.AWS_ENDPOINT_URL).toBe(harness.url);
    expect(envBefore.AWS_ENDPOINT_URL).toBeUndefined();
  });
});
