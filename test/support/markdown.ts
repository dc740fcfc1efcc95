import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/**
 * Just enough Markdown reading to keep the documentation honest: headings and their GitHub anchors, relative
 * links, and the failure catalogue tables of the capability manuals. Code blocks and code spans are not prose:
 * a `# comment` in a shell block is no heading, and a `[x](y)` in backticks is no link.
 */

const FENCE = /^\s*(```|~~~)/;

/** The lines of a Markdown text that are not inside a fenced code block. */
export const proseLines = (text: string): string[] => {
  const lines: string[] = [];
  let inFence = false;
  for (const line of text.split("\n")) {
    if (FENCE.test(line)) inFence = !inFence;
    else if (!inFence) lines.push(line);
  }
  return lines;
};

const withoutCodeSpans = (line: string): string => line.replace(/`[^`]*`/g, "");

/** GitHub's anchor for a heading's text: rendered text, lower case, punctuation dropped, spaces → hyphens. */
export const slugOf = (heading: string): string =>
  heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[`*]/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");

/** Every anchor a Markdown text defines: its headings' slugs (repeats get -1, -2…) and HTML name/id anchors. */
export const anchorsOf = (text: string): Set<string> => {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading?.[1] !== undefined) {
      const slug = slugOf(heading[1]);
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const html of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) if (html[1]) anchors.add(html[1]);
  }
  return anchors;
};

export interface Link {
  /** The line number (1-based) in its file. */
  line: number;
  target: string;
}

/** The relative link targets of a Markdown text (external URLs and in-page anchors of other schemes left out). */
export const relativeLinksOf = (text: string): Link[] => {
  const links: Link[] = [];
  let number = 0;
  let inFence = false;
  for (const raw of text.split("\n")) {
    number += 1;
    if (FENCE.test(raw)) {
      inFence = !inFence;
      continue;
    }
    if (inFence) continue;
    for (const match of withoutCodeSpans(raw).matchAll(
      /!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g,
    )) {
      const target = match[1];
      if (target === undefined || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      links.push({ line: number, target });
    }
  }
  return links;
};

export interface BrokenLink extends Link {
  file: string;
  problem: string;
}

/** Links of a Markdown file (path relative to root) whose file or anchor does not exist. */
export const brokenLinks = (root: string, file: string): BrokenLink[] => {
  const path = join(root, file);
  const broken: BrokenLink[] = [];
  for (const link of relativeLinksOf(readFileSync(path, "utf8"))) {
    const [pathPart = "", anchor] = link.target.split("#", 2);
    const targetPath = pathPart === "" ? path : resolve(dirname(path), decodeURIComponent(pathPart));
    if (
      !relative(root, targetPath)
        .split(/[\\/]/)
        .every((part) => part !== "..")
    ) {
      broken.push({ ...link, file, problem: "points outside the repository" });
    } else if (!existsSync(targetPath)) {
      broken.push({ ...link, file, problem: "no such file" });
    } else if (anchor !== undefined && anchor !== "" && targetPath.endsWith(".md")) {
      if (!anchorsOf(readFileSync(targetPath, "utf8")).has(anchor))
        broken.push({ ...link, file, problem: `no heading with anchor #${anchor}` });
    }
  }
  return broken;
};

const SKIPPED_DIRECTORIES = new Set(["node_modules", ".git", ".cache", ".serverless", ".esbuild", "out"]);

/** Every Markdown file of the project, relative to root, sorted. */
export const markdownFiles = (root: string, directory = ""): string[] => {
  const files: string[] = [];
  for (const entry of readdirSync(join(root, directory)).sort()) {
    const path = directory === "" ? entry : `${directory}/${entry}`;
    if (statSync(join(root, path)).isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry)) files.push(...markdownFiles(root, path));
    } else if (entry.endsWith(".md")) files.push(path);
  }
  return files;
};

/** The lines of a section: from its `## heading` to the next heading of the same or a higher level. */
export const sectionOf = (text: string, heading: string): string[] | undefined => {
  const lines = proseLines(text);
  const start = lines.findIndex((line) => line.trim() === `## ${heading}`);
  if (start < 0) return undefined;
  const end = lines.findIndex((line, index) => index > start && /^#{1,2}\s/.test(line));
  return lines.slice(start + 1, end < 0 ? undefined : end);
};

const cellsOf = (row: string): string[] =>
  row
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());

/** The rows of the first table in some lines, header first, the `---` separator left out. */
export const tableOf = (lines: readonly string[]): string[][] =>
  lines
    .filter((line) => line.trim().startsWith("|"))
    .filter((line) => !/^\|[\s|:-]+\|$/.test(line.trim()))
    .map(cellsOf);

export interface TestReference {
  file: string;
  names: string[];
}

/**
 * The tests a failure catalogue's "test" cell names: each `test/….test.ts` path in backticks, with the
 * "quoted test names" that follow it. An open row says `open — issue N` instead.
 */
export const testReferencesOf = (cell: string): TestReference[] => {
  const references: TestReference[] = [];
  for (const token of cell.matchAll(/`([^`]+)`|"([^"]+)"/g)) {
    const [, path, name] = token;
    if (path !== undefined) references.push({ file: path, names: [] });
    else if (name !== undefined) references.at(-1)?.names.push(name);
  }
  return references;
};

export const OPEN_ROW = /^open — issue \d+$/;
