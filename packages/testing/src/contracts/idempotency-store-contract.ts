import { describe, expect, test } from "vitest";
import type { IdempotencyClaimRequest, IdempotencyStore } from "@patchbay/core";

const T0 = Date.parse("2026-03-01T12:00:00.000Z");
const LEASE_MS = 60_000;
const DAY_MS = 24 * 60 * 60 * 1000;

function request(overrides: Partial<IdempotencyClaimRequest> = {}, now = T0): IdempotencyClaimRequest {
  return { owner: "alice", key: "key-1", fingerprint: "fp-1", token: "tok-1", leaseUntil: now + LEASE_MS, expiresAt: now + DAY_MS, ...overrides };
}

const created = { status: 201, body: '{"id":"rp_1"}' };

/** What every IdempotencyStore must do; each test on an empty store. */
export function describeIdempotencyStoreContract(name: string, makeStore: () => Promise<IdempotencyStore>) {
  describe(`IdempotencyStore contract: ${name}`, () => {
    test("the first claim takes the key; a second sees it in progress with the first request's fingerprint", async () => {
      const store = await makeStore();
      expect(await store.claim(request(), T0)).toEqual({ claimed: true });
      expect(await store.claim(request({ token: "tok-2", fingerprint: "fp-2" }), T0 + 1000)).toEqual({
        claimed: false,
        record: { state: "in_progress", fingerprint: "fp-1" },
      });
    });

    test("the holder's answer is kept and handed to every later claim until the key expires", async () => {
      const store = await makeStore();
      await store.claim(request(), T0);
      expect(await store.complete("alice", "key-1", "tok-1", created)).toBe(true);
      const later = await store.claim(request({ token: "tok-2" }), T0 + DAY_MS - 1000);
      expect(later).toEqual({ claimed: false, record: { state: "completed", fingerprint: "fp-1", response: created } });
      // Past the lease too: an answered key is not taken over.
      expect((await store.claim(request({ token: "tok-3" }), T0 + 2 * LEASE_MS)).claimed).toBe(false);
      expect(await store.claim(request({ token: "tok-4" }, T0 + DAY_MS + 1000), T0 + DAY_MS + 1000)).toEqual({ claimed: true });
    });

    test("only the holder completes or releases a claim", async () => {
      const store = await makeStore();
      await store.claim(request(), T0);
      expect(await store.complete("alice", "key-1", "tok-other", created)).toBe(false);
      await store.release("alice", "key-1", "tok-other");
      expect((await store.claim(request({ token: "tok-2" }), T0)).claimed).toBe(false);
      await store.release("alice", "key-1", "tok-1");
      expect(await store.claim(request({ token: "tok-2", fingerprint: "fp-2" }), T0)).toEqual({ claimed: true });
    });

    test("releasing an answered key changes nothing", async () => {
      const store = await makeStore();
      await store.claim(request(), T0);
      await store.complete("alice", "key-1", "tok-1", created);
      await store.release("alice", "key-1", "tok-1");
      expect(await store.claim(request({ token: "tok-2" }), T0)).toMatchObject({ claimed: false, record: { state: "completed" } });
    });

    test("keys are the owner's: another owner's same key is another key", async () => {
      const store = await makeStore();
      await store.claim(request(), T0);
      await store.complete("alice", "key-1", "tok-1", created);
      expect(await store.claim(request({ owner: "bob", token: "tok-b" }), T0)).toEqual({ claimed: true });
      expect(await store.claim(request({ owner: "alice#key-1", key: "x", token: "tok-c" }), T0)).toEqual({ claimed: true });
    });

    test("a claim whose lease ran out unanswered (a crashed request) is taken over, and its holder can no longer complete it", async () => {
      const store = await makeStore();
      await store.claim(request(), T0);
      const later = T0 + LEASE_MS + 1000;
      expect(await store.claim(request({ token: "tok-2" }, later), later)).toEqual({ claimed: true });
      expect(await store.complete("alice", "key-1", "tok-1", created)).toBe(false);
      expect(await store.complete("alice", "key-1", "tok-2", { status: 200, body: "{}" })).toBe(true);
      expect(await store.claim(request({ token: "tok-3" }, later), later)).toMatchObject({ record: { response: { status: 200, body: "{}" } } });
    });

    test("of many claims of one key at the same moment exactly one takes it", async () => {
      const store = await makeStore();
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claim(request({ token: `tok-${i}` }), T0)));
      expect(claims.filter((c) => c.claimed)).toHaveLength(1);
      expect(claims.filter((c) => !c.claimed)).toHaveLength(7);
    });

    test("keys are kept apart exactly as sent, punctuation included", async () => {
      const store = await makeStore();
      for (const key of ["a#b", "a", "A", "x:y/z", "a".repeat(255)]) {
        expect(await store.claim(request({ key, token: `t-${key}` }), T0)).toEqual({ claimed: true });
      }
    });
  });
}
