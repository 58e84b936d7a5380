import { describe, expect, test } from "vitest";
import type { Integration } from "../model.ts";
import type { SecretBundle, Store, TokenVault } from "../ports.ts";
import { createIntegrationCache, forgettingWrites } from "./integration-cache.ts";

const record = (id: string, name = "bot") => ({ id, name, platform: "telegram", active: true }) as Integration;

/** A store and vault that count their reads; `records` and `secrets` may change under the cache. */
function backing() {
  const records = new Map<string, Integration>([["int_1", record("int_1")]]);
  const secrets = new Map<string, SecretBundle>([["int_1", { webhook_secret: "one" }]]);
  const reads = { integration: 0, secrets: 0 };
  let failNext = false;
  let failSecretsNext = false;
  const store = {
    async getIntegration(id: string) {
      reads.integration++;
      if (failNext) {
        failNext = false;
        throw new Error("store unavailable");
      }
      return records.get(id);
    },
  };
  const vault = {
    async get(id: string) {
      reads.secrets++;
      if (failSecretsNext) {
        failSecretsNext = false;
        throw new Error("vault unavailable");
      }
      return secrets.get(id);
    },
  };
  return { records, secrets, reads, store, vault, failOnce: () => (failNext = true), failSecretsOnce: () => (failSecretsNext = true) };
}

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, sleep: async () => undefined, advance: (ms: number) => (now += ms) };
}

describe("the webhook path's integration cache", () => {
  test("reads an integration once per interval, then again after it expires", async () => {
    const b = backing();
    const c = clock();
    const cache = createIntegrationCache({ store: b.store, vault: b.vault, clock: c, ttlMs: 5000 });
    expect((await cache.get("int_1"))?.integration.name).toBe("bot");
    b.records.set("int_1", record("int_1", "renamed elsewhere"));
    c.advance(4999);
    expect((await cache.get("int_1"))?.integration.name).toBe("bot");
    expect(b.reads.integration).toBe(1);
    c.advance(1);
    expect((await cache.get("int_1"))?.integration.name).toBe("renamed elsewhere");
    expect(b.reads.integration).toBe(2);
  });

  test("secrets are read only when asked, once per cached copy, and afresh with the next copy", async () => {
    const b = backing();
    const c = clock();
    const cache = createIntegrationCache({ store: b.store, vault: b.vault, clock: c, ttlMs: 5000 });
    const first = await cache.get("int_1");
    expect(b.reads.secrets).toBe(0);
    expect(await first?.secrets()).toEqual({ webhook_secret: "one" });
    b.secrets.set("int_1", { webhook_secret: "two" });
    expect(await (await cache.get("int_1"))?.secrets()).toEqual({ webhook_secret: "one" });
    expect(b.reads.secrets).toBe(1);
    c.advance(5000);
    expect(await (await cache.get("int_1"))?.secrets()).toEqual({ webhook_secret: "two" });
    expect(b.reads.secrets).toBe(2);
  });

  test("forget drops the copy at once: the next webhook reads the written record", async () => {
    const b = backing();
    const cache = createIntegrationCache({ store: b.store, vault: b.vault, clock: clock(), ttlMs: 5000 });
    await cache.get("int_1");
    b.records.set("int_1", { ...record("int_1"), active: false });
    cache.forget("int_1");
    expect((await cache.get("int_1"))?.integration.active).toBe(false);
    expect(b.reads.integration).toBe(2);
  });

  test("concurrent webhooks of one integration share one read", async () => {
    const b = backing();
    const cache = createIntegrationCache({ store: b.store, vault: b.vault, clock: clock(), ttlMs: 5000 });
    const all = await Promise.all(Array.from({ length: 20 }, () => cache.get("int_1")));
    expect(all.every((found) => found?.integration.id === "int_1")).toBe(true);
    expect(b.reads.integration).toBe(1);
  });

  test("an integration that does not exist, or a failed read, is not remembered", async () => {
    const b = backing();
    const cache = createIntegrationCache({ store: b.store, vault: b.vault, clock: clock(), ttlMs: 5000 });
    expect(await cache.get("int_new")).toBeUndefined();
    b.records.set("int_new", record("int_new", "just created"));
    expect((await cache.get("int_new"))?.integration.name).toBe("just created");
    cache.forget("int_1");
    b.failOnce();
    await expect(cache.get("int_1")).rejects.toThrow("store unavailable");
    expect((await cache.get("int_1"))?.integration.id).toBe("int_1");
  });

  test("a failed read of the secrets is not remembered: the next webhook reads them again", async () => {
    const b = backing();
    const cache = createIntegrationCache({ store: b.store, vault: b.vault, clock: clock(), ttlMs: 5000 });
    const found = await cache.get("int_1");
    b.failSecretsOnce();
    await expect(found!.secrets()).rejects.toThrow("vault unavailable");
    expect(await (await cache.get("int_1"))!.secrets()).toEqual({ webhook_secret: "one" });
    expect(b.reads).toEqual({ integration: 1, secrets: 2 });
  });

  test("holds at most maxEntries integrations, dropping the oldest", async () => {
    const b = backing();
    for (const id of ["int_2", "int_3"]) b.records.set(id, record(id));
    const cache = createIntegrationCache({ store: b.store, vault: b.vault, clock: clock(), ttlMs: 5000, maxEntries: 2 });
    for (const id of ["int_1", "int_2", "int_3"]) await cache.get(id);
    expect(b.reads.integration).toBe(3);
    await cache.get("int_3");
    await cache.get("int_2");
    expect(b.reads.integration).toBe(3);
    await cache.get("int_1");
    expect(b.reads.integration).toBe(4);
  });
});

