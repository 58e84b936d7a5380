import type { Hook, z } from "@hono/zod-openapi";
import { ValidationError } from "@patchbay/core";
import { ErrorBody } from "./schemas.ts";

const errorContent = { content: { "application/json": { schema: ErrorBody } } };

/** The error answers every /v1 route may give, documented once. */
export const errorResponses = {
  400: { ...errorContent, description: "INVALID_JSON or VALIDATION_ERROR (with the offending fields)" },
  401: { ...errorContent, description: "UNAUTHORIZED: missing, unknown or revoked API key" },
  404: { ...errorContent, description: "NOT_FOUND: no such resource for this API key's owner" },
  409: { ...errorContent, description: "CONFLICT" },
  413: { ...errorContent, description: "PAYLOAD_TOO_LARGE: body over 1 MiB" },
  415: { ...errorContent, description: "UNSUPPORTED_MEDIA_TYPE: send application/json" },
  422: { ...errorContent, description: "INVALID_CREDENTIALS, AUTH_EXPIRED or INSUFFICIENT_PERMISSIONS (with required_scopes)" },
  429: { ...errorContent, description: "RATE_LIMITED by the platform" },
  502: { ...errorContent, description: "NETWORK_ERROR or PLATFORM_ERROR" },
} as const;

/** Turns a failed schema check into VALIDATION_ERROR naming each field. */
export const validationHook: Hook<any, any, any, any> = (result) => {
  if (result.success) return;
  const issues = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join(".") : "body";
    const missing = issue.code === "invalid_type" && /received undefined/.test(issue.message);
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ field: [...issue.path, key].join("."), message: "is not a known field" }));
    }
    return [{ field, message: missing ? "is required" : issue.message }];
  });
  throw new ValidationError(issues.flat());
};

/** A JSON request body for a route definition. */
export const jsonBody = <T extends z.ZodType>(schema: T, required = true) => ({ content: { "application/json": { schema } }, required });

/** A JSON response for a route definition. */
export const jsonResponse = (schema: z.ZodType, description: string) => ({ content: { "application/json": { schema } }, description });
