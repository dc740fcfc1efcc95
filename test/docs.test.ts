import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  anchorsOf,
  brokenLinks,
  markdownFiles,
  OPEN_ROW,
  proseLines,
  relativeLinksOf,
  sectionOf,
  slugOf,
  tableOf,
  testReferencesOf,
} from "./support/markdown";

/**
 * The documentation stays honest: the README stays a short manual, every relative link of every Markdown
 * page resolves (file and heading anchor), and each capability's failure catalogue names tests that exist.
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const README_MAX_LINES = 300;
const CATALOGUE_HEADER = ["failure mode", "AWS source", "what the capability does", "test"];

const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");
const capabilities = readdirSync(join(ROOT, "functions"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const catalogueOf = (capability: string): string[][] =>
  tableOf(sectionOf(read(`functions/${capability}/README.md`), "Failure catalogue") ?? []);

describe("README.md", () => {
  it(`is a short manual: at most ${README_MAX_LINES} lines`, () => {
    expect(read("README.md").trimEnd().split("\n").length).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it("links every capability's manual and every page of docs/", () => {
    const targets = relativeLinksOf(read("README.md")).map((link) => link.target.split("#")[0]);
    for (const capability of capabilities) expect(targets).toContain(`functions/${capability}/README.md`);
    for (const page of readdirSync(join(ROOT, "docs")).filter((name) => name.endsWith(".md")))
      expect(targets).toContain(`docs/${page}`);
  });
});

describe("links", () => {
  const files = markdownFiles(ROOT);

  it("finds the pages to check", () => {
    expect(files).toEqual(expect.arrayContaining(["README.md", "docs/configuration.md"]));
    for (const capability of capabilities) expect(files).toContain(`functions/${capability}/README.md`);
  });

  it.each(files)("%s: every relative link resolves to a file and, in Markdown, a heading", (file) => {
    expect(brokenLinks(ROOT, file)).toEqual([]);
  });
});

describe("failure catalogues", () => {
  it.each(capabilities)("%s: the manual has one, laid out as DESIGN.md asks", (capability) => {
    const [header, ...rows] = catalogueOf(capability);
    expect(header).toEqual(CATALOGUE_HEADER);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row, row.join(" | ")).toHaveLength(CATALOGUE_HEADER.length);
  });

  it.each(capabilities)("%s: every test it names exists, with the test names it quotes", (capability) => {
    const problems: string[] = [];
    for (const row of catalogueOf(capability).slice(1)) {
      const cell = row[3] ?? "";
      if (OPEN_ROW.test(cell)) continue;
      const references = testReferencesOf(cell);
      if (references.length === 0) problems.push(`${row[0]}: no test named (or "open — issue N")`);
      for (const { file, names } of references) {
        if (!/^test\/.+\.test\.ts$/.test(file) || !existsSync(join(ROOT, file))) {
          problems.push(`${row[0]}: no test file ${file}`);
          continue;
        }
        const source = read(file);
        for (const name of names) if (!source.includes(name)) problems.push(`${file}: no test "${name}"`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe("docs/aws-behaviour.md", () => {
  const testFiles = (readdirSync(join(ROOT, "test"), { recursive: true }) as string[])
    .filter((file) => file.endsWith(".test.ts"))
    .map((file) => `test/${file}`);
  const filesNamed = (name: string): string[] =>
    testFiles.filter((file) => file === name || file.endsWith(`/${name}`));
  /** A quoted name may elide parts with "…": each remaining part must be in the file. */
  const quotes = (source: string, name: string): boolean =>
    name
      .split("…")
      .map((part) => part.trim())
      .filter((part) => part.length > 0)
      .every((part) => source.includes(part));

  it("names test files that exist, and quoted test names found in them (or in some test when no file is named)", () => {
    const problems: string[] = [];
    for (const row of tableOf(proseLines(read("docs/aws-behaviour.md")))) {
      const cell = row.at(-1) ?? "";
      if (cell === "test") continue;
      let files = testFiles;
      for (const [, path, name] of cell.matchAll(/`([^`]+)`|"([^"]+)"/g)) {
        if (path?.endsWith(".test.ts")) {
          files = filesNamed(path);
          if (files.length === 0) problems.push(`${row[0]}: no test file ${path}`);
        } else if (name !== undefined && !files.some((file) => quotes(read(file), name)))
          problems.push(`${row[0]}: no test "${name}"`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe("the checks themselves", () => {
  it("makes GitHub's anchors from headings", () => {
    expect(slugOf("Who can enrol a resource by tagging it (safety rule 9)")).toBe(
      "who-can-enrol-a-resource-by-tagging-it-safety-rule-9",
    );
    expect(slugOf("EC2: secondary private IPs, /32 routes (vfxt-ip-move)")).toBe(
      "ec2-secondary-private-ips-32-routes-vfxt-ip-move",
    );
    expect(slugOf("`planRoutes(decision)` (`routes.ts`, pure)")).toBe("planroutesdecision-routests-pure");
    expect([...anchorsOf('# A\n```sh\n# not a heading\n```\n## A\n<a name="x"></a>')]).toEqual([
      "a",
      "a-1",
      "x",
    ]);
  });

  it("reads relative links outside code, and leaves URLs and code alone", () => {
    const text = "[a](docs/a.md#b) [u](https://x.y) `[c](c.md)`\n```\n[d](d.md)\n```\n![e](e.png)";
    expect(relativeLinksOf(text)).toEqual([
      { line: 1, target: "docs/a.md#b" },
      { line: 5, target: "e.png" },
    ]);
  });

  it("reports a missing file, a missing anchor and a path out of the repository, and passes good links", () => {
    const root = mkdtempSync(join(tmpdir(), "ops-docs-"));
    try {
      mkdirSync(join(root, "docs"));
      writeFileSync(join(root, "docs", "b.md"), "# B\n\n## Some heading\n");
      writeFileSync(
        join(root, "a.md"),
        "# A\n[ok](docs/b.md#some-heading) [self](#a) [gone](docs/c.md)\n" +
          "[anchor](docs/b.md#no-such-heading) [out](../elsewhere.md)\n",
      );
      expect(brokenLinks(root, "a.md").map((link) => [link.line, link.problem])).toEqual([
        [2, "no such file"],
        [3, "no heading with anchor #no-such-heading"],
        [3, "points outside the repository"],
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("reads a catalogue row's tests and their quoted names", () => {
    expect(testReferencesOf('`test/a.test.ts` "one", "two"; `test/b.sim.test.ts` "three"')).toEqual([
      { file: "test/a.test.ts", names: ["one", "two"] },
      { file: "test/b.sim.test.ts", names: ["three"] },
    ]);
    expect(OPEN_ROW.test("open — issue 12")).toBe(true);
    expect(OPEN_ROW.test("open")).toBe(false);
    expect(tableOf(["| a | b |", "| --- | :-: |", "| 1 | `x\\|y` |"])).toEqual([
      ["a", "b"],
      ["1", "`x\\|y`"],
    ]);
  });
});
