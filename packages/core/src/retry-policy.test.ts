import { describe, expect, test } from "vitest";
import { ModelError, NotFoundError, PlatformCallError } from "./errors.ts";
import { RetryLaterError } from "./responder.ts";
import { RETRY_POLICY, isPermanentFailure, nextRetry } from "./retry-policy.ts";

describe("retry policy", () => {
  test("retryable failures back off exponentially, then go to dead letters after the last attempt", () => {
    const flaky = new PlatformCallError("NETWORK_ERROR", "reset");
    expect([1, 2, 3, 4].map((n) => nextRetry(flaky, n))).toEqual([
      { deadLetter: false, delayMs: 5000 },
      { deadLetter: false, delayMs: 10_000 },
      { deadLetter: false, delayMs: 20_000 },
      { deadLetter: false, delayMs: 40_000 },
    ]);
    expect(nextRetry(flaky, RETRY_POLICY.maxAttempts)).toEqual({ deadLetter: true });
  });

  test("what no retry can fix goes to dead letters on the first attempt", () => {
    for (const error of [
      new PlatformCallError("INVALID_CREDENTIALS", "token revoked"),
      new PlatformCallError("PLATFORM_ERROR", "Forbidden: bot was kicked from the group chat", { transient: false }),
      new ModelError("MODEL_AUTH", "key refused", false),
      new NotFoundError("replica", "rp_gone"),
    ]) {
      expect(isPermanentFailure(error)).toBe(true);
      expect(nextRetry(error, 1)).toEqual({ deadLetter: true });
    }
  });

  test("a platform 5xx, a model overload and an unknown error are retried; the provider's wait is honoured", () => {
    expect(nextRetry(new PlatformCallError("PLATFORM_ERROR", "bad gateway", { transient: true }), 1)).toEqual({ deadLetter: false, delayMs: 5000 });
    expect(nextRetry(new ModelError("MODEL_ERROR", "overloaded", true, { retryAfterMs: 30_000 }), 1)).toEqual({ deadLetter: false, delayMs: 30_000 });
    expect(nextRetry(new Error("socket hang up"), 1)).toEqual({ deadLetter: false, delayMs: 5000 });
  });

  test("a job asked back later (busy, or a long rate limit) returns when asked, whatever the attempt", () => {
    expect(nextRetry(new RetryLaterError("busy", 1234, true), 9)).toEqual({ deadLetter: false, delayMs: 1234 });
  });

  test("a custom policy sets the attempts and the backoff", () => {
    expect(nextRetry(new Error("x"), 2, { maxAttempts: 2, backoffMs: () => 1 })).toEqual({ deadLetter: true });
    expect(nextRetry(new Error("x"), 1, { maxAttempts: 2, backoffMs: () => 1 })).toEqual({ deadLetter: false, delayMs: 1 });
  });
});
