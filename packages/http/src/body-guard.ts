import type { MiddlewareHandler } from "hono";
import { PatchbayError } from "@patchbay/core";

/** Largest request body the API accepts. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads a request body once, before validation: over 1 MiB → 413, not JSON → 415, malformed → 400.
 * An empty body counts as `{}` so routes whose fields are all optional need none.
 */
export const jsonBodyGuard: MiddlewareHandler = async (c, next) => {
  if (!["POST", "PUT", "PATCH"].includes(c.req.method)) return next();
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.byteLength > MAX_BODY_BYTES) throw tooLarge();
  const type = c.req.header("content-type") ?? "";
  if (bytes.byteLength === 0) {
    c.req.bodyCache.json = Promise.resolve({});
    return next();
  }
  if (!/^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i.test(type)) {
    throw new PatchbayError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Send the body as JSON with 'Content-Type: application/json' (got '${type || "none"}').`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new PatchbayError("INVALID_JSON", "The request body is not valid JSON; check quotes, commas and brackets.");
  }
  c.req.bodyCache.json = Promise.resolve(parsed);
  return next();
};

const tooLarge = () => new PatchbayError("PAYLOAD_TOO_LARGE", `The request body is larger than ${MAX_BODY_BYTES} bytes (1 MiB).`);
