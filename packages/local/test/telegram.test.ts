import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { eventually, filesUnder } from "./helpers.ts";
import { startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";

let h: Harness;
let replicaId: string;
let counter = 0;
const tokens: string[] = [];
const secrets: string[] = [];

beforeAll(async () => {
  h = await startHarness();
  h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
  const replica = await h.api("POST", "/v1/replicas", { name: "Ada", instructions: "You are Ada, a test replica.", greeting: "Hi, I am Ada." });
  replicaId = replica.body.id;
});
afterAll(async () => {
  await h.close();
});

interface Bot {
  token: string;
  id: number;
  username: string;
  integrationId: string;
}

/** A new bot on the fake Telegram, connected through the API. */
async function connect(settings: Record<string, unknown> = {}, privacyOff = true): Promise<Bot & { body: any }> {
  const n = ++counter;
  const id = 5000000 + n;
  const token = `${id}:AAH${"k".repeat(20)}${n}Zz9-_x`;
  const username = `Ada${n}_bot`;
  tokens.push(token);
  h.telegram.addBot({ token, id, username, can_read_all_group_messages: privacyOff });
  const answer = await h.api("POST", "/v1/integrations/telegram", { replica_id: replicaId, bot_token: token, ...settings });
  expect(answer.status).toBe(201);
  secrets.push(h.telegram.webhookOf(token).secret_token!);
  return { token, id, username, integrationId: answer.body.id, body: answer.body };
}

let messageId = 100;
const user = { id: 42, is_bot: false, first_name: "Grace", last_name: "Hopper", username: "grace" };
const privateChat = { id: 42, type: "private" as const, first_name: "Grace" };
const group = (id = -1001234) => ({ id, type: "supergroup" as const, title: `Group ${id}` });

function message(chat: object, text: string, extra: Record<string, unknown> = {}) {
  return { message: { message_id: ++messageId, from: user, chat, date: Math.floor(Date.now() / 1000), text, ...extra } };
}

function mention(text: string, handle: string) {
  const offset = text.indexOf(handle);
  return { entities: [{ type: "mention", offset, length: handle.length }] };
}

async function events(bot: Bot) {
  return (await h.api("GET", `/v1/integrations/${bot.integrationId}/events`)).body.data as any[];
}

/** Waits until the events log has settled on `count` entries with no message still in progress. */
async function settledEvents(bot: Bot, count: number) {
  return eventually(async () => {
    const list = await events(bot);
    return list.length === count && list.every((e) => e.type !== "processing") ? list : undefined;
  });
}

describe("connect", () => {
  test("getMe validates, the webhook is registered with a fresh secret, and the bot is on the record", async () => {
    const bot = await connect({}, false);
    const hook = h.telegram.webhookOf(bot.token);
    expect(hook.url).toBe(`${h.stack.url}/webhooks/telegram/${bot.integrationId}`);
    expect(hook.secret_token).toMatch(/^[A-Za-z0-9_-]{32,256}$/);
    expect(hook.allowed_updates).toEqual(["message", "my_chat_member"]);
    expect(bot.body).toMatchObject({
      status: "active",
      bot: { id: String(bot.id), username: bot.username, can_read_all_group_messages: false },
      mention: `@${bot.username}`,
      webhook_url: hook.url,
    });
    expect(bot.body.warnings).toEqual([expect.stringMatching(/Privacy mode is on/)]);
    const other = await connect();
    expect(h.telegram.webhookOf(other.token).secret_token).not.toBe(hook.secret_token);
  });

  test("a token Telegram refuses → 422 INVALID_CREDENTIALS and nothing is stored", async () => {
    const before = (await h.api("GET", "/v1/integrations")).body.total;
    const vaultBefore = await readdir(join(h.dataDir, "vault"));
    const answer = await h.api("POST", "/v1/integrations/telegram", { replica_id: replicaId, bot_token: "123456:AAnot-a-known-token-xxxxxxxxxxxxx" });
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe("INVALID_CREDENTIALS");
    expect(JSON.stringify(answer.body)).not.toContain("AAnot-a-known-token");
    expect((await h.api("GET", "/v1/integrations")).body.total).toBe(before);
    expect(await readdir(join(h.dataDir, "vault"))).toEqual(vaultBefore);
  });

  test("Telegram unreachable for registration → 202 pending, retried in the background until it works", async () => {
    const n = ++counter;
    const token = `${6000000 + n}:AAunreachable-${n}-abcdefghijklmnop`;
    tokens.push(token);
    h.telegram.addBot({ token, username: `late${n}_bot`, can_read_all_group_messages: true });
    h.telegram.failNext("setWebhook", { kind: "drop" });
    const answer = await h.api("POST", "/v1/integrations/telegram", { replica_id: replicaId, bot_token: token });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ status: "pending", last_error: { code: "NETWORK_ERROR" } });
    expect(h.telegram.webhookOf(token).url).toBe("");

    h.telegram.failNext("setWebhook", { kind: "error", status: 502, description: "Bad Gateway" });
    await h.stack.reconcile();
    const stillPending = await h.api("GET", `/v1/integrations/${answer.body.id}`);
    expect(stillPending.body).toMatchObject({ status: "pending", last_error: { code: "PLATFORM_ERROR" } });

    await h.stack.reconcile();
    const registered = await h.api("GET", `/v1/integrations/${answer.body.id}`);
    expect(registered.body).toMatchObject({ status: "active", last_error: null });
    expect(h.telegram.webhookOf(token).url).toBe(answer.body.webhook_url);
  });

  test("a webhook URL Telegram refuses → 502 PLATFORM_ERROR with Telegram's reason, nothing kept", async () => {
    const n = ++counter;
    const token = `${6100000 + n}:AArefused-${n}-abcdefghijklmnopq`;
    h.telegram.addBot({ token, username: `refused${n}_bot` });
    h.telegram.failNext("setWebhook", { kind: "error", status: 400, description: "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443" });
    const before = (await h.api("GET", "/v1/integrations")).body.total;
    const answer = await h.api("POST", "/v1/integrations/telegram", { replica_id: replicaId, bot_token: token });
    expect(answer.status).toBe(502);
    expect(answer.body.error.message).toMatch(/ports 80, 88, 443 or 8443/);
    expect((await h.api("GET", "/v1/integrations")).body.total).toBe(before);
    // The bot was released: connecting it again works once Telegram accepts the URL.
    expect((await h.api("POST", "/v1/integrations/telegram", { replica_id: replicaId, bot_token: token })).status).toBe(201);
  });

  test("the reconciler repairs a drifted webhook and marks one it cannot repair as error", async () => {
    const bot = await connect();
    h.telegram.setWebhookState(bot.token, { url: "https://someone-else.example/hook" });
    await h.stack.reconcile();
    expect(h.telegram.webhookOf(bot.token)).toMatchObject({ url: bot.body.webhook_url, secret_token: h.telegram.webhookOf(bot.token).secret_token });
    expect((await h.api("GET", `/v1/integrations/${bot.integrationId}`)).body.status).toBe("active");

    h.telegram.failNext("getWebhookInfo", { kind: "error", status: 401, description: "Unauthorized" }, 10);
    await h.stack.reconcile();
    h.telegram.clearFailures();
    expect((await h.api("GET", `/v1/integrations/${bot.integrationId}`)).body).toMatchObject({
      status: "error",
      last_error: { code: "INVALID_CREDENTIALS", message: expect.stringMatching(/BotFather/) },
    });
    await h.stack.reconcile();
    expect((await h.api("GET", `/v1/integrations/${bot.integrationId}`)).body).toMatchObject({ status: "active", last_error: null });
  });

  test("the same bot again → 409 naming the integration", async () => {
    const bot = await connect();
    const again = await h.api("POST", `/v1/replicas/${replicaId}/integrations/telegram`, { bot_token: bot.token });
    expect(again.status).toBe(409);
    expect(again.body.error.integration_id).toBe(bot.integrationId);
  });
});

