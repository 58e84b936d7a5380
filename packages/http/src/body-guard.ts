import type { Context, MiddlewareHandler } from "hono";
import { PatchbayError, readBytesCapped } from "@patchbay/core";

/** Largest request body the API accepts. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The JSON media types the API reads. As strict as @hono/zod-openapi's own media-type gate on the routes
 * (it refuses `application/json ;charset=utf-8` and `application/json;`), so a type this guard lets
 * through is never refused later by the library.
 */
const JSON_MEDIA_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/**
 * Reads a POST, PUT or PATCH body once, before validation: over 1 MiB → 413 (counted while reading, so a
 * chunked body is not buffered whole), a Content-Type other than JSON or a body without one → 415, not
 * UTF-8 or not JSON → 400. An empty body counts as `{}` so routes whose fields are all optional need none.
 */
export const jsonBodyGuard: MiddlewareHandler = async (c, next) => {
  if (!["POST", "PUT", "PATCH"].includes(c.req.method)) return next();
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw tooLarge(c);
  const bytes = await readCapped(c, MAX_BODY_BYTES);
  const type = c.req.header("content-type");
  if (type !== undefined ? !JSON_MEDIA_TYPE.test(type) : bytes.byteLength > 0) {
    const got = type === undefined ? "none" : type.length > 100 ? `${type.slice(0, 100)}…` : type;
    throw new PatchbayError("UNSUPPORTED_MEDIA_TYPE", `Send the body as JSON with 'Content-Type: application/json' (got '${got}').`);
  }
  let text = "{}";
  if (bytes.byteLength > 0) {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      JSON.parse(text);
    } catch {
      throw new PatchbayError("INVALID_JSON", "The request body is not valid JSON (UTF-8); check quotes, commas and brackets.");
    }
  }
  cacheBody(c, bytes, text);
  return next();
};

/** The body's bytes, refusing as soon as they pass `max`. */
async function readCapped(c: Context, max: number): Promise<Uint8Array> {
  const bytes = await readBytesCapped(c.req.raw.body, max);
  if (bytes === null) throw tooLarge(c);
  return bytes;
}

/**
 * Hands the read body to the validators: the raw bytes for the media-type gate's "is there a body"
 * check, and the JSON text (`{}` for an empty body) that `c.req.json()` parses.
 */
function cacheBody(c: Context, bytes: Uint8Array, text: string) {
  c.req.bodyCache.arrayBuffer = Promise.resolve(bytes.buffer as ArrayBuffer) as never;
  c.req.bodyCache.text = Promise.resolve(text) as never;
}

/**
 * A request answered without reading (the rest of) its body: the connection cannot carry another request,
 * and is closed rather than drained, so a body that never ends holds nothing.
 */
export function leaveBodyUnread(c: Context) {
  if (c.req.raw.body !== null) c.header("Connection", "close");
}

function tooLarge(c: Context) {
  leaveBodyUnread(c);
  return new PatchbayError("PAYLOAD_TOO_LARGE", `The request body is larger than ${MAX_BODY_BYTES} bytes (1 MiB).`);
}
