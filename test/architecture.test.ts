import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  edgesOf,
  findCycles,
  type ImportGraph,
  importGraph,
  layerViolations,
  packageImports,
  packageOf,
  withoutEdges,
} from "./support/imports";

/**
 * The dependency direction of docs/brief LAYOUT ("Dependency direction"): tools/, bench/, test/ →
 * functions/ → shared/; sim/ → shared/ only; shared/ never imports functions/, sim/ or tools/; no import
 * cycles anywhere. Read from the import statements of every .ts file.
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const AREAS = ["functions", "shared", "sim", "tools", "bench", "test"] as const;

const project = importGraph(ROOT, AREAS);
const graph = project;

describe("dependency direction", () => {
  it("reads the project's imports (static, re-exports, dynamic, type-only)", () => {
    const edges = edgesOf(project);
    expect(project.size).toBeGreaterThan(100);
    expect(edges).toContainEqual({ from: "sim/harness.ts", to: "sim/wire/index.ts" });
    expect(edges).toContainEqual({ from: "sim/index.ts", to: "sim/account/index.ts" });
    expect(edges).toContainEqual({ from: "sim/account/context.ts", to: "sim/account/state.ts" });
    // The registry loads the handlers with dynamic imports only.
    expect(
      edges.some((e) => e.from === "functions/index.ts" && /^functions\/.+\/handler\.ts$/.test(e.to)),
    ).toBe(true);
  });

  it("shared/ imports nothing from functions/, sim/, tools/, bench/ or test/", () => {
    expect(layerViolations(graph, "shared", [])).toEqual([]);
  });

  it("functions/ imports only functions/ and shared/", () => {
    expect(layerViolations(graph, "functions", ["shared"])).toEqual([]);
  });

  it("sim/ imports only sim/ and shared/ (never tools/ or functions/)", () => {
    expect(layerViolations(graph, "sim", ["shared"])).toEqual([]);
  });

  it("nothing outside test/ imports test/", () => {
    for (const area of ["tools", "bench"])
      expect(layerViolations(graph, area, ["functions", "shared", "sim", "tools", "bench"])).toEqual([]);
  });

  it("has no import cycles", () => {
    expect(findCycles(graph)).toEqual([]);
  });
});

describe("test dependencies", () => {
  it("tests import only packages that are direct dependencies (a type-only package through its @types)", () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Record<
      "dependencies" | "devDependencies",
      Record<string, string>
    >;
    const direct = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies)]);
    const imports = packageImports(ROOT, ["test"]);
    expect(imports.length).toBeGreaterThan(50);
    const indirect = imports.filter((i) => !direct.has(i.to) && !direct.has(`@types/${i.to}`));
    expect(indirect).toEqual([]);
  });
});

describe("the checks themselves", () => {
  it("names the package of a specifier, and none for relative paths and Node built-ins", () => {
    expect(packageOf("@aws-sdk/core/protocols")).toBe("@aws-sdk/core");
    expect(packageOf("fast-check")).toBe("fast-check");
    expect(packageOf("zod/mini")).toBe("zod");
    expect([packageOf("node:fs"), packageOf("fs"), packageOf("../sim/harness")]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  const synthetic = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges));

  it("finds every cycle, self-imports included, and nothing in a DAG", () => {
    const g = synthetic({
      "sim/a.ts": ["sim/b.ts"],
      "sim/b.ts": ["sim/c.ts", "shared/x.ts"],
      "sim/c.ts": ["sim/a.ts"],
      "shared/x.ts": ["shared/x.ts"],
      "shared/y.ts": ["shared/x.ts"],
    });
    expect(findCycles(g)).toEqual(
      expect.arrayContaining([["sim/a.ts", "sim/b.ts", "sim/c.ts"], ["shared/x.ts"]]),
    );
    expect(findCycles(g)).toHaveLength(2);
    expect(findCycles(synthetic({ "a.ts": ["b.ts"], "b.ts": ["c.ts"], "c.ts": [] }))).toEqual([]);
  });

  it("reports an edge out of an area into one it may not use, and drops known exceptions", () => {
    const g = synthetic({
      "sim/h.ts": ["tools/f.ts", "shared/c.ts", "sim/a.ts"],
      "tools/f.ts": ["sim/h.ts"],
    });
    expect(layerViolations(g, "sim", ["shared"])).toEqual([{ from: "sim/h.ts", to: "tools/f.ts" }]);
    const fixed = withoutEdges(g, [{ from: "sim/h.ts", to: "tools/f.ts" }]);
    expect(layerViolations(fixed, "sim", ["shared"])).toEqual([]);
    expect(findCycles(fixed)).toEqual([]);
  });
});
