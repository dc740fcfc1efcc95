/**
 * npm run outposts-capacity -- --outpost <op-…> [--group <asg>] [--instance-type <type>] [--interfaces <N>]
 *                              [--region <region>] [--account <fixture.json>] [--config <config.json>] [--json]
 *
 * Which instance types of an Outpost can host a firewall with N ENIs (+ the primary) and have capacity
 * now: GetOutpost state, GetOutpostInstanceTypes, AWS/Outposts AvailableInstanceType_Count (batched
 * GetMetricData), DescribeInstanceTypes network limits. N comes from --interfaces, else from the configured
 * group's expectedInterfaces (--config). Without --outpost, every configured group with an outpostId is
 * checked. --account runs against the simulated account. Exit 1 when the group's own type has no capacity,
 * 3 when its capacity is unknown (no datapoint: missing, not 0).
 */
import { readFileSync } from "node:fs";
import { parseStageConfig } from "../functions/config";
import { capacityDecision, type GroupCapacity } from "../functions/eni-reattach/capacity/plan";
import { capacityTargets, checkCapacity } from "../functions/eni-reattach/capacity/run";
import { AwsClientFactory } from "../shared/aws/clients";
import { DeadlineHolder } from "../shared/runtime/deadline";
import { Harness } from "../sim/harness";
import { parseArguments } from "./lib/cli";

const usage =
  "usage: npm run outposts-capacity -- [--outpost <op-…>] [--group <asg>] [--instance-type <type>] [--interfaces <N>]\n" +
  "                                    [--region <region>] [--account <fixture.json>] [--config <config.json>] [--json]";

const fail = (message: string): never => {
  process.stderr.write(`outposts-capacity: ${message}\n${usage}\n`);
  process.exit(2);
};

const { values } = parseArguments(
  {
    options: {
      outpost: { type: "string" },
      group: { type: "string" },
      "instance-type": { type: "string" },
      interfaces: { type: "string" },
      region: { type: "string" },
      account: { type: "string" },
      config: { type: "string" },
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

const render = (groups: GroupCapacity[]): string =>
  groups
    .map((g) => {
      const head = `${g.group || "(no group)"} on ${g.outpostId} (${g.outpostState}), ${g.interfaces} ENIs + primary`;
      const rows = g.types.map(
        (t) =>
          `  ${t.canHostNow ? "✓" : "·"} ${t.instanceType.padEnd(16)} available ${String(t.available ?? "?").padStart(3)}  ENIs ${String(t.maximumNetworkInterfaces ?? "-").padStart(2)}${t.fitsInterfaces ? "" : "  (too few ENIs)"}${t.instanceType === g.instanceType ? "  ← group's type" : ""}`,
      );
      const issues = g.issues.map((i) => `  ! ${i}`);
      return [head, ...rows, ...issues, `  can host now: ${g.hostTypesNow.join(", ") || "nothing"}`].join(
        "\n",
      );
    })
    .join("\n\n");

const main = async (): Promise<number> => {
  const config = parseStageConfig(
    values.config !== undefined ? JSON.parse(readFileSync(values.config, "utf8")) : {},
    values.config ?? "defaults",
  );
  let harness: Harness | undefined;
  if (values.account !== undefined) {
    harness = await Harness.start();
    harness.load(values.account);
  }
  const region = values.region ?? harness?.account.region ?? process.env.AWS_REGION ?? "us-east-1";
  const clients = new AwsClientFactory({
    maxAttempts: config.aws.maxAttempts,
    connectionTimeoutMs: config.aws.connectionTimeoutMs,
    requestTimeoutMs: config.aws.requestTimeoutMs,
    deadlines: new DeadlineHolder(),
  });
  try {
    const interfaces = values.interfaces !== undefined ? Number(values.interfaces) : undefined;
    if (interfaces !== undefined && (!Number.isInteger(interfaces) || interfaces < 0))
      throw new Error("--interfaces must be an integer ≥ 0");
    const configured = config.eniReattach.groups.find((g) => g.name === values.group);
    const targets =
      values.outpost === undefined
        ? capacityTargets(config.eniReattach)
        : [
            {
              group: values.group ?? "",
              outpostId: values.outpost,
              interfaces: interfaces ?? configured?.expectedInterfaces ?? 0,
              ...(values["instance-type"] !== undefined ? { instanceType: values["instance-type"] } : {}),
            },
          ];
    const groups = await checkCapacity(
      {
        ec2: clients.ec2(region),
        outposts: clients.outposts(region),
        cloudWatch: clients.cloudWatch(region),
      },
      targets,
      new Date(harness?.account.clock.nowMs() ?? Date.now()),
    );
    process.stdout.write(`${values.json ? JSON.stringify(groups, null, 2) : render(groups)}\n`);
    const decision = capacityDecision(groups);
    return decision === "capacity-short" ? 1 : decision === "capacity-unknown" ? 3 : 0;
  } finally {
    await harness?.close();
  }
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
    process.exit(2);
  },
);
