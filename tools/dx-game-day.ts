/**
 * npm run game-day -- --group <name> --minutes <N> [--stage dev | --config <config.json>] [--region <region>]
 *                     [--poll <s>] [--settle <min>] [--json]
 *
 * Game day on the real control plane (functions/dx-failover/README.md "Game day"): StartBgpFailoverTest on
 * every virtual interface of the group for N minutes, then a timeline of what the toolkit did (BGP down →
 * failover, BGP back → failback after the restore window), and StopBgpFailoverTest on any test still
 * running when the command ends (Ctrl-C included). Credentials and Region: the usual AWS SDK chain.
 * Exit: 0 failed over and back; 1 no failover or no failback; 2 refused or bad arguments.
 * Do not run it during a Direct Connect maintenance ("the BGP session might be restored prematurely").
 */
import { readFileSync } from "node:fs";
import { DirectConnectClient } from "@aws-sdk/client-direct-connect";
import { EC2Client } from "@aws-sdk/client-ec2";
import { parseStageConfig } from "../functions/config";
import { systemClock } from "../shared/runtime/clock";
import { parseArguments } from "./lib/cli";
import { type GameDayReport, runGameDay } from "./lib/dx-game-day";

const usage =
  "usage: npm run game-day -- --group <name> --minutes <N> [--stage <stage> | --config <file>] [--region <r>]\n" +
  "                           [--poll <s>] [--settle <min>] [--json]";

const fail = (message: string): never => {
  process.stderr.write(`game-day: ${message}\n${usage}\n`);
  process.exit(2);
};

const { values } = parseArguments(
  {
    options: {
      group: { type: "string" },
      minutes: { type: "string" },
      stage: { type: "string", default: "dev" },
      config: { type: "string" },
      region: { type: "string" },
      poll: { type: "string", default: "5" },
      settle: { type: "string", default: "15" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  },
  fail,
);
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

const positive = (name: string, v: string | undefined): number => {
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : fail(`--${name} must be a positive number`);
};

const render = (r: GameDayReport): string => {
  const rows = r.timeline.map(
    (e) => `  +${(e.atMs / 1000).toFixed(1).padStart(8)} s  ${e.kind.padEnd(13)} ${e.detail}`,
  );
  const took = (ms?: number) => (ms === undefined ? "not seen" : `${(ms / 1000).toFixed(1)} s`);
  return [
    `game day ${r.group} (${r.virtualInterfaceIds.join(", ")}, ${r.minutes} min): ${r.verdict}${r.refusal ? ` — ${r.refusal}` : ""}`,
    ...rows,
    `  failover after BGP down: ${took(r.failoverAfterMs)}; failback after BGP up: ${took(r.failbackAfterMs)}`,
  ].join("\n");
};

const main = async (): Promise<number> => {
  const path = values.config ?? `config/${values.stage}.json`;
  const config = parseStageConfig(JSON.parse(readFileSync(path, "utf8")), path).dxFailover;
  const groupName = values.group ?? fail("--group is required");
  const group = config.groups.find((g) => g.name === groupName) ?? fail(`no group "${groupName}" in ${path}`);
  const minutes = positive("minutes", values.minutes);
  const region = values.region ?? process.env.AWS_REGION ?? fail("--region or AWS_REGION is required");
  const abort = new AbortController();
  process.once("SIGINT", () => abort.abort());
  const report = await runGameDay(
    {
      directConnect: new DirectConnectClient({ region }),
      ec2: new EC2Client({ region }),
      clock: systemClock,
    },
    {
      group: group.name,
      virtualInterfaceIds: group.virtualInterfaceIds,
      groupTagKey: config.groupTagKey,
      minutes,
      pollMs: positive("poll", values.poll) * 1000,
      settleMs: positive("settle", values.settle) * 60_000,
      signal: abort.signal,
    },
  );
  process.stdout.write(`${values.json ? JSON.stringify(report, null, 2) : render(report)}\n`);
  return report.verdict === "failed-over-and-back" ? 0 : report.verdict === "refused" ? 2 : 1;
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`game-day: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
