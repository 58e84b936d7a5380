import { describe, expect, test } from "vitest";
import type { Store } from "@patchbay/core";

const T0 = Date.parse("2026-03-01T12:00:00.000Z");
const MINUTE = 60_000;
const SESSION = { sessionId: "session-a", sequence: 41, resumeUrl: "wss://gateway-resume.discord.example/" };

/** Gateway leases: one listener instance at a time holds an integration's connection (part of the Store contract). */
export function describeGatewayLeaseContract(makeStore: () => Promise<Store>) {
  describe("gateway leases", () => {
    test("a free lease is taken; while live, another holder is told who holds it and until when", async () => {
      const store = await makeStore();
      expect(await store.takeGatewayLease("int_a", "listener-1", T0, T0 + 14 * MINUTE)).toEqual({ taken: true, resume: null });
      expect(await store.takeGatewayLease("int_a", "listener-2", T0 + MINUTE, T0 + 15 * MINUTE)).toEqual({
        taken: false,
        lease: { holder: "listener-1", until: T0 + 14 * MINUTE },
      });
      // Leases are per integration.
      expect(await store.takeGatewayLease("int_b", "listener-2", T0 + MINUTE, T0 + 15 * MINUTE)).toEqual({ taken: true, resume: null });
    });

    test("its holder takes it again; a crashed holder's lease is taken once its time is up", async () => {
      const store = await makeStore();
      await store.takeGatewayLease("int_a", "listener-1", T0, T0 + 2 * MINUTE);
      expect(await store.takeGatewayLease("int_a", "listener-1", T0 + MINUTE, T0 + 3 * MINUTE)).toEqual({ taken: true, resume: null });
      expect((await store.takeGatewayLease("int_a", "listener-2", T0 + 2 * MINUTE, T0 + 10 * MINUTE)).taken).toBe(false);
      expect(await store.takeGatewayLease("int_a", "listener-2", T0 + 3 * MINUTE, T0 + 10 * MINUTE)).toEqual({ taken: true, resume: null });
      // The old holder, back, no longer holds it.
      expect(await store.takeGatewayLease("int_a", "listener-1", T0 + 4 * MINUTE, T0 + 6 * MINUTE)).toEqual({ taken: false, lease: { holder: "listener-2", until: T0 + 10 * MINUTE } });
      expect(await store.releaseGatewayLease("int_a", "listener-1", SESSION)).toBe(false);
    });

    test("a release hands the session over at once; the next holder gets it, and a release without one clears it", async () => {
      const store = await makeStore();
      await store.takeGatewayLease("int_a", "listener-1", T0, T0 + 14 * MINUTE);
      expect(await store.releaseGatewayLease("int_a", "listener-1", SESSION)).toBe(true);
      expect(await store.takeGatewayLease("int_a", "listener-2", T0 + MINUTE, T0 + 15 * MINUTE)).toEqual({ taken: true, resume: SESSION });
      expect(await store.releaseGatewayLease("int_a", "listener-2", null)).toBe(true);
      expect(await store.takeGatewayLease("int_a", "listener-3", T0 + 2 * MINUTE, T0 + 16 * MINUTE)).toEqual({ taken: true, resume: null });
    });

    test("the held leases are read in one go, past their time or not; handed-over ones are free and not listed", async () => {
      const store = await makeStore();
      expect(await store.heldGatewayLeases()).toEqual([]);
      await store.takeGatewayLease("int_a", "listener-1", T0, T0 + 14 * MINUTE);
      await store.takeGatewayLease("int_b", "listener-2", T0, T0 + MINUTE);
      await store.takeGatewayLease("int_c", "listener-1", T0, T0 + 14 * MINUTE);
      await store.releaseGatewayLease("int_c", "listener-1", SESSION);
      const held = await store.heldGatewayLeases();
      expect(held.sort((x, y) => x.integrationId.localeCompare(y.integrationId))).toEqual([
        { integrationId: "int_a", holder: "listener-1", until: T0 + 14 * MINUTE },
        { integrationId: "int_b", holder: "listener-2", until: T0 + MINUTE },
      ]);
    });

    test("an unknown lease cannot be released", async () => {
      const store = await makeStore();
      expect(await store.releaseGatewayLease("int_unknown", "listener-1", SESSION)).toBe(false);
    });

    test("deleting the integration deletes its lease", async () => {
      const store = await makeStore();
      await store.takeGatewayLease("int_a", "listener-1", T0, T0 + 14 * MINUTE);
      await store.deleteIntegration("int_a");
      expect(await store.takeGatewayLease("int_a", "listener-2", T0 + MINUTE, T0 + 15 * MINUTE)).toEqual({ taken: true, resume: null });
    });
  });
}
