import { z } from "@hono/zod-openapi";
import type { Hook } from "@hono/zod-openapi";
import { ValidationError } from "@patchbay/core";
import type { ErrorCode, FieldIssue } from "@patchbay/core";
import { EXAMPLE_INTEGRATION_ID, EXAMPLE_REQUEST_ID } from "./examples.ts";
import { STATUS } from "./http-errors.ts";
import { IDEMPOTENCY_HEADER } from "./idempotency.ts";

/** What each code means to the caller, as the error responses of /openapi.json list them. */
const MEANING: Record<ErrorCode, string> = {
  UNAUTHORIZED: "missing, unknown or revoked API key",
  NOT_FOUND: "no such resource for this API key's owner (another owner's id answers the same)",
  INVALID_JSON: "the body is not valid JSON (UTF-8)",
  VALIDATION_ERROR: "invalid fields, each named in `fields`",
  UNSUPPORTED_MEDIA_TYPE: "a POST, PUT or PATCH body must be sent as application/json",
  PAYLOAD_TOO_LARGE: "the body is over 1 MiB",
  METHOD_NOT_ALLOWED: "the path does not answer this method; `allow` lists those it does",
  CONFLICT: "the request conflicts with the current state, or with another request in flight",
  INVALID_CREDENTIALS: "the platform refused the token or secret",
  AUTH_EXPIRED: "the platform says the token expired or was revoked",
  INSUFFICIENT_PERMISSIONS: "the bot lacks permissions; `required_scopes` names them where known",
  IDEMPOTENCY_KEY_REUSED: "the Idempotency-Key came with another request in the last 24 hours",
  RATE_LIMITED: "the platform asks to slow down; try again later",
  NETWORK_ERROR: "the platform could not be reached",
  PLATFORM_ERROR: "the platform failed or answered unexpectedly",
  MODEL_AUTH: "the model's provider is not configured here, or refused the key or model; `setting` names what to set where known",
  MODEL_ERROR: "the model's provider failed",
  INTERNAL: "something went wrong on Patchbay's side; quote the request id",
};

/** An example error body for each code, as the API sends it. */
const EXAMPLE: Record<ErrorCode, { message: string; details?: Record<string, unknown> }> = {
  UNAUTHORIZED: { message: "The API key is unknown or revoked." },
  NOT_FOUND: { message: `No integration with id "${EXAMPLE_INTEGRATION_ID}". Check the id, or list integrations to find it.`, details: { id: EXAMPLE_INTEGRATION_ID } },
  INVALID_JSON: { message: "The request body is not valid JSON (UTF-8); check quotes, commas and brackets." },
  VALIDATION_ERROR: { message: "The request has invalid fields — name: is required.", details: { fields: [{ field: "name", message: "is required" }] } },
  UNSUPPORTED_MEDIA_TYPE: { message: "Send the body as JSON with 'Content-Type: application/json' (got 'text/plain')." },
  PAYLOAD_TOO_LARGE: { message: "The request body is larger than 1048576 bytes (1 MiB)." },
  METHOD_NOT_ALLOWED: { message: "DELETE is not allowed on /v1/integrations; use GET, HEAD, OPTIONS.", details: { allow: ["GET", "HEAD", "OPTIONS"] } },
  CONFLICT: { message: "A request with this Idempotency-Key is still in progress; retry once it has finished." },
  INVALID_CREDENTIALS: { message: "Telegram refused the bot token: Unauthorized. Copy the token from @BotFather again." },
  AUTH_EXPIRED: { message: "Slack says the token was revoked (token_revoked); reinstall the app and send the new token." },
  INSUFFICIENT_PERMISSIONS: { message: "The Slack app is missing scopes: channels:history.", details: { required_scopes: ["channels:history"] } },
  IDEMPOTENCY_KEY_REUSED: { message: "This Idempotency-Key came with a different request (another route or body) in the last 24 hours; send a new key for a new request." },
  RATE_LIMITED: { message: "Slack is rate limiting this app; try again in 30 seconds." },
  NETWORK_ERROR: { message: "Telegram could not be reached: connect ETIMEDOUT." },
  PLATFORM_ERROR: { message: "Discord answered 500 Internal Server Error." },
  MODEL_AUTH: { message: 'Model "anthropic/claude-sonnet-4" cannot be used yet: provider "anthropic" is not configured here: set ANTHROPIC_API_KEY and restart.', details: { field: "model", setting: "ANTHROPIC_API_KEY" } },
  MODEL_ERROR: { message: "OpenAI answered 503: the model is overloaded; try again." },
  INTERNAL: { message: "Something went wrong on our side; try again, and quote the request id if it persists." },
};

/** An error a route documents: a code, or a code with the example message that fits the route. */
export type DocumentedError = ErrorCode | { code: ErrorCode; message: string; details?: Record<string, unknown> };

