import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LOCAL_LISTENERS } from "../src/transports/index.ts";
import { eventually } from "./helpers.ts";
import { startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";

// PUBLIC_URL is the harness's http://127.0.0.1:<port>: not public HTTPS, so Telegram bots are long-polled.
let h: Harness;
let replicaId: string;
let counter = 0;

beforeAll(async () => {
  h = await startHarness({
    stack: { listeners: LOCAL_LISTENERS, transports: { intervalMs: 50, telegram: { backoff: { initialMs: 50, maxMs: 400 } } } },
  });
  h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
  replicaId = (await h.api("POST", "/v1/replicas", { name: "Ada", instructions: "You are Ada." })).body.id;
});
afterAll(() => h.close());

interface Bot {
  token: string;
  integrationId: string;
  body: any;
}

async function connect(before: (token: string) => void | Promise<void> = () => undefined): Promise<Bot> {
  const n = ++counter;
  const token = `${6100000 + n}:AAPoll${"q".repeat(20)}${n}`;
  h.telegram.addBot({ token, username: `Poll${n}_bot`, can_read_all_group_messages: true });
  await before(token);
  const answer = await h.api("POST", "/v1/integrations/telegram", { replica_id: replicaId, bot_token: token });
  expect(answer.status).toBe(201);
  return { token, integrationId: answer.body.id, body: answer.body };
}

let messageId = 1;
const grace = { id: 42, is_bot: false, first_name: "Grace" };
const dm = (text: string) => ({ message: { message_id: ++messageId, from: grace, chat: { id: 42, type: "private", first_name: "Grace" }, date: Math.floor(Date.now() / 1000), text } });
const inGroup = (text: string) => ({ message: { message_id: ++messageId, from: grace, chat: { id: -100777, type: "supergroup", title: "Team" }, date: Math.floor(Date.now() / 1000), text } });

const answers = (bot: Bot) => h.telegram.sentMessages(bot.token).map((m) => m.text);
const integration = async (bot: Bot) => (await h.api("GET", `/v1/integrations/${bot.integrationId}`)).body;
const offsetFile = (bot: Bot) => join(h.dataDir, "polling", `${bot.integrationId}.offset`);

/** The events log once `count` entries are in and none is still being answered. */
async function settledEvents(bot: Bot, count: number): Promise<any[]> {
  return eventually(async () => {
    const list = (await h.api("GET", `/v1/integrations/${bot.integrationId}/events`)).body.data as any[];
    return list.length === count && list.every((e) => e.type !== "processing") && h.stack.queue.pending().length === 0 ? list : undefined;
  });
}

/** Resolves once the bot's poller is waiting in a getUpdates that has not been answered yet. */
async function pollerWaiting(bot: Bot, after = 0): Promise<void> {
  await eventually(() => h.telegram.callsTo("getUpdates", bot.token).slice(after).some((call) => call.response === undefined && !call.dropped));
}

describe("Telegram by long polling", () => {
  test("connecting removes a webhook left behind, says delivery polling, and a message is answered through the pipeline", async () => {
    const bot = await connect((token) => h.telegram.setWebhookState(token, { url: "https://old.example.com/telegram" }));
    expect(bot.body).toMatchObject({ delivery: "polling", status: "active", last_error: null });
    expect(bot.body.warnings).toBeUndefined();
    expect(h.telegram.webhookOf(bot.token).url).toBe("");
    expect(h.telegram.callsTo("deleteWebhook", bot.token)).toHaveLength(1);
    expect(h.telegram.callsTo("deleteWebhook", bot.token)[0]!.params).toEqual({}); // pending updates are kept for the poller

    // deliver() resolves once getUpdates confirmed the update: the pipeline took it and its offset is on disk.
    await h.telegram.deliver(bot.token, dm("hello over polling"));
    const [update] = h.telegram.polledUpdates(bot.token);
    if (!update) throw new Error("the update was not queued for getUpdates");
    await eventually(() => answers(bot).length === 1);
    expect(answers(bot)).toEqual(["Answer to: hello over polling"]);
    expect(JSON.parse(await readFile(offsetFile(bot), "utf8"))).toEqual({ offset: update.update_id + 1 });
    const [event] = await settledEvents(bot, 1);
    expect(event).toMatchObject({ type: "replied", text: "hello over polling" });

    const polls = h.telegram.callsTo("getUpdates", bot.token);
    expect(polls[0]!.params).toEqual({ timeout: 25, allowed_updates: ["message", "my_chat_member"] });
    expect(polls.at(-1)!.params).toMatchObject({ offset: update.update_id + 1 });
    expect((await integration(bot)).message_count).toBe(1);
  });

  test("the answering rules are the webhook's: a group message not addressed to the bot is logged as ignored", async () => {
    const bot = await connect();
    await h.telegram.deliver(bot.token, inGroup("just chatting"));
    const [event] = await settledEvents(bot, 1);
    expect(event).toMatchObject({ type: "ignored", reason: "not_addressed", text: "just chatting" });
    expect(answers(bot)).toEqual([]);
  });

  test("a restart keeps the offset: what came before, during and after is answered once, none fetched twice", async () => {
    const bot = await connect();
    await h.telegram.deliver(bot.token, dm("before the restart"));
    await eventually(() => answers(bot).length === 1);
    await h.restart(() => h.telegram.queueUpdate(bot.token, dm("while it was down")));
    await eventually(() => answers(bot).length === 2);
    await h.telegram.deliver(bot.token, dm("after the restart"));
    await eventually(() => answers(bot).length === 3);
    expect(answers(bot)).toEqual(["Answer to: before the restart", "Answer to: while it was down", "Answer to: after the restart"]);
    expect(h.telegram.polledUpdates(bot.token).map((u) => u.timesReturned)).toEqual([1, 1, 1]);
    await settledEvents(bot, 3);
  });

  test("an update taken by the pipeline whose offset could not be written is fetched again and still answered once", async () => {
    const bot = await connect();
    await pollerWaiting(bot);
    // The state a crash between the pipeline and the offset write leaves: the update in, the offset not moved.
    // A directory where the offset file goes makes every write fail (even for root) until it is removed.
    await mkdir(offsetFile(bot), { recursive: true });
    await writeFile(join(offsetFile(bot), "blocker"), "");
    const update = h.telegram.queueUpdate(bot.token, dm("fetched twice"));
    await eventually(() => h.telegram.polledUpdates(bot.token)[0]!.timesReturned >= 2);
    await rm(offsetFile(bot), { recursive: true });
    await eventually(() => h.telegram.polledUpdates(bot.token)[0]!.confirmedAt !== undefined);

    const [event] = await settledEvents(bot, 1);
    expect(event).toMatchObject({ type: "replied", text: "fetched twice" });
    expect(answers(bot)).toEqual(["Answer to: fetched twice"]);
    expect(JSON.parse(await readFile(offsetFile(bot), "utf8"))).toEqual({ offset: (update.update_id as number) + 1 });
    expect(h.logs.some((line) => line.includes("telegram polling failed") && line.includes(bot.integrationId))).toBe(true);
  });

  test("another getUpdates consumer: 409, last_error says so, and polling goes on once it is gone", async () => {
    const bot = await connect();
    await pollerWaiting(bot);
    // A second program polls the same bot: Telegram ends Patchbay's waiting request with 409.
    const other = await fetch(`${h.telegram.url}/bot${bot.token}/getUpdates`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ timeout: 1 }) });
    expect([200, 409]).toContain(other.status);
    const shown = await eventually(async () => ((await integration(bot)).last_error?.message.includes("Another program") ? (await integration(bot)).last_error : undefined));
    expect(shown).toMatchObject({ code: "PLATFORM_ERROR", message: expect.stringMatching(/Another program is reading this bot's updates with getUpdates \(409 Conflict/) });
    expect((await integration(bot)).status).toBe("active");

    await h.telegram.deliver(bot.token, dm("after the conflict"));
    await eventually(() => answers(bot).length === 1);
    await eventually(async () => (await integration(bot)).last_error === null);
  });

  test("a webhook set elsewhere: 409 named in last_error, the reconciler removes it, polling goes on", async () => {
    const bot = await connect();
    await pollerWaiting(bot);
    const set = await fetch(`${h.telegram.url}/bot${bot.token}/setWebhook`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: "https://elsewhere.example.com/hook" }) });
    expect(set.status).toBe(200);
    await eventually(async () => /a webhook is set for it/.test((await integration(bot)).last_error?.message ?? ""));
    const validation = await h.api("POST", `/v1/integrations/${bot.integrationId}/validate`);
    expect(validation.body).toMatchObject({ valid: false, error: { code: "PLATFORM_ERROR", webhook_url: "https://elsewhere.example.com/hook" } });

    await h.stack.reconcile();
    expect(h.telegram.webhookOf(bot.token).url).toBe("");
    await h.telegram.deliver(bot.token, dm("after the repair"));
    await eventually(() => answers(bot).length === 1);
    expect((await integration(bot)).last_error).toBeNull();
  });

  test("pausing stops the poller, resuming starts it again, deleting stops it and forgets its offset", async () => {
    const bot = await connect();
    await h.telegram.deliver(bot.token, dm("first"));
    await eventually(() => answers(bot).length === 1);
    await stat(offsetFile(bot));

    expect((await h.api("PATCH", `/v1/integrations/${bot.integrationId}`, { active: false })).status).toBe(200);
    await eventually(() => !h.stack.transports.running().some((r) => r.integrationId === bot.integrationId));
    const pollsWhilePaused = h.telegram.callsTo("getUpdates", bot.token).length;
    h.telegram.queueUpdate(bot.token, dm("sent while paused"));
    await h.stack.transports.sync();
    expect(h.telegram.callsTo("getUpdates", bot.token)).toHaveLength(pollsWhilePaused);

    expect((await h.api("PATCH", `/v1/integrations/${bot.integrationId}`, { active: true })).status).toBe(200);
    await eventually(() => answers(bot).length === 2);

    expect((await h.api("DELETE", `/v1/integrations/${bot.integrationId}`)).status).toBe(200);
    await eventually(() => !h.stack.transports.running().some((r) => r.integrationId === bot.integrationId));
    await eventually(async () => (await stat(offsetFile(bot)).then(() => false, () => true)));
    // The deleted integration left Telegram as it found it: no webhook.
    expect(h.telegram.webhookOf(bot.token).url).toBe("");
  });
});
