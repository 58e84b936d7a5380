/** The console's one way to the REST API: same origin, the key as a bearer token, errors as ApiError. */
import type { z } from "@hono/zod-openapi";
import type * as Schemas from "@patchbay/http/schemas";

export type Replica = z.infer<typeof Schemas.Replica>;
export type Integration = z.infer<typeof Schemas.Integration>;
export type ActivityEvent = z.infer<typeof Schemas.EventList>["data"][number];
export type Channel = z.infer<typeof Schemas.ChannelList>["data"][number];
export type ValidateResult = z.infer<typeof Schemas.ValidateResponse>;
export type TestResult = z.infer<typeof Schemas.TestResponse>;
export type PreviewResult = z.infer<typeof Schemas.PreviewResult>;
export interface Page<T> {
  data: T[];
  total?: number;
  next_cursor: string | null;
}

/** The `error` of the API's error envelope: a stable code, a sentence for a person, and details. */
export interface ApiErrorBody {
  code: string;
  message: string;
  fields?: { field: string; message: string }[];
  required_scopes?: string[];
  [detail: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly body: ApiErrorBody;
  /** X-Request-Id, to quote when asking for help. */
  readonly requestId: string | null;

  constructor(status: number, body: ApiErrorBody, requestId: string | null) {
    super(body.message);
    this.status = status;
    this.body = body;
    this.requestId = requestId;
  }

  get code(): string {
    return this.body.code;
  }
}

export interface Api {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
}

/** An Idempotency-Key from the page's CSPRNG (crypto.randomUUID needs a secure context; a LAN http:// address is not one). */
function idempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * `onRefused` runs when the API answers 401: the key was revoked or never worked, so the console forgets it.
 * A POST whose connection failed is sent once more with the same Idempotency-Key, so it cannot happen twice.
 */
export function createApi(key: string, onRefused: () => void): Api {
  const send = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (method === "POST") headers["idempotency-key"] = idempotencyKey();
    const init: RequestInit = { method, headers, credentials: "omit", cache: "no-store", ...(body !== undefined ? { body: JSON.stringify(body) } : {}) };
    let response: Response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      if (method !== "POST") throw unreachable(error);
      response = await fetch(path, init).catch((again: unknown) => {
        throw unreachable(again);
      });
    }
    const parsed = parseJson(await response.text());
    if (response.ok) return parsed as T;
    const envelope = parsed as { error?: ApiErrorBody } | undefined;
    const error = new ApiError(
      response.status,
      envelope?.error ?? { code: "INTERNAL", message: `The API answered ${response.status} without an explanation; try again.` },
      response.headers.get("x-request-id"),
    );
    if (response.status === 401) onRefused();
    throw error;
  };
  return {
    get: (path) => send("GET", path),
    post: (path, body) => send("POST", path, body ?? {}),
    patch: (path, body) => send("PATCH", path, body),
    put: (path, body) => send("PUT", path, body),
    delete: (path) => send("DELETE", path),
  };
}

/** Patchbay answers JSON; a gateway in front of it may not (an HTML 502), which then reads as no explanation. */
function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function unreachable(cause: unknown): ApiError {
  const detail = cause instanceof Error ? ` (${cause.message})` : "";
  return new ApiError(0, { code: "NETWORK_ERROR", message: `Patchbay could not be reached${detail}: check that it is running, then try again.` }, null);
}