interface ExampleObject {
  summary: string;
  value: unknown;
}

/** Where the error envelope's schema is: registered once as a component (app.ts), referenced by every error response. */
export const ERROR_SCHEMA_REF = { $ref: "#/components/schemas/Error" } as const;

interface ErrorResponseObject {
  description: string;
  content: { "application/json": { schema: typeof ERROR_SCHEMA_REF; examples: Record<string, ExampleObject> } };
}

function errorExample(error: DocumentedError): [ErrorCode, ExampleObject] {
  const { code, message, details } = typeof error === "string" ? { code: error, ...EXAMPLE[error] } : error;
  return [code, { summary: `${code}: ${MEANING[code]}`, value: { error: { code, message, ...details }, request_id: EXAMPLE_REQUEST_ID } }];
}

/** One response per status: its description lists the codes, with one example per code. */
function responseFor(examples: [ErrorCode, ExampleObject][]): ErrorResponseObject {
  return {
    description: examples.map(([code]) => `${code}: ${MEANING[code]}`).join("; "),
    content: { "application/json": { schema: ERROR_SCHEMA_REF, examples: Object.fromEntries(examples) } },
  };
}

/**
 * The error responses of a route, grouped by status, for the refusals the route itself makes. Those of the
 * middleware in front of it (authentication, the body guard, validation, Idempotency-Key) are added to the
 * document by `documentMiddlewareAnswers`, for exactly the operations they guard.
 */
export function errorResponses(...errors: DocumentedError[]): Record<number, ErrorResponseObject> {
  const byStatus = new Map<number, [ErrorCode, ExampleObject][]>();
  for (const error of errors) {
    const example = errorExample(error);
    const status = STATUS[example[0]];
    byStatus.set(status, [...(byStatus.get(status) ?? []), example]);
  }
  return Object.fromEntries([...byStatus].map(([status, examples]) => [status, responseFor(examples)]));
}

interface DocumentOperation {
  requestBody?: unknown;
  parameters?: unknown[];
  responses?: Record<string, unknown>;
}

/** The parameter component every POST under /v1 references. */
export const IDEMPOTENCY_PARAMETER_REF = "#/components/parameters/IdempotencyKey";

/**
 * Documents what the middleware of app.ts answers, on exactly the operations it guards, so no route repeats
 * it: every /v1 operation authenticates and may fail; a body is read by the guard; parameters and bodies
 * are validated; every POST under /v1 takes an Idempotency-Key.
 */
export function documentMiddlewareAnswers(paths: Record<string, Record<string, DocumentOperation>>): void {
  for (const [path, methods] of Object.entries(paths)) {
    if (!path.startsWith("/v1")) continue;
    for (const [method, operation] of Object.entries(methods)) {
      const added: DocumentedError[] = ["UNAUTHORIZED", "INTERNAL"];
      if (operation.requestBody) added.push("INVALID_JSON", "UNSUPPORTED_MEDIA_TYPE", "PAYLOAD_TOO_LARGE");
      if (operation.requestBody || operation.parameters?.length) added.push("VALIDATION_ERROR");
      if (method === "post") {
        operation.parameters = [...(operation.parameters ?? []), { $ref: IDEMPOTENCY_PARAMETER_REF }];
        added.push("CONFLICT", "IDEMPOTENCY_KEY_REUSED");
        if (!operation.requestBody) added.push({ code: "VALIDATION_ERROR", message: `The request has invalid fields — ${IDEMPOTENCY_HEADER}: must be 1 to 255 visible ASCII characters, like a UUID.`, details: { fields: [{ field: IDEMPOTENCY_HEADER, message: "must be 1 to 255 visible ASCII characters, like a UUID" }] } });
      }
      operation.responses = mergeErrors(operation.responses ?? {}, added);
    }
  }
}

/** Adds codes to an operation's responses: a status it already documents gains the examples it lacks. */
function mergeErrors(responses: Record<string, unknown>, errors: DocumentedError[]): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...responses };
  for (const error of errors) {
    const [code, example] = errorExample(error);
    const status = String(STATUS[code]);
    const existing = merged[status] as ErrorResponseObject | undefined;
    const examples = existing ? Object.entries(existing.content["application/json"].examples) : [];
    if (examples.some(([known]) => known === code)) continue;
    merged[status] = responseFor([...examples, [code, example]] as [ErrorCode, ExampleObject][]);
  }
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
}

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

/** A JSON request body for a route definition, with an example of it. */
export const jsonBody = <T extends z.ZodType>(schema: T, example: unknown, required = true) => ({
  content: { "application/json": { schema, example } },
  required,
});

/** A JSON response for a route definition, with an example of it. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string, example: unknown) => ({
  content: { "application/json": { schema, example } },
  description,
});
