import { describe, expect, test } from "vitest";
import type { Store } from "@patchbay/core";

const T0 = Date.parse("2026-03-01T12:00:00.000Z");
const MINUTE = 60_000;
const SESSION = { sessionId: "session-a", sequence: 41, resumeUrl: "wss://gateway-resume.discord.example/", savedAt: T0 };

/** Gateway leases: one listener instance at a time holds an integration's connection (part of the Store contract). */
export function describeGatewayLeaseContract(makeStore: () => Promise<Store>) {
  describe("gateway leases", () => {
    /** A holder alive for a minute from `now`, gone within fifteen. */
    const alive = (store: Store, holder: string, now: number) => store.renewGatewayHolder(holder, now + MINUTE, T0 + 15 * MINUTE);

    test("a free lease is taken; while its holder is alive, another is told who holds it, until when and when it ends", async () => {
      const store = await makeStore();
      await alive(store, "listener-1", T0);
      expect(await store.takeGatewayLease("int_a", "listener-1", T0)).toEqual({ taken: true, resume: null });
      await alive(store, "listener-2", T0 + 1000);
      expect(await store.takeGatewayLease("int_a", "listener-2", T0 + 1000)).toEqual({
        taken: false,
        lease: { holder: "listener-1", until: T0 + MINUTE, endsBy: T0 + 15 * MINUTE },
      });
      // Leases are per integration.
      expect(await store.takeGatewayLease("int_b", "listener-2", T0 + 1000)).toEqual({ taken: true, resume: null });
    });

    test("one renewal of the holder keeps every lease it holds; once it stops renewing (a crash), they are taken when its time is up", async () => {
      const store = await makeStore();
      await alive(store, "listener-1", T0);
      await store.takeGatewayLease("int_a", "listener-1", T0);
      await store.takeGatewayLease("int_b", "listener-1", T0);
      expect(await store.takeGatewayLease("int_a", "listener-1", T0 + 1000)).toEqual({ taken: true, resume: null });
      await alive(store, "listener-1", T0 + 30_000);
      await alive(store, "listener-2", T0 + MINUTE);
      for (const id of ["int_a", "int_b"]) {
        expect(await store.takeGatewayLease(id, "listener-2", T0 + MINUTE)).toEqual({ taken: false, lease: { holder: "listener-1", until: T0 + 90_000, endsBy: T0 + 15 * MINUTE } });
      }
      // listener-1 renews no more; listener-2 goes on.
      await alive(store, "listener-2", T0 + 90_000);
      expect(await store.takeGatewayLease("int_a", "listener-2", T0 + 90_000)).toEqual({ taken: true, resume: null });
      expect(await store.takeGatewayLease("int_b", "listener-2", T0 + 90_000)).toEqual({ taken: true, resume: null });
      // Back, the old holder no longer holds them: it can neither save nor release.
      await alive(store, "listener-1", T0 + 2 * MINUTE);
      expect(await store.takeGatewayLease("int_a", "listener-1", T0 + 2 * MINUTE)).toEqual({ taken: false, lease: { holder: "listener-2", until: T0 + 150_000, endsBy: T0 + 15 * MINUTE } });
      expect(await store.saveGatewayResume("int_a", "listener-1", SESSION)).toBe(false);
      expect(await store.releaseGatewayLease("int_a", "listener-1", SESSION)).toBe(false);
    });

    test("the session saved as the holder goes is what a crashed holder's successor gets; a holder that lost the lease saves nothing", async () => {
      const store = await makeStore();
      await alive(store, "listener-1", T0);
      await store.takeGatewayLease("int_a", "listener-1", T0);
      expect(await store.saveGatewayResume("int_a", "listener-1", SESSION)).toBe(true);
      const later = { ...SESSION, sequence: 57, savedAt: T0 + 10_000 };
      expect(await store.saveGatewayResume("int_a", "listener-1", later)).toBe(true);
      await alive(store, "listener-2", T0 + MINUTE);
      expect(await store.takeGatewayLease("int_a", "listener-2", T0 + MINUTE)).toEqual({ taken: true, resume: later });
      expect(await store.saveGatewayResume("int_a", "listener-1", { ...SESSION, sequence: 99 })).toBe(false);
      await alive(store, "listener-3", T0 + 2 * MINUTE);
      expect(await store.takeGatewayLease("int_a", "listener-3", T0 + 2 * MINUTE)).toEqual({ taken: true, resume: later });
      // Nor is a session saved for a lease handed over, or never taken.
      expect(await store.releaseGatewayLease("int_a", "listener-3", null)).toBe(true);
      expect(await store.saveGatewayResume("int_a", "listener-3", SESSION)).toBe(false);
      expect(await store.saveGatewayResume("int_unknown", "listener-1", SESSION)).toBe(false);
      expect(await store.heldGatewayLeases()).toEqual([]);
    });

    test("a release hands the session over at once; the next holder gets it, and a release without one clears it", async () => {
      const store = await makeStore();
      await alive(store, "listener-1", T0);
      await store.takeGatewayLease("int_a", "listener-1", T0);
      expect(await store.releaseGatewayLease("int_a", "listener-1", SESSION)).toBe(true);
      await alive(store, "listener-2", T0 + 1000);
      expect(await store.takeGatewayLease("int_a", "listener-2", T0 + 1000)).toEqual({ taken: true, resume: SESSION });
      expect(await store.releaseGatewayLease("int_a", "listener-2", null)).toBe(true);
      await alive(store, "listener-3", T0 + 2000);
      expect(await store.takeGatewayLease("int_a", "listener-3", T0 + 2000)).toEqual({ taken: true, resume: null });
    });

    test("the held leases are read in one go with their holder's time, run out or not; handed-over ones are free and not listed", async () => {
      const store = await makeStore();
      expect(await store.heldGatewayLeases()).toEqual([]);
      await alive(store, "listener-1", T0);
      await store.renewGatewayHolder("listener-2", T0 + 1000, T0 + MINUTE);
      await store.takeGatewayLease("int_a", "listener-1", T0);
      await store.takeGatewayLease("int_b", "listener-2", T0);
      await store.takeGatewayLease("int_c", "listener-1", T0);
      await store.takeGatewayLease("int_d", "listener-1", T0);
      await store.releaseGatewayLease("int_c", "listener-1", SESSION);
      const held = await store.heldGatewayLeases();
      expect(held.sort((x, y) => x.integrationId.localeCompare(y.integrationId))).toEqual([
        { integrationId: "int_a", holder: "listener-1", until: T0 + MINUTE, endsBy: T0 + 15 * MINUTE },
        { integrationId: "int_b", holder: "listener-2", until: T0 + 1000, endsBy: T0 + MINUTE },
        { integrationId: "int_d", holder: "listener-1", until: T0 + MINUTE, endsBy: T0 + 15 * MINUTE },
      ]);
    });

    test("a lease taken by a holder that never renewed itself is free to take", async () => {
      const store = await makeStore();
      expect(await store.takeGatewayLease("int_a", "listener-1", T0)).toEqual({ taken: true, resume: null });
      expect(await store.heldGatewayLeases()).toEqual([{ integrationId: "int_a", holder: "listener-1", until: 0, endsBy: 0 }]);
      await alive(store, "listener-2", T0);
      expect(await store.takeGatewayLease("int_a", "listener-2", T0)).toEqual({ taken: true, resume: null });
    });

    test("an unknown lease cannot be released", async () => {
      const store = await makeStore();
      expect(await store.releaseGatewayLease("int_unknown", "listener-1", SESSION)).toBe(false);
    });

    test("deleting the integration deletes its lease", async () => {
      const store = await makeStore();
      await alive(store, "listener-1", T0);
      await store.takeGatewayLease("int_a", "listener-1", T0);
      await store.saveGatewayResume("int_a", "listener-1", SESSION);
      await store.deleteIntegration("int_a");
      await alive(store, "listener-2", T0 + 1000);
      expect(await store.takeGatewayLease("int_a", "listener-2", T0 + 1000)).toEqual({ taken: true, resume: null });
    });
  });
}
