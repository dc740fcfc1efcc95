import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OUTPOST, withCapacity } from "./support";

/** `npm run outposts-capacity` as a user runs it: a separate process against a simulated account. */

describe("outposts-capacity", () => {
  it("CLI: prints the table and exits 0, 1 when the group's type has no capacity, 3 when unknown", () => {
    const run = (fixture: string) =>
      spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "tools/outposts-capacity.ts",
          "--account",
          fixture,
          "--outpost",
          OUTPOST,
          "--group",
          "fw-asg",
          "--instance-type",
          "c5.xlarge",
          "--interfaces",
          "3",
        ],
        { encoding: "utf8", env: { ...process.env, POWERTOOLS_LOG_LEVEL: "SILENT" }, timeout: 60_000 },
      );
    const ok = run("test/fixtures/accounts/eni-reattach.json");
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("can host now: c5.xlarge");
    expect(ok.stdout).toContain("c5.large         available   4  ENIs  3  (too few ENIs)");
    const empty = join(mkdtempSync(join(tmpdir(), "capacity-")), "zero.json");
    writeFileSync(empty, JSON.stringify(withCapacity(0)));
    const short = run(empty);
    expect(short.status).toBe(1);
    expect(short.stdout).toContain("can host now: nothing");
    const missing = join(mkdtempSync(join(tmpdir(), "capacity-")), "missing.json");
    writeFileSync(missing, JSON.stringify(withCapacity(null)));
    const unknown = run(missing);
    expect(unknown.status).toBe(3);
    expect(unknown.stdout).toContain("c5.xlarge        available   ?");
  }, 60_000);
});
