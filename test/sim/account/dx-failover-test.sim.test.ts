import {
  DirectConnectClient,
  DirectConnectClientException,
  ListVirtualInterfaceTestHistoryCommand,
  type ListVirtualInterfaceTestHistoryResponse,
  StartBgpFailoverTestCommand,
  type StartBgpFailoverTestResponse,
  StopBgpFailoverTestCommand,
  type StopBgpFailoverTestResponse,
  type VirtualInterfaces,
} from "@aws-sdk/client-direct-connect";
import type { DescribeRouteTablesResult } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { diffSnapshots, formatStateChanges, type SimulatedAccount } from "../../../sim";
import { startSimServer } from "../../../sim/wire";
import { DX, dxAccount, dxFixtureJson } from "./dx-fixture";
import { awsError, call, ec2 } from "./helpers";

const MINUTE = 60_000;
const START = new Date("2026-11-21T12:00:00.000Z");

const dx = <T>(a: SimulatedAccount, op: string, input: Record<string, unknown> = {}) =>
  call<T>(a, "directconnect", op, input);

async function propagatedCount(a: SimulatedAccount): Promise<number> {
  const r = await ec2<DescribeRouteTablesResult>(a, "DescribeRouteTables", { RouteTableIds: [DX.prodA] });
  return (r.RouteTables?.[0]?.Routes ?? []).filter((x) => x.Origin === "EnableVgwRoutePropagation").length;
}

async function vifView(a: SimulatedAccount, id: string) {
  const r = await dx<VirtualInterfaces>(a, "DescribeVirtualInterfaces", { virtualInterfaceId: id });
  const v = r.virtualInterfaces?.[0];
  return { state: v?.virtualInterfaceState, bgp: v?.bgpPeers?.map((p) => p.bgpStatus) };
}

