import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Integration, Store } from "@patchbay/core";
import type { RecordedCall, TelegramResponse } from "@patchbay/testing";
import { startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";

/**
 * Races between requests, ordered deterministically: one request is held at a chosen point (a platform
 * call on the fake Telegram, or a store call) while the other runs to its end, then released.
 */

/** A point where one request waits: `arrived` once it is there, and it goes on after `open()`. */
interface Hold {
  arrived: Promise<void>;
  open(): void;
}

const holds = new Map<string, { reach(): void; opened: Promise<void> }>();

function hold(point: string): Hold {
  let reach!: () => void;
  let open!: () => void;
  const arrived = new Promise<void>((resolve) => (reach = resolve));
  const opened = new Promise<void>((resolve) => (open = resolve));
  holds.set(point, { reach, opened });
  return { arrived, open };
}

/** Waits at `point` if a test holds it there (once). */
async function pass(point: string): Promise<void> {
  const held = holds.get(point);
  if (!held) return;
  holds.delete(point);
  held.reach();
  await held.opened;
}

/** The store with a waiting point before the writes the races are about. */
function holdingStore(store: Store): Store {
  return {
    ...store,
    async saveIntegration(integration: Integration) {
      await pass(`saveIntegration:${integration.id}:${integration.replicaId}:${integration.channelIds.join(",")}`);
      return store.saveIntegration(integration);
    },
    async deleteReplica(owner: string, id: string) {
      await pass(`deleteReplica:${id}`);
      return store.deleteReplica(owner, id);
    },
  };
}

let h: Harness;
let replicaId: string;
let counter = 0;
const botUsers = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  h = await startHarness({ stack: { wrapStore: holdingStore } });
  replicaId = (await h.api("POST", "/v1/replicas", { name: "Ada" })).body.id;
  // getMe and setWebhook as Telegram answers them, with a waiting point per token.
  h.telegram.handle("getMe", async (call: RecordedCall): Promise<TelegramResponse> => {
    await pass(`getMe:${call.token}`);
    return { ok: true, result: botUsers.get(call.token) };
  });
  h.telegram.handle("setWebhook", async (call: RecordedCall): Promise<TelegramResponse> => {
    await pass(`setWebhook:${call.token}`);
    h.telegram.setWebhookState(call.token, { url: String(call.params.url ?? ""), secret_token: String(call.params.secret_token ?? "") });
    return { ok: true, result: true, description: "Webhook was set" };
  });
});
afterAll(async () => {
  await h.close();
});

function addToken(id: number, username: string): string {
  const token = `${id}:AArace-${++counter}-abcdefghijklmnopqrst`;
  h.telegram.addBot({ token, id, username, can_read_all_group_messages: true });
  botUsers.set(token, { id, is_bot: true, first_name: username, username, can_read_all_group_messages: true });
  return token;
}

async function connect(replica = replicaId) {
  const id = 8100000 + ++counter;
  const username = `race_${counter}_bot`;
  const token = addToken(id, username);
  const answer = await h.api("POST", "/v1/integrations/telegram", { replica_id: replica, bot_token: token });
  expect(answer.status).toBe(201);
  return { id: answer.body.id as string, token, botId: id, username, webhookUrl: answer.body.webhook_url as string };
}

describe("lost updates: a write never puts back what another request changed in between", () => {
  test("PATCH {active:false} during a token rotation stays: the bot stops answering", async () => {
    const bot = await connect();
    const newToken = addToken(bot.botId, bot.username);
    const rotationHeld = hold(`getMe:${newToken}`);
    const rotation = h.api("PATCH", `/v1/integrations/${bot.id}`, { bot_token: newToken });
    await rotationHeld.arrived;
    expect((await h.api("PATCH", `/v1/integrations/${bot.id}`, { active: false })).status).toBe(200);
    rotationHeld.open();
    const rotated = await rotation;
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ active: false, bot_token: `****${newToken.slice(-4)}` });
    expect((await h.api("GET", `/v1/integrations/${bot.id}`)).body).toMatchObject({ active: false, status: "inactive", bot_token: `****${newToken.slice(-4)}` });
  });

  test("PATCH {active:false} during validate stays", async () => {
    const bot = await connect();
    const validateHeld = hold(`getMe:${bot.token}`);
    const validation = h.api("POST", `/v1/integrations/${bot.id}/validate`);
    await validateHeld.arrived;
    expect((await h.api("PATCH", `/v1/integrations/${bot.id}`, { active: false })).status).toBe(200);
    validateHeld.open();
    expect((await validation).body).toMatchObject({ valid: true });
    expect((await h.api("GET", `/v1/integrations/${bot.id}`)).body).toMatchObject({ active: false, status: "inactive" });
  });

  test("PATCH {active:false} during PUT …/channels stays, and the channels are set too", async () => {
    const bot = await connect();
    const channelsHeld = hold(`saveIntegration:${bot.id}:${replicaId}:-100200`);
    const channels = h.api("PUT", `/v1/integrations/${bot.id}/channels`, { channel_ids: ["-100200"], sync_all: false });
    await channelsHeld.arrived;
    expect((await h.api("PATCH", `/v1/integrations/${bot.id}`, { active: false })).status).toBe(200);
    channelsHeld.open();
    expect((await channels).status).toBe(200);
    expect((await h.api("GET", `/v1/integrations/${bot.id}`)).body).toMatchObject({ active: false, channel_ids: ["-100200"] });
  });
});

