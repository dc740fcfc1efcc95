/**
 * The simulated account in its own process, for the "separate-process sim" variant of bench/run.ts:
 * in production AWS's work is not done on the Lambda's CPU, so this variant keeps the server's
 * decoding, state and encoding off the benchmark process.
 *
 *   node --import tsx bench/sim-child.ts <fixture.json>
 *
 * Prints one JSON line `{"url": "http://127.0.0.1:<port>"}` when listening; exits when stdin closes.
 * Loopback only. State is reset by the parent through `POST /__sim/reset`.
 */
import { readFileSync } from "node:fs";
import { parseFixture, SimClock, SimulatedAccount } from "../sim/index";
import { rebaseFixture } from "../sim/rebase";
import { startSimServer } from "../sim/wire/index";

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write("usage: node --import tsx bench/sim-child.ts <fixture.json>\n");
  process.exit(2);
}

const now = new Date();
const fixture = parseFixture(rebaseFixture(JSON.parse(readFileSync(path, "utf8")), now), path);
const account = SimulatedAccount.fromFixture(fixture, { clock: new SimClock({ start: now, mode: "real" }) });
const server = await startSimServer(account.dispatch, { control: account.control });
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);

const stop = () => {
  void server.close().finally(() => process.exit(0));
};
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.on("SIGTERM", stop);
process.stdin.resume();
