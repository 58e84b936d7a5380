/** Stable error codes of the public API (design.md §3). */
export type ErrorCode =
  | "UNAUTHORIZED"
  | "NOT_FOUND"
  | "INVALID_JSON"
  | "VALIDATION_ERROR"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "PAYLOAD_TOO_LARGE"
  | "METHOD_NOT_ALLOWED"
  | "CONFLICT"
  | "INVALID_CREDENTIALS"
  | "AUTH_EXPIRED"
  | "INSUFFICIENT_PERMISSIONS"
  | "IDEMPOTENCY_KEY_REUSED"
  | "RATE_LIMITED"
  | "NETWORK_ERROR"
  | "PLATFORM_ERROR"
  | "MODEL_AUTH"
  | "MODEL_ERROR"
  | "INTERNAL";

/** Every failure the domain means to report carries a stable code and a message that says what to do next. */
export class PatchbayError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

export class NotFoundError extends PatchbayError {
  constructor(resource: string, id: string) {
    super("NOT_FOUND", `No ${resource} with id "${id}". Check the id, or list ${resource}s to find it.`, { id });
  }
}

/**
 * A worker's claim on a message was taken over (it stalled past its lease): it must send and record nothing
 * more, and the message comes back later, when the holder is done or gone. Not a failed attempt.
 */
export class LeaseLostError extends PatchbayError {
  readonly retryInMs = 1000;

  constructor() {
    super("CONFLICT", "Another worker took this message over while this one was answering it; that worker answers it.");
  }
}

export class ConflictError extends PatchbayError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("CONFLICT", message, details);
  }
}

export interface FieldIssue {
  field: string;
  message: string;
}

export class ValidationError extends PatchbayError {
  constructor(fields: FieldIssue[]) {
    const list = fields.map((f) => `${f.field}: ${f.message}`).join("; ");
    super("VALIDATION_ERROR", `The request has invalid fields — ${list}.`, { fields });
  }
}

export class UnauthorizedError extends PatchbayError {
  constructor(message = "Send a valid API key as 'Authorization: Bearer <key>'.") {
    super("UNAUTHORIZED", message);
  }
}

/** Codes a platform call can fail with, as the API reports them. */
export type PlatformErrorCode =
  | "INVALID_CREDENTIALS"
  | "AUTH_EXPIRED"
  | "INSUFFICIENT_PERMISSIONS"
  | "RATE_LIMITED"
  | "NETWORK_ERROR"
  | "PLATFORM_ERROR";

/** A platform refused or could not be reached; adapters translate their wire errors into this. */
export class PlatformCallError extends PatchbayError {
  declare readonly code: PlatformErrorCode;
  /** When the platform said how long to wait before retrying. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: PlatformErrorCode,
    message: string,
    details: Record<string, unknown> & { retryAfterMs?: number } = {},
    options?: ErrorOptions,
  ) {
    const { retryAfterMs, ...rest } = details;
    super(code, message, rest, options);
    this.retryAfterMs = retryAfterMs;
  }

  /** Whether trying the same call again later can succeed. */
  get retryable(): boolean {
    return this.code === "RATE_LIMITED" || this.code === "NETWORK_ERROR" || this.details.transient === true;
  }
}

/** Codes a model provider can fail with: its key or model refused (fix the configuration), or anything else. */
export type ModelErrorCode = "MODEL_AUTH" | "MODEL_ERROR";

/** A replica model failed; a retryable failure is retried by the queue, any other dead-lettered at once. */
export class ModelError extends PatchbayError {
  declare readonly code: ModelErrorCode;
  readonly retryable: boolean;
  /** When the provider said how long to wait before retrying. */
  readonly retryAfterMs: number | undefined;

  constructor(code: ModelErrorCode, message: string, retryable: boolean, options?: ErrorOptions & { retryAfterMs?: number }) {
    super(code, message, {}, options);
    this.retryable = retryable;
    this.retryAfterMs = options?.retryAfterMs;
  }
}
