import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";

/**
 * Every test file and every test leaves process.env as it found it: snapshots taken before the file and
 * before each test (after the file's own beforeAll, so a harness started there stays in place for its
 * tests) are put back after each test and after the file.
 */

const restore = (snapshot: Readonly<Record<string, string | undefined>>): void => {
  for (const key of Object.keys(process.env)) if (!(key in snapshot)) delete process.env[key];
  for (const [key, value] of Object.entries(snapshot)) if (value !== undefined) process.env[key] = value;
};

let fileEnv: Record<string, string | undefined> = {};
let testEnv: Record<string, string | undefined> = {};

beforeAll(() => {
  fileEnv = { ...process.env };
});
afterAll(() => {
  restore(fileEnv);
});
beforeEach(() => {
  testEnv = { ...process.env };
});
afterEach(() => {
  restore(testEnv);
});
