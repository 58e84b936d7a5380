import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { messageCommand, slashCommand } from "@patchbay/testing";
import type { FakeDiscordApplication, FakeDiscordGuild } from "@patchbay/testing";
import { eventually, filesUnder } from "./helpers.ts";
import { startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";

let h: Harness;
let replicaId: string;
const tokens: string[] = [];
let apps = 0;

beforeAll(async () => {
  h = await startHarness();
  h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
  replicaId = (await h.api("POST", "/v1/replicas", { name: "Ada", instructions: "You are Ada." })).body.id;
});
afterAll(async () => {
  await h.close();
});

interface Connected {
  app: FakeDiscordApplication;
  guild: FakeDiscordGuild;
  general: string;
  integrationId: string;
  body: any;
}

function newApp(flags = 0) {
  const n = ++apps;
  const app = h.discord.addApplication({ name: `Ada app ${n}`, botToken: `MTA${n}.discord-bot-token-${n}.abcdefghijklmnopqrstuvwxyz`, botUsername: `ada${n}`, flags });
  tokens.push(app.botToken);
  const guild = h.discord.addGuild({
    name: `Guild ${n}`,
    channels: [
      { name: "general", type: 0 },
      { name: "voice", type: 2 },
      { name: "news", type: 5 },
    ],
    members: [app.id],
  });
  return { app, guild, general: guild.channels.find((c) => c.name === "general")!.id };
}

async function connect(settings: Record<string, unknown> = {}, flags = 0): Promise<Connected> {
  const { app, guild, general } = newApp(flags);
  const answer = await h.api("POST", "/v1/integrations/discord", { replica_id: replicaId, bot_token: app.botToken, guild_id: guild.id, ...settings });
  expect(answer.status).toBe(201);
  return { app, guild, general, integrationId: answer.body.id, body: answer.body };
}

const ask = (c: Connected, question: string, channel = c.general, extra: Record<string, unknown> = {}) =>
  h.discord.createInteraction(c.app.id, { data: slashCommand(question), guild_id: c.guild.id, channel_id: channel, ...extra });

async function events(c: Connected) {
  return (await h.api("GET", `/v1/integrations/${c.integrationId}/events`)).body.data as any[];
}

describe("connect", () => {
  test("the application, guild and text channels come from Discord; commands are registered and the endpoint URL verified", async () => {
    const c = await connect();
    expect(c.body).toMatchObject({
      platform: "discord",
      status: "active",
      guild_id: c.guild.id,
      guild_name: c.guild.name,
      bot: { id: c.app.id, username: c.app.botUsername, public_key: c.app.verifyKey },
      channels: [
        { id: c.general, name: "#general" },
        { id: expect.any(String), name: "#news" },
      ],
    });
    expect(h.discord.application(c.app.id).interactionsEndpointUrl).toBe(c.body.webhook_url);
    const kinds = h.discord.deliveries.filter((d) => d.url === c.body.webhook_url).map((d) => [d.kind, d.status]);
    expect(kinds).toEqual(expect.arrayContaining([["verify_ping", 200], ["verify_bad_signature", 401]]));
    expect(h.discord.commands(c.app.id, c.guild.id).map((cmd) => [cmd.name, cmd.type])).toEqual([
      ["ask", 1],
      ["Ask Ada", 3],
    ]);
  });

  test("a bad token → 422 INVALID_CREDENTIALS; a guild the bot is not in → 422 INSUFFICIENT_PERMISSIONS with the invite scopes; nothing stored", async () => {
    const before = (await h.api("GET", "/v1/integrations?platform=discord")).body.total;
    const { app, guild } = newApp();
    const bad = await h.api("POST", "/v1/integrations/discord", { replica_id: replicaId, bot_token: "not-a-token", guild_id: guild.id });
    expect([bad.status, bad.body.error.code]).toEqual([422, "INVALID_CREDENTIALS"]);
    const foreign = h.discord.addGuild({ name: "Elsewhere", channels: [{ name: "general", type: 0 }], members: [] });
    const outsider = await h.api("POST", "/v1/integrations/discord", { replica_id: replicaId, bot_token: app.botToken, guild_id: foreign.id });
    expect(outsider.status).toBe(422);
    expect(outsider.body.error).toMatchObject({
      code: "INSUFFICIENT_PERMISSIONS",
      required_scopes: ["bot", "applications.commands"],
      invite_url: expect.stringContaining(`client_id=${app.id}`),
    });
    expect((await h.api("GET", "/v1/integrations?platform=discord")).body.total).toBe(before);
    expect(h.discord.application(app.id).interactionsEndpointUrl).toBeNull();
  });

  test("a refused endpoint URL undoes everything and answers with Discord's reason", async () => {
    const { app, guild } = newApp();
    const before = (await h.api("GET", "/v1/integrations?platform=discord")).body.total;
    h.discord.failNext("editCurrentApplication", {
      kind: "error",
      status: 400,
      code: 50035,
      message: "Invalid Form Body",
      errors: { interactions_endpoint_url: { _errors: [{ code: "APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID", message: "The specified interactions endpoint URL could not be verified." }] } },
    });
    const refused = await h.api("POST", "/v1/integrations/discord", { replica_id: replicaId, bot_token: app.botToken, guild_id: guild.id });
    expect(refused.status).toBe(502);
    expect(refused.body.error).toMatchObject({ code: "PLATFORM_ERROR", message: expect.stringContaining("could not be verified") });
    expect((await h.api("GET", "/v1/integrations?platform=discord")).body.total).toBe(before);
    expect(h.discord.commands(app.id, guild.id)).toEqual([]);
    expect(h.discord.application(app.id).interactionsEndpointUrl).toBeNull();
    // Nothing was left claimed: the same application connects once Discord accepts the URL.
    expect((await h.api("POST", "/v1/integrations/discord", { replica_id: replicaId, bot_token: app.botToken, guild_id: guild.id })).status).toBe(201);
  });

  test("without the Message Content intent, connect and validate say so and how to turn it on; /ask still works", async () => {
    const off = await connect();
    expect(off.body.status).toBe("active");
    expect(off.body.warnings).toEqual([expect.stringMatching(/Message Content intent is off.*Developer Portal → your application → Bot → Privileged Gateway Intents → Message Content Intent/)]);
    const validated = await h.api("POST", `/v1/integrations/${off.integrationId}/validate`);
    expect(validated.body).toMatchObject({ valid: true, warnings: off.body.warnings });
    const interaction = ask(off, "still there?");
    await h.discord.deliverInteraction(off.app.id, interaction);
    await eventually(() => h.discord.interactionMessages(interaction.token).some((m) => m.content === "Answer to: still there?"));

    // The owner flips the portal toggle (GATEWAY_MESSAGE_CONTENT_LIMITED): the next validate is clean.
    await fetch(`${h.discord.url}/applications/@me`, {
      method: "PATCH",
      headers: { authorization: `Bot ${off.app.botToken}`, "content-type": "application/json" },
      body: JSON.stringify({ flags: 1 << 19 }),
    });
    expect((await h.api("POST", `/v1/integrations/${off.integrationId}/validate`)).body).toMatchObject({ valid: true, warnings: [] });

    const on = await connect({}, 1 << 19);
    expect(on.body.warnings).toBeUndefined();
  });

  test("the same application again → 409", async () => {
    const c = await connect();
    const again = await h.api("POST", `/v1/replicas/${replicaId}/integrations/discord`, { bot_token: c.app.botToken, guild_id: c.guild.id });
    expect([again.status, again.body.error.integration_id]).toEqual([409, c.integrationId]);
  });
});

describe("validate, test, channels, delete", () => {
  test("validate sees a changed endpoint URL; test posts with a nonce; channels lists text channels only", async () => {
    const c = await connect();
    expect((await h.api("POST", `/v1/integrations/${c.integrationId}/validate`)).body.valid).toBe(true);
    const test = await h.api("POST", `/v1/integrations/${c.integrationId}/test`, { channel_id: c.general, text: "test post" });
    expect(test.body.test_result).toMatchObject({ success: true, message_id: expect.any(String) });
    const post = h.discord.callsTo("createMessage").at(-1)!;
    expect(post.body).toMatchObject({ content: "test post", nonce: expect.any(String), enforce_nonce: true, allowed_mentions: { parse: [] } });
    const channels = await h.api("GET", `/v1/integrations/${c.integrationId}/channels`);
    expect(channels.body.data.map((ch: any) => ch.name)).toEqual(["#general", "#news"]);
    await h.api("PUT", `/v1/integrations/${c.integrationId}/channels`, { channel_ids: [c.general] });
    expect((await h.api("GET", `/v1/integrations/${c.integrationId}/channels`)).body.data.map((ch: any) => ch.sync_enabled)).toEqual([true, false]);

    // Someone clears the Interactions Endpoint URL in the Developer Portal.
    await fetch(`${h.discord.url}/applications/@me`, {
      method: "PATCH",
      headers: { authorization: `Bot ${c.app.botToken}`, "content-type": "application/json" },
      body: JSON.stringify({ interactions_endpoint_url: "" }),
    });
    const drift = await h.api("POST", `/v1/integrations/${c.integrationId}/validate`);
    expect(drift.body).toMatchObject({ valid: false, error: { code: "PLATFORM_ERROR", message: expect.stringMatching(/Interactions Endpoint URL/) } });
    await h.stack.reconcile();
    expect(h.discord.application(c.app.id).interactionsEndpointUrl).toBe(c.body.webhook_url);
    expect((await h.api("POST", `/v1/integrations/${c.integrationId}/validate`)).body.valid).toBe(true);
  });

  test("delete removes the commands and clears the endpoint URL", async () => {
    const c = await connect();
    expect((await h.api("DELETE", `/v1/integrations/${c.integrationId}`)).body.deleted).toBe(true);
    expect(h.discord.commands(c.app.id, c.guild.id)).toEqual([]);
    expect(h.discord.application(c.app.id).interactionsEndpointUrl ?? "").toBe("");
    expect((await h.api("GET", `/v1/integrations/${c.integrationId}`)).status).toBe(404);
  });
});

describe("interactions", () => {
  test("a missing or bad signature → 401; PING → PONG", async () => {
    const c = await connect();
    const interaction = ask(c, "hello?");
    expect((await h.discord.deliverInteraction(c.app.id, interaction, { unsigned: true })).status).toBe(401);
    expect((await h.discord.deliverInteraction(c.app.id, interaction, { badSignature: true })).status).toBe(401);
    expect(await events(c)).toEqual([]);
    const ping = h.discord.createInteraction(c.app.id, { type: 1 });
    const pong = await h.discord.deliverInteraction(c.app.id, ping);
    expect(await pong.json()).toEqual({ type: 1 });
  });

  test("/ask is deferred at once, then the deferred response is edited with the answer", async () => {
    const c = await connect();
    const interaction = ask(c, "What is <@&123> @everyone?");
    const response = await h.discord.deliverInteraction(c.app.id, interaction);
    expect(await response.json()).toEqual({ type: 5 });
    await eventually(() => h.discord.interactionMessages(interaction.token).some((m) => m.kind === "edit"));
    const [edit] = h.discord.interactionMessages(interaction.token).filter((m) => m.kind === "edit");
    expect(edit).toMatchObject({ original: true, content: "Answer to: What is <@&123> @everyone?" });
    const patch = h.discord.callsTo("editOriginalInteractionResponse").at(-1)!;
    expect((patch.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({ parse: [] });
    const [event] = await eventually(async () => ((await events(c))[0]?.type === "replied" ? events(c) : undefined));
    expect(event).toMatchObject({ type: "replied", chat_id: c.general });
  });

  test("the message command answers the message it is used on", async () => {
    const c = await connect();
    const target = h.discord.addMessage(c.general, { content: "Is the moon made of cheese?" });
    const interaction = h.discord.createInteraction(c.app.id, { data: messageCommand(target, { name: "Ask Ada" }), guild_id: c.guild.id, channel_id: c.general });
    expect(await (await h.discord.deliverInteraction(c.app.id, interaction)).json()).toEqual({ type: 5 });
    await eventually(() => h.discord.interactionMessages(interaction.token).some((m) => m.content === "Answer to: Is the moon made of cheese?"));
  });

  test("long answers continue in follow-ups under 2000 characters each", async () => {
    const c = await connect();
    const long = Array.from({ length: 9 }, (_, i) => `Part ${i} ${"y".repeat(600)}.`).join("\n\n");
    h.openai.reply(() => long);
    try {
      const interaction = ask(c, "long one");
      await h.discord.deliverInteraction(c.app.id, interaction);
      await eventually(async () => (await events(c))[0]?.type === "replied");
      const messages = h.discord.interactionMessages(interaction.token).filter((m) => m.kind !== "response");
      expect(messages[0]).toMatchObject({ kind: "edit", original: true });
      expect(messages.slice(1).every((m) => m.kind === "followup")).toBe(true);
      expect(messages.length).toBeGreaterThan(2);
      expect(messages.every((m) => m.content.length <= 2000)).toBe(true);
      expect(messages.map((m) => m.content).join("\n\n")).toBe(long);
    } finally {
      h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
    }
  });

  test("a long bold answer stays bold across its messages: each one closes the bold and the next reopens it", async () => {
    const c = await connect();
    const words = Array.from({ length: 700 }, (_, i) => `word${i}`).join(" ");
    h.openai.reply(() => `**${words}**`);
    try {
      const interaction = ask(c, "all in bold");
      await h.discord.deliverInteraction(c.app.id, interaction);
      await eventually(async () => (await events(c))[0]?.type === "replied");
      const messages = h.discord.interactionMessages(interaction.token).filter((m) => m.kind !== "response");
      // Each message as it ends up (a streamed answer edits them as it grows).
      const last = new Map(messages.map((m) => [m.messageId, m.content]));
      const contents = [...last.values()];
      expect(contents.length).toBeGreaterThan(2);
      for (const content of contents) expect(content).toMatch(/^\*\*word\d+( word\d+)*\*\*$/);
      expect(contents.every((content) => content.length <= 2000)).toBe(true);
      expect(contents.map((content) => content.slice(2, -2)).join(" ")).toBe(words);
    } finally {
      h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
    }
  });

  test("outside channel_ids or while inactive: an immediate ephemeral message and no model call", async () => {
    const c = await connect({ channel_ids: [] });
    const news = c.guild.channels.find((ch) => ch.name === "news")!.id;
    await h.api("PATCH", `/v1/integrations/${c.integrationId}`, { channel_ids: [c.general] });
    const before = h.openai.requests.length;
    const outside = await (await h.discord.deliverInteraction(c.app.id, ask(c, "here?", news))).json();
    expect(outside).toMatchObject({ type: 4, data: { flags: 64, content: expect.stringMatching(/this channel/) } });
    await h.api("PATCH", `/v1/integrations/${c.integrationId}`, { active: false });
    const inactive = await (await h.discord.deliverInteraction(c.app.id, ask(c, "hello?"))).json();
    expect(inactive).toMatchObject({ type: 4, data: { flags: 64 } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.openai.requests.length).toBe(before);
    expect((await events(c)).map((e) => e.reason)).toEqual(["integration_inactive", "channel_not_allowed"]);
  });

  test("a redelivered interaction is answered once", async () => {
    const c = await connect();
    const interaction = ask(c, "once");
    await h.discord.deliverInteraction(c.app.id, interaction);
    await h.discord.deliverInteraction(c.app.id, interaction).catch(() => undefined);
    await eventually(async () => (await events(c))[0]?.type === "replied");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.discord.interactionMessages(interaction.token).filter((m) => m.kind === "edit" || m.kind === "followup")).toHaveLength(1);
  });

  test("an interaction older than its token's 15 minutes, freshly signed, is not answered: refused and logged as expired_interaction", async () => {
    const c = await connect();
    const before = h.openai.requests.length;
    const stale = ask(c, "from long ago", c.general, { ageMs: 16 * 60 * 1000 });
    const response = await h.discord.deliverInteraction(c.app.id, stale);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ type: 4, data: { flags: 64, content: expect.stringMatching(/too old/) } });
    const [event] = await events(c);
    expect(event).toMatchObject({ type: "ignored", reason: "expired_interaction", detail: expect.stringMatching(/older than its token's 15 minutes/) });
    // Within its 15 minutes, the same kind of interaction is answered.
    await h.discord.deliverInteraction(c.app.id, ask(c, "recent", c.general, { ageMs: 60 * 1000 }));
    await eventually(async () => (await events(c))[0]?.type === "replied");
    expect(h.openai.requests.slice(before).map((r) => r.lastUserText)).toEqual(["recent"]);
  });

  test("an interaction from another server the application is installed in is refused and logged as guild_not_allowed", async () => {
    const c = await connect();
    const elsewhere = h.discord.addGuild({ name: "Elsewhere", channels: [{ name: "general", type: 0 }], members: [c.app.id] });
    const before = h.openai.requests.length;
    const interaction = h.discord.createInteraction(c.app.id, { data: slashCommand("hello from elsewhere"), guild_id: elsewhere.id, channel_id: elsewhere.channels[0]!.id });
    const response = await h.discord.deliverInteraction(c.app.id, interaction);
    expect(await response.json()).toMatchObject({ type: 4, data: { flags: 64, content: expect.stringMatching(/this server/) } });
    expect(await events(c)).toEqual([expect.objectContaining({ type: "ignored", reason: "guild_not_allowed", detail: expect.stringContaining(elsewhere.id) })]);
    expect(h.openai.requests.length).toBe(before);
  });

  test("an expired interaction token falls back to a channel message with the bot token and a nonce", async () => {
    const c = await connect();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    h.openai.reply(async (request) => {
      await gate;
      return `Late answer to: ${request.lastUserText}`;
    });
    try {
      const interaction = ask(c, "slow one");
      await h.discord.deliverInteraction(c.app.id, interaction);
      await eventually(() => h.openai.requests.at(-1)?.lastUserText === "slow one");
      h.discord.expireInteraction(interaction.token);
      release();
      await eventually(() => h.discord.messages(c.general).some((m) => m.content === "Late answer to: slow one"));
      const post = h.discord.callsTo("createMessage").at(-1)!;
      expect(post.headers.authorization).toBe(`Bot ${c.app.botToken}`);
      expect(post.body).toMatchObject({ nonce: expect.any(String), enforce_nonce: true, allowed_mentions: { parse: [] } });
    } finally {
      h.openai.reply((request) => `Answer to: ${request.lastUserText}`);
    }
  });

  test("thread_auto_create starts a thread from the answer; asking in it continues with its history", async () => {
    const c = await connect({ thread_auto_create: true });
    const first = ask(c, "start a thread");
    await h.discord.deliverInteraction(c.app.id, first);
    await eventually(() => h.discord.callsTo("startThreadFromMessage").length > 0);
    const threadCall = h.discord.callsTo("startThreadFromMessage").at(-1)!;
    expect(threadCall.body).toMatchObject({ name: "start a thread" });
    const threadId = h.discord.interactionStatus(first.token).originalMessageId!;
    const thread = h.discord.channel(threadId)!;
    expect(thread.parent_id).toBe(c.general);

    const second = h.discord.createInteraction(c.app.id, { data: slashCommand("and then?"), guild_id: c.guild.id, channel_id: threadId, channel: { id: threadId, type: 11, parent_id: c.general } });
    await h.discord.deliverInteraction(c.app.id, second);
    await eventually(() => h.discord.interactionMessages(second.token).some((m) => m.kind === "edit"));
    // The speaker rides in the system prompt (OpenAI-compatible servers other than OpenAI often refuse `name`).
    expect(h.openai.requests.at(-1)!.messages.map((m) => m.content)).toEqual([expect.stringMatching(/^You are Ada\.\n\n/), "and then?"]);
  });

  test("a thread Discord refuses to start does not undo the answer: replied once, no retry", async () => {
    const c = await connect({ thread_auto_create: true });
    h.discord.failNext("startThreadFromMessage", { kind: "error", status: 403, code: 50013, message: "Missing Permissions" });
    const interaction = ask(c, "no threads here");
    await h.discord.deliverInteraction(c.app.id, interaction);
    const [event] = await eventually(async () => ((await events(c))[0]?.type === "replied" ? events(c) : undefined));
    expect(event.type).toBe("replied");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.discord.interactionMessages(interaction.token).filter((m) => m.kind === "edit")).toHaveLength(1);
    expect((await h.api("GET", `/v1/integrations/${c.integrationId}`)).body.message_count).toBe(1);
  });

  test("a 429 on the edit is waited out", async () => {
    const c = await connect();
    h.discord.failNext("editOriginalInteractionResponse", { kind: "rate_limit", retryAfter: 0.5 });
    const interaction = ask(c, "rate limited");
    await h.discord.deliverInteraction(c.app.id, interaction);
    await eventually(() => h.discord.interactionMessages(interaction.token).some((m) => m.kind === "edit"));
    expect(h.discord.callsTo("editOriginalInteractionResponse").filter((call) => call.path.includes(interaction.token))).toHaveLength(2);
  });
});

test("no Discord bot token appears in DATA_DIR or the server's output", async () => {
  const files = await filesUnder(h.dataDir);
  const everything = [...files.map((f) => f.content.toString("latin1")), ...h.logs];
  for (const token of tokens) for (const text of everything) expect(text.includes(token)).toBe(false);
});
