import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyKey } from "discord-interactions";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { messageCommand, slashCommand, startFakeDiscord } from "./fake-discord.ts";
import type { DiscordMessage, FakeDiscord, FakeDiscordApplication } from "./fake-discord.ts";

const APP_ID = "1200000000000000001";
const TOKEN = "MTIwMDAwMDAwMDAwMDAwMDAwMQ.fake.bot-token";
const GUILD = "1300000000000000001";
const OTHER_GUILD = "1300000000000000002";
const TEXT = "1310000000000000001";
const ANNOUNCEMENTS = "1310000000000000002";
const VOICE = "1310000000000000003";
const CATEGORY = "1310000000000000004";
const FORUM = "1310000000000000005";
const EXISTING_THREAD = "1310000000000000006";

type Json = Record<string, unknown>;

async function api(
  discord: FakeDiscord,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TOKEN,
): Promise<{ status: number; json: Json; headers: Headers }> {
  const headers: Record<string, string> = { "user-agent": "DiscordBot (https://example.test, 1.0)" };
  if (token !== null) headers.authorization = `Bot ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${discord.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text === "" ? {} : (JSON.parse(text) as Json), headers: res.headers };
}

/** A tiny interactions endpoint standing in for the backend: verifies signatures with discord-interactions. */
async function startEndpoint(
  publicKey: string,
  opts: { checkSignature?: boolean; respond?: (interaction: Json) => { status: number; body?: unknown } } = {},
): Promise<{ url: string; received: Json[]; close: () => Promise<void> }> {
  const received: Json[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const signature = req.headers["x-signature-ed25519"];
        const timestamp = req.headers["x-signature-timestamp"];
        const valid =
          typeof signature === "string" && typeof timestamp === "string" && (await verifyKey(raw, signature, timestamp, publicKey));
        if ((opts.checkSignature ?? true) && !valid) {
          res.writeHead(401, { "content-type": "text/plain" });
          res.end("invalid request signature");
          return;
        }
        const interaction = JSON.parse(raw.toString("utf8")) as Json;
        received.push(interaction);
        const answer = interaction.type === 1 ? { status: 200, body: { type: 1 } } : (opts.respond?.(interaction) ?? { status: 200, body: { type: 5 } });
        if (answer.body === undefined) {
          res.writeHead(answer.status);
          res.end();
          return;
        }
        res.writeHead(answer.status, { "content-type": "application/json" });
        res.end(JSON.stringify(answer.body));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/discord/interactions`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe("fake Discord", () => {
  let discord: FakeDiscord;
  let app: FakeDiscordApplication;
  let endpoint: Awaited<ReturnType<typeof startEndpoint>>;

  beforeAll(async () => {
    discord = await startFakeDiscord();
    app = discord.addApplication({ id: APP_ID, name: "Patchbay", botToken: TOKEN });
    discord.addGuild({
      id: GUILD,
      name: "Team",
      members: [APP_ID],
      channels: [
        { id: CATEGORY, name: "Text Channels", type: 4 },
        { id: TEXT, name: "general", type: 0, parentId: CATEGORY },
        { id: ANNOUNCEMENTS, name: "news", type: 5 },
        { id: VOICE, name: "Voice", type: 2 },
        { id: FORUM, name: "help", type: 15 },
        { id: EXISTING_THREAD, name: "old thread", type: 11, parentId: TEXT },
      ],
    });
    discord.addGuild({ id: OTHER_GUILD, name: "Elsewhere", channels: [{ name: "general", type: 0 }] });
    endpoint = await startEndpoint(app.verifyKey);
  });
  afterEach(() => discord.reset());
  afterAll(async () => {
    await endpoint.close();
    await discord.close();
  });

  test("GET /applications/@me answers the application of the bot token", async () => {
    expect(discord.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v10$/);
    const { status, json, headers } = await api(discord, "GET", "/applications/@me");
    expect(status).toBe(200);
    expect(json).toMatchObject({
      id: APP_ID,
      name: "Patchbay",
      verify_key: app.verifyKey,
      bot: { id: APP_ID, username: "Patchbay", bot: true },
      interactions_endpoint_url: null,
      flags: 0,
    });
    expect(app.verifyKey).toMatch(/^[0-9a-f]{64}$/);
    expect(headers.get("x-ratelimit-limit")).toBe("5");
    expect(headers.get("x-ratelimit-remaining")).toBe("4");
    expect(headers.get("x-ratelimit-bucket")).toMatch(/^[0-9a-f]{32}$/);
    expect(Number(headers.get("x-ratelimit-reset-after"))).toBeGreaterThan(0);
    expect(discord.calls[0]).toMatchObject({ method: "GET", path: "/applications/@me", route: "getCurrentApplication", appId: APP_ID });
  });

  test("unknown or missing bot token is 401 with Discord's body", async () => {
    for (const token of ["not-a-token", null]) {
      const { status, json } = await api(discord, "GET", "/applications/@me", undefined, token);
      expect(status).toBe(401);
      expect(json).toEqual({ message: "401: Unauthorized", code: 0 });
    }
  });

  test("guilds: Unknown Guild for unknown guilds and guilds the bot is not in; channels exclude threads", async () => {
    for (const id of [OTHER_GUILD, "1399999999999999999"]) {
      const { status, json } = await api(discord, "GET", `/guilds/${id}`);
      expect(status).toBe(404);
      expect(json).toEqual({ message: "Unknown Guild", code: 10004 });
    }
    const guild = await api(discord, "GET", `/guilds/${GUILD}`);
    expect(guild.status).toBe(200);
    expect(guild.json).toMatchObject({ id: GUILD, name: "Team", preferred_locale: "en-US" });
    const { json } = await api(discord, "GET", `/guilds/${GUILD}/channels`);
    const list = json as unknown as { id: string; type: number; parent_id: string | null }[];
    expect(list.map((c) => [c.id, c.type])).toEqual([
      [CATEGORY, 4],
      [TEXT, 0],
      [ANNOUNCEMENTS, 5],
      [VOICE, 2],
      [FORUM, 15],
    ]);
    expect(list[1]?.parent_id).toBe(CATEGORY);
  });

  test("PATCH interactions_endpoint_url: signed PING + bad-signature probe, stored only when both pass", async () => {
    const { status, json } = await api(discord, "PATCH", "/applications/@me", { interactions_endpoint_url: endpoint.url });
    expect(status).toBe(200);
    expect(json.interactions_endpoint_url).toBe(endpoint.url);
    expect(discord.deliveries.map((d) => [d.kind, d.status])).toEqual([
      ["verify_ping", 200],
      ["verify_bad_signature", 401],
    ]);
    const ping = discord.deliveries[0];
    expect(ping?.headers["user-agent"]).toBe("Discord-Interactions/1.0 (+https://discord.com)");
    expect(ping?.headers["x-signature-ed25519"]).toMatch(/^[0-9a-f]{128}$/);
    expect(JSON.parse(ping?.body ?? "{}")).toMatchObject({ type: 1, application_id: APP_ID, version: 1 });
    expect(discord.application(APP_ID).interactionsEndpointUrl).toBe(endpoint.url);
  });

  test("PATCH interactions_endpoint_url is refused when the endpoint accepts bad signatures", async () => {
    const careless = await startEndpoint(app.verifyKey, { checkSignature: false });
    try {
      const before = discord.application(APP_ID).interactionsEndpointUrl;
      const { status, json } = await api(discord, "PATCH", "/applications/@me", { interactions_endpoint_url: careless.url });
      expect(status).toBe(400);
      expect(json).toEqual({
        code: 50035,
        errors: {
          interactions_endpoint_url: {
            _errors: [
              {
                code: "APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID",
                message: "The specified interactions endpoint URL could not be verified.",
              },
            ],
          },
        },
        message: "Invalid Form Body",
      });
      expect(discord.application(APP_ID).interactionsEndpointUrl).toBe(before);
      expect(careless.received).toHaveLength(2); // it accepted the bad-signature probe too
    } finally {
      await careless.close();
    }
    // an empty string clears without any check
    const cleared = await api(discord, "PATCH", "/applications/@me", { interactions_endpoint_url: "" });
    expect(cleared.json.interactions_endpoint_url).toBeNull();
    expect(discord.deliveries).toHaveLength(2);
  });

  test("bulk overwrite guild commands assigns ids, keeps them on re-PUT and validates shape", async () => {
    const path = `/applications/${APP_ID}/guilds/${GUILD}/commands`;
    const commands = [
      { name: "ask", type: 1, description: "Ask the assistant", options: [{ name: "question", description: "What to ask", type: 3, required: true }] },
      { name: "Ask about this", type: 3 },
    ];
    const first = await api(discord, "PUT", path, commands);
    expect(first.status).toBe(200);
    const created = first.json as unknown as Json[];
    expect(created).toHaveLength(2);
    expect(created[0]).toMatchObject({ id: expect.stringMatching(/^\d+$/), application_id: APP_ID, guild_id: GUILD, type: 1, name: "ask", version: expect.any(String) });
    expect(created[1]).toMatchObject({ type: 3, name: "Ask about this", description: "" });
    const listed = await api(discord, "GET", path);
    expect(listed.json).toEqual(first.json);
    const again = await api(discord, "PUT", path, commands);
    expect((again.json as unknown as Json[]).map((c) => [c.id, c.version])).toEqual(created.map((c) => [c.id, c.version]));

    const bad = await api(discord, "PUT", path, [{ name: "Ask", type: 1, description: "x" }, { name: "ctx", type: 3, description: "nope" }, { name: "no-desc", type: 1 }]);
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      code: 50035,
      message: "Invalid Form Body",
      errors: {
        "0": { name: { _errors: [{ code: "APPLICATION_COMMAND_INVALID_NAME", message: "Command name is invalid" }] } },
        "1": { description: { _errors: [expect.objectContaining({ code: expect.any(String) })] } },
        "2": { description: { _errors: [{ code: "BASE_TYPE_REQUIRED", message: "This field is required" }] } },
      },
    });
    expect(discord.commands(APP_ID, GUILD).map((c) => c.name)).toEqual(["ask", "Ask about this"]);
    const notMember = await api(discord, "PUT", `/applications/${APP_ID}/guilds/${OTHER_GUILD}/commands`, commands);
    expect(notMember.json).toEqual({ message: "Missing Access", code: 50001 });
  });

  test("createMessage: 2000 limit, nonce + enforce_nonce returns the existing message", async () => {
    const tooLong = await api(discord, "POST", `/channels/${TEXT}/messages`, { content: "x".repeat(2001) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json).toEqual({
      code: 50035,
      errors: { content: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 2000 or fewer in length." }] } },
      message: "Invalid Form Body",
    });
    const before = discord.messages(TEXT).length;
    const body = { content: "hello <@1100000000000000001>", nonce: "job-42", enforce_nonce: true, allowed_mentions: { parse: [] } };
    const a = await api(discord, "POST", `/channels/${TEXT}/messages`, body);
    const b = await api(discord, "POST", `/channels/${TEXT}/messages`, body);
    expect(a.status).toBe(200);
    expect(b.json.id).toBe(a.json.id);
    expect(a.json).toMatchObject({ channel_id: TEXT, content: body.content, nonce: "job-42", mentions: [], author: { id: APP_ID, bot: true } });
    expect(discord.messages(TEXT)).toHaveLength(before + 1);
    // without enforce_nonce the same nonce creates a second message
    await api(discord, "POST", `/channels/${TEXT}/messages`, { content: "again", nonce: "job-42" });
    expect(discord.messages(TEXT)).toHaveLength(before + 2);
    const got = await api(discord, "GET", `/channels/${TEXT}/messages/${String(a.json.id)}`);
    expect(got.json.content).toBe(body.content);
    const typing = await api(discord, "POST", `/channels/${TEXT}/typing`);
    expect(typing.status).toBe(204);
  });

  test("PATCH a channel message: the author's content is replaced; another author's message is 50005, an unknown one 10008, nothing changes", async () => {
    const own = await api(discord, "POST", `/channels/${TEXT}/messages`, { content: "first words" });
    const edited = await api(discord, "PATCH", `/channels/${TEXT}/messages/${String(own.json.id)}`, { content: "first words and more", allowed_mentions: { parse: [] } });
    expect(edited.status).toBe(200);
    expect(edited.json).toMatchObject({ id: own.json.id, content: "first words and more", edited_timestamp: expect.any(String) });
    expect(discord.messages(TEXT).find((m) => m.id === own.json.id)!.content).toBe("first words and more");
    const someone = discord.addMessage(TEXT, { content: "a person's message" });
    const foreign = await api(discord, "PATCH", `/channels/${TEXT}/messages/${someone.id}`, { content: "hijacked" });
    expect([foreign.status, foreign.json]).toEqual([403, { code: 50005, message: "Cannot edit a message authored by another user" }]);
    const unknown = await api(discord, "PATCH", `/channels/${TEXT}/messages/1399999999999999999`, { content: "x" });
    expect([unknown.status, unknown.json.code]).toEqual([404, 10008]);
    const empty = await api(discord, "PATCH", `/channels/${TEXT}/messages/${String(own.json.id)}`, { content: "" });
    expect(empty.status).toBe(400);
    expect(discord.messages(TEXT).find((m) => m.id === someone.id)!.content).toBe("a person's message");
    expect(discord.messages(TEXT).find((m) => m.id === own.json.id)!.content).toBe("first words and more");

    // DELETE: the bot's own message only; a second delete is Unknown Message.
    const refused = await api(discord, "DELETE", `/channels/${TEXT}/messages/${someone.id}`);
    expect([refused.status, refused.json.code]).toEqual([403, 50013]);
    expect((await api(discord, "DELETE", `/channels/${TEXT}/messages/${String(own.json.id)}`)).status).toBe(204);
    expect(discord.messages(TEXT).some((m) => m.id === own.json.id)).toBe(false);
    expect((await api(discord, "DELETE", `/channels/${TEXT}/messages/${String(own.json.id)}`)).json.code).toBe(10008);
    expect(discord.messages(TEXT).some((m) => m.id === someone.id)).toBe(true);
  });

  test("a thread from a message has the message's id; a second one is 160004", async () => {
    const msg = await api(discord, "POST", `/channels/${TEXT}/messages`, { content: "question?" });
    const path = `/channels/${TEXT}/messages/${String(msg.json.id)}/threads`;
    const thread = await api(discord, "POST", path, { name: "Answer", auto_archive_duration: 1440 });
    expect(thread.status).toBe(201);
    expect(thread.json).toMatchObject({ id: msg.json.id, type: 11, parent_id: TEXT, guild_id: GUILD, name: "Answer", thread_metadata: { auto_archive_duration: 1440, archived: false } });
    const second = await api(discord, "POST", path, { name: "Again" });
    expect(second.status).toBe(400);
    expect(second.json).toEqual({ code: 160004, message: "A thread has already been created for this message" });
    const reply = await api(discord, "POST", `/channels/${String(msg.json.id)}/messages`, { content: "in thread" });
    expect(reply.json).toMatchObject({ channel_id: msg.json.id, position: 0 });
    expect(discord.channel(String(msg.json.id))?.message_count).toBe(1);
    const wrongChannel = await api(discord, "POST", `/channels/${TEXT}/messages/${String(reply.json.id)}/threads`, { name: "x" });
    expect(wrongChannel.json).toEqual({ message: "Unknown Message", code: 10008 }); // it lives in the thread, not in TEXT
    const forum = await api(discord, "POST", `/channels/${FORUM}/messages`, { content: "x" });
    expect(forum.status).toBe(400);
  });

  test("slash command: deferred inline, PATCH @original, then a follow-up", async () => {
    const interaction = discord.createInteraction(APP_ID, { data: slashCommand("What is a snowflake?"), channel_id: TEXT });
    expect(interaction).toMatchObject({
      application_id: APP_ID,
      type: 2,
      version: 1,
      guild_id: GUILD,
      channel_id: TEXT,
      context: 0,
      locale: "en-US",
      entitlements: [],
      authorizing_integration_owners: { "0": GUILD },
      app_permissions: expect.stringMatching(/^\d+$/),
      member: { user: { id: expect.any(String), username: "tester" }, permissions: expect.any(String) },
      data: { name: "ask", type: 1, options: [{ name: "question", type: 3, value: "What is a snowflake?" }] },
    });
    const response = await discord.deliverInteraction(APP_ID, interaction, { url: endpoint.url });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ type: 5 });
    expect(discord.interactionStatus(interaction.token)).toMatchObject({ acknowledged: true, responseType: 5 });

    const base = `/webhooks/${APP_ID}/${interaction.token}`;
    const loading = await api(discord, "GET", `${base}/messages/@original`, undefined, null);
    expect(loading.json).toMatchObject({ type: 20, content: "", flags: 128 });
    const edited = await api(discord, "PATCH", `${base}/messages/@original`, { content: "A snowflake is an id." }, null);
    expect(edited.status).toBe(200);
    expect(edited.json).toMatchObject({ id: loading.json.id, type: 20, content: "A snowflake is an id.", flags: 0, webhook_id: APP_ID });
    const followup = await api(discord, "POST", base, { content: "Part 2" }, null);
    expect(followup.status).toBe(200);
    expect(followup.json.id).not.toBe(loading.json.id);
    expect(followup.json).toMatchObject({ content: "Part 2", interaction_metadata: { id: interaction.id, original_response_message_id: loading.json.id } });
    const tooLong = await api(discord, "PATCH", `${base}/messages/@original`, { content: "y".repeat(2001) }, null);
    expect(tooLong.status).toBe(400);

    expect(discord.interactionMessages(interaction.token).map((e) => [e.kind, e.route, e.original, e.content])).toEqual([
      ["response", "inline", true, ""],
      ["edit", "editOriginalInteractionResponse", true, "A snowflake is an id."],
      ["followup", "createFollowupMessage", false, "Part 2"],
    ]);
    expect(discord.messages(TEXT).slice(-2).map((m) => m.content)).toEqual(["A snowflake is an id.", "Part 2"]);
  });

  test("message command payload; a POST follow-up right after a defer edits the loading message", async () => {
    const target: DiscordMessage = discord.addMessage(TEXT, { content: "Can someone explain this?" });
    const interaction = discord.createInteraction(APP_ID, { data: messageCommand(target), channel_id: TEXT });
    expect(interaction.data).toMatchObject({ type: 3, target_id: target.id, resolved: { messages: { [target.id]: { content: "Can someone explain this?" } } } });
    discord.acknowledgeInteraction(interaction.token, { type: 5 });
    const res = await api(discord, "POST", `/webhooks/${APP_ID}/${interaction.token}`, { content: "Explained." }, null);
    const status = discord.interactionStatus(interaction.token);
    expect(res.json).toMatchObject({ id: status.originalMessageId, type: 23, content: "Explained.", flags: 0, message_reference: { message_id: target.id } });
    expect(discord.interactionMessages(interaction.token).map((e) => [e.kind, e.route, e.original])).toEqual([
      ["response", "acknowledgeInteraction", true],
      ["edit", "createFollowupMessage", true],
    ]);
  });

  test("interaction tokens: unknown → 404 Unknown Webhook, expired → 401 Invalid Webhook Token, late callback → 10062", async () => {
    const unknown = await api(discord, "PATCH", `/webhooks/${APP_ID}/nope/messages/@original`, { content: "x" }, null);
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ message: "Unknown Webhook", code: 10015 });

    const interaction = discord.createInteraction(APP_ID, { data: slashCommand("late"), channel_id: TEXT });
    discord.acknowledgeInteraction(interaction.token);
    discord.expireInteraction(interaction.token);
    const expired = await api(discord, "PATCH", `/webhooks/${APP_ID}/${interaction.token}/messages/@original`, { content: "too late" }, null);
    expect(expired.status).toBe(401);
    expect(expired.json).toEqual({ message: "Invalid Webhook Token", code: 50027 });

    const old = discord.createInteraction(APP_ID, { data: slashCommand("old"), channel_id: TEXT, ageMs: 5000 });
    const callback = await api(discord, "POST", `/interactions/${old.id}/${old.token}/callback`, { type: 5 }, null);
    expect(callback.json).toEqual({ message: "Unknown interaction", code: 10062 });

    const fresh = discord.createInteraction(APP_ID, { data: slashCommand("fresh"), channel_id: TEXT });
    const ok = await api(discord, "POST", `/interactions/${fresh.id}/${fresh.token}/callback`, { type: 4, data: { content: "hi" } }, null);
    expect(ok.status).toBe(204);
    const twice = await api(discord, "POST", `/interactions/${fresh.id}/${fresh.token}/callback`, { type: 5 }, null);
    expect(twice.json).toEqual({ message: "Interaction has already been acknowledged.", code: 40060 });
  });

  test("deliverInteraction signs like Discord; bad or missing signatures are rejected by the endpoint", async () => {
    const interaction = discord.createInteraction(APP_ID, { data: slashCommand("sig"), channel_id: TEXT });
    expect((await discord.deliverInteraction(APP_ID, interaction, { url: endpoint.url, badSignature: true })).status).toBe(401);
    expect((await discord.deliverInteraction(APP_ID, interaction, { url: endpoint.url, unsigned: true })).status).toBe(401);
    expect(discord.interactionStatus(interaction.token).acknowledged).toBe(false);
    expect(discord.deliveries.map((d) => d.ackError)).toEqual(["endpoint answered 401", "endpoint answered 401"]);
  });

  test("failNext: 429 with Discord's body and headers, 5xx, drop", async () => {
    discord.failNext("createMessage", { kind: "rate_limit", retryAfter: 2.5 });
    const limited = await api(discord, "POST", `/channels/${TEXT}/messages`, { content: "hi" });
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({ message: "You are being rate limited.", retry_after: 2.5, global: false });
    expect(limited.headers.get("retry-after")).toBe("3");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(limited.headers.get("x-ratelimit-reset-after")).toBe("2.500");
    expect(limited.headers.get("x-ratelimit-scope")).toBe("user");
    expect(limited.headers.get("x-ratelimit-bucket")).toMatch(/^[0-9a-f]{32}$/);
    expect(Number(limited.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);

    discord.failNext(/^POST \/channels\/\d+\/messages$/, { kind: "error", status: 502 });
    const bad = await api(discord, "POST", `/channels/${TEXT}/messages`, { content: "hi" });
    expect(bad.status).toBe(502);
    expect(bad.json).toEqual({ message: "502: Bad Gateway", code: 0 });

    discord.failNext(() => true, { kind: "drop" });
    await expect(api(discord, "GET", "/applications/@me")).rejects.toThrow();
    expect((await api(discord, "POST", `/channels/${TEXT}/messages`, { content: "finally" })).status).toBe(200);
    expect(discord.callsTo("createMessage").map((c) => c.status)).toEqual([429, 502, 200]);
  });
});