describe("StartBgpFailoverTest (Direct Connect failover test)", () => {
  it("puts every session of the interface DOWN for 180 minutes by default, then AWS restores it (completed)", async () => {
    const a = dxAccount();
    const started = await dx<StartBgpFailoverTestResponse>(a, "StartBgpFailoverTest", {
      virtualInterfaceId: DX.vif1,
    });
    const test = started.virtualInterfaceTest;
    expect(test).toEqual({
      testId: expect.stringMatching(/^dxtest-[0-9a-f]{17}$/),
      virtualInterfaceId: DX.vif1,
      bgpPeers: ["dxpeer-fg000001"],
      status: "in-progress",
      ownerAccount: "111122223333",
      testDurationInMinutes: 180,
      startTime: START,
    });
    expect(await vifView(a, DX.vif1)).toEqual({ state: "testing", bgp: ["down"] });
    expect(await propagatedCount(a)).toBe(2); // the second interface still carries the prefixes
    a.setBgpStatus(DX.vif2, "down");
    expect(await propagatedCount(a)).toBe(0);
    a.setBgpStatus(DX.vif2, "up");

    a.advance(180 * MINUTE - 1);
    expect(await vifView(a, DX.vif1)).toEqual({ state: "testing", bgp: ["down"] });
    a.advance(1);
    expect(await vifView(a, DX.vif1)).toEqual({ state: "available", bgp: ["up"] });
    const history = await dx<ListVirtualInterfaceTestHistoryResponse>(a, "ListVirtualInterfaceTestHistory", {
      testId: test?.testId,
    });
    expect(history.virtualInterfaceTestHistory).toEqual([
      { ...test, status: "completed", endTime: new Date(START.getTime() + 180 * MINUTE) },
    ]);
    const reasons = a.serviceEvents
      .filter((e) => e.detail.virtualInterfaceId === DX.vif1)
      .map((e) => [e.detail.bgpStatus, e.detail.reason, e.time]);
    expect(reasons).toEqual([
      ["down", `failover test ${test?.testId} started`, "2026-11-21T12:00:00Z"],
      ["up", `failover test ${test?.testId} completed`, "2026-11-21T15:00:00Z"],
    ]);
  });

  it("shows in snapshot diffs: the interface, its session, the test and the withdrawn routes", async () => {
    const a = dxAccount();
    await dx(a, "StartBgpFailoverTest", { virtualInterfaceId: DX.vif2, testDurationInMinutes: 10 });
    const before = a.snapshot();
    const started = await dx<StartBgpFailoverTestResponse>(a, "StartBgpFailoverTest", {
      virtualInterfaceId: DX.vif1,
    });
    const lines = formatStateChanges(diffSnapshots(before, a.snapshot()));
    expect(lines).toEqual(
      expect.arrayContaining([
        `${DX.vif1} State: available → testing`,
        `${DX.vif1} BgpPeers.dxpeer-fg000001.BgpStatus: up → down`,
        `${started.virtualInterfaceTest?.testId}: + (new bgpFailoverTests)`,
        `${DX.prodA} Routes.${DX.onPrem}.Origin: - EnableVgwRoutePropagation`,
      ]),
    );
  });

  it("withdraws the propagated routes when every interface of the gateway is tested, and brings them back", async () => {
    const a = dxAccount();
    await dx(a, "StartBgpFailoverTest", { virtualInterfaceId: DX.vif1, testDurationInMinutes: 10 });
    await dx(a, "StartBgpFailoverTest", { virtualInterfaceId: DX.vif2, testDurationInMinutes: 20 });
    expect(await propagatedCount(a)).toBe(0);
    a.advance(10 * MINUTE);
    expect(await propagatedCount(a)).toBe(2);
    const statuses = Object.values(a.snapshot().bgpFailoverTests).map((t) => t.Status);
    expect(statuses).toEqual(["completed", "in-progress"]);
  });

  it("tests only the sessions named: an IPv6 session left up keeps the interface's IPv6 prefixes", async () => {
    const base = dxFixtureJson();
    const [vif1] = base.virtualInterfaces ?? [];
    const a = dxAccount({
      virtualPrivateGateways: [
        {
          id: DX.vgw,
          vpcId: DX.vpc,
          virtualInterfaceIds: [DX.vif1],
          propagatedCidrs: [DX.onPrem, "2001:db8::/32"],
        },
      ],
      virtualInterfaces: [
        {
          ...(vif1 as NonNullable<typeof vif1>),
          bgpPeers: [
            { bgpPeerId: "dxpeer-fg0000a4", addressFamily: "ipv4" },
            { bgpPeerId: "dxpeer-fg0000a6", addressFamily: "ipv6" },
          ],
        },
      ],
    });
    await dx(a, "StartBgpFailoverTest", { virtualInterfaceId: DX.vif1, bgpPeers: ["dxpeer-fg0000a4"] });
    expect(await vifView(a, DX.vif1)).toEqual({ state: "testing", bgp: ["down", "up"] });
    const r = await ec2<DescribeRouteTablesResult>(a, "DescribeRouteTables", { RouteTableIds: [DX.prodA] });
    expect(
      r.RouteTables?.[0]?.Routes?.filter((x) => x.Origin === "EnableVgwRoutePropagation").map(
        (x) => x.DestinationIpv6CidrBlock ?? x.DestinationCidrBlock,
      ),
    ).toEqual(["2001:db8::/32"]);
  });

  it("StopBgpFailoverTest restores at once (cancelled); a session an incident took down stays down", async () => {
    const a = dxAccount();
    await dx(a, "StartBgpFailoverTest", { virtualInterfaceId: DX.vif1 });
    a.advance(5 * MINUTE);
    a.setBgpStatus(DX.vif1, "down"); // the real session fails while the test holds it down
    const stopped = await dx<StopBgpFailoverTestResponse>(a, "StopBgpFailoverTest", {
      virtualInterfaceId: DX.vif1,
    });
    expect(stopped.virtualInterfaceTest).toMatchObject({
      status: "cancelled",
      endTime: new Date(START.getTime() + 5 * MINUTE),
    });
    // BGP down on its only session: the interface shows `down` ("A virtual interface that is BGP down").
    expect(await vifView(a, DX.vif1)).toEqual({ state: "down", bgp: ["down"] });
    await awsError(
      dx(a, "StopBgpFailoverTest", { virtualInterfaceId: DX.vif1 }),
      "DirectConnectClientException",
    );
    a.advance(200 * MINUTE); // the scheduled end finds the test over: nothing changes
    expect(await vifView(a, DX.vif1)).toEqual({ state: "down", bgp: ["down"] });
  });

  it("refuses an unknown interface or peer, a duration outside 1–4,320 minutes, a second test", async () => {
    const a = dxAccount();
    for (const input of [
      { virtualInterfaceId: "dxvif-ffffffff" },
      { virtualInterfaceId: DX.vif1, bgpPeers: ["dxpeer-ffffffff"] },
      { virtualInterfaceId: DX.vif1, testDurationInMinutes: 0 },
      { virtualInterfaceId: DX.vif1, testDurationInMinutes: 4321 },
    ]) {
      await awsError(dx(a, "StartBgpFailoverTest", input), "DirectConnectClientException", 400);
    }
    await dx(a, "StartBgpFailoverTest", { virtualInterfaceId: DX.vif1, testDurationInMinutes: 4320 });
    const e = await awsError(
      dx(a, "StartBgpFailoverTest", { virtualInterfaceId: DX.vif1 }),
      "DirectConnectClientException",
    );
    expect(e.message).toMatch(/already in progress/);
    a.advance(4320 * MINUTE);
    expect(await vifView(a, DX.vif1)).toEqual({ state: "available", bgp: ["up"] });
  });

  it("a router issue ends the test early as failed (POST /__sim/virtual-interfaces/<id>/failover-test/fail)", async () => {
    const a = dxAccount();
    const started = await dx<StartBgpFailoverTestResponse>(a, "StartBgpFailoverTest", {
      virtualInterfaceId: DX.vif1,
    });
    const r = await a.control("POST", `/__sim/virtual-interfaces/${DX.vif1}/failover-test/fail`);
    expect(r).toEqual({
      status: 200,
      body: { testId: started.virtualInterfaceTest?.testId, status: "failed" },
    });
    expect(await vifView(a, DX.vif1)).toEqual({ state: "available", bgp: ["up"] });
    const again = await a.control("POST", `/__sim/virtual-interfaces/${DX.vif1}/failover-test/fail`);
    expect(again).toMatchObject({ status: 400, body: { error: "DirectConnectClientException" } });
  });
});

