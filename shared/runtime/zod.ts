/**
 * zod/mini with English error messages. zod/mini keeps Lambda bundles small (16 KB against 454 KB for
 * classic zod, measured) but ships no locale, so every issue would read "Invalid input".
 * Import it as `import * as z from "./zod"`, never from "zod/mini" directly, so that every schema
 * reports what is wrong. Named re-exports (not a namespace object) keep zod tree-shakable: re-exporting
 * the namespace as one value pulled all of zod and its locales (~420 KB) into every bundle.
 */
import { config, type core } from "zod/mini";
import en from "zod/v4/locales/en.js";

config(en());

export * from "zod/mini";

/** zod issues as `path: message` lines for logs and error contexts. */
export const formatZodIssues = (error: core.$ZodError): string[] =>
  error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`);
