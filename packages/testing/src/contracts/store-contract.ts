import { describe, expect, test } from "vitest";
import { LeaseLostError, deliveryRef } from "@patchbay/core";
import type { Integration, LeasedRef, Replica, ReplyJob, Store } from "@patchbay/core";
import { describeGatewayLeaseContract } from "./gateway-lease-contract.ts";
import { sampleJob } from "./queue-contract.ts";

const T0 = Date.parse("2026-03-01T12:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const DAY_MS = 24 * 60 * 60 * 1000;

export function sampleReplica(owner: string, id: string, createdAt = iso(T0)): Replica {
  return { id, owner, name: `Replica ${id}`, instructions: "Be kind.", model: "echo", greeting: null, stream: true, temperature: null, maxOutputTokens: null, createdAt, updatedAt: createdAt };
}

export function sampleIntegration(owner: string, id: string, overrides: Partial<Integration> = {}): Integration {
  const at = overrides.createdAt ?? iso(T0);
  return {
    id,
    owner,
    platform: "telegram",
    replicaId: "rp_one",
    name: "bot",
    active: true,
    registration: "ok",
    bot: { id: `bot-${id}`, username: `bot_${id}` },
    channelIds: [],
    channels: [],
    guildId: null,
    guildName: null,
    workspaceId: null,
    workspaceName: null,
    mention: "@bot",
    scope: "mentions",
    threadAutoCreate: false,
    welcomeMessage: null,
    delivery: "webhook",
    tokenLast4: "wxyz",
    messageCount: 0,
    connectedAt: at,
    lastMessageAt: null,
    lastError: null,
    validatedAt: at,
    createdAt: at,
    updatedAt: at,
    revision: 0,
    ...overrides,
  };
}

/** What every Store must do; run by each implementation's tests, each test on an empty store. */
export function describeStoreContract(name: string, makeStore: () => Promise<Store>) {
  describe(`Store contract: ${name}`, () => {
    describe("replicas", () => {
      test("create, get and list are scoped to the owner", async () => {
        const store = await makeStore();
        await store.createReplica(sampleReplica("alice", "rp_a"));
        await store.createReplica(sampleReplica("bob", "rp_b"));
        expect(await store.getReplica("alice", "rp_a")).toEqual(sampleReplica("alice", "rp_a"));
        expect(await store.getReplica("bob", "rp_a")).toBeUndefined();
        expect((await store.listReplicas("alice", { limit: 10 })).items.map((r) => r.id)).toEqual(["rp_a"]);
      });

      test("list pages oldest first with a cursor and counts the owner's total", async () => {
        const store = await makeStore();
        for (let i = 0; i < 5; i++) await store.createReplica(sampleReplica("alice", `rp_${i}`, iso(T0 + i * 1000)));
        await store.createReplica(sampleReplica("bob", "rp_bob"));
        const first = await store.listReplicas("alice", { limit: 2 });
        expect({ ids: first.items.map((r) => r.id), total: first.total }).toEqual({ ids: ["rp_0", "rp_1"], total: 5 });
        const second = await store.listReplicas("alice", { limit: 2, cursor: first.nextCursor! });
        expect(second.items.map((r) => r.id)).toEqual(["rp_2", "rp_3"]);
        const third = await store.listReplicas("alice", { limit: 2, cursor: second.nextCursor! });
        expect({ ids: third.items.map((r) => r.id), next: third.nextCursor }).toEqual({ ids: ["rp_4"], next: null });
        // Another owner's cursor does not open alice's list, nor alice's bob's.
        await expect(store.listReplicas("bob", { limit: 2, cursor: first.nextCursor! })).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
        expect(await store.listReplicas("carol", { limit: 2 })).toEqual({ items: [], total: 0, nextCursor: null });
      });

      test("creating an existing id fails", async () => {
        const store = await makeStore();
        await store.createReplica(sampleReplica("alice", "rp_a"));
        await expect(store.createReplica(sampleReplica("alice", "rp_a"))).rejects.toThrow();
      });

      test("save and delete only touch the owner's existing replica", async () => {
        const store = await makeStore();
        await store.createReplica(sampleReplica("alice", "rp_a"));
        expect(await store.saveReplica({ ...sampleReplica("bob", "rp_a"), name: "stolen" })).toBe(false);
        expect(await store.saveReplica({ ...sampleReplica("alice", "rp_x") })).toBe(false);
        expect(await store.saveReplica({ ...sampleReplica("alice", "rp_a"), name: "renamed" })).toBe(true);
        expect((await store.getReplica("alice", "rp_a"))?.name).toBe("renamed");
        expect(await store.deleteReplica("bob", "rp_a")).toBe(false);
        expect(await store.deleteReplica("alice", "rp_a")).toBe(true);
        expect(await store.getReplica("alice", "rp_a")).toBeUndefined();
        expect(await store.deleteReplica("alice", "rp_a")).toBe(false);
      });

      test("a replica with an attached integration cannot be deleted; attaching to a deleted one fails", async () => {
        const store = await makeStore();
        await store.createReplica(sampleReplica("alice", "rp_a"));
        await store.createReplica(sampleReplica("alice", "rp_b"));
        expect(await store.attachReplica("bob", "rp_a", "int_1", iso(T0))).toBe(false);
        expect(await store.attachReplica("alice", "rp_a", "int_1", iso(T0))).toBe(true);
        await store.createIntegration(sampleIntegration("alice", "int_1", { replicaId: "rp_a" }));
        await expect(store.deleteReplica("alice", "rp_a")).rejects.toMatchObject({ code: "CONFLICT", details: { integration_ids: ["int_1"] } });
        expect(await store.getReplica("alice", "rp_a")).toBeDefined();
        // Whichever comes first wins: a deleted replica takes no attachment.
        expect(await store.deleteReplica("alice", "rp_b")).toBe(true);
        expect(await store.attachReplica("alice", "rp_b", "int_1", iso(T0))).toBe(false);
        await store.detachReplica("rp_a", "int_1");
        await store.detachReplica("rp_a", "int_1");
        expect(await store.deleteReplica("alice", "rp_a")).toBe(true);
      });

      test("saving a replica keeps its attachments; getReplica does not show them", async () => {
        const store = await makeStore();
        await store.createReplica(sampleReplica("alice", "rp_a"));
        // Just attached (a create in progress): it holds the replica even without an integration record yet.
        expect(await store.attachReplica("alice", "rp_a", "int_1", iso(Date.now()))).toBe(true);
        expect(await store.saveReplica({ ...sampleReplica("alice", "rp_a"), name: "renamed" })).toBe(true);
        expect(await store.getReplica("alice", "rp_a")).toEqual({ ...sampleReplica("alice", "rp_a"), name: "renamed" });
        await expect(store.deleteReplica("alice", "rp_a")).rejects.toMatchObject({ code: "CONFLICT" });
      });

      test("an attachment no integration stands behind is dropped on delete once old, or at once when retired", async () => {
        const store = await makeStore();
        await store.createReplica(sampleReplica("alice", "rp_a"));
        // A create that crashed after attaching, long ago; a re-point in progress, just now.
        expect(await store.attachReplica("alice", "rp_a", "int_crashed", iso(Date.now() - 10 * 60_000))).toBe(true);
        expect(await store.attachReplica("alice", "rp_a", "int_moving", iso(Date.now()))).toBe(true);
        await store.createIntegration(sampleIntegration("alice", "int_moving", { replicaId: "rp_other" }));
        await expect(store.deleteReplica("alice", "rp_a")).rejects.toMatchObject({ details: { integration_ids: ["int_moving"] } });
        expect(await store.retireIntegration("int_moving", iso(T0))).toBeDefined();
        expect(await store.deleteReplica("alice", "rp_a")).toBe(true);
      });
    });

    describe("integrations", () => {
      test("a bot can be claimed once; only the holder releases it", async () => {
        const store = await makeStore();
        expect(await store.claimBot("telegram", "42", "int_1", iso(T0))).toEqual({ claimed: true });
        expect(await store.claimBot("telegram", "42", "int_2", iso(T0 + 1))).toEqual({ claimed: false, holder: "int_1", claimedAt: iso(T0) });
        expect(await store.claimBot("slack", "42", "int_3", iso(T0))).toEqual({ claimed: true });
        await store.releaseBot("telegram", "42", "int_2");
        expect(await store.claimBot("telegram", "42", "int_2", iso(T0 + 2))).toEqual({ claimed: false, holder: "int_1", claimedAt: iso(T0) });
        await store.releaseBot("telegram", "42", "int_1");
        expect(await store.claimBot("telegram", "42", "int_2", iso(T0 + 3))).toEqual({ claimed: true });
      });

      test("list filters by platform and replica, pages with a cursor and counts the total", async () => {
        const store = await makeStore();
        for (let i = 0; i < 5; i++) {
          await store.createIntegration(
            sampleIntegration("alice", `int_${i}`, { createdAt: iso(T0 + i), replicaId: i % 2 ? "rp_odd" : "rp_even" }),
          );
        }
        await store.createIntegration(sampleIntegration("bob", "int_bob"));
        const first = await store.listIntegrations("alice", {}, { limit: 2 });
        expect(first.items.map((i) => i.id)).toEqual(["int_0", "int_1"]);
        expect(first.total).toBe(5);
        const second = await store.listIntegrations("alice", {}, { limit: 2, cursor: first.nextCursor! });
        expect(second.items.map((i) => i.id)).toEqual(["int_2", "int_3"]);
        const third = await store.listIntegrations("alice", {}, { limit: 2, cursor: second.nextCursor! });
        expect(third.items.map((i) => i.id)).toEqual(["int_4"]);
        expect(third.nextCursor).toBeNull();

        const even = await store.listIntegrations("alice", { replicaId: "rp_even" }, { limit: 2 });
        expect(even.items.map((i) => i.id)).toEqual(["int_0", "int_2"]);
        expect(even.total).toBe(3);
        const evenRest = await store.listIntegrations("alice", { replicaId: "rp_even" }, { limit: 2, cursor: even.nextCursor! });
        expect(evenRest.items.map((i) => i.id)).toEqual(["int_4"]);
        expect((await store.listIntegrations("alice", { platform: "slack" }, { limit: 10 })).total).toBe(0);
      });

      test("a cursor that is not ours is a validation error", async () => {
        const store = await makeStore();
        await expect(store.listIntegrations("alice", {}, { limit: 2, cursor: "not-a-cursor" })).rejects.toMatchObject({
          code: "VALIDATION_ERROR",
        });
      });

      test("save keeps counters the responder updates concurrently", async () => {
        const store = await makeStore();
        await store.createIntegration(sampleIntegration("alice", "int_1"));
        await store.recordReply("int_1", iso(T0 + 5));
        await store.recordReply("int_1", iso(T0 + 6));
        const stale = sampleIntegration("alice", "int_1", { name: "renamed", delivery: "polling" });
        expect(await store.saveIntegration(stale)).toBe("saved");
        const saved = await store.getIntegration("int_1");
        expect(saved).toMatchObject({ name: "renamed", delivery: "polling", messageCount: 2, lastMessageAt: iso(T0 + 6), revision: 1 });
        expect(await store.saveIntegration(sampleIntegration("alice", "int_missing"))).toBe("missing");
      });

      test("a save is conditional on the revision read: a write in between is a conflict, nothing is overwritten", async () => {
        const store = await makeStore();
        await store.createIntegration(sampleIntegration("alice", "int_1"));
        const readByRotation = (await store.getIntegration("int_1"))!;
        const readByPatch = (await store.getIntegration("int_1"))!;
        expect(await store.saveIntegration({ ...readByPatch, active: false })).toBe("saved");
        expect(await store.saveIntegration({ ...readByRotation, tokenLast4: "new4" })).toBe("conflict");
        expect(await store.getIntegration("int_1")).toMatchObject({ active: false, tokenLast4: "wxyz", revision: 1 });
        // Field-level writes move the revision too, so a copy read before them cannot be written back.
        const beforeRegistration = (await store.getIntegration("int_1"))!;
        expect(await store.setRegistration("int_1", "error", { code: "PLATFORM_ERROR", message: "gone", at: iso(T0) }, iso(T0 + 1))).toBe(true);
        expect(await store.saveIntegration({ ...beforeRegistration, name: "x" })).toBe("conflict");
        const fresh = (await store.getIntegration("int_1"))!;
        expect(fresh).toMatchObject({ registration: "error", revision: 2 });
        expect(await store.saveIntegration({ ...fresh, name: "x" })).toBe("saved");
      });

      test("a retired integration is gone for lookups, lists and writes, but still scanned until deleted", async () => {
        const store = await makeStore();
        await store.createIntegration(sampleIntegration("alice", "int_1", { replicaId: "rp_a" }));
        const read = (await store.getIntegration("int_1"))!;
        expect(await store.retireIntegration("int_1", iso(T0 + 1))).toMatchObject({ id: "int_1", replicaId: "rp_a" });
        expect(await store.retireIntegration("int_1", iso(T0 + 2))).toBeUndefined();
        expect(await store.getIntegration("int_1")).toBeUndefined();
        expect(await store.listIntegrations("alice", {}, { limit: 10 })).toEqual({ items: [], total: 0, nextCursor: null });
        expect(await store.saveIntegration(read)).toBe("missing");
        expect(await store.setRegistration("int_1", "ok", null, iso(T0 + 3))).toBe(false);
        expect((await store.scanIntegrations({ limit: 10 })).items.map((i) => i.id)).toEqual(["int_1"]);
        await store.deleteIntegration("int_1");
        expect((await store.scanIntegrations({ limit: 10 })).items).toEqual([]);
        expect(await store.setRegistration("int_1", "ok", null, iso(T0 + 4))).toBe(false);
        expect(await store.retireIntegration("int_missing", iso(T0))).toBeUndefined();
      });

      test("a cursor made up from a real-looking key, or from another owner's list, is a validation error on cursor", async () => {
        const store = await makeStore();
        for (let i = 0; i < 3; i++) await store.createIntegration(sampleIntegration("alice", `int_${i}`, { createdAt: iso(T0 + i) }));
        await store.createIntegration(sampleIntegration("bob", "int_bob"));
        const forge = (key: unknown) => Buffer.from(JSON.stringify(key)).toString("base64url");
        const real = (await store.listIntegrations("alice", {}, { limit: 1 })).nextCursor!;
        const realKey = JSON.parse(Buffer.from(real, "base64url").toString("utf8"));
        const bobs = (await store.listIntegrations("bob", {}, { limit: 1 })).items[0]!;
        const forged = [
          forge({ pk: "x" }),
          forge({ ...realKey, pk: 42 }),
          forge({ ...realKey, extra: "x" }),
          forge([1, 2]),
          forge({ ...realKey, gsi1pk: "OWNER#bob#INT", gsi1sk: `${bobs.createdAt}#${bobs.id}`, pk: `INT#${bobs.id}` }),
        ];
        for (const cursor of forged) {
          await expect(store.listIntegrations("alice", {}, { limit: 1, cursor })).rejects.toMatchObject({
            code: "VALIDATION_ERROR",
            details: { fields: [{ field: "cursor", message: expect.any(String) }] },
          });
        }
        await expect(store.listEvents("int_0", { limit: 1, cursor: forge({ pk: "DLV#int_other", sk: "x" }) }, T0)).rejects.toMatchObject({
          code: "VALIDATION_ERROR",
        });
        await expect(store.scanIntegrations({ limit: 1, cursor: forge({ pk: "a", sk: "b" }) })).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
        expect((await store.listIntegrations("alice", {}, { limit: 1, cursor: real })).items.map((i) => i.id)).toEqual(["int_1"]);
      });

      test("deleting an integration removes its messages' texts and answers at once", async () => {
        const store = await makeStore();
        await store.createIntegration(sampleIntegration("alice", "int_contract"));
        const job = sampleJob("u1", "chat-1");
        const claim = await store.claimDelivery(job, T0, 60_000);
        await store.recordPartSent({ ...deliveryRef(job.integrationId, job.message), lease: (claim as { lease: string }).lease }, "m1", { latencyMs: 1, answer: "the answer" });
        await store.recordIgnored("int_contract", sampleJob("u2", "chat-1").message, "not_addressed", iso(T0));
        expect((await store.listEvents("int_contract", { limit: 10 }, T0)).items).toHaveLength(2);
        expect(await store.recentTurns("int_contract", "chat-1", 10, T0)).toHaveLength(2);
        await store.deleteIntegration("int_contract");
        expect((await store.listEvents("int_contract", { limit: 10 }, T0)).items).toEqual([]);
        expect(await store.recentTurns("int_contract", "chat-1", 10, T0)).toEqual([]);
      });

      test("registration state and last error are set without touching settings", async () => {
        const store = await makeStore();
        await store.createIntegration(sampleIntegration("alice", "int_1", { name: "keep" }));
        const lastError = { code: "NETWORK_ERROR", message: "down", at: iso(T0) };
        await store.setRegistration("int_1", "pending", lastError, iso(T0 + 1));
        expect(await store.getIntegration("int_1")).toMatchObject({ name: "keep", registration: "pending", lastError });
      });

      test("seen channels are listed most recent first and go with the integration", async () => {
        const store = await makeStore();
        await store.createIntegration(sampleIntegration("alice", "int_1"));
        await store.rememberChannel("int_1", { id: "-1", name: "Old", isPrivate: true, lastSeenAt: iso(T0) });
        await store.rememberChannel("int_1", { id: "-2", name: "New", isPrivate: false, lastSeenAt: iso(T0 + 1) });
        expect((await store.seenChannels("int_1")).map((c) => c.name)).toEqual(["New", "Old"]);
        await store.deleteIntegration("int_1");
        expect(await store.getIntegration("int_1")).toBeUndefined();
        expect(await store.seenChannels("int_1")).toEqual([]);
      });

      test("the reconciler's place in its walk is kept between runs, and cleared for a fresh walk", async () => {
        const store = await makeStore();
        expect(await store.reconcilerCursor()).toBeNull();
        await store.createIntegration(sampleIntegration("alice", "int_1"));
        await store.createIntegration(sampleIntegration("bob", "int_2", { createdAt: iso(T0 + 1) }));
        const first = await store.scanIntegrations({ limit: 1 });
        await store.saveReconcilerCursor(first.nextCursor);
        const kept = await store.reconcilerCursor();
        expect(kept).toBe(first.nextCursor);
        expect((await store.scanIntegrations({ limit: 1, cursor: kept! })).items.map((i) => i.id)).toEqual(["int_2"]);
        // The kept place is no integration: scans never list it.
        expect((await store.scanIntegrations({ limit: 10 })).items.map((i) => i.id)).toEqual(["int_1", "int_2"]);
        await store.saveReconcilerCursor(null);
        expect(await store.reconcilerCursor()).toBeNull();
      });

      test("scan lists every owner's integrations", async () => {
        const store = await makeStore();
        await store.createIntegration(sampleIntegration("alice", "int_1"));
        await store.createIntegration(sampleIntegration("bob", "int_2", { createdAt: iso(T0 + 1) }));
        expect((await store.scanIntegrations({ limit: 10 })).items.map((i) => i.id)).toEqual(["int_1", "int_2"]);
      });
    });

    describe("deliveries", () => {
      const LEASE = 60_000;
      /** A job whose message was sent (and received) at `at`. */
      const jobAt = (key: string, at: number, conversation = "chat-1") => {
        const job = sampleJob(key, conversation);
        return { ...job, receivedAt: iso(at), message: { ...job.message, sentAt: iso(at) } };
      };
      const ref = (job: ReplyJob) => deliveryRef(job.integrationId, job.message);
      /** Claims the job's message at `now`; the claim's record with its lease token (fails the test unless claimed). */
      const take = async (store: Store, job: ReplyJob, now: number): Promise<LeasedRef> => {
        const claim = await store.claimDelivery(job, now, LEASE);
        if (claim.state !== "claimed") throw new Error(`expected the message to be claimed, it is ${claim.state}`);
        return { ...ref(job), lease: claim.lease };
      };
      const claimed = (fields: { answer: string | null; partsSent: number; messageIds: string[]; attempt: number }) => ({
        state: "claimed",
        lease: expect.any(String),
        ...fields,
      });

      test("a message is claimed once; a leased one is busy; a finished one is done", async () => {
        const store = await makeStore();
        const job = jobAt("u1", T0);
        const claim = await store.claimDelivery(job, T0, LEASE);
        expect(claim).toEqual(claimed({ answer: null, partsSent: 0, messageIds: [], attempt: 1 }));
        expect(await store.claimDelivery(job, T0 + 1000, LEASE)).toMatchObject({ state: "busy" });
        await store.recordPartSent({ ...ref(job), lease: (claim as { lease: string }).lease }, "m1", { latencyMs: 1200, answer: "the answer" });
        expect(await store.claimDelivery(job, T0 + 2000, LEASE)).toEqual({ state: "done" });
      });

      test("after the lease runs out, another worker resumes with the saved answer and parts", async () => {
        const store = await makeStore();
        const job = jobAt("u1", T0);
        const first = await take(store, job, T0);
        await store.saveAnswer(first, "long answer");
        await store.recordPartSent(first, "m1", null);
        expect(await store.claimDelivery(job, T0 + LEASE + 1, LEASE)).toEqual(claimed({ answer: "long answer", partsSent: 1, messageIds: ["m1"], attempt: 2 }));
      });

      test("a renewed lease keeps the message busy past the original lease", async () => {
        const store = await makeStore();
        const job = jobAt("u1", T0);
        expect(await store.renewLease(await take(store, job, T0), T0 + 3 * LEASE)).toBe(true);
        expect(await store.claimDelivery(job, T0 + 2 * LEASE, LEASE)).toMatchObject({ state: "busy" });
        expect(await store.claimDelivery(job, T0 + 3 * LEASE + 1, LEASE)).toMatchObject({ state: "claimed" });
      });

      test("a lease is its claim's: once taken over, the old claim can neither renew, release, save nor record", async () => {
        const store = await makeStore();
        const job = jobAt("u1", T0);
        const stalled = await take(store, job, T0);
        // The first worker stalled past its lease; a second one took the message over.
        const current = await take(store, job, T0 + LEASE + 1);
        expect(await store.renewLease(stalled, T0 + 5 * LEASE)).toBe(false);
        await store.releaseDelivery(stalled);
        expect(await store.claimDelivery(job, T0 + LEASE + 2, LEASE)).toMatchObject({ state: "busy" });
        await expect(store.saveAnswer(stalled, "stale answer")).rejects.toBeInstanceOf(LeaseLostError);
        await expect(store.recordPartSent(stalled, "m-stale", null)).rejects.toBeInstanceOf(LeaseLostError);
        await expect(store.recordPartSent(stalled, "m-stale", { latencyMs: 1, answer: "stale answer" })).rejects.toBeInstanceOf(LeaseLostError);
        await expect(store.recordAnswered(stalled, { latencyMs: 1, answer: "stale answer" }, [])).rejects.toBeInstanceOf(LeaseLostError);
        await expect(store.recordImages(stalled, { received: 1, passed: 0, notPassed: [] })).rejects.toBeInstanceOf(LeaseLostError);
        // The stalled attempt failing for good marks nothing: the message is the holder's now.
        await store.recordFailure(stalled, { code: "NETWORK_ERROR", message: "down", at: iso(T0 + LEASE + 3) });
        expect(await store.claimDelivery(job, T0 + LEASE + 4, LEASE)).toMatchObject({ state: "busy" });
        // The holder's work is untouched and goes on.
        expect(await store.renewLease(current, T0 + 3 * LEASE)).toBe(true);
        await store.recordPartSent(current, "m1", { latencyMs: 5, answer: "the answer" });
        const [event] = (await store.listEvents("int_contract", { limit: 1 }, T0 + 10)).items;
        expect(event).toMatchObject({ type: "replied", messageIds: ["m1"] });
        expect(await store.recentTurns("int_contract", "chat-1", 10, T0 + 10)).toEqual([
          { role: "user", content: "hello u1", name: "Ada" },
          { role: "assistant", content: "the answer" },
        ]);
      });

      test("attempts are counted per claim of the message, not per delivery: busy and done are no attempt, a redrive starts over", async () => {
        const store = await makeStore();
        const job = jobAt("u1", T0);
        expect(await store.claimDelivery(job, T0, LEASE)).toMatchObject({ state: "claimed", attempt: 1 });
        expect(await store.claimDelivery(job, T0 + 1, LEASE)).toMatchObject({ state: "busy" });
        const second = await store.claimDelivery(job, T0 + LEASE + 1, LEASE);
        expect(second).toMatchObject({ state: "claimed", attempt: 2 });
        await store.releaseDelivery({ ...ref(job), lease: (second as { lease: string }).lease });
        expect(await store.claimDelivery(job, T0 + LEASE + 2, LEASE)).toMatchObject({ state: "claimed", attempt: 3 });
        await store.recordFailure(ref(job), { code: "NETWORK_ERROR", message: "down", at: iso(T0 + LEASE + 3) });
        expect(await store.claimDelivery(job, T0 + LEASE + 4, LEASE)).toMatchObject({ state: "claimed", attempt: 1 });
      });

      test("a released message can be claimed again at once, keeping its answer", async () => {
        const store = await makeStore();
        const job = jobAt("u1", T0);
        const first = await take(store, job, T0);
        await store.saveAnswer(first, "kept");
        await store.releaseDelivery(first);
        const again = await store.claimDelivery(job, T0 + 1, LEASE);
        expect(again).toEqual(claimed({ answer: "kept", partsSent: 0, messageIds: [], attempt: 2 }));
        const second = { ...ref(job), lease: (again as { lease: string }).lease };
        await store.recordPartSent(second, "m1", { latencyMs: 5, answer: "kept" });
        await store.releaseDelivery(second);
        expect(await store.claimDelivery(job, T0 + 2, LEASE)).toEqual({ state: "done" });
      });

      test("an ignored or failed message can still be claimed; ignoring never overwrites", async () => {
        const store = await makeStore();
        const job = jobAt("u1", T0);
        await store.recordIgnored(job.integrationId, job.message, "not_addressed", iso(T0));
        expect(await store.claimDelivery(job, T0 + 1, LEASE)).toMatchObject({ state: "claimed" });
        await store.recordIgnored(job.integrationId, job.message, "not_addressed", iso(T0 + 2));
        expect(await store.claimDelivery(job, T0 + 3, LEASE)).toMatchObject({ state: "busy" });
        await store.recordFailure(ref(job), { code: "NETWORK_ERROR", message: "down", at: iso(T0 + 4) });
        expect(await store.claimDelivery(job, T0 + 5, LEASE)).toMatchObject({ state: "claimed" });
      });

      test("a streamed answer keeps its posted parts across a takeover and is marked done once edited to its final text, with the messages that hold it", async () => {
        const store = await makeStore();
        const job = jobAt("u1", T0);
        const first = await take(store, job, T0);
        await store.recordPartSent(first, "m1", null);
        await store.recordPartSent(first, "m2", null);
        // The worker died mid-stream: the next one learns which messages to edit, and no answer was saved.
        const takeover = await store.claimDelivery(job, T0 + LEASE + 1, LEASE);
        expect(takeover).toEqual(claimed({ answer: null, partsSent: 2, messageIds: ["m1", "m2"], attempt: 2 }));
        const next = { ...ref(job), lease: (takeover as { lease: string }).lease };
        await store.saveAnswer(next, "the full answer");
        // The new answer fits in the first message; the second was removed.
        await store.recordAnswered(next, { latencyMs: 4000, answer: "the full answer" }, ["m1"]);
        expect(await store.claimDelivery(job, T0 + 2 * LEASE + 2, LEASE)).toEqual({ state: "done" });
        const [event] = (await store.listEvents("int_contract", { limit: 1 }, T0 + 10)).items;
        expect(event).toMatchObject({ id: "u1", type: "replied", latencyMs: 4000, messageIds: ["m1"] });
        expect(await store.recentTurns("int_contract", "chat-1", 10, T0 + 10)).toEqual([
          { role: "user", content: "hello u1", name: "Ada" },
          { role: "assistant", content: "the full answer" },
        ]);
      });

      test("a platform message is taken by one integration, by the platform's identity, and stays taken after it is deleted", async () => {
        const store = await makeStore();
        const identity = "telegram:7100001:u880001";
        expect(await store.claimPlatformMessage(identity, "int_first", T0)).toBeNull();
        // A redelivery to the same integration is its own business (the delivery record dedupes it).
        expect(await store.claimPlatformMessage(identity, "int_first", T0 + 1000)).toBeNull();
        await store.createIntegration(sampleIntegration("alice", "int_first"));
        await store.retireIntegration("int_first", iso(T0 + 2000));
        await store.deleteIntegration("int_first");
        expect(await store.claimPlatformMessage(identity, "int_second", T0 + 3000)).toBe("int_first");
        expect(await store.claimPlatformMessage("telegram:7100001:u880002", "int_second", T0 + 3000)).toBeNull();
        // Days later no platform redelivers it: the identity is free again.
        expect(await store.claimPlatformMessage(identity, "int_second", T0 + 30 * DAY_MS)).toBeNull();
      });

      test("events show each outcome, newest first, with latency, reason and error", async () => {
        const store = await makeStore();
        const replied = jobAt("u1", T0);
        const ignored = jobAt("u2", T0 + 1);
        const failed = jobAt("u3", T0 + 2);
        await store.recordPartSent(await take(store, replied, T0), "m1", { latencyMs: 900, answer: "hi" });
        await store.recordIgnored("int_contract", ignored.message, "channel_not_allowed", iso(T0 + 1));
        await store.claimDelivery(failed, T0 + 2, LEASE);
        await store.recordFailure(ref(failed), { code: "PLATFORM_ERROR", message: "nope", at: iso(T0 + 3) });
        await store.claimDelivery({ ...jobAt("x1", T0 + 5), integrationId: "int_other" }, T0 + 5, LEASE);
        const page = await store.listEvents("int_contract", { limit: 10 }, T0 + 10);
        expect(page.items).toEqual([
          expect.objectContaining({ id: "u3", type: "failed", error: { code: "PLATFORM_ERROR", message: "nope", at: iso(T0 + 3) } }),
          expect.objectContaining({ id: "u2", type: "ignored", reason: "channel_not_allowed" }),
          expect.objectContaining({ id: "u1", type: "replied", latencyMs: 900, messageIds: ["m1"], text: "hello u1" }),
        ]);
        const firstTwo = await store.listEvents("int_contract", { limit: 2 }, T0 + 10);
        const rest = await store.listEvents("int_contract", { limit: 2, cursor: firstTwo.nextCursor! }, T0 + 10);
        expect(rest.items.map((e) => e.id)).toEqual(["u1"]);
      });

      test("the pictures' report shows on the event while it is answered and once it is; a message without pictures has none", async () => {
        const store = await makeStore();
        const job = jobAt("u1", T0);
        const report = {
          received: 2,
          passed: 1,
          notPassed: [{ name: "IMG_1.HEIC", reason: "unsupported_type" as const, message: "The file is of type image/heic." }],
        };
        const held = await take(store, job, T0);
        await store.recordImages(held, report);
        expect((await store.listEvents("int_contract", { limit: 1 }, T0 + 1)).items[0]).toMatchObject({ type: "processing", images: report });
        await store.recordPartSent(held, "m1", { latencyMs: 10, answer: "a cat" });
        expect((await store.listEvents("int_contract", { limit: 1 }, T0 + 2)).items[0]).toMatchObject({ type: "replied", images: report });
        const plain = jobAt("u2", T0 + 3);
        await store.recordPartSent(await take(store, plain, T0 + 3), "m2", { latencyMs: 10, answer: "hi" });
        const [latest] = (await store.listEvents("int_contract", { limit: 1 }, T0 + 4)).items;
        expect(latest).toMatchObject({ id: "u2", type: "replied" });
        expect(latest).not.toHaveProperty("images");
      });

      test("history has the answered exchanges of one conversation, oldest first, until they expire", async () => {
        const store = await makeStore();
        const answer = async (key: string, conversation: string, at: number, parts: number) => {
          const job = jobAt(key, at, conversation);
          const held = await take(store, job, at);
          if (parts > 1) await store.saveAnswer(held, `answer ${key}`);
          for (let i = 1; i < parts; i++) await store.recordPartSent(held, `m-${key}-${i}`, null);
          await store.recordPartSent(held, `m-${key}`, { latencyMs: 1, answer: `answer ${key}` });
        };
        await answer("u1", "chat-1", T0, 1);
        await answer("u2", "chat-2", T0 + 1, 1);
        await answer("u3", "chat-1", T0 + 2, 3);
        await store.claimDelivery(jobAt("u4", T0 + 3), T0 + 3, LEASE);
        expect(await store.recentTurns("int_contract", "chat-1", 10, T0 + 10)).toEqual([
          { role: "user", content: "hello u1", name: "Ada" },
          { role: "assistant", content: "answer u1" },
          { role: "user", content: "hello u3", name: "Ada" },
          { role: "assistant", content: "answer u3" },
        ]);
        expect(await store.recentTurns("int_contract", "chat-1", 1, T0 + 10)).toHaveLength(2);
        expect(await store.recentTurns("int_contract", "chat-1", 10, T0 + 30 * DAY_MS)).toEqual([]);
      });

      test("an expired record no longer blocks its key", async () => {
        const store = await makeStore();
        const job = jobAt("u1", T0);
        await store.recordPartSent(await take(store, job, T0), "m1", { latencyMs: 1, answer: "x" });
        expect(await store.claimDelivery(job, T0 + 30 * DAY_MS, LEASE)).toEqual(claimed({ answer: null, partsSent: 0, messageIds: [], attempt: 1 }));
      });
    });

    describeGatewayLeaseContract(makeStore);

    describe("API keys", () => {
      test("keys are found by hash, listed by owner, and revoked", async () => {
        const store = await makeStore();
        expect(await store.hasAnyApiKey()).toBe(false);
        const record = { hash: "h1", owner: "alice", prefix: "pb_abcde", createdAt: iso(T0), revokedAt: null };
        expect(await store.putApiKey(record)).toBe(true);
        expect(await store.putApiKey(record)).toBe(false);
        expect(await store.hasAnyApiKey()).toBe(true);
        expect(await store.findApiKey("h1")).toEqual(record);
        expect(await store.listApiKeys("alice")).toEqual([record]);
        expect(await store.listApiKeys("bob")).toEqual([]);
        expect(await store.revokeApiKey("h1", iso(T0 + 1))).toBe(true);
        expect(await store.revokeApiKey("nope", iso(T0 + 1))).toBe(false);
        expect((await store.findApiKey("h1"))?.revokedAt).toBe(iso(T0 + 1));
      });
    });

    test("ping resolves", async () => {
      const store = await makeStore();
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
