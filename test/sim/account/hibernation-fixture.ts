/**
 * A small idle-hibernate account (issue 12): one instance of each kind StopInstances treats apart
 * (instance store root, one-time and persistent Spot, Scheduled, fresh, failing hibernation, Capacity
 * Reservation, Capacity Block, managed, hibernated for 56 days) and two instances publishing AWS/EC2
 * metrics (basic and detailed monitoring).
 */
import { type AccountFixtureInput, parseFixture, SimulatedAccount } from "../../../sim";

export const START = "2026-03-02T09:00:00.000Z";
export const START_MS = Date.parse(START);
const DAY_MS = 86_400_000;
const LAUNCHED = new Date(START_MS - DAY_MS).toISOString();

export const H = {
  subnet: "subnet-0e0000000000000b1",
  onDemand: "i-0e00000000000000a",
  storeRoot: "i-0e00000000000000b",
  spotOneTime: "i-0e00000000000000c",
  spotPersistent: "i-0e00000000000000d",
  scheduled: "i-0e00000000000000e",
  fresh: "i-0e00000000000000f",
  failing: "i-0e000000000000010",
  failingVisible: "i-0e000000000000011",
  nvme: "i-0e000000000000012",
  reserved: "i-0e000000000000013",
  capacityBlock: "i-0e000000000000014",
  managed: "i-0e000000000000015",
  longHibernated: "i-0e000000000000016",
  detailed: "i-0e000000000000017",
  basic: "i-0e000000000000018",
  protected: "i-0e000000000000019",
  reservation: "cr-0e0000000000000c1",
  blockReservation: "cr-0e0000000000000c2",
} as const;

type InstanceInput = NonNullable<AccountFixtureInput["instances"]>[number];

let ip = 10;
function instance(id: string, extra: Partial<InstanceInput> = {}): InstanceInput {
  ip += 1;
  return {
    id,
    instanceType: "m5.large",
    launchTime: LAUNCHED,
    subnetId: H.subnet,
    privateIpAddress: `10.0.1.${ip}`,
    tags: { "ops:hibernate": "idle" },
    ...extra,
  };
}

export function hibernationFixtureJson(extra: Partial<AccountFixtureInput> = {}): AccountFixtureInput {
  ip = 10;
  return {
    accountId: "444455556666",
    region: "eu-west-1",
    clock: { start: START },
    vpcs: [{ id: "vpc-0e0000000000000a1", cidrBlock: "10.0.0.0/16" }],
    subnets: [
      {
        id: H.subnet,
        vpcId: "vpc-0e0000000000000a1",
        availabilityZone: "eu-west-1a",
        cidrBlock: "10.0.1.0/24",
      },
    ],
    instances: [
      instance(H.onDemand, { hibernationConfigured: true }),
      instance(H.storeRoot, { instanceType: "m3.medium", rootDeviceType: "instance-store" }),
      instance(H.spotOneTime, { instanceLifecycle: "spot" }),
      instance(H.spotPersistent, { hibernationConfigured: true, spot: { spotInstanceType: "persistent" } }),
      instance(H.scheduled, { instanceLifecycle: "scheduled" }),
      instance(H.fresh, {
        hibernationConfigured: true,
        launchTime: new Date(START_MS - 60_000).toISOString(),
      }),
      instance(H.failing, { hibernationConfigured: true, hibernation: { outcome: "normal-shutdown" } }),
      instance(H.failingVisible, {
        hibernationConfigured: true,
        hibernation: { outcome: "normal-shutdown", fallbackStateReason: "Client.UserInitiatedShutdown" },
      }),
      instance(H.nvme, { instanceType: "m5d.large", hibernationConfigured: true }),
      instance(H.reserved, { capacityReservationId: H.reservation }),
      instance(H.capacityBlock, {
        instanceLifecycle: "capacity-block",
        capacityReservationId: H.blockReservation,
      }),
      instance(H.managed, { operator: { managed: true, principal: "eks.amazonaws.com" } }),
      instance(H.longHibernated, {
        hibernationConfigured: true,
        state: "stopped",
        launchTime: new Date(START_MS - 60 * DAY_MS).toISOString(),
        stateSince: new Date(START_MS - 56 * DAY_MS).toISOString(),
        stateReason: {
          code: "Client.UserInitiatedHibernate",
          message: "Client.UserInitiatedHibernate: User initiated hibernate",
        },
      }),
      instance(H.detailed, {
        hibernationConfigured: true,
        monitoring: "enabled",
        metrics: { cpuUtilization: 2, networkInBytesPerSecond: 100, networkOutBytesPerSecond: 50 },
      }),
      instance(H.basic, {
        hibernationConfigured: true,
        metrics: { cpuUtilization: 2, networkInBytesPerSecond: 100, networkOutBytesPerSecond: 50 },
      }),
      instance(H.protected, { disableApiStop: true }),
    ],
    ...extra,
  };
}

export function hibernationAccount(extra: Partial<AccountFixtureInput> = {}): SimulatedAccount {
  return SimulatedAccount.fromFixture(parseFixture(hibernationFixtureJson(extra), "hibernation-fixture"));
}
