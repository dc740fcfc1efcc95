import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { parseStageConfig, type StageConfig } from "../../functions/config";
import { parseArguments } from "../lib/cli";
import { explainFailure } from "./errors";
import { buildScope, parseTagFlag, type TagMatch } from "./scope";
import { takeSnapshot } from "./snapshot";
import { formatSummary } from "./summary";

export const USAGE =
  "usage: npm run snapshot -- --region <region> --out <file.json> [--profile <profile>]\n" +
  "                           [--config config/<stage>.json] [--vpc <vpc-…>]… [--tag <Key=Value>]… [--max-attempts <N>]";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** A bad command line: reported with the usage, exit 2. */
class UsageError extends Error {}

const usageFail = (message: string): never => {
  throw new UsageError(message);
};

const VPC_ID = /^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

interface Request {
  region: string;
  out: string;
  profile?: string;
  config?: StageConfig;
  vpcIds: string[];
  tags: TagMatch[];
  maxAttempts: number;
}

const readConfig = (path: string): StageConfig => {
  try {
    return parseStageConfig(JSON.parse(readFileSync(path, "utf8")), path);
  } catch (error) {
    return usageFail(`--config ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
};

const parseRequest = (argv: string[]): Request | "help" => {
  const { values } = parseArguments(
    {
      args: argv,
      options: {
        region: { type: "string" },
        profile: { type: "string" },
        out: { type: "string" },
        config: { type: "string" },
        vpc: { type: "string", multiple: true, default: [] },
        tag: { type: "string", multiple: true, default: [] },
        "max-attempts": { type: "string", default: "10" },
        help: { type: "boolean", short: "h", default: false },
      },
    },
    usageFail,
  );
  if (values.help) return "help";
  if (values.region === undefined || !REGION.test(values.region))
    return usageFail("--region <region> is required");
  if (values.out === undefined || values.out === "") return usageFail("--out <file.json> is required");
  const bad = values.vpc.find((v) => !VPC_ID.test(v));
  if (bad !== undefined) return usageFail(`--vpc ${bad}: not a VPC id`);
  const tags = values.tag.map((t) => parseTagFlag(t) ?? usageFail(`--tag ${t}: expected Key=Value`));
  const maxAttempts = Number(values["max-attempts"]);
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 20)
    return usageFail("--max-attempts: an integer from 1 to 20");
  return {
    region: values.region,
    out: values.out,
    profile: values.profile,
    config: values.config === undefined ? undefined : readConfig(values.config),
    vpcIds: values.vpc,
    tags,
    maxAttempts,
  };
};

/** Writes next to the target and renames: a failed or interrupted snapshot leaves no partial file. */
const writeAtomically = (path: string, text: string): void => {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } finally {
    rmSync(temporary, { force: true });
  }
};

/** The snapshot command: exit 0 written, 1 AWS or write failure (nothing written), 2 bad command line. */
export const runSnapshotCli = async (argv: string[], io: CliIo): Promise<number> => {
  let request: Request | "help";
  try {
    request = parseRequest(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`snapshot: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (request === "help") {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  // The SDK's default credential chain reads the profile when the clients are created.
  if (request.profile !== undefined) io.env.AWS_PROFILE = request.profile;
  const scope = buildScope({ vpcIds: request.vpcIds, tags: request.tags, config: request.config });
  let operation: string | undefined;
  try {
    const result = await takeSnapshot({
      region: request.region,
      scope,
      maxAttempts: request.maxAttempts,
      onFailure: (op) => {
        operation = op;
      },
    });
    writeAtomically(request.out, `${JSON.stringify(result.fixture, null, 2)}\n`);
    io.stdout(formatSummary(result, request.out));
    return 0;
  } catch (error) {
    io.stderr(`snapshot: ${explainFailure(error, operation)}\nNothing was written.\n`);
    return 1;
  }
};