describe("a deleted integration stays deleted at the platform and in the vault", () => {
  test("a reconciler pass re-registering a drifted webhook while DELETE runs leaves no webhook behind", async () => {
    const bot = await connect();
    h.telegram.setWebhookState(bot.token, { url: "https://elsewhere.example/hook" });
    const reconcilerHeld = hold(`setWebhook:${bot.token}`);
    const pass = h.stack.reconcile();
    await reconcilerHeld.arrived;
    expect((await h.api("DELETE", `/v1/integrations/${bot.id}`)).status).toBe(200);
    reconcilerHeld.open();
    await pass;
    expect(h.telegram.webhookOf(bot.token).url).toBe("");
    expect(await h.stack.vault.get(bot.id)).toBeUndefined();
    expect((await h.api("GET", `/v1/integrations/${bot.id}`)).status).toBe(404);
    expect((await h.stack.store.scanIntegrations({ limit: 100 })).items.map((i) => i.id)).not.toContain(bot.id);
  });

  test("DELETE during a token rotation leaves no token in the vault and no webhook", async () => {
    const bot = await connect();
    const newToken = addToken(bot.botId, bot.username);
    const rotationHeld = hold(`getMe:${newToken}`);
    const rotation = h.api("PATCH", `/v1/integrations/${bot.id}`, { bot_token: newToken });
    await rotationHeld.arrived;
    expect((await h.api("DELETE", `/v1/integrations/${bot.id}`)).status).toBe(200);
    rotationHeld.open();
    expect((await rotation).status).toBe(404);
    expect(await h.stack.vault.get(bot.id)).toBeUndefined();
    expect(h.telegram.webhookOf(bot.token).url).toBe("");
    expect(h.telegram.webhookOf(newToken).url).toBe("");
    expect((await h.api("GET", `/v1/integrations/${bot.id}`)).status).toBe(404);
  });

  test("a delete that stopped after retiring the record is finished by the reconciler", async () => {
    const bot = await connect();
    await h.stack.store.retireIntegration(bot.id, new Date().toISOString()); // what a crash right after that step leaves
    expect((await h.api("GET", `/v1/integrations/${bot.id}`)).status).toBe(404);
    await h.stack.reconcile();
    expect(h.telegram.webhookOf(bot.token).url).toBe("");
    expect(await h.stack.vault.get(bot.id)).toBeUndefined();
    expect((await h.stack.store.scanIntegrations({ limit: 100 })).items.map((i) => i.id)).not.toContain(bot.id);
    expect(await h.stack.store.claimBot("telegram", String(bot.botId), "int_next", new Date().toISOString())).toEqual({ claimed: true });
  });
});

describe("an integration never points at a replica that no longer exists", () => {
  const replicaOf = async (integrationId: string) =>
    h.api("GET", `/v1/replicas/${(await h.api("GET", `/v1/integrations/${integrationId}`)).body.replica_id}`);

  test("DELETE of a replica while an integration is re-pointed at it: not both succeed", async () => {
    const bot = await connect();
    const target = (await h.api("POST", "/v1/replicas", { name: "Target" })).body.id as string;
    const repointHeld = hold(`saveIntegration:${bot.id}:${target}:`);
    const repoint = h.api("PATCH", `/v1/integrations/${bot.id}`, { replica_id: target });
    await repointHeld.arrived;
    const deleted = await h.api("DELETE", `/v1/replicas/${target}`);
    repointHeld.open();
    const repointed = await repoint;
    expect([deleted.status, repointed.status].sort()).toEqual([200, 409]);
    expect((await replicaOf(bot.id)).status).toBe(200);
  });

  test("re-pointing an integration at a replica whose DELETE is under way: not both succeed", async () => {
    const bot = await connect();
    const target = (await h.api("POST", "/v1/replicas", { name: "Target" })).body.id as string;
    const deleteHeld = hold(`deleteReplica:${target}`);
    const deletion = h.api("DELETE", `/v1/replicas/${target}`);
    await deleteHeld.arrived;
    const repointed = await h.api("PATCH", `/v1/integrations/${bot.id}`, { replica_id: target });
    deleteHeld.open();
    const deleted = await deletion;
    expect([deleted.status, repointed.status].sort()).toEqual([200, 409]);
    expect((await replicaOf(bot.id)).status).toBe(200);
  });
});
