import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { slashCommand } from "@patchbay/testing";
import type { DiscordMessage, FakeDiscordApplication, FakeDiscordGuild } from "@patchbay/testing";
import { LOCAL_LISTENERS } from "../src/transports/index.ts";
import { eventually } from "./helpers.ts";
import { startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";

const MESSAGE_CONTENT_LIMITED = 1 << 19;

let h: Harness;
let replicaId: string;
let apps = 0;

beforeAll(async () => {
  h = await startHarness({
    stack: {
      listeners: LOCAL_LISTENERS,
      transports: { intervalMs: 50, discord: { backoff: { initialMs: 50, maxMs: 400 }, recheckMs: 100 } },
    },
  });
  h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
  replicaId = (await h.api("POST", "/v1/replicas", { name: "Ada", instructions: "You are Ada." })).body.id;
});
afterAll(() => h.close());

interface Connected {
  app: FakeDiscordApplication;
  guild: FakeDiscordGuild;
  general: string;
  news: string;
  integrationId: string;
  body: any;
}

async function connect(settings: Record<string, unknown> = {}, flags = MESSAGE_CONTENT_LIMITED): Promise<Connected> {
  const n = ++apps;
  const app = h.discord.addApplication({ name: `Gateway Ada ${n}`, botToken: `MTG${n}.gateway-bot-token-${n}.abcdefghijklmnop`, botUsername: `gada${n}`, flags });
  const guild = h.discord.addGuild({
    name: `Gateway guild ${n}`,
    channels: [
      { name: "general", type: 0 },
      { name: "news", type: 0 },
    ],
    members: [app.id],
  });
  const general = guild.channels.find((c) => c.name === "general")!.id;
  const news = guild.channels.find((c) => c.name === "news")!.id;
  const answer = await h.api("POST", "/v1/integrations/discord", { replica_id: replicaId, bot_token: app.botToken, guild_id: guild.id, ...settings });
  expect(answer.status).toBe(201);
  await h.discord.gateway.waitForLive(app.id);
  return { app, guild, general, news, integrationId: answer.body.id, body: answer.body };
}

const mention = (c: Connected, text: string) => `<@${c.app.botId}> ${text}`;
const botMessages = (c: Connected, channelId: string) => h.discord.messages(channelId).filter((m) => m.author.id === c.app.botId);

/** The events log once the queue is empty and nothing is being answered. */
async function settledEvents(c: Connected): Promise<any[]> {
  return eventually(async () => {
    const list = (await h.api("GET", `/v1/integrations/${c.integrationId}/events`)).body.data as any[];
    return list.every((e) => e.type !== "processing") && h.stack.queue.pending().length === 0 ? list : undefined;
  });
}

/** Where npm start keeps an integration's Gateway session (null when it keeps none). */
const keptSession = (c: Connected) =>
  readFile(join(h.dataDir, "gateway", `${c.integrationId}.session`), "utf8").then(
    (text) => JSON.parse(text) as { sessionId: string; sequence: number },
    () => null,
  );

/** Events about people's messages (the bot's own answers come back over the Gateway and are logged as own_message). */
const aboutPeople = (list: any[]) => list.filter((e) => e.reason !== "own_message" && e.type !== "activity");

describe("Discord through the Gateway (npm start)", () => {
  test("connecting: delivery gateway, commands registered, no Interactions Endpoint URL on a laptop, one session with the intents the flags allow", async () => {
    const c = await connect();
    expect(c.body).toMatchObject({ delivery: "gateway", status: "active" });
    expect(h.discord.application(c.app.id).interactionsEndpointUrl).toBeNull();
    expect(h.discord.commands(c.app.id, c.guild.id).map((cmd) => cmd.name)).toEqual(["ask", "Ask Ada"]);
    const [connection] = h.discord.gateway.connections(c.app.id);
    expect(connection).toMatchObject({ how: "identify", intents: 37377, live: true });
    expect(h.discord.callsTo("getGatewayBot").some((call) => call.headers.authorization === `Bot ${c.app.botToken}`)).toBe(true);
    expect((await h.api("POST", `/v1/integrations/${c.integrationId}/validate`)).body.valid).toBe(true);
  });

  test("an Interactions Endpoint URL set in the portal takes /ask off the Gateway: validate says so and the reconciler clears it", async () => {
    const c = await connect();
    const set = await fetch(`${h.discord.url}/applications/@me`, {
      method: "PATCH",
      headers: { authorization: `Bot ${c.app.botToken}`, "content-type": "application/json" },
      body: JSON.stringify({ interactions_endpoint_url: c.body.webhook_url }),
    });
    expect(set.status).toBe(200);
    const drift = await h.api("POST", `/v1/integrations/${c.integrationId}/validate`);
    expect(drift.body).toMatchObject({ valid: false, error: { code: "PLATFORM_ERROR", message: expect.stringMatching(/instead of over the Gateway/) } });
    await h.stack.reconcile();
    expect(h.discord.application(c.app.id).interactionsEndpointUrl ?? "").toBe("");
    expect((await h.api("POST", `/v1/integrations/${c.integrationId}/validate`)).body.valid).toBe(true);
  });

  test("a mention in an allowed channel is answered once, as a reply that pings no one, with typing and a nonce", async () => {
    const c = await connect({ channel_ids: [] });
    await h.api("PATCH", `/v1/integrations/${c.integrationId}`, { channel_ids: [c.general] });
    const asked = h.discord.sendMessage(c.general, { content: mention(c, "what is a gateway?") });
    await eventually(() => botMessages(c, c.general).length === 1);
    const [answer] = botMessages(c, c.general);
    expect(answer).toMatchObject({ content: "Answer to: what is a gateway?", type: 19, message_reference: { message_id: asked.id } });
    const post = h.discord.callsTo("createMessage").find((call) => call.path === `/channels/${c.general}/messages` && call.appId === c.app.id)!;
    expect(post.body).toMatchObject({ allowed_mentions: { parse: [], replied_user: false }, nonce: expect.any(String), enforce_nonce: true });
    expect(h.discord.callsTo("triggerTypingIndicator").some((call) => call.path === `/channels/${c.general}/typing`)).toBe(true);
    const list = aboutPeople(await settledEvents(c));
    expect(list).toMatchObject([{ type: "replied", chat_id: c.general }]);
    // Seen again (another connection, a replay): still one answer.
    h.discord.gateway.dispatch(c.app.id, "MESSAGE_CREATE", { ...asked, guild_id: c.guild.id, channel_type: 0 });
    await settledEvents(c);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(botMessages(c, c.general)).toHaveLength(1);
  });

  test("a mention of the bot's managed role addresses it too, and is taken out of the text", async () => {
    const c = await connect();
    const role = h.discord.botRole(c.guild.id, c.app.id);
    expect(c.body.bot.role_id).toBe(role);
    h.discord.sendMessage(c.general, { content: `<@&${role}> what about roles?` });
    await eventually(() => botMessages(c, c.general).length === 1);
    expect(botMessages(c, c.general)[0]!.content).toBe("Answer to: what about roles?");
  });

  test("another channel, a bot's message and an unaddressed message (scope mentions) are ignored with their reasons", async () => {
    const c = await connect({ channel_ids: [] });
    await h.api("PATCH", `/v1/integrations/${c.integrationId}`, { channel_ids: [c.general] });
    h.discord.sendMessage(c.news, { content: mention(c, "over here?") });
    h.discord.sendMessage(c.general, { content: mention(c, "from a bot"), author: { id: "1400000000000000099", username: "otherbot", bot: true } as DiscordMessage["author"] });
    h.discord.sendMessage(c.general, { content: "just chatting" });
    const list = await eventually(async () => {
      const got = aboutPeople(await settledEvents(c));
      return got.length === 3 ? got : undefined;
    });
    expect(list.map((e) => e.reason).sort()).toEqual(["bot_message", "channel_not_allowed", "not_addressed"]);
    expect(botMessages(c, c.general)).toEqual([]);
    expect(botMessages(c, c.news)).toEqual([]);
  });

  test("scope all answers every message in the channel; a DM is answered whatever the scope but none", async () => {
    const c = await connect({ scope: "all" });
    h.discord.sendMessage(c.general, { content: "no mention at all" });
    await eventually(() => botMessages(c, c.general).length === 1);
    expect(botMessages(c, c.general)[0]!.content).toBe("Answer to: no mention at all");

    const dm = h.discord.openDirectMessage(c.app.id);
    h.discord.sendMessage(dm.id, { content: "hello in private" });
    await eventually(() => botMessages(c, dm.id).length === 1);
    expect(botMessages(c, dm.id)[0]!.content).toMatch(/\n\nAnswer to: hello in private$/);
  });

  test("a person's first DM is answered with welcome_message first; later DMs without it", async () => {
    const c = await connect();
    await h.api("PATCH", `/v1/integrations/${c.integrationId}`, { welcome_message: "Welcome! I am Ada, ask me about gateways." });
    const dm = h.discord.openDirectMessage(c.app.id, { id: "1450000000000000001", username: "newcomer" });
    h.discord.sendMessage(dm.id, { content: "hi there", author: { id: "1450000000000000001", username: "newcomer" } as DiscordMessage["author"] });
    await eventually(() => botMessages(c, dm.id).length === 1);
    expect(botMessages(c, dm.id)[0]!.content).toBe("Welcome! I am Ada, ask me about gateways.\n\nAnswer to: hi there");
    await settledEvents(c);
    h.discord.sendMessage(dm.id, { content: "and again", author: { id: "1450000000000000001", username: "newcomer" } as DiscordMessage["author"] });
    await eventually(() => botMessages(c, dm.id).length === 2);
    expect(botMessages(c, dm.id)[1]!.content).toBe("Answer to: and again");
    // A guild channel is no DM: no welcome there.
    h.discord.sendMessage(c.general, { content: mention(c, "in public") });
    await eventually(() => botMessages(c, c.general).length === 1);
    expect(botMessages(c, c.general)[0]!.content).toBe("Answer to: in public");
  });

  test("a message in a thread is answered in the thread and counts as its parent channel for channel_ids", async () => {
    const c = await connect();
    await h.api("PATCH", `/v1/integrations/${c.integrationId}`, { channel_ids: [c.general] });
    const starter = h.discord.sendMessage(c.general, { content: "a thread starts here" });
    const started = await fetch(`${h.discord.url}/channels/${c.general}/messages/${starter.id}/threads`, {
      method: "POST",
      headers: { authorization: `Bot ${c.app.botToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "side talk" }),
    });
    expect(started.status).toBe(201);
    const threadId = starter.id;
    h.discord.sendMessage(threadId, { content: mention(c, "in the thread") });
    await eventually(() => botMessages(c, threadId).length === 1);
    expect(botMessages(c, threadId)[0]!.content).toBe("Answer to: in the thread");
    expect(botMessages(c, c.general)).toEqual([]);
  });

  test("thread_auto_create: a channel message gets its answer in a thread named after it, and the conversation there has the thread's history", async () => {
    const c = await connect({ thread_auto_create: true });
    const asked = h.discord.sendMessage(c.general, { content: mention(c, "tell me about threads") });
    await eventually(() => botMessages(c, asked.id).length === 1);
    expect(h.discord.channel(asked.id)).toMatchObject({ parent_id: c.general, name: "tell me about threads", type: 11 });
    expect(botMessages(c, asked.id)[0]!.content).toBe("Answer to: tell me about threads");
    expect(botMessages(c, c.general)).toEqual([]);

    h.discord.sendMessage(asked.id, { content: mention(c, "and then?") });
    await eventually(() => botMessages(c, asked.id).length === 2);
    expect(h.openai.requests.at(-1)!.messages.map((m) => m.content)).toEqual([
      expect.stringMatching(/^You are Ada\./),
      "tell me about threads",
      "Answer to: tell me about threads",
      "and then?",
    ]);
    // Inside the thread no further thread is started.
    expect(h.discord.callsTo("startThreadFromMessage").filter((call) => call.appId === c.app.id)).toHaveLength(1);
  });

  test("a reconnect in the middle of a conversation loses and repeats nothing (RECONNECT, then a dropped connection)", async () => {
    const c = await connect({ scope: "all" });
    h.discord.sendMessage(c.general, { content: "first" });
    await eventually(() => botMessages(c, c.general).length === 1);
    const live = () => h.discord.gateway.connections(c.app.id).filter((conn) => conn.live).length;
    const before = live();
    h.discord.gateway.reconnect(c.app.id);
    h.discord.sendMessage(c.general, { content: "second, during the reconnect" });
    await h.discord.gateway.waitForLive(c.app.id, { count: before + 1 });
    h.discord.gateway.drop(c.app.id);
    h.discord.sendMessage(c.general, { content: "third, while the link is down" });
    expect(await h.discord.gateway.waitForLive(c.app.id, { count: before + 2 })).toMatchObject({ how: "resume" });
    await eventually(() => botMessages(c, c.general).length === 3);
    await settledEvents(c);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(botMessages(c, c.general).map((m) => m.content)).toEqual(["Answer to: first", "Answer to: second, during the reconnect", "Answer to: third, while the link is down"]);
    expect(h.discord.gateway.identifies(c.app.id)).toBe(1);
  });

  test("restarting npm start hands the session over: the next run RESUMEs, and a message written while it was down is answered once", async () => {
    const c = await connect({ scope: "all" });
    const before = h.discord.sendMessage(c.general, { content: "before the restart" });
    await eventually(() => botMessages(c, c.general).length === 1);
    await settledEvents(c);
    // Kept as it goes, so a crash would resume from here too.
    const event = h.discord.gateway.sessions(c.app.id).at(-1)!.events.find((e) => (e.d as { id?: string }).id === before.id)!;
    const kept = await eventually(async () => {
      const found = await keptSession(c);
      return found && found.sequence >= event.s ? found : undefined;
    });
    expect(kept.sessionId).toBe(h.discord.gateway.sessions(c.app.id).at(-1)!.id);
    await h.restart(() => {
      expect(h.discord.gateway.connections(c.app.id).at(-1)).toMatchObject({ closedBy: "client", closeCode: 4200 });
      h.discord.sendMessage(c.general, { content: "while npm start was down" });
    });
    await eventually(() => botMessages(c, c.general).length === 2);
    expect(h.discord.gateway.connections(c.app.id).at(-1)).toMatchObject({ how: "resume", path: "/resume" });
    expect(h.discord.gateway.identifies(c.app.id)).toBe(1);
    await settledEvents(c);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(botMessages(c, c.general).map((m) => m.content)).toEqual(["Answer to: before the restart", "Answer to: while npm start was down"]);
  });

  test("close 4014: status error with a last_error naming the toggle, no reconnect loop; validate clears it and the Gateway comes back", async () => {
    const c = await connect();
    h.discord.gateway.closeConnections(c.app.id, 4014);
    const broken = await eventually(async () => {
      const got = (await h.api("GET", `/v1/integrations/${c.integrationId}`)).body;
      return got.status === "error" ? got : undefined;
    });
    expect(broken.last_error).toMatchObject({ code: "INSUFFICIENT_PERMISSIONS", message: expect.stringMatching(/Developer Portal.*Message Content Intent/) });
    const connections = h.discord.gateway.connections(c.app.id).length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(h.discord.gateway.connections(c.app.id)).toHaveLength(connections);

    expect((await h.api("POST", `/v1/integrations/${c.integrationId}/validate`)).body.valid).toBe(true);
    await h.discord.gateway.waitForLive(c.app.id, { count: 2 });
    await eventually(async () => (await h.api("GET", `/v1/integrations/${c.integrationId}`)).body.status === "active");
    expect((await h.api("GET", `/v1/integrations/${c.integrationId}`)).body.last_error).toBeNull();

    // Switched off again: reported again.
    h.discord.gateway.closeConnections(c.app.id, 4014);
    await eventually(async () => (await h.api("GET", `/v1/integrations/${c.integrationId}`)).body.status === "error");
  });

  test("close 4004: status error naming the token fix", async () => {
    const c = await connect();
    h.discord.gateway.closeConnections(c.app.id, 4004);
    const broken = await eventually(async () => {
      const got = (await h.api("GET", `/v1/integrations/${c.integrationId}`)).body;
      return got.status === "error" ? got : undefined;
    });
    expect(broken.last_error).toMatchObject({ code: "INVALID_CREDENTIALS", message: expect.stringMatching(/Reset Token/) });
  });

  test("without the Message Content intent: no MESSAGE_CONTENT in IDENTIFY, mentions still answered, other messages arrive without text", async () => {
    const c = await connect({ scope: "all" }, 0);
    expect(c.body.warnings?.join(" ")).toMatch(/Message Content/);
    expect(h.discord.gateway.connections(c.app.id)[0]!.intents).toBe(4609);
    h.discord.sendMessage(c.general, { content: "no mention, so no text for the bot" });
    h.discord.sendMessage(c.general, { content: mention(c, "but this one") });
    await eventually(() => botMessages(c, c.general).length === 1);
    expect(botMessages(c, c.general)[0]!.content).toBe("Answer to: but this one");
    const list = await eventually(async () => {
      const got = aboutPeople(await settledEvents(c));
      return got.length === 2 ? got : undefined;
    });
    expect(list.map((e) => e.reason ?? e.type).sort()).toEqual(["empty_message", "replied"]);
  });

  test("a streamed answer's edits come back over the Gateway but are not logged; a person's edit is", async () => {
    const c = await connect();
    const streamed = `Streaming ${Array.from({ length: 30 }, (_, i) => `w${i}`).join(" ")}.`;
    h.openai.reply(() => streamed);
    try {
      const hold = h.openai.holdNextStream(4);
      const asked = h.discord.sendMessage(c.general, { content: mention(c, "stream it") });
      await hold.reached;
      await eventually(() => botMessages(c, c.general).length === 1);
      hold.release();
      await eventually(() => botMessages(c, c.general)[0]?.content === streamed);
      const [answer] = botMessages(c, c.general);
      const sessionEvents = h.discord.gateway.sessions(c.app.id).at(-1)!.events;
      expect(sessionEvents.some((e) => e.t === "MESSAGE_UPDATE" && (e.d as { id?: string }).id === answer!.id)).toBe(true);

      h.discord.gateway.dispatch(c.app.id, "MESSAGE_UPDATE", { ...asked, guild_id: c.guild.id, content: mention(c, "stream it, edited"), edited_timestamp: new Date().toISOString() });
      const list = await eventually(async () => {
        const got = await settledEvents(c);
        return got.some((e) => e.reason === "edited_message") ? got : undefined;
      });
      expect(list.filter((e) => e.reason === "edited_message")).toHaveLength(1);
    } finally {
      h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
    }
  });

  test("a long answer is split under 2000 characters: the first part replies, the rest follow in the channel", async () => {
    const c = await connect();
    const long = Array.from({ length: 7 }, (_, i) => `Paragraph ${i} ${"z".repeat(700)}.`).join("\n\n");
    h.openai.reply(() => long);
    try {
      const asked = h.discord.sendMessage(c.general, { content: mention(c, "a long one please") });
      await eventually(async () => aboutPeople(await settledEvents(c)).some((e) => e.type === "replied"));
      const parts = botMessages(c, c.general);
      expect(parts.length).toBeGreaterThan(2);
      expect(parts.every((m) => m.content.length <= 2000)).toBe(true);
      expect(parts.map((m) => m.content).join("\n\n")).toBe(long);
      expect(parts[0]).toMatchObject({ message_reference: { message_id: asked.id } });
      expect(parts.slice(1).every((m) => m.message_reference === undefined)).toBe(true);
    } finally {
      h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
    }
  });

  test("pausing and deleting close the connection within seconds; resuming opens it again", async () => {
    const c = await connect();
    await h.api("PATCH", `/v1/integrations/${c.integrationId}`, { active: false });
    await h.discord.gateway.waitForNoConnection(c.app.id);
    // Paused: the session is ended, not handed over — nothing sent meanwhile is replayed on resuming.
    expect(h.discord.gateway.connections(c.app.id).at(-1)).toMatchObject({ closedBy: "client", closeCode: 1000 });
    await eventually(async () => (await keptSession(c)) === null);
    await h.api("PATCH", `/v1/integrations/${c.integrationId}`, { active: true });
    await h.discord.gateway.waitForLive(c.app.id, { count: 2 });
    expect(await h.api("DELETE", `/v1/integrations/${c.integrationId}`)).toMatchObject({ status: 200, body: { deleted: true } });
    await h.discord.gateway.waitForNoConnection(c.app.id);
    // Closed with 1000: the bot goes offline instead of lingering as a resumable session.
    expect(h.discord.gateway.connections(c.app.id).at(-1)).toMatchObject({ closedBy: "client", closeCode: 1000 });
  });

  test("without a public URL, /ask arrives over the Gateway and is answered with the interaction callback", async () => {
    const c = await connect();
    const interaction = h.discord.createInteraction(c.app.id, { data: slashCommand("over the gateway?"), guild_id: c.guild.id, channel_id: c.general });
    h.discord.dispatchInteraction(c.app.id, interaction);
    await eventually(() => h.discord.interactionStatus(interaction.token).acknowledged);
    expect(h.discord.interactionStatus(interaction.token).responseType).toBe(5);
    await eventually(() => h.discord.interactionMessages(interaction.token).some((m) => m.kind === "edit" && m.content === "Answer to: over the gateway?"));

    // Refused (outside channel_ids): the callback carries the ephemeral refusal, as the webhook's answer would.
    await h.api("PATCH", `/v1/integrations/${c.integrationId}`, { channel_ids: [c.general] });
    const outside = h.discord.createInteraction(c.app.id, { data: slashCommand("in news?"), guild_id: c.guild.id, channel_id: c.news });
    h.discord.dispatchInteraction(c.app.id, outside);
    await eventually(() => h.discord.interactionStatus(outside.token).acknowledged);
    expect(h.discord.interactionStatus(outside.token).responseType).toBe(4);
    expect(h.discord.callsTo("createInteractionResponse").at(-1)!.body).toMatchObject({ type: 4, data: { flags: 64, content: expect.stringMatching(/this channel/) } });
  });
});
