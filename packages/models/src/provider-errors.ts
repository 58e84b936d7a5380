import { ModelError } from "@patchbay/core";

/** Longest wait taken from a provider's retry-after; beyond it the queue's own backoff takes over. */
const MAX_RETRY_AFTER_MS = 300_000;

/**
 * The wait a provider asks for: `retry-after-ms` (OpenAI, Anthropic) or `retry-after` in seconds or as
 * an HTTP date.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(headers.get("retry-after-ms") ?? NaN);
  if (Number.isFinite(ms) && ms >= 0) return Math.min(ms, MAX_RETRY_AFTER_MS);
  const value = headers.get("retry-after");
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

/** The provider's words, short and with anything key-like masked: they end up in the activity log. */
export function providerDetail(message: string): string {
  return message
    .replace(/\b(sk|key|api)[-_][A-Za-z0-9_-]{6,}/gi, "[redacted]")
    .replace(/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, "[redacted]")
    .slice(0, 200);
}

/** A failure worth retrying: overload, rate limit, a 5xx, a broken connection. */
export function transient(message: string, retryAfter?: number, cause?: unknown): ModelError {
  return new ModelError("MODEL_ERROR", message, true, {
    ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** The operator must fix the key, the model id or the account; retrying cannot help. */
export function mustFix(message: string, cause?: unknown): ModelError {
  return new ModelError("MODEL_AUTH", message, false, cause !== undefined ? { cause } : undefined);
}

/** The request itself was refused (a bad parameter for this model); retrying the same request cannot help. */
export function refused(message: string, cause?: unknown): ModelError {
  return new ModelError("MODEL_ERROR", message, false, cause !== undefined ? { cause } : undefined);
}

/** A call's cancellation: the caller's signal (a deadline, a shutdown) or the provider's own timeout. */
export interface CallDeadline {
  signal: AbortSignal;
  /** Whether it was the provider's own timeout that fired. */
  timedOut(): boolean;
  timeoutMs: number;
}

export function callDeadline(timeoutMs: number, signal: AbortSignal | undefined): CallDeadline {
  const timeout = AbortSignal.timeout(timeoutMs);
  return { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, timedOut: () => timeout.aborted, timeoutMs };
}

/**
 * A thrown network, timeout or abort error as a retryable ModelError (a ModelError passes through): the
 * answer may come on the next attempt.
 */
export function transportFailure(provider: string, error: unknown, deadline: CallDeadline): ModelError {
  if (error instanceof ModelError) return error;
  if (deadline.timedOut()) {
    const { timeoutMs } = deadline;
    return transient(`${provider} did not finish within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}.`, undefined, error);
  }
  if (deadline.signal.aborted) return transient(`The call to ${provider} was cancelled before it finished.`, undefined, error);
  const name = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.name) : String(error);
  return transient(`${provider} could not be reached or broke off (${providerDetail(name)}).`, undefined, error);
}

/** A stream that ended without the provider's end-of-answer event: never taken as a short answer. */
export function truncated(provider: string): ModelError {
  return transient(`The answer from ${provider} broke off before the model finished.`);
}