describe("ListVirtualInterfaceTestHistory", () => {
  it("filters by interface, peers and status, newest first, pages, and forgets tests after 365 days", async () => {
    const a = dxAccount();
    await dx(a, "StartBgpFailoverTest", { virtualInterfaceId: DX.vif1, testDurationInMinutes: 1 });
    a.advance(MINUTE);
    await dx(a, "StartBgpFailoverTest", { virtualInterfaceId: DX.vif2, testDurationInMinutes: 1 });
    a.advance(MINUTE);
    await dx(a, "StartBgpFailoverTest", { virtualInterfaceId: DX.vif1, testDurationInMinutes: 60 });
    const list = (input: Record<string, unknown>) =>
      dx<ListVirtualInterfaceTestHistoryResponse>(a, "ListVirtualInterfaceTestHistory", input);
    const all = await list({});
    expect(all.virtualInterfaceTestHistory?.map((t) => [t.virtualInterfaceId, t.status])).toEqual([
      [DX.vif1, "in-progress"],
      [DX.vif2, "completed"],
      [DX.vif1, "completed"],
    ]);
    expect((await list({ virtualInterfaceId: DX.vif2 })).virtualInterfaceTestHistory).toHaveLength(1);
    expect(
      (await list({ bgpPeers: ["dxpeer-fg000001"], status: "completed" })).virtualInterfaceTestHistory,
    ).toHaveLength(1);
    const page = await list({ maxResults: 2 });
    expect(page.virtualInterfaceTestHistory).toHaveLength(2);
    expect(
      (await list({ maxResults: 2, nextToken: page.nextToken })).virtualInterfaceTestHistory,
    ).toHaveLength(1);
    a.advance(365 * 24 * 60 * MINUTE - MINUTE); // the first test started 365 days and a minute ago
    expect((await list({})).virtualInterfaceTestHistory?.map((t) => t.virtualInterfaceId)).toEqual([
      DX.vif1,
      DX.vif2,
    ]);
  });

  it("speaks the Direct Connect wire protocol (strict output schemas)", async () => {
    const a = dxAccount();
    const server = await startSimServer(a.dispatch, { control: a.control, strict: true });
    const client = new DirectConnectClient({
      endpoint: server.url,
      region: "us-west-2",
      credentials: { accessKeyId: "AKIDSIMULATED", secretAccessKey: "x" },
      maxAttempts: 1,
    });
    try {
      const started = await client.send(
        new StartBgpFailoverTestCommand({ virtualInterfaceId: DX.vif1, testDurationInMinutes: 30 }),
      );
      expect(started.virtualInterfaceTest?.startTime).toEqual(START);
      const stopped = await client.send(new StopBgpFailoverTestCommand({ virtualInterfaceId: DX.vif1 }));
      expect(stopped.virtualInterfaceTest?.status).toBe("cancelled");
      const history = await client.send(
        new ListVirtualInterfaceTestHistoryCommand({ virtualInterfaceId: DX.vif1 }),
      );
      expect(history.virtualInterfaceTestHistory?.[0]?.endTime).toEqual(START);
      const refused = await client.send(new StopBgpFailoverTestCommand({ virtualInterfaceId: DX.vif1 })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(DirectConnectClientException);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
