import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import {
  type AccountFixture,
  type AccountFixtureInput,
  parseFixture,
  SimAwsError,
  type SimServiceName,
  SimulatedAccount,
} from "../../../sim";

export const ROOT = join(import.meta.dirname, "..", "..", "..");
/** The idle-hibernate world (the demo account before the other capabilities joined it): small and counted. */
export const DEMO_PATH = join(ROOT, "test", "fixtures", "accounts", "idle-hibernate.json");

export function demoJson(): AccountFixtureInput {
  return JSON.parse(readFileSync(DEMO_PATH, "utf8")) as AccountFixtureInput;
}

export function demoFixture(): AccountFixture {
  return parseFixture(demoJson(), DEMO_PATH);
}

export function demoAccount(): SimulatedAccount {
  return SimulatedAccount.fromFixture(demoFixture());
}

/** Ids of that account (also in events/accounts/demo.json). */
export const DEMO = {
  happy: "i-0123456789abcdef0",
  notConfigured: "i-0123456789abcdef1",
  asgMember: "i-0123456789abcdef2",
  asgOther: "i-0123456789abcdef7",
  optedOut: "i-0123456789abcdef3",
  stopped: "i-0123456789abcdef4",
  recent: "i-0123456789abcdef5",
  stopProtected: "i-0123456789abcdef6",
  router: "i-0f1e2d3c4b5a69788",
  routerEni: "eni-0f1e2d3c4b5a69780",
  routerInsideEni: "eni-0f1e2d3c4b5a69781",
  sample: "i-12345678901234567",
  appRouteTable: "rtb-0a1b2c3d4e5f60002",
  publicRouteTable: "rtb-0a1b2c3d4e5f60001",
  outpostRouteTable: "rtb-0a1b2c3d4e5f60003",
  lgwRouteTable: "lgw-rtb-0a1b2c3d4e5f60718",
  vpc: "vpc-0a1b2c3d4e5f60718",
  subnetA: "subnet-0a1b2c3d4e5f60101",
  subnetB: "subnet-0a1b2c3d4e5f60102",
  vgw: "vgw-0a1b2c3d4e5f60718",
} as const;

let requests = 0;

/** Calls the dispatcher the way the wire layer does. */
export function call<T = Record<string, unknown>>(
  account: SimulatedAccount,
  service: SimServiceName,
  operation: string,
  input: Record<string, unknown> = {},
  region = account.region,
): Promise<T> {
  requests += 1;
  return account.dispatch({ service, operation, region, requestId: `req-${requests}` }, input) as Promise<T>;
}

export const ec2 = <T = Record<string, unknown>>(
  a: SimulatedAccount,
  op: string,
  input: Record<string, unknown> = {},
) => call<T>(a, "ec2", op, input);
export const cw = <T = Record<string, unknown>>(
  a: SimulatedAccount,
  op: string,
  input: Record<string, unknown> = {},
) => call<T>(a, "monitoring", op, input);
export const asg = <T = Record<string, unknown>>(
  a: SimulatedAccount,
  op: string,
  input: Record<string, unknown> = {},
) => call<T>(a, "autoscaling", op, input);
export const events = <T = Record<string, unknown>>(
  a: SimulatedAccount,
  op: string,
  input: Record<string, unknown> = {},
) => call<T>(a, "events", op, input);

/** Awaits a rejected call and checks it is the given AWS error; returns it for further checks. */
export async function awsError(
  promise: Promise<unknown>,
  code: string,
  httpStatus?: number,
): Promise<SimAwsError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(SimAwsError);
  const error = caught as SimAwsError;
  expect({ code: error.code, httpStatus: httpStatus ?? error.httpStatus }).toEqual({
    code,
    httpStatus: error.httpStatus,
  });
  return error;
}
