import type { Context, MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ValidationError } from "@patchbay/core";
import type { IdempotencyService, Logger } from "@patchbay/core";
import type { AppEnv } from "./context.ts";

export const IDEMPOTENCY_HEADER = "Idempotency-Key";

/** What a key may be: visible ASCII, as long as Stripe's (a UUID fits, so does a hash of the client's own request id). */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * Deeper JSON than this is fingerprinted by its text rather than canonically (no stack is spent on a hostile
 * body; the route refuses it anyway).
 */
const MAX_CANONICAL_DEPTH = 64;

/** The header as documented once in /openapi.json and referenced by every POST under /v1. */
export const idempotencyKeyParameter = {
  name: IDEMPOTENCY_HEADER,
  in: "header",
  required: false,
  description:
    "Makes a retry safe: the same key with the same body within 24 hours answers with the first response (status and body, " +
    "with `Idempotent-Replayed: true`) without doing the work again. Another body with the same key is 422 IDEMPOTENCY_KEY_REUSED; " +
    "while the first request runs, 409 CONFLICT. Keys belong to the API key's owner. Answers that ask to try again " +
    "(429 and 5xx) are not kept, so a retry with the same key runs afresh.",
  schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x21-\\x7e]+$" },
  example: "4f1c2a9e-7b3d-4c55-9a0e-2d8f6b1e3a77",
} as const;

/**
 * An answer is kept for replays when it is final: a success, or a refusal of this request as sent (the
 * work did not happen, and a retry of the same request would be refused the same way; fix it, then use a
 * new key). Answers that ask to try again — 429 and every 5xx — free the key instead.
 */
const isFinal = (status: number) => status < 500 && status !== 429;

/**
 * Idempotency-Key on every POST under /v1, after authentication (keys are the owner's) and the body guard
 * (the body is read once, as JSON). One request per key does the work; see `idempotencyKeyParameter`.
 */
export function idempotencyKeys(service: IdempotencyService, logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.method === "POST" ? c.req.header(IDEMPOTENCY_HEADER) : undefined;
    if (key === undefined) return next();
    if (!KEY_PATTERN.test(key)) {
      throw new ValidationError([{ field: IDEMPOTENCY_HEADER, message: "must be 1 to 255 visible ASCII characters, like a UUID" }]);
    }
    const owner = c.var.owner;
    const start = await service.begin(owner, key, await fingerprint(c));
    if (start.kind === "replay") {
      const { status, body } = start.response;
      return c.body(body, status as ContentfulStatusCode, { "Content-Type": "application/json", "Idempotent-Replayed": "true" });
    }
    // Failures inside normally reach here as the error handler's answer; one that escapes frees the key.
    try {
      await next();
    } catch (error) {
      await service.abandon(owner, key, start.token).catch(() => undefined);
      throw error;
    }
    const fields = { request_id: c.var.requestId, path: c.req.path, status: c.res.status };
    try {
      if (!isFinal(c.res.status)) {
        await service.abandon(owner, key, start.token);
      } else if (!(await service.finish(owner, key, start.token, { status: c.res.status, body: await c.res.clone().text() }))) {
        logger.warn("idempotency claim lapsed before the answer was kept", fields);
      }
    } catch (error) {
      // The answer stands; the claim lapses after its lease and a retry then runs afresh.
      logger.error("idempotency record not written", { ...fields, error: error instanceof Error ? error.message : String(error) });
    }
  };
}

/** The request as the key binds it: route and body, the body as JSON (key order and spacing do not matter). */
async function fingerprint(c: Context): Promise<string> {
  const text = await c.req.text();
  let body: string;
  try {
    body = canonicalJson(JSON.parse(text), 0) ?? text;
  } catch {
    body = text;
  }
  const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${c.req.method} ${c.req.path}\n${body}`));
  return Buffer.from(digest).toString("hex");
}

/** JSON with every object's keys sorted; undefined past MAX_CANONICAL_DEPTH. */
function canonicalJson(value: unknown, depth: number): string | undefined {
  if (depth > MAX_CANONICAL_DEPTH) return undefined;
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const entries = Array.isArray(value)
    ? value.map((item) => canonicalJson(item, depth + 1))
    : Object.keys(value)
        .sort()
        .map((name) => {
          const inner = canonicalJson((value as Record<string, unknown>)[name], depth + 1);
          return inner === undefined ? undefined : `${JSON.stringify(name)}:${inner}`;
        });
  if (entries.some((entry) => entry === undefined)) return undefined;
  return Array.isArray(value) ? `[${entries.join(",")}]` : `{${entries.join(",")}}`;
}
