import { ModelError, NotFoundError, PlatformCallError } from "./errors.ts";

/**
 * How a failed answer is retried, the same for the Lambda responder and the local queue: a few attempts
 * with exponential backoff, or dead letters at once for what cannot succeed on retry.
 */
export interface RetryPolicy {
  /** Attempts before a message goes to dead letters. */
  maxAttempts: number;
  /** Wait after the n-th failed attempt (1-based). */
  backoffMs(attempt: number): number;
}

export const RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  backoffMs: (attempt) => Math.min(300_000, 5000 * 2 ** (attempt - 1)),
};

/**
 * A failure no retry can fix: a revoked bot token, missing permissions, a chat the bot was removed from,
 * a model key refused, the replica gone. Unknown errors (a bug, a store hiccup) are retried.
 */
export function isPermanentFailure(error: unknown): boolean {
  if (error instanceof ModelError) return !error.retryable;
  if (error instanceof PlatformCallError) return !error.retryable;
  return error instanceof NotFoundError;
}

export type RetryStep = { deadLetter: true } | { deadLetter: false; delayMs: number };

/** What happens after attempt `attempt` failed with `error`: when to retry, or dead letters now. */
export function nextRetry(error: unknown, attempt: number, policy: RetryPolicy = RETRY_POLICY): RetryStep {
  const asked = (error as { retryInMs?: unknown } | null)?.retryInMs;
  // Another worker holding the message, or a long rate limit, is not a failed attempt: it comes back when asked.
  if (typeof asked === "number") return { deadLetter: false, delayMs: asked };
  if (isPermanentFailure(error) || attempt >= policy.maxAttempts) return { deadLetter: true };
  const providerWait = error instanceof ModelError ? error.retryAfterMs : undefined;
  return { deadLetter: false, delayMs: Math.max(providerWait ?? 0, policy.backoffMs(attempt)) };
}