describe("validate, test, channels, rotate, delete", () => {
  test("validate: valid with the privacy warning; drifted webhook or revoked token are reported", async () => {
    const bot = await connect({}, false);
    const ok = await h.api("POST", `/v1/integrations/${bot.integrationId}/validate`);
    expect(ok.body).toMatchObject({ valid: true, integration: { id: bot.integrationId, status: "active", validated_at: expect.any(String) } });
    expect(ok.body.warnings).toEqual([expect.stringMatching(/Privacy mode/)]);

    h.telegram.setWebhookState(bot.token, { url: "https://elsewhere.example/hook" });
    const drifted = await h.api("POST", `/v1/integrations/${bot.integrationId}/validate`);
    expect(drifted.body).toMatchObject({ valid: false, error: { code: "PLATFORM_ERROR", webhook_url: "https://elsewhere.example/hook" } });

    h.telegram.failNext("getMe", { kind: "error", status: 401, description: "Unauthorized" });
    const revoked = await h.api("POST", `/v1/integrations/${bot.integrationId}/validate`);
    expect(revoked.body).toMatchObject({ valid: false, error: { code: "INVALID_CREDENTIALS" } });
    expect((await h.api("GET", `/v1/integrations/${bot.integrationId}`)).body).toMatchObject({
      status: "error",
      last_error: { code: "INVALID_CREDENTIALS" },
    });
  });

  test("test sends a real message and reports latency and message id", async () => {
    const bot = await connect();
    const answer = await h.api("POST", `/v1/integrations/${bot.integrationId}/test`, { channel_id: "42", text: "ping from the test" });
    expect(answer.body).toMatchObject({
      id: bot.integrationId,
      platform: "telegram",
      test_result: { success: true, latency_ms: expect.any(Number), message_id: expect.any(String), delivered_at: expect.any(String) },
    });
    const sent = h.telegram.sentMessages(bot.token);
    expect(sent.map((m) => [m.chat_id, m.text, String(m.message_id)])).toEqual([[42, "ping from the test", answer.body.test_result.message_id]]);
    const missing = await h.api("POST", `/v1/integrations/${bot.integrationId}/test`, {});
    expect(missing.status).toBe(400);
    expect(missing.body.error.fields).toEqual([{ field: "channel_id", message: expect.any(String) }]);
    h.telegram.failNext("sendMessage", { kind: "error", status: 403, description: "Forbidden: bot was kicked from the supergroup chat" });
    const kicked = await h.api("POST", `/v1/integrations/${bot.integrationId}/test`, { channel_id: "-100777" });
    expect(kicked.body.test_result).toMatchObject({ success: false, message_id: null, error: { code: "PLATFORM_ERROR" } });
  });

  test("channels lists the chats the bot has seen; PUT channels restricts the groups it answers", async () => {
    const bot = await connect();
    const handle = `@${bot.username}`;
    expect((await h.telegram.deliver(bot.token, { my_chat_member: { chat: group(-1001), from: user, date: 1, new_chat_member: { status: "member", user: { id: bot.id, is_bot: true, first_name: "Ada" } } } })).status).toBe(200);
    await h.telegram.deliver(bot.token, message(group(-1002), `${handle} hi`, mention(`${handle} hi`, handle)));
    // The bot added to the group is logged as a member event.
    await settledEvents(bot, 2);
    const channels = await h.api("GET", `/v1/integrations/${bot.integrationId}/channels`);
    expect(channels.body.data).toEqual(
      expect.arrayContaining([
        { id: "-1001", name: "Group -1001", is_private: true, sync_enabled: true },
        { id: "-1002", name: "Group -1002", is_private: true, sync_enabled: true },
      ]),
    );
    const restricted = await h.api("PUT", `/v1/integrations/${bot.integrationId}/channels`, { channel_ids: ["-1001"] });
    expect(restricted.body.data.find((c: any) => c.id === "-1002").sync_enabled).toBe(false);
    expect((await h.api("GET", `/v1/integrations/${bot.integrationId}`)).body.channel_ids).toEqual(["-1001"]);

    const sentBefore = h.telegram.sentMessages(bot.token).length;
    await h.telegram.deliver(bot.token, message(group(-1002), `${handle} again`, mention(`${handle} again`, handle)));
    const list = await settledEvents(bot, 3);
    expect(list[0]).toMatchObject({ type: "ignored", reason: "channel_not_allowed", chat_id: "-1002" });
    await h.telegram.deliver(bot.token, message(privateChat, "direct messages are never filtered"));
    await settledEvents(bot, 4);
    expect(h.telegram.sentMessages(bot.token).length).toBe(sentBefore + 1);

    const bad = await h.api("PUT", `/v1/integrations/${bot.integrationId}/channels`, { channel_ids: [], sync_all: false });
    expect(bad.status).toBe(400);
    expect((await h.api("PUT", `/v1/integrations/${bot.integrationId}/channels`, { sync_all: true })).body.data.every((c: any) => c.sync_enabled)).toBe(true);
  });

  test("rotating bot_token re-validates and re-registers it, keeping the webhook secret; another bot's token is refused", async () => {
    const bot = await connect();
    const secret = h.telegram.webhookOf(bot.token).secret_token!;
    const newToken = `${bot.id}:AArotated-token-${counter}-abcdefghijk`;
    tokens.push(newToken);
    h.telegram.addBot({ token: newToken, id: bot.id, username: bot.username, can_read_all_group_messages: true });
    const rotated = await h.api("PATCH", `/v1/integrations/${bot.integrationId}`, { bot_token: newToken });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ bot_token: `****${newToken.slice(-4)}`, status: "active" });
    expect(h.telegram.callsTo("setWebhook", newToken)).toHaveLength(1);
    expect(h.telegram.webhookOf(newToken)).toMatchObject({ url: bot.body.webhook_url, secret_token: secret });
    expect((await h.telegram.deliver(newToken, message(privateChat, "after rotation"))).status).toBe(200);
    await eventually(() => h.telegram.sentMessages(newToken).length === 1);
    expect((await h.telegram.deliver(newToken, message(privateChat, "forged"), { secretToken: "not-the-secret" })).status).toBe(401);

    const stranger = await connect();
    const refused = await h.api("PATCH", `/v1/integrations/${bot.integrationId}`, { bot_token: stranger.token, name: "x" });
    expect(refused.status).toBe(400);
    expect(refused.body.error.fields).toEqual([{ field: "bot_token", message: expect.stringMatching(/different bot/) }]);
    expect((await h.api("GET", `/v1/integrations/${bot.integrationId}`)).body).toMatchObject({ bot_token: `****${newToken.slice(-4)}`, name: bot.body.name });
  });

  test("delete unregisters the webhook, removes the secrets, and the id answers 404 afterwards", async () => {
    const bot = await connect();
    expect((await h.api("DELETE", `/v1/integrations/${bot.integrationId}`)).body).toEqual({ id: bot.integrationId, deleted: true });
    expect(h.telegram.callsTo("deleteWebhook", bot.token)).toHaveLength(1);
    expect(h.telegram.webhookOf(bot.token).url).toBe("");
    expect(await readdir(join(h.dataDir, "vault"))).not.toContain(`${bot.integrationId}.json`);
    expect((await h.api("GET", `/v1/integrations/${bot.integrationId}`)).status).toBe(404);
    const late = await h.telegram.deliver(bot.token, message(privateChat, "hello?"), { url: `${h.stack.url}/webhooks/telegram/${bot.integrationId}`, secretToken: "x" });
    expect(late.status).toBe(404);
  });
});

