import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { PatchbayError } from "@patchbay/core";
import type { ErrorCode, Logger } from "@patchbay/core";

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  INVALID_JSON: 400,
  VALIDATION_ERROR: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  CONFLICT: 409,
  INVALID_CREDENTIALS: 422,
  AUTH_EXPIRED: 422,
  INSUFFICIENT_PERMISSIONS: 422,
  RATE_LIMITED: 429,
  NETWORK_ERROR: 502,
  PLATFORM_ERROR: 502,
  INTERNAL: 500,
};

export function requestIdOf(c: Context): string {
  return (c.get("requestId" as never) as string | undefined) ?? "unknown";
}

/** The error envelope of design.md §3. */
export function errorResponse(c: Context, code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
  const requestId = requestIdOf(c);
  c.header("X-Request-Id", requestId);
  return c.json({ error: { code, message, ...details }, request_id: requestId }, STATUS[code]);
}

/** The one place where failures become HTTP answers. */
export function createErrorHandler(logger: Logger) {
  return (error: Error, c: Context) => {
    if (error instanceof PatchbayError && error.code !== "INTERNAL") {
      return errorResponse(c, error.code, error.message, error.details);
    }
    if (error instanceof HTTPException && error.status === 413) {
      return errorResponse(c, "PAYLOAD_TOO_LARGE", "The request body is larger than 1 MiB.");
    }
    if (error instanceof HTTPException && error.status === 400) {
      return errorResponse(c, "INVALID_JSON", "The request body is not valid JSON.");
    }
    logger.error("unexpected failure", {
      request_id: requestIdOf(c),
      path: c.req.path,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    return errorResponse(c, "INTERNAL", "Something went wrong on our side; try again, and quote the request id if it persists.");
  };
}
