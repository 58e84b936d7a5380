import { describe, expect, test } from "vitest";
import type { Store } from "@patchbay/core";

const T0 = Date.parse("2026-03-01T12:00:00.000Z");
const MINUTE = 60_000;
const SESSION = { sessionId: "session-a", sequence: 41, resumeUrl: "wss://gateway-resume.discord.example/", savedAt: T0 };
/** A lease of one minute out of a holder's fifteen. */
const term = (now: number) => ({ until: now + MINUTE, endsBy: now + 15 * MINUTE });

/** Gateway leases: one listener instance at a time holds an integration's connection (part of the Store contract). */
export function describeGatewayLeaseContract(makeStore: () => Promise<Store>) {
  describe("gateway leases", () => {
    test("a free lease is taken; while live, another holder is told who holds it, until when and when its holder ends", async () => {
      const store = await makeStore();
      expect(await store.takeGatewayLease("int_a", "listener-1", T0, term(T0))).toEqual({ taken: true, resume: null });
      expect(await store.takeGatewayLease("int_a", "listener-2", T0 + MINUTE / 2, term(T0 + MINUTE / 2))).toEqual({
        taken: false,
        lease: { holder: "listener-1", until: T0 + MINUTE, endsBy: T0 + 15 * MINUTE },
      });
      // Leases are per integration.
      expect(await store.takeGatewayLease("int_b", "listener-2", T0 + MINUTE / 2, term(T0 + MINUTE / 2))).toEqual({ taken: true, resume: null });
    });

    test("its holder takes it again; a crashed holder's lease is taken once its time is up", async () => {
      const store = await makeStore();
      await store.takeGatewayLease("int_a", "listener-1", T0, { until: T0 + 2 * MINUTE, endsBy: T0 + 15 * MINUTE });
      expect(await store.takeGatewayLease("int_a", "listener-1", T0 + MINUTE, term(T0 + MINUTE))).toEqual({ taken: true, resume: null });
      expect((await store.takeGatewayLease("int_a", "listener-2", T0 + MINUTE + 1, term(T0 + MINUTE + 1))).taken).toBe(false);
      expect(await store.takeGatewayLease("int_a", "listener-2", T0 + 2 * MINUTE, term(T0 + 2 * MINUTE))).toEqual({ taken: true, resume: null });
      // The old holder, back, no longer holds it.
      expect(await store.takeGatewayLease("int_a", "listener-1", T0 + 2 * MINUTE + 1, term(T0 + 2 * MINUTE + 1))).toEqual({
        taken: false,
        lease: { holder: "listener-2", until: T0 + 3 * MINUTE, endsBy: T0 + 17 * MINUTE },
      });
      expect(await store.releaseGatewayLease("int_a", "listener-1", SESSION)).toBe(false);
    });

    test("a renewal extends the lease and saves the session with it; a crashed holder's successor gets the last one saved", async () => {
      const store = await makeStore();
      await store.takeGatewayLease("int_a", "listener-1", T0, term(T0));
      expect(await store.renewGatewayLease("int_a", "listener-1", T0 + 2 * MINUTE, SESSION)).toBe(true);
      // Still live past the first minute: the renewal moved it.
      expect(await store.takeGatewayLease("int_a", "listener-2", T0 + 90_000, term(T0 + 90_000))).toEqual({
        taken: false,
        lease: { holder: "listener-1", until: T0 + 2 * MINUTE, endsBy: T0 + 15 * MINUTE },
      });
      // A renewal without a session keeps the one saved.
      expect(await store.renewGatewayLease("int_a", "listener-1", T0 + 3 * MINUTE)).toBe(true);
      // listener-1 crashes: nothing renews it any more, and once it runs out the next holder RESUMEs what was saved.
      expect(await store.takeGatewayLease("int_a", "listener-2", T0 + 3 * MINUTE, term(T0 + 3 * MINUTE))).toEqual({ taken: true, resume: SESSION });
    });

    test("a renewal by a holder whose lease was taken fails and writes nothing", async () => {
      const store = await makeStore();
      await store.takeGatewayLease("int_a", "listener-1", T0, term(T0));
      await store.renewGatewayLease("int_a", "listener-1", T0 + MINUTE, SESSION);
      // listener-1 was too slow to renew; listener-2 took the lease and saves its own progress.
      await store.takeGatewayLease("int_a", "listener-2", T0 + MINUTE, term(T0 + MINUTE));
      const later = { ...SESSION, sequence: 57, savedAt: T0 + MINUTE + 10_000 };
      expect(await store.renewGatewayLease("int_a", "listener-2", T0 + 2 * MINUTE, later)).toBe(true);
      expect(await store.renewGatewayLease("int_a", "listener-1", T0 + 5 * MINUTE, { ...SESSION, sequence: 99 })).toBe(false);
      expect(await store.heldGatewayLeases()).toEqual([{ integrationId: "int_a", holder: "listener-2", until: T0 + 2 * MINUTE, endsBy: T0 + 16 * MINUTE }]);
      expect(await store.takeGatewayLease("int_a", "listener-3", T0 + 2 * MINUTE, term(T0 + 2 * MINUTE))).toEqual({ taken: true, resume: later });
      // Nor can a lease that was handed over (or never taken) be renewed.
      expect(await store.releaseGatewayLease("int_a", "listener-3", null)).toBe(true);
      expect(await store.renewGatewayLease("int_a", "listener-3", T0 + 3 * MINUTE)).toBe(false);
      expect(await store.renewGatewayLease("int_unknown", "listener-1", T0 + 3 * MINUTE)).toBe(false);
      expect(await store.heldGatewayLeases()).toEqual([]);
    });

    test("a release hands the session over at once; the next holder gets it, and a release without one clears it", async () => {
      const store = await makeStore();
      await store.takeGatewayLease("int_a", "listener-1", T0, term(T0));
      expect(await store.releaseGatewayLease("int_a", "listener-1", SESSION)).toBe(true);
      expect(await store.takeGatewayLease("int_a", "listener-2", T0 + 1000, term(T0 + 1000))).toEqual({ taken: true, resume: SESSION });
      expect(await store.releaseGatewayLease("int_a", "listener-2", null)).toBe(true);
      expect(await store.takeGatewayLease("int_a", "listener-3", T0 + 2000, term(T0 + 2000))).toEqual({ taken: true, resume: null });
    });

    test("the held leases are read in one go, past their time or not; handed-over ones are free and not listed", async () => {
      const store = await makeStore();
      expect(await store.heldGatewayLeases()).toEqual([]);
      await store.takeGatewayLease("int_a", "listener-1", T0, term(T0));
      await store.takeGatewayLease("int_b", "listener-2", T0, { until: T0 + 1000, endsBy: T0 + MINUTE });
      await store.takeGatewayLease("int_c", "listener-1", T0, term(T0));
      await store.releaseGatewayLease("int_c", "listener-1", SESSION);
      const held = await store.heldGatewayLeases();
      expect(held.sort((x, y) => x.integrationId.localeCompare(y.integrationId))).toEqual([
        { integrationId: "int_a", holder: "listener-1", until: T0 + MINUTE, endsBy: T0 + 15 * MINUTE },
        { integrationId: "int_b", holder: "listener-2", until: T0 + 1000, endsBy: T0 + MINUTE },
      ]);
    });

    test("an unknown lease cannot be released", async () => {
      const store = await makeStore();
      expect(await store.releaseGatewayLease("int_unknown", "listener-1", SESSION)).toBe(false);
    });

    test("deleting the integration deletes its lease", async () => {
      const store = await makeStore();
      await store.takeGatewayLease("int_a", "listener-1", T0, term(T0));
      await store.deleteIntegration("int_a");
      expect(await store.takeGatewayLease("int_a", "listener-2", T0 + 1000, term(T0 + 1000))).toEqual({ taken: true, resume: null });
    });
  });
}
