/** Helpers shared by the control routes (control.ts, control-network.ts): bodies, answers, requests. */
import * as z from "zod/mini";

export interface ControlResponse {
  status: number;
  body: unknown;
}

export function bad(message: string, issues?: string[]): ControlResponse {
  return { status: 400, body: issues === undefined ? { error: message } : { error: message, issues } };
}

export function parseBody<T>(
  schema: z.ZodMiniType<T>,
  body: unknown,
): { ok: true; value: T } | { ok: false; response: ControlResponse } {
  let json = body;
  if (typeof body === "string") {
    try {
      json = body.trim() === "" ? {} : JSON.parse(body);
    } catch {
      return { ok: false, response: bad("body is not valid JSON") };
    }
  }
  const result = z.safeParse(schema, json ?? {});
  if (!result.success) {
    return {
      ok: false,
      response: bad(
        "invalid body",
        result.error.issues.map((i) => `${i.path.map(String).join(".") || "(body)"}: ${i.message}`),
      ),
    };
  }
  return { ok: true, value: result.data };
}

/** A parsed control request: the path segments after `/__sim`, the upper-case verb, query and body. */
export interface ControlRequest {
  segments: string[];
  verb: string;
  query: URLSearchParams;
  body: unknown;
}