describe("ingress", () => {
  test("a missing or wrong secret → 401, an unknown integration → 404, a malformed body → 400; nothing is recorded", async () => {
    const bot = await connect();
    const url = `${h.stack.url}/webhooks/telegram/${bot.integrationId}`;
    expect((await h.telegram.deliver(bot.token, message(privateChat, "x"), { secretToken: null })).status).toBe(401);
    expect((await h.telegram.deliver(bot.token, message(privateChat, "x"), { secretToken: "wrong" })).status).toBe(401);
    const unknown = await fetch(`${h.stack.url}/webhooks/telegram/int_nope`, { method: "POST", body: "{}", headers: { "x-telegram-bot-api-secret-token": "x" } });
    expect(unknown.status).toBe(404);
    const secret = h.telegram.webhookOf(bot.token).secret_token!;
    const post = (body: string) =>
      fetch(url, { method: "POST", body, headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret } });
    const bad = await post("{not json");
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe("INVALID_JSON");
    expect(await events(bot)).toEqual([]);
    // Verified JSON of an unexpected shape is acknowledged (a non-2xx makes Telegram retry for a day) and logged.
    expect((await post(JSON.stringify({ message: {} }))).status).toBe(200);
    const [unexpected] = await settledEvents(bot, 1);
    expect(unexpected).toMatchObject({ type: "ignored", reason: "unexpected_payload", detail: expect.stringContaining("update_id") });
    expect(h.telegram.sentMessages(bot.token)).toEqual([]);
  });

  test("a private message is answered by the model with the instructions as system message and the text as written", async () => {
    const bot = await connect();
    const requestsBefore = h.openai.requests.length;
    const response = await h.telegram.deliver(bot.token, message(privateChat, "What is 2 < 3 & 4?"));
    expect(response.status).toBe(200);
    const [sent] = await eventually(() => (h.telegram.sentMessages(bot.token).length === 1 ? h.telegram.sentMessages(bot.token) : undefined));
    expect(sent).toMatchObject({ chat_id: 42, text: "Answer to: What is 2 < 3 & 4?", parse_mode: "HTML" });
    expect(sent!.reply_parameters).toBeUndefined();
    const request = h.openai.requests[requestsBefore]!;
    expect(request.model).toBe("gpt-test");
    // An OpenAI-compatible server other than OpenAI gets the speaker in the system prompt (many refuse `name`).
    expect(request.messages[0]).toEqual({ role: "system", content: expect.stringMatching(/^You are Ada, a test replica\.\n\n.*The latest message is from Grace_Hopper\.$/s) });
    expect(request.messages.at(-1)).toEqual({ role: "user", content: "What is 2 < 3 & 4?" });
    const typing = h.telegram.callsTo("sendChatAction", bot.token);
    expect(typing[0]?.params).toMatchObject({ chat_id: "42", action: "typing" });
    expect(h.telegram.calls.indexOf(typing[0]!)).toBeLessThan(h.telegram.calls.findIndex((c) => c.method === "sendMessage" && c.token === bot.token));

    const [event] = await settledEvents(bot, 1);
    expect(event).toMatchObject({ type: "replied", latency_ms: expect.any(Number), message_ids: [String(sent!.message_id)], chat_id: "42", user_id: "42" });
    const record = (await h.api("GET", `/v1/integrations/${bot.integrationId}`)).body;
    expect(record).toMatchObject({ message_count: 1, last_message_at: expect.any(String) });

    await h.telegram.deliver(bot.token, message(privateChat, "And again?"));
    await eventually(() => h.telegram.sentMessages(bot.token).length === 2);
    const followUp = h.openai.requests.at(-1)!;
    expect(followUp.messages.map((m) => [m.role, m.content])).toEqual([
      ["system", expect.stringMatching(/^You are Ada, a test replica\.\n\n.*oldest first: Grace_Hopper, Grace_Hopper\./s)],
      ["user", "What is 2 < 3 & 4?"],
      ["assistant", "Answer to: What is 2 < 3 & 4?"],
      ["user", "And again?"],
    ]);
  });

  test("groups: mentions (any case), text mentions, replies to the bot and /cmd@bot are answered as replies", async () => {
    const bot = await connect();
    const handle = `@${bot.username.toUpperCase()}`;
    const chat = group(-100500);
    const botMessage = { message_id: 7, from: { id: bot.id, is_bot: true, first_name: "Ada" }, chat, date: 1, text: "earlier answer" };
    h.telegram.registerMessage(bot.token, botMessage);
    const updates = [
      message(chat, `${handle} hello`, mention(`${handle} hello`, handle)),
      message(chat, "Ada, hi", { entities: [{ type: "text_mention", offset: 0, length: 3, user: { id: bot.id, is_bot: true, first_name: "Ada" } }] }),
      message(chat, "a reply to you", { reply_to_message: botMessage }),
      message(chat, `/ask@${bot.username} what time is it`, { entities: [{ type: "bot_command", offset: 0, length: `/ask@${bot.username}`.length }] }),
    ];
    for (const update of updates) expect((await h.telegram.deliver(bot.token, update)).status).toBe(200);
    await eventually(() => h.telegram.sentMessages(bot.token).length === 4);
    const sent = h.telegram.sentMessages(bot.token);
    const asked = updates.map((u) => u.message.message_id).sort();
    expect(sent.map((m) => (m.reply_parameters as { message_id: number }).message_id).sort()).toEqual(asked);
    expect(sent.every((m) => (m.reply_parameters as { allow_sending_without_reply?: boolean }).allow_sending_without_reply === true)).toBe(true);
  });

  test("groups: no mention, another bot's command, and the forum-topic false reply are ignored with a reason", async () => {
    const bot = await connect();
    const chat = { ...group(-100600), is_forum: true };
    const topicStart = { message_id: 50, from: { id: bot.id, is_bot: true, first_name: "Ada" }, chat, date: 1, forum_topic_created: { name: "Topic" }, message_thread_id: 50, is_topic_message: true };
    h.telegram.registerMessage(bot.token, topicStart);
    await h.telegram.deliver(bot.token, message(chat, "just chatting"));
    await h.telegram.deliver(bot.token, message(chat, "/ask@other_bot hi", { entities: [{ type: "bot_command", offset: 0, length: 14 }] }));
    await h.telegram.deliver(bot.token, message(chat, "in the topic", { reply_to_message: topicStart, message_thread_id: 50, is_topic_message: true }));
    // A sticker has no text; a photo would be a question about the picture (images.test.ts).
    await h.telegram.deliver(bot.token, message(chat, "", { sticker: { file_id: "x", file_unique_id: "y", type: "regular", width: 512, height: 512, is_animated: false, is_video: false } }));
    const list = await settledEvents(bot, 4);
    expect(list.map((e) => e.reason)).toEqual(["empty_message", "not_addressed", "not_addressed", "not_addressed"]);
    expect(h.telegram.sentMessages(bot.token)).toEqual([]);
  });

  test("scope all answers every group message, in the right forum topic; scope none and inactive answer nothing", async () => {
    const bot = await connect({ scope: "all" });
    const chat = { ...group(-100700), is_forum: true };
    await h.telegram.deliver(bot.token, message(chat, "anyone?", { message_thread_id: 9, is_topic_message: true }));
    const [sent] = await eventually(() => (h.telegram.sentMessages(bot.token).length === 1 ? h.telegram.sentMessages(bot.token) : undefined));
    expect(sent!.message_thread_id).toBe(9);

    await h.api("PATCH", `/v1/integrations/${bot.integrationId}`, { scope: "none" });
    await h.telegram.deliver(bot.token, message(privateChat, "hello?"));
    await h.api("PATCH", `/v1/integrations/${bot.integrationId}`, { scope: "all", active: false });
    await h.telegram.deliver(bot.token, message(privateChat, "still there?"));
    const list = await settledEvents(bot, 3);
    expect(list.slice(0, 2).map((e) => e.reason)).toEqual(["integration_inactive", "scope_none"]);
    expect(h.telegram.sentMessages(bot.token)).toHaveLength(1);
  });

  test("/start answers with the welcome message, or the replica's greeting, without calling the model", async () => {
    const welcomed = await connect({ welcome_message: "Welcome to Ada!" });
    const greeted = await connect();
    const before = h.openai.requests.length;
    const start = (chatId: number) => message({ ...privateChat, id: chatId }, "/start", { entities: [{ type: "bot_command", offset: 0, length: 6 }] });
    await h.telegram.deliver(welcomed.token, start(43));
    await h.telegram.deliver(greeted.token, start(44));
    await eventually(() => h.telegram.sentMessages(welcomed.token).length === 1 && h.telegram.sentMessages(greeted.token).length === 1);
    expect(h.telegram.sentMessages(welcomed.token)[0]!.text).toBe("Welcome to Ada!");
    expect(h.telegram.sentMessages(greeted.token)[0]!.text).toBe("Hi, I am Ada.");
    expect(h.openai.requests.length).toBe(before);
  });
});

