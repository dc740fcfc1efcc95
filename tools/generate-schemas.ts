/**
 * Generates the JSON Schemas of the project's JSON formats from their zod schemas.
 *
 *   npx tsx tools/generate-schemas.ts           # write docs/schema/*.schema.json
 *   npx tsx tools/generate-schemas.ts --check   # exit 1 if a committed schema is out of date
 *
 * To add a format, append an entry to SCHEMAS.
 */
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fixtureJsonSchema } from "../sim/account/fixture";

interface SchemaEntry {
  file: string;
  title: string;
  description: string;
  build: () => Record<string, unknown>;
}

const SCHEMAS: SchemaEntry[] = [
  {
    file: "account-fixture.schema.json",
    title: "ops-toolkit simulated account fixture",
    description:
      "One simulated AWS account in one region: VPCs, subnets, instances, ENIs, route tables, local gateway route tables, Auto Scaling groups, CloudWatch alarms, timings and faults. See docs/simulated-account.md.",
    build: fixtureJsonSchema,
  },
];

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const check = process.argv.includes("--check");
let stale = 0;

for (const entry of SCHEMAS) {
  const { $schema, ...rest } = entry.build();
  const schema = {
    $schema,
    title: entry.title,
    description: entry.description,
    ...rest,
  };
  const text = `${JSON.stringify(schema, null, 2)}\n`;
  const path = join(root, "docs", "schema", entry.file);
  if (check) {
    const current = await readFile(path, "utf8").catch(() => "");
    if (current !== text) {
      stale += 1;
      console.error(`stale: docs/schema/${entry.file} (run npx tsx tools/generate-schemas.ts)`);
    }
  } else {
    await writeFile(path, text);
    console.log(`wrote docs/schema/${entry.file}`);
  }
}

if (stale > 0) process.exitCode = 1;
