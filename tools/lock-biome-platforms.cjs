// Adds Biome's per-platform binary packages to package-lock.json when `npm install` left them out.
//
// Why: the package registry these machines reach serves only the linux-x64-glibc binary of Biome, so
// npm writes a lockfile without the other platforms' optional packages, and `npm ci` then refuses it as
// "not in sync". Listing them (with their os/cpu/libc) makes the lockfile complete: npm skips them on
// platforms they do not fit, and fetches the right one by version where it does.
// Run after any `npm install` that touches @biomejs/biome:  node tools/lock-biome-platforms.cjs
const { readFileSync, writeFileSync } = require("node:fs");

const PLATFORMS = {
  "android-arm64": { os: ["android"], cpu: ["arm64"] },
  "android-x64": { os: ["android"], cpu: ["x64"] },
  "darwin-arm64": { os: ["darwin"], cpu: ["arm64"] },
  "darwin-x64": { os: ["darwin"], cpu: ["x64"] },
  "linux-arm64": { os: ["linux"], cpu: ["arm64"], libc: ["glibc"] },
  "linux-arm64-musl": { os: ["linux"], cpu: ["arm64"], libc: ["musl"] },
  "linux-x64": { os: ["linux"], cpu: ["x64"], libc: ["glibc"] },
  "linux-x64-musl": { os: ["linux"], cpu: ["x64"], libc: ["musl"] },
  "win32-arm64": { os: ["win32"], cpu: ["arm64"] },
  "win32-x64": { os: ["win32"], cpu: ["x64"] },
};

const path = "package-lock.json";
const lock = JSON.parse(readFileSync(path, "utf8"));
const biome = lock.packages["node_modules/@biomejs/biome"];
if (biome === undefined) process.exit(0);
const added = [];
for (const [name, platform] of Object.entries(PLATFORMS)) {
  const key = `node_modules/@biomejs/cli-${name}`;
  if (lock.packages[key] !== undefined) continue;
  lock.packages[key] = {
    version: biome.version,
    cpu: platform.cpu,
    dev: true,
    ...(platform.libc ? { libc: platform.libc } : {}),
    license: "MIT OR Apache-2.0",
    optional: true,
    os: platform.os,
    engines: { node: ">=14.21.3" },
  };
  added.push(key);
}
const sorted = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)),
);
lock.packages = sorted;
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(added.length > 0 ? `added ${added.join(", ")}\n` : "lockfile already complete\n");
