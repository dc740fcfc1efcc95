import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import ts from "typescript";

/**
 * The project's module graph, read from the source text: every import, export…from, side-effect import
 * and dynamic `import()` of every .ts file (type-only imports included: they tie modules together too).
 * Files are project-relative paths with `/`; only relative specifiers that resolve to a .ts file are edges.
 */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

export interface Edge {
  from: string;
  to: string;
}

const toPosix = (path: string) => path.split(sep).join("/");

const SOURCE = /\.(ts|cts|mts|js|cjs|mjs)$/;

/** The source files under `dir` (paths relative to `root`, with /), node_modules and out/ left out. */
export const sourceFiles = (root: string, dir: string, pattern: RegExp = /\.ts$/): string[] => {
  const absolute = join(root, dir);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name === "out") return [];
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(root, path, pattern);
    return pattern.test(name) && !name.endsWith(".d.ts") ? [toPosix(path)] : [];
  });
};

const resolveSpecifier = (root: string, from: string, specifier: string): string | undefined => {
  if (!specifier.startsWith(".")) return undefined;
  const base = toPosix(relative(root, join(root, dirname(from), specifier)));
  const candidates = [base, `${base}.ts`, `${base.replace(/\.js$/, "")}.ts`, `${base}/index.ts`];
  return candidates.find((c) => c.endsWith(".ts") && existsSync(join(root, c)));
};

const specifiersOf = (root: string, file: string): string[] =>
  ts.preProcessFile(readFileSync(join(root, file), "utf8"), true, true).importedFiles.map((i) => i.fileName);

export const importGraph = (root: string, dirs: readonly string[]): ImportGraph => {
  const graph = new Map<string, string[]>();
  for (const file of dirs.flatMap((dir) => sourceFiles(root, dir))) {
    const targets = specifiersOf(root, file)
      .map((specifier) => resolveSpecifier(root, file, specifier))
      .filter((target): target is string => target !== undefined);
    graph.set(file, [...new Set(targets)].sort());
  }
  return graph;
};

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`; undefined for relative paths and Node built-ins. */
export const packageOf = (specifier: string): string | undefined => {
  if (specifier.startsWith(".") || specifier.startsWith("node:") || builtinModules.includes(specifier))
    return undefined;
  const parts = specifier.split("/");
  return (specifier.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1)).join("/");
};

/** Every package imported by the source files (TS and JS) under `dirs`: `{ from: file, to: package }`. */
export const packageImports = (root: string, dirs: readonly string[]): Edge[] =>
  dirs
    .flatMap((dir) => sourceFiles(root, dir, SOURCE))
    .flatMap((from) =>
      specifiersOf(root, from).flatMap((specifier) => {
        const to = packageOf(specifier);
        return to === undefined ? [] : [{ from, to }];
      }),
    );

export const edgesOf = (graph: ImportGraph): Edge[] =>
  [...graph].flatMap(([from, targets]) => targets.map((to) => ({ from, to })));

/** The graph without the given edges (known exceptions). */
export const withoutEdges = (graph: ImportGraph, removed: readonly Edge[]): ImportGraph =>
  new Map(
    [...graph].map(([from, targets]) => [
      from,
      targets.filter((to) => !removed.some((e) => e.from === from && e.to === to)),
    ]),
  );

/** Top-level folder of a project file: `sim/account/state.ts` → `sim`. */
const areaOf = (file: string): string => file.split("/")[0] ?? file;

/** Edges from `area` to any area outside `allowed` (its own area is always allowed). */
export const layerViolations = (graph: ImportGraph, area: string, allowed: readonly string[]): Edge[] =>
  edgesOf(graph).filter(
    (e) => areaOf(e.from) === area && areaOf(e.to) !== area && !allowed.includes(areaOf(e.to)),
  );

/**
 * Every import cycle, as the strongly connected components of more than one file (or a file importing
 * itself), each sorted, found with Tarjan's algorithm (iterative: no recursion limit on deep graphs).
 */
export const findCycles = (graph: ImportGraph): string[][] => {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  const visit = (start: string) => {
    const work: Array<{ node: string; next: number }> = [{ node: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: string; next: number };
      const targets = graph.get(frame.node) ?? [];
      const target = targets[frame.next++];
      if (target !== undefined) {
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node) ?? 0, index.get(target) ?? 0));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined)
        low.set(parent.node, Math.min(low.get(parent.node) ?? 0, low.get(frame.node) ?? 0));
      if (low.get(frame.node) !== index.get(frame.node)) continue;
      const component: string[] = [];
      for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
        onStack.delete(member);
        component.push(member);
        if (member === frame.node) break;
      }
      const selfLoop = targets.includes(frame.node);
      if (component.length > 1 || selfLoop) cycles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
};