describe("forgettingWrites", () => {
  test("each write to an integration or its secrets forgets it once done; reads and other writes do not", async () => {
    const events: string[] = [];
    const write = (result: unknown) => async (first: string | Integration) => {
      events.push(`write ${typeof first === "string" ? first : first.id}`);
      return result;
    };
    const store = {
      createIntegration: write(undefined),
      saveIntegration: write("saved"),
      setRegistration: write(true),
      retireIntegration: write(record("int_d")),
      deleteIntegration: write(undefined),
      getIntegration: write(record("int_h")),
      recordReply: write(undefined),
    } as unknown as Store;
    const vault = { get: write({}), put: write(undefined), delete: write(undefined) } as unknown as TokenVault;
    const writing = forgettingWrites(store, vault, (id) => events.push(`forget ${id}`));

    await writing.store.createIntegration(record("int_a"));
    expect(await writing.store.saveIntegration(record("int_b"))).toBe("saved");
    expect(await writing.store.setRegistration("int_c", "ok", null, "2026-12-02T10:00:00.000Z")).toBe(true);
    expect((await writing.store.retireIntegration("int_d", "2026-12-02T10:00:00.000Z"))?.id).toBe("int_d");
    await writing.store.deleteIntegration("int_e");
    await writing.vault.put("int_f", { bot_token: "x" });
    await writing.vault.delete("int_g");
    await writing.store.getIntegration("int_h");
    await writing.store.recordReply("int_i", "2026-12-02T10:00:00.000Z");
    await writing.vault.get("int_j");
    expect(events).toEqual([
      ...["int_a", "int_b", "int_c", "int_d", "int_e", "int_f", "int_g"].flatMap((id) => [`write ${id}`, `forget ${id}`]),
      "write int_h",
      "write int_i",
      "write int_j",
    ]);
  });

  test("a failed write forgets too: what landed is unknown", async () => {
    const forgotten: string[] = [];
    const refuse = async () => Promise.reject(new Error("conditional check failed"));
    const store = { createIntegration: refuse, saveIntegration: refuse, setRegistration: refuse, retireIntegration: refuse, deleteIntegration: refuse } as unknown as Store;
    const writing = forgettingWrites(store, { get: async () => undefined, put: async () => undefined, delete: async () => undefined }, (id) => forgotten.push(id));
    await expect(writing.store.saveIntegration(record("int_1"))).rejects.toThrow("conditional check failed");
    expect(forgotten).toEqual(["int_1"]);
  });
});
