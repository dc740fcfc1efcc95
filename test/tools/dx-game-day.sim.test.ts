import { CloudWatchClient, type MetricDatum, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
  DescribeVirtualInterfacesCommand,
  DirectConnectClient,
  ListVirtualInterfaceTestHistoryCommand,
  StartBgpFailoverTestCommand,
} from "@aws-sdk/client-direct-connect";
import { EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../shared/runtime/clock";
import type { Harness } from "../../sim/harness";
import { type GameDayOptions, runGameDay } from "../../tools/lib/dx-game-day";
import {
  dxEnv,
  dxFixture,
  GROUP,
  NAMESPACE,
  readEvent,
  resultOf,
  VIFS,
} from "../functions/dx-failover/support";
import { startHarness } from "../support/harness";

/**
 * Issue 10, item 9: the game day on the simulated control plane. StartBgpFailoverTest on the group's
 * interfaces, the stack simulated on the account's clock (the agent's samples every second — DX fails
 * while BGP is down — its trigger at once, the reconcile every minute, each a real invocation of the
 * failover function), and the command's timeline: failover, the test's end, failback after the window.
 */

const REGION = "us-east-1";
const RESTORE_WINDOW_S = 120;
const env = dxEnv({ restoreWindowSeconds: RESTORE_WINDOW_S, minDwellSeconds: 60 });
const STEP_MS = 10_000;

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clock: "manual" });
});
afterAll(async () => {
  await harness.close();
});

const dx = () => new DirectConnectClient({ region: REGION });
const now = () => harness.account.clock.nowMs();

const bgpUp = async (): Promise<boolean> => {
  const out = await dx().send(new DescribeVirtualInterfacesCommand({}));
  return (out.virtualInterfaces ?? []).some((v) => (v.bgpPeers ?? []).some((p) => p.bgpStatus === "up"));
};

/** One second of the agent's samples for each second of [from, to): DX answers iff BGP is up. */
const agentSamples = async (from: number, to: number, dxOk: boolean) => {
  const data: MetricDatum[] = [];
  for (let t = from; t < to; t += 1000)
    for (const [path, ok] of [
      ["direct-connect", dxOk],
      ["vpn", true],
    ] as const)
      data.push({
        MetricName: "PathHealthy",
        Dimensions: [
          { Name: "Group", Value: GROUP },
          { Name: "Path", Value: path },
          { Name: "Probe", Value: "agent" },
        ],
        Value: ok ? 1 : 0,
        Timestamp: new Date(t),
        StorageResolution: 1,
      });
  const cloudWatch = new CloudWatchClient({ region: REGION });
  for (let i = 0; i < data.length; i += 1000)
    await cloudWatch.send(
      new PutMetricDataCommand({ Namespace: NAMESPACE, MetricData: data.slice(i, i + 1000) }),
    );
};

const trigger = (at: number) => ({
  ...readEvent("probe-trigger"),
  time: new Date(at).toISOString(),
  detail: {
    group: GROUP,
    reason: "dx-down",
    probe: "agent",
    at,
    dxFailingSince: at - 2000,
    dx: { ok: false, consecutiveFailures: 2, consecutiveSuccesses: 0 },
    vpn: { ok: true, consecutiveFailures: 0, consecutiveSuccesses: 30 },
  },
});

/**
 * The command's clock: each sleep moves the account's time in 10-second steps, and in each step the stack
 * does what it would: the agent's samples, its trigger when DX starts failing, the minute's reconcile.
 */
const stackClock = (): Clock & { invocations: number } => {
  let dxWasUp = true;
  let nextReconcile = now() + 60_000;
  const state = {
    invocations: 0,
    now,
    sleep: async (ms: number) => {
      for (let left = ms; left > 0; left -= STEP_MS) {
        const from = now();
        harness.advance(Math.min(STEP_MS, left));
        const up = await bgpUp();
        await agentSamples(from, now(), up);
        const due = now() >= nextReconcile;
        if (!up && dxWasUp) await invoke(trigger(now()));
        if (due) {
          nextReconcile += 60_000;
          await invoke(readEvent("schedule-reconcile"));
        }
        dxWasUp = up;
      }
    },
  };
  const invoke = async (event: unknown) => {
    state.invocations += 1;
    resultOf(await harness.invoke("dx-failover", event, { env }));
  };
  return state;
};

const options = (o: Partial<GameDayOptions> = {}): GameDayOptions => ({
  group: GROUP,
  virtualInterfaceIds: [...VIFS],
  groupTagKey: "ops:failover-group",
  minutes: 5,
  pollMs: STEP_MS,
  settleMs: 10 * 60_000,
  ...o,
});

const deps = (clock: Clock) => ({ directConnect: dx(), ec2: new EC2Client({ region: REGION }), clock });

describe("game day (StartBgpFailoverTest)", () => {
  it("BGP test game day timeline: failover at once, the test's end, failback after the restore window", async () => {
    harness.load(dxFixture());
    await agentSamples(now() - 600_000, now(), true); // all was well before
    const clock = stackClock();
    const report = await runGameDay(deps(clock), options());
    expect(report.verdict).toBe("failed-over-and-back");
    expect(report.timeline.map((e) => e.kind)).toEqual([
      "test-started",
      "bgp-down",
      "failover",
      "bgp-up",
      "failback",
    ]);
    // The trigger in the step BGP went down: the failover is seen on the next look.
    expect(report.failoverAfterMs).toBeLessThanOrEqual(STEP_MS);
    // Never before the window of Direct Connect health, and within a reconcile (and a look) after it.
    expect(report.failbackAfterMs).toBeGreaterThanOrEqual(RESTORE_WINDOW_S * 1000);
    expect(report.failbackAfterMs).toBeLessThanOrEqual(RESTORE_WINDOW_S * 1000 + 60_000 + 2 * STEP_MS);
    const history = await dx().send(new ListVirtualInterfaceTestHistoryCommand({}));
    expect(history.virtualInterfaceTestHistory?.map((t) => t.status)).toEqual(["completed", "completed"]);
    expect(clock.invocations).toBeGreaterThan(5);
  });

  it("stopped early (Ctrl-C): StopBgpFailoverTest on every interface still testing", async () => {
    harness.load(dxFixture());
    await agentSamples(now() - 600_000, now(), true);
    const clock = stackClock();
    const abort = new AbortController();
    const sleep = clock.sleep;
    let looks = 0;
    clock.sleep = async (ms: number) => {
      if (++looks === 3) abort.abort();
      await sleep(ms);
    };
    const report = await runGameDay(deps(clock), options({ minutes: 30, signal: abort.signal }));
    expect(report.timeline.map((e) => e.kind)).toEqual([
      "test-started",
      "bgp-down",
      "failover",
      "test-stopped",
    ]);
    expect(report.verdict).toBe("no-failback");
    const history = await dx().send(new ListVirtualInterfaceTestHistoryCommand({}));
    expect(history.virtualInterfaceTestHistory?.map((t) => t.status)).toEqual(["cancelled", "cancelled"]);
  });

  it("refused when a failover test already runs on an interface of the group", async () => {
    harness.load(dxFixture());
    await dx().send(
      new StartBgpFailoverTestCommand({ virtualInterfaceId: VIFS[0], testDurationInMinutes: 10 }),
    );
    const report = await runGameDay(deps(stackClock()), options());
    expect(report).toMatchObject({ verdict: "refused", timeline: [] });
    const history = await dx().send(new ListVirtualInterfaceTestHistoryCommand({}));
    expect(history.virtualInterfaceTestHistory).toHaveLength(1);
  });
});
