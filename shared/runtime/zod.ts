/**
 * zod/mini with English error messages. zod/mini keeps Lambda bundles small (16 KB against 454 KB for
 * classic zod, measured) but ships no locale, so every issue would read "Invalid input". Import `z`
 * from here, never from "zod/mini" directly, so that every schema reports what is wrong.
 */
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";

z.config(en());

export { z };

/** zod issues as `path: message` lines for logs and error contexts. */
export const formatZodIssues = (error: z.core.$ZodError): string[] =>
  error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`);
