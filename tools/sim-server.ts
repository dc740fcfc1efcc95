/**
 * npm run sim -- [--account <fixture.json>] [--port 4566]
 *
 * Serves a simulated account on 127.0.0.1 until interrupted, for `osls invoke local` and any other
 * SDK client: point them at it with the SDK's standard AWS_ENDPOINT_URL (printed on start). The
 * account's clock follows real time from now; inspect or steer it under /__sim/ (calls, state,
 * events, faults, clock, alarms/<name>/state, reset; see docs/simulated-account.md).
 */
import { readJson } from "../sim/harness";
import { parseFixture, SimClock, SimulatedAccount } from "../sim/index";
import { rebaseFixture } from "../sim/rebase";
import { simEndpointEnv, startSimServer } from "../sim/wire/index";
import { parseArguments } from "./lib/cli";

const usage = "usage: npm run sim -- [--account <fixture.json>] [--port <port>]";

const fail = (message: string): never => {
  process.stderr.write(`sim: ${message}\n${usage}\n`);
  process.exit(2);
};

const { values } = parseArguments(
  {
    options: {
      account: { type: "string", default: "events/accounts/demo.json" },
      port: { type: "string", default: "4566" },
    },
  },
  fail,
);

const now = new Date();
const fixture = parseFixture(rebaseFixture(readJson(values.account), now), values.account);
const account = SimulatedAccount.fromFixture(fixture, { clock: new SimClock({ start: now, mode: "real" }) });
const server = await startSimServer(account.dispatch, {
  port: Number(values.port),
  control: account.control,
});
const env = simEndpointEnv(server);

process.stdout.write(
  [
    `Simulated account ${account.accountId} (${account.region}) from ${values.account} on ${server.url}`,
    "Point the AWS SDK at it (only loopback is ever used):",
    ...Object.entries(env).map(([key, value]) => `  export ${key}=${value === "" ? "''" : value}`),
    `Calls made: curl -s ${server.url}/__sim/calls   State: curl -s ${server.url}/__sim/state`,
    "Ctrl-C to stop.",
    "",
  ].join("\n"),
);

const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