describe("answer once, deliver always", () => {
  test("a redelivered update is answered once, even when the copies arrive together", async () => {
    const bot = await connect();
    const update = { update_id: 990001, ...message(privateChat, "only once please") };
    const responses = await Promise.all([h.telegram.deliver(bot.token, update), h.telegram.deliver(bot.token, update)]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    await settledEvents(bot, 1);
    await h.telegram.deliver(bot.token, update);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.telegram.sentMessages(bot.token)).toHaveLength(1);
    expect((await h.api("GET", `/v1/integrations/${bot.integrationId}`)).body.message_count).toBe(1);
  });

  test("429 from sendMessage: waits retry_after and retries that call", async () => {
    const bot = await connect();
    h.telegram.failNext("sendMessage", { kind: "rate_limit", retryAfter: 1 });
    await h.telegram.deliver(bot.token, message(privateChat, "busy?"));
    await eventually(() => h.telegram.sentMessages(bot.token).length === 1);
    const calls = h.telegram.callsTo("sendMessage", bot.token);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
  });

  test("5xx and dropped connections are retried with backoff until delivered once", async () => {
    const bot = await connect();
    h.telegram.failNext("sendMessage", { kind: "error", status: 502, description: "Bad Gateway" });
    h.telegram.failNext("sendMessage", { kind: "drop" });
    await h.telegram.deliver(bot.token, message(privateChat, "flaky"));
    await eventually(() => h.telegram.sentMessages(bot.token).length === 1);
    await settledEvents(bot, 1);
    expect(h.telegram.sentMessages(bot.token)).toHaveLength(1);
  });

  test("a long answer is split under 4096 characters, every part delivered in order", async () => {
    const bot = await connect();
    const paragraphs = Array.from({ length: 30 }, (_, i) => `Paragraph ${i}: ${"lorem ipsum dolor sit amet ".repeat(14).trim()}.`);
    const long = paragraphs.join("\n\n");
    h.openai.reply(() => long);
    try {
      await h.telegram.deliver(bot.token, message(privateChat, "tell me everything"));
      const [event] = await settledEvents(bot, 1);
      const sent = h.telegram.sentMessages(bot.token);
      expect(sent.length).toBeGreaterThan(2);
      expect(sent.every((m) => m.text.length <= 4096)).toBe(true);
      expect(sent.map((m) => m.text).join("\n\n")).toBe(long);
      expect(event.message_ids).toEqual(sent.map((m) => String(m.message_id)));
    } finally {
      h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
    }
  });

  test("a long bold answer stays bold across its messages, each within 4096 characters", async () => {
    const bot = await connect();
    const words = Array.from({ length: 900 }, (_, i) => `word${i}`).join(" ");
    h.openai.reply(() => `**${words}**`);
    try {
      await h.telegram.deliver(bot.token, message(privateChat, "all in bold"));
      await eventually(async () => (await h.api("GET", `/v1/integrations/${bot.integrationId}/events`)).body.data[0]?.type === "replied");
      const sent = h.telegram.sentMessages(bot.token);
      expect(sent.length).toBeGreaterThan(1);
      for (const part of sent) {
        expect(part.text.length).toBeLessThanOrEqual(4096);
        expect(part.entities).toEqual([{ type: "bold", offset: 0, length: part.text.length }]);
      }
      expect(sent.map((part) => part.text).join(" ")).toBe(words);
    } finally {
      h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
    }
  });

  test("formatting Telegram cannot parse is resent as plain text", async () => {
    const bot = await connect();
    h.openai.reply(() => "Use **bold** and `code` here");
    try {
      h.telegram.failNext("sendMessage", { kind: "error", status: 400, description: "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 4" });
      await h.telegram.deliver(bot.token, message(privateChat, "format please"));
      await eventually(() => h.telegram.sentMessages(bot.token).length === 1);
      const calls = h.telegram.callsTo("sendMessage", bot.token);
      expect(calls[0]!.params).toMatchObject({ parse_mode: "HTML", text: "Use <b>bold</b> and <code>code</code> here" });
      expect(calls[1]!.params.parse_mode).toBeUndefined();
      expect(h.telegram.sentMessages(bot.token)[0]!.text).toBe("Use bold and code here");
    } finally {
      h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
    }
  });

  test("a model that keeps failing ends in the dead-letter list and a failed event", async () => {
    const bot = await connect();
    h.openai.failNext({ kind: "server_error", status: 500 }, 5);
    await h.telegram.deliver(bot.token, message(privateChat, "are you there?"));
    const [event] = await eventually(async () => {
      const list = await events(bot);
      return list[0]?.type === "failed" ? list : undefined;
    }, 15_000);
    expect(event).toMatchObject({ type: "failed", error: { code: "MODEL_ERROR", message: expect.stringMatching(/500/) } });
    // The failure is logged on the last attempt, just before the queue moves the message to its dead letters.
    await eventually(async () => (await h.stack.queue.deadLetters()).some((d) => d.job.integrationId === bot.integrationId));
    expect(h.telegram.sentMessages(bot.token)).toEqual([]);
  });
});

test("no bot token or webhook secret appears in DATA_DIR or in the server's output", async () => {
  expect(tokens.length).toBeGreaterThan(5);
  const files = await filesUnder(h.dataDir);
  const everything = [...files.map((f) => f.content.toString("latin1")), ...h.logs];
  for (const secret of [...tokens, ...secrets]) {
    for (const text of everything) expect(text.includes(secret)).toBe(false);
  }
});
