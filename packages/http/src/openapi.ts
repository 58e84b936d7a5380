import { z } from "@hono/zod-openapi";
import type { Hook } from "@hono/zod-openapi";
import { ValidationError } from "@patchbay/core";
import type { FieldIssue } from "@patchbay/core";
import { ErrorBody } from "./schemas.ts";

const errorContent = { content: { "application/json": { schema: ErrorBody } } };

/** The error answers every /v1 route may give, documented once. */
export const errorResponses = {
  400: { ...errorContent, description: "INVALID_JSON or VALIDATION_ERROR (with the offending fields)" },
  401: { ...errorContent, description: "UNAUTHORIZED: missing, unknown or revoked API key" },
  404: { ...errorContent, description: "NOT_FOUND: no such resource for this API key's owner" },
  409: { ...errorContent, description: "CONFLICT" },
  413: { ...errorContent, description: "PAYLOAD_TOO_LARGE: body over 1 MiB" },
  415: { ...errorContent, description: "UNSUPPORTED_MEDIA_TYPE: a POST, PUT or PATCH body must be sent as application/json" },
  422: { ...errorContent, description: "INVALID_CREDENTIALS, AUTH_EXPIRED or INSUFFICIENT_PERMISSIONS (with required_scopes)" },
  429: { ...errorContent, description: "RATE_LIMITED by the platform" },
  502: { ...errorContent, description: "NETWORK_ERROR or PLATFORM_ERROR" },
} as const;

/** How many offending fields one VALIDATION_ERROR lists; a body of a million unknown keys gets a short answer. */
const MAX_REPORTED_FIELDS = 50;
const MAX_FIELD_NAME_CHARS = 100;

/** Turns a failed schema check into VALIDATION_ERROR naming each field. */
export const validationHook: Hook<any, any, any, any> = (result) => {
  if (result.success) return;
  const issues: FieldIssue[] = result.error.issues.flatMap((issue): FieldIssue[] => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ field: fieldName([...issue.path, key]), message: "is not a known field" }));
    }
    return [{ field: issue.path.length > 0 ? fieldName(issue.path) : "body", message: issue.message }];
  });
  if (issues.length <= MAX_REPORTED_FIELDS) throw new ValidationError(issues);
  const shown = issues.slice(0, MAX_REPORTED_FIELDS);
  throw new ValidationError([...shown, { field: "body", message: `has ${issues.length - shown.length} more invalid fields` }]);
};

function fieldName(path: PropertyKey[]): string {
  const name = path.map(String).join(".");
  return name.length > MAX_FIELD_NAME_CHARS ? `${name.slice(0, MAX_FIELD_NAME_CHARS)}…` : name;
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a JSON object",
  array: "a list (JSON array)",
  null: "null",
};

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "number") return Number.isInteger(value) ? "a whole number" : "a number";
  if (typeof value === "boolean") return value ? "true" : "false";
  return `a ${typeof value}`;
}

const plural = (n: number | bigint, one: string, many: string) => `${n} ${Number(n) === 1 ? one : many}`;

/**
 * Zod issues as the words a person reads in a VALIDATION_ERROR ("must be at most 100 characters long",
 * not "Too big: expected string to have <=100 characters"). A schema's own message (a replica id, a
 * Slack token) takes precedence; undefined falls back to zod's wording.
 */
export function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      if (typeof issue.input === "number" && Number.isNaN(issue.input)) return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}, not ${describeValue(issue.input)}`;
    case "invalid_value":
      if (issue.input === undefined) return "is required";
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
      if (issue.origin === "string") return Number(issue.minimum) <= 1 ? "must not be empty" : `must be at least ${plural(issue.minimum, "character", "characters")} long`;
      if (issue.origin === "array" || issue.origin === "set") return `must list at least ${plural(issue.minimum, "item", "items")}`;
      return issue.inclusive === false ? `must be more than ${issue.minimum}` : `must be ${issue.minimum} or more`;
    case "too_big":
      if (issue.origin === "string") return `must be at most ${plural(issue.maximum, "character", "characters")} long`;
      if (issue.origin === "array" || issue.origin === "set") return `must list at most ${plural(issue.maximum, "item", "items")}`;
      if (issue.origin === "int") return "is too large";
      return issue.inclusive === false ? `must be less than ${issue.maximum}` : `must be ${issue.maximum} or less`;
    case "invalid_format":
      return issue.format === "regex" ? "is not in the expected format" : `must be a valid ${issue.format}`;
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}`;
    case "invalid_union":
      return "does not match any of the accepted forms";
    case "unrecognized_keys":
      return issue.keys.length === 1 ? `has an unknown field: ${issue.keys[0]}` : `has unknown fields: ${issue.keys.join(", ")}`;
    default:
      return undefined;
  }
}

// Global because @hono/zod-openapi parses without options, so no per-parse error map can reach its
// validators; schema-level messages (schemas.ts) still take precedence over this one.
z.config({ customError: describeIssue });

/** A JSON request body for a route definition. */
export const jsonBody = <T extends z.ZodType>(schema: T, required = true) => ({ content: { "application/json": { schema } }, required });

/** A JSON response for a route definition. */
export const jsonResponse = (schema: z.ZodType, description: string) => ({ content: { "application/json": { schema } }, description });
