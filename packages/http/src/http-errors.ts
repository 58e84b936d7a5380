import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { PatchbayError } from "@patchbay/core";
import type { ErrorCode, Logger } from "@patchbay/core";

/** The HTTP status of each error code: exhaustive, so a new code without one does not compile. */
export const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  INVALID_JSON: 400,
  VALIDATION_ERROR: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  INVALID_CREDENTIALS: 422,
  AUTH_EXPIRED: 422,
  INSUFFICIENT_PERMISSIONS: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  NETWORK_ERROR: 502,
  PLATFORM_ERROR: 502,
  // A model's key or access refused, or its provider not configured: a setting to fix, like a refused bot token.
  MODEL_AUTH: 422,
  // The provider failed: an upstream failure, like a platform's.
  MODEL_ERROR: 502,
  INTERNAL: 500,
};

/**
 * Hono and @hono/zod-openapi refuse some requests themselves (their JSON and media-type gates) with an
 * HTTPException; these are the caller's mistakes, so they get the caller's code, never INTERNAL.
 */
const LIBRARY_REFUSALS: Partial<Record<number, [ErrorCode, string]>> = {
  400: ["INVALID_JSON", "The request body is not valid JSON; check quotes, commas and brackets."],
  401: ["UNAUTHORIZED", "Send a valid API key as 'Authorization: Bearer <key>'."],
  404: ["NOT_FOUND", "No such route; see /docs."],
  405: ["METHOD_NOT_ALLOWED", "This method is not allowed here; see /docs."],
  413: ["PAYLOAD_TOO_LARGE", "The request body is larger than 1 MiB."],
  415: ["UNSUPPORTED_MEDIA_TYPE", "Send the body as JSON with 'Content-Type: application/json'."],
};

const MAX_LOGGED_PATH_CHARS = 200;
const MAX_LOGGED_FIELDS = 10;
const MAX_LOGGED_FIELD_CHARS = 64;
const INTEGRATION_ID = /^int_[a-z0-9]+$/;

export function requestIdOf(c: Context): string {
  return (c.get("requestId" as never) as string | undefined) ?? "unknown";
}

/** The error envelope of design.md §3. */
export function errorResponse(c: Context, code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
  const requestId = requestIdOf(c);
  c.header("X-Request-Id", requestId);
  return c.json({ error: { code, message, ...details }, request_id: requestId }, STATUS[code]);
}

/**
 * The one log line of a failed API request: request id, route, status, code and the integration the
 * path names, so a silent bot can be traced. Only names and ids: never a header, a body, a token or a
 * message text (an error message can quote what the caller or a platform sent).
 */
export function logFailure(logger: Logger, c: Context, status: number, fields: Record<string, unknown>) {
  const path = c.req.path.length > MAX_LOGGED_PATH_CHARS ? `${c.req.path.slice(0, MAX_LOGGED_PATH_CHARS)}…` : c.req.path;
  const integrationId = c.req.path.split("/").find((segment) => INTEGRATION_ID.test(segment));
  const line = {
    request_id: requestIdOf(c),
    method: c.req.method,
    path,
    status,
    ...(integrationId ? { integration_id: integrationId } : {}),
    ...fields,
  };
  if (status >= 500) logger.error("request failed", line);
  else logger.warn("request refused", line);
}

/** Answers a failure in the envelope and writes its one log line. */
export function failureResponse(
  logger: Logger,
  c: Context,
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
) {
  logFailure(logger, c, STATUS[code], { code, ...loggableDetails(code, details) });
  return errorResponse(c, code, message, details);
}

/** The one place where failures become HTTP answers. */
export function createErrorHandler(logger: Logger) {
  return (error: Error, c: Context) => {
    if (error instanceof PatchbayError && error.code !== "INTERNAL") {
      return failureResponse(logger, c, error.code, error.message, error.details);
    }
    const refusal = error instanceof HTTPException ? LIBRARY_REFUSALS[error.status] : undefined;
    if (refusal) return failureResponse(logger, c, refusal[0], refusal[1]);
    logFailure(logger, c, 500, { code: "INTERNAL", error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return errorResponse(c, "INTERNAL", "Something went wrong on our side; try again, and quote the request id if it persists.");
  };
}

/** What of an error's details helps diagnosis and cannot carry a secret: field names and scope names. */
function loggableDetails(code: ErrorCode, details: Record<string, unknown>): Record<string, unknown> {
  if (code === "VALIDATION_ERROR" && Array.isArray(details.fields)) {
    const names = (details.fields as { field: string }[]).slice(0, MAX_LOGGED_FIELDS).map(({ field }) => field.slice(0, MAX_LOGGED_FIELD_CHARS));
    return { fields: names };
  }
  if (Array.isArray(details.required_scopes)) return { required_scopes: details.required_scopes };
  return {};
}
