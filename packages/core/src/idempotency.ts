import { ConflictError, PatchbayError } from "./errors.ts";
import { randomString } from "./ids.ts";
import type { Clock, IdempotencyStore, RecordedResponse } from "./ports.ts";

/** How long an Idempotency-Key remembers the first request and its answer (design.md §3). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * How long an unanswered request holds its key before a retry may take it over. Longer than any request
 * runs (API Gateway gives up after 30 s, a model call after 45 s), so only a crashed request's claim lapses.
 */
export const IDEMPOTENCY_LEASE_MS = 60_000;

/** Run the request (then finish or abandon the claim with `token`), or replay the answer of the first. */
export type IdempotentStart = { kind: "run"; token: string } | { kind: "replay"; response: RecordedResponse };

export type IdempotencyService = ReturnType<typeof createIdempotencyService>;

/** Safe retries: one request per owner and key does the work, the same request again gets its answer. */
export function createIdempotencyService({ store, clock }: { store: IdempotencyStore; clock: Clock }) {
  return {
    /**
     * Claims `key` for a request whose route and body hash to `fingerprint`. Throws CONFLICT while the
     * first request with that key is still running and IDEMPOTENCY_KEY_REUSED when the key came with
     * another request.
     */
    async begin(owner: string, key: string, fingerprint: string): Promise<IdempotentStart> {
      const now = clock.now();
      const token = randomString(24);
      const claim = await store.claim({ owner, key, fingerprint, token, leaseUntil: now + IDEMPOTENCY_LEASE_MS, expiresAt: now + IDEMPOTENCY_TTL_MS }, now);
      if (claim.claimed) return { kind: "run", token };
      const { record } = claim;
      if (record.fingerprint !== fingerprint) {
        throw new PatchbayError(
          "IDEMPOTENCY_KEY_REUSED",
          "This Idempotency-Key came with a different request (another route or body) in the last 24 hours; send a new key for a new request.",
        );
      }
      if (record.state === "in_progress") {
        throw new ConflictError("A request with this Idempotency-Key is still in progress; retry once it has finished.");
      }
      return { kind: "replay", response: record.response };
    },

    /** Keeps the answer of the request that ran, for replays; false when its claim had lapsed. */
    finish: (owner: string, key: string, token: string, response: RecordedResponse) => store.complete(owner, key, token, response),

    /** Frees the key after an answer that asks to try again, so the retry runs afresh. */
    abandon: (owner: string, key: string, token: string) => store.release(owner, key, token),
  };
}
