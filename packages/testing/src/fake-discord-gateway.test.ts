import { REST } from "@discordjs/rest";
import { WebSocketManager, WebSocketShardEvents } from "@discordjs/ws";
import type { SessionInfo } from "@discordjs/ws";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { startFakeDiscord } from "./fake-discord.ts";
import type { FakeDiscord, FakeDiscordApplication, FakeDiscordGuild } from "./fake-discord.ts";

const GUILDS = 1 << 0;
const GUILD_MESSAGES = 1 << 9;
const DIRECT_MESSAGES = 1 << 12;
const MESSAGE_CONTENT = 1 << 15;
const ALL = GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES | MESSAGE_CONTENT;
const MESSAGE_CONTENT_LIMITED = 1 << 19;

let discord: FakeDiscord;
let app: FakeDiscordApplication;
let plain: FakeDiscordApplication;
let guild: FakeDiscordGuild;
let general: string;
let thread: string;

beforeAll(async () => {
  discord = await startFakeDiscord({ gateway: { heartbeatIntervalMs: 300, sessionTimeoutMs: 60_000, reconnectCloseAfterMs: 2000 } });
  app = discord.addApplication({ name: "Gatekeeper", botToken: "gateway-token-1", flags: MESSAGE_CONTENT_LIMITED });
  plain = discord.addApplication({ name: "Plain", botToken: "gateway-token-2" });
  guild = discord.addGuild({
    name: "Gateway Guild",
    members: [app.id, plain.id],
    channels: [
      { id: "1300000000000000001", name: "general", type: 0 },
      { id: "1300000000000000002", name: "a-thread", type: 11, parentId: "1300000000000000001" },
    ],
  });
  general = "1300000000000000001";
  thread = "1300000000000000002";
}, 30_000);
afterAll(() => discord.close());

/** A bare Gateway client: payloads in order, a way to wait for the next matching one, and the close code. */
async function rawClient(query = "?v=10&encoding=json") {
  const socket = new WebSocket(`${discord.gateway.url}${query}`);
  const payloads: any[] = [];
  const waiters: (() => void)[] = [];
  let closeCode: number | undefined;
  socket.on("message", (data) => {
    payloads.push(JSON.parse(data.toString()));
    for (const wake of waiters.splice(0)) wake();
  });
  socket.on("close", (code) => {
    closeCode = code;
    for (const wake of waiters.splice(0)) wake();
  });
  let seen = 0;
  const next = async (match: (p: any) => boolean = () => true): Promise<any> => {
    for (;;) {
      while (seen < payloads.length) {
        const payload = payloads[seen++];
        if (match(payload)) return payload;
      }
      if (closeCode !== undefined) throw new Error(`closed with ${closeCode} before the payload came`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const closed = () =>
    new Promise<number>((resolve) => {
      if (closeCode !== undefined) return resolve(closeCode);
      socket.once("close", (code) => resolve(code));
    });
  const send = (payload: unknown) => socket.send(JSON.stringify(payload));
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  return { socket, payloads, next, closed, send };
}

const identify = (token: string, intents: number) => ({ op: 2, d: { token, intents, properties: { os: "linux", browser: "test", device: "test" } } });

describe("the Gateway protocol", () => {
  test("HELLO first, heartbeats ACKed, IDENTIFY answered by READY then GUILD_CREATE with sequence numbers", async () => {
    const client = await rawClient();
    const hello = await client.next();
    expect(hello).toMatchObject({ op: 10, d: { heartbeat_interval: 300 }, s: null, t: null });
    client.send({ op: 1, d: null });
    expect(await client.next()).toMatchObject({ op: 11 });
    client.send(identify(app.botToken, ALL));
    const ready = await client.next((p) => p.t === "READY");
    expect(ready).toMatchObject({ op: 0, s: 1, d: { v: 10, user: { id: app.botId, bot: true }, guilds: [{ id: guild.id, unavailable: true }], application: { id: app.id, flags: MESSAGE_CONTENT_LIMITED } } });
    expect(ready.d.resume_gateway_url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/resume$/);
    const guildCreate = await client.next((p) => p.t === "GUILD_CREATE");
    expect(guildCreate.s).toBe(2);
    expect(guildCreate.d.channels.map((c: any) => c.id)).toEqual([general]);
    expect(guildCreate.d.threads).toMatchObject([{ id: thread, parent_id: general }]);
    client.socket.close(1000);
    await client.closed();
  });

  test.each([
    ["an unknown token", identify("not-a-token", GUILDS), 4004],
    ["undefined intent bits", identify("gateway-token-1", GUILDS | (1 << 17)), 4013],
    ["Message Content the application has not switched on", identify("gateway-token-2", GUILDS | MESSAGE_CONTENT), 4014],
    ["a payload before IDENTIFY", { op: 3, d: { status: "online" } }, 4003],
    ["an unknown opcode", { op: 42, d: null }, 4001],
  ])("%s closes the connection with %#", async (_what, payload, code) => {
    const client = await rawClient();
    await client.next();
    client.send(payload);
    expect(await client.closed()).toBe(code);
  });

  test("a second IDENTIFY closes with 4005, an old API version with 4012, a payload over 4096 bytes with 4002", async () => {
    const twice = await rawClient();
    twice.send(identify(plain.botToken, GUILDS));
    await twice.next((p) => p.t === "READY");
    twice.send(identify(plain.botToken, GUILDS));
    expect(await twice.closed()).toBe(4005);

    const old = await rawClient("?v=9&encoding=json");
    expect(await old.closed()).toBe(4012);

    const big = await rawClient();
    big.send({ op: 1, d: "x".repeat(5000) });
    expect(await big.closed()).toBe(4002);
  });

  test("a client that stops heartbeating is closed with 4000 and its session stays resumable", async () => {
    const client = await rawClient();
    client.send(identify(plain.botToken, GUILDS));
    const ready = await client.next((p) => p.t === "READY");
    expect(await client.closed()).toBe(4000);
    expect(discord.gateway.sessions(plain.id).find((s) => s.id === ready.d.session_id)).toMatchObject({ resumable: true });
  });

  test("without Message Content a guild message arrives without its text unless it mentions the bot; without GUILD_MESSAGES not at all", async () => {
    const client = await rawClient();
    client.send(identify(plain.botToken, GUILDS | GUILD_MESSAGES));
    await client.next((p) => p.t === "READY");
    discord.sendMessage(general, { content: "hello everyone" });
    discord.sendMessage(general, { content: `hi <@${plain.botId}>` });
    const first = await client.next((p) => p.t === "MESSAGE_CREATE");
    const second = await client.next((p) => p.t === "MESSAGE_CREATE");
    expect(first.d).toMatchObject({ content: "", channel_id: general, guild_id: guild.id, channel_type: 0 });
    expect(second.d.content).toBe(`hi <@${plain.botId}>`);
    client.socket.close(1000);
    await client.closed();

    const noMessages = await rawClient();
    noMessages.send(identify(plain.botToken, GUILDS));
    await noMessages.next((p) => p.t === "READY");
    const events = discord.gateway.dispatch(plain.id, "MESSAGE_CREATE", { id: "1", channel_id: general, guild_id: guild.id, content: "x", author: { id: "5" } });
    expect(events).toEqual([]);
    noMessages.socket.close(1000);
    await noMessages.closed();
  });

  test("RESUME replays what the session missed, then RESUMED; an unknown session gets INVALID_SESSION false", async () => {
    const first = await rawClient();
    first.send(identify(app.botToken, ALL));
    const ready = await first.next((p) => p.t === "READY");
    const guildCreate = await first.next((p) => p.t === "GUILD_CREATE");
    first.socket.terminate();
    await first.closed();
    discord.gateway.dispatch(app.id, "MESSAGE_CREATE", { id: "900", channel_id: general, guild_id: guild.id, content: "while away", author: { id: "5" } });

    const second = await rawClient();
    second.send({ op: 6, d: { token: app.botToken, session_id: ready.d.session_id, seq: guildCreate.s } });
    const replayed = await second.next((p) => p.op === 0);
    expect(replayed).toMatchObject({ t: "MESSAGE_CREATE", s: guildCreate.s + 1, d: { content: "while away" } });
    expect(await second.next((p) => p.op === 0)).toMatchObject({ t: "RESUMED" });
    second.socket.close(4000);
    await second.closed();

    const stranger = await rawClient();
    stranger.send({ op: 6, d: { token: app.botToken, session_id: "nope", seq: 1 } });
    expect(await stranger.next((p) => p.op !== 10)).toMatchObject({ op: 9, d: false });
    stranger.socket.close(1000);
  });
});

/** The real client: @discordjs/ws with its session info kept per test, as Patchbay's session does. */
function manager(token: string, intents = ALL) {
  let session: SessionInfo | null = null;
  const dispatches: any[] = [];
  const errors: Error[] = [];
  const rest = new REST({ api: `${discord.origin}/api`, version: "10" }).setToken(token);
  const instance = new WebSocketManager({
    token,
    intents,
    rest,
    retrieveSessionInfo: () => session,
    updateSessionInfo: (_id, info) => {
      session = info;
    },
    helloTimeout: 5000,
    readyTimeout: 5000,
  });
  instance.on(WebSocketShardEvents.Dispatch, (payload) => dispatches.push(payload));
  instance.on(WebSocketShardEvents.Error, (error) => errors.push(error));
  const waitFor = async (match: (p: any) => boolean) => {
    for (let i = 0; i < 500; i++) {
      const found = dispatches.find(match);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error("dispatch never came");
  };
  return { instance, dispatches, errors, waitFor, session: () => session };
}

describe("driven by @discordjs/ws", () => {
  const managers: WebSocketManager[] = [];
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.destroy()));
  });
  const start = async (token: string, intents = ALL) => {
    const client = manager(token, intents);
    managers.push(client.instance);
    await client.instance.connect();
    return client;
  };

  test("GET /gateway/bot tells the client where to connect; a person's message arrives as MESSAGE_CREATE", async () => {
    const client = await start(app.botToken);
    expect(discord.callsTo("getGatewayBot").at(-1)?.headers.authorization).toBe(`Bot ${app.botToken}`);
    const sent = discord.sendMessage(general, { content: "over the gateway" });
    const dispatch = await client.waitFor((p) => p.t === "MESSAGE_CREATE" && p.d.id === sent.id);
    expect(dispatch.d).toMatchObject({ content: "over the gateway", guild_id: guild.id, member: { roles: [] } });
  });

  test("RECONNECT: the client resumes on resume_gateway_url and gets what was dispatched meanwhile exactly once", async () => {
    const client = await start(app.botToken);
    const before = discord.gateway.connections(app.id).filter((c) => c.live).length;
    discord.gateway.reconnect(app.id);
    const missed = discord.sendMessage(general, { content: "during the reconnect" });
    const resumed = await discord.gateway.waitForLive(app.id, { count: before + 1 });
    expect(resumed).toMatchObject({ how: "resume", path: "/resume" });
    await client.waitFor((p) => p.t === "RESUMED");
    expect(client.dispatches.filter((p) => p.t === "MESSAGE_CREATE" && p.d.id === missed.id)).toHaveLength(1);
  });

  test("a dropped TCP connection: the client resumes and the session's events reach it", async () => {
    const client = await start(app.botToken);
    const before = discord.gateway.connections(app.id).filter((c) => c.live).length;
    discord.gateway.drop(app.id);
    const missed = discord.sendMessage(general, { content: "while the link was down" });
    expect(await discord.gateway.waitForLive(app.id, { count: before + 1 })).toMatchObject({ how: "resume" });
    await client.waitFor((p) => p.t === "MESSAGE_CREATE" && p.d.id === missed.id);
  });

  test("a zombie connection (no ACKs) is closed by the client and resumed", async () => {
    const client = await start(app.botToken);
    const before = discord.gateway.connections(app.id).filter((c) => c.live).length;
    discord.gateway.setAcking(app.id, false);
    try {
      const next = await discord.gateway.waitForLive(app.id, { count: before + 1 });
      expect(next.how).toBe("resume");
      const zombie = discord.gateway.connections(app.id).filter((c) => c.live)[before - 1];
      expect(zombie?.closedBy).toBe("client");
      expect(zombie?.closeCode).not.toBe(1000);
    } finally {
      discord.gateway.setAcking(app.id, true);
    }
    await client.waitFor((p) => p.t === "RESUMED");
  });

  test("INVALID_SESSION false: the client identifies again with a new session", { timeout: 15_000 }, async () => {
    const client = await start(app.botToken);
    const identifies = discord.gateway.identifies(app.id);
    const before = discord.gateway.connections(app.id).filter((c) => c.live).length;
    discord.gateway.invalidateSession(app.id, false);
    // The library keeps 5 s between two IDENTIFYs of one bot (max_concurrency 1).
    expect(await discord.gateway.waitForLive(app.id, { count: before + 1, timeoutMs: 10_000 })).toMatchObject({ how: "identify" });
    expect(discord.gateway.identifies(app.id)).toBe(identifies + 1);
    await client.waitFor((p) => p.t === "READY" && p.d.session_id !== client.dispatches[0].d.session_id);
    expect(client.session()?.sessionId).toBe(discord.gateway.connections(app.id).at(-1)?.sessionId);
  });

  test("INVALID_SESSION true: the client resumes its session and gets what was sent meanwhile", async () => {
    const client = await start(app.botToken);
    const identifies = discord.gateway.identifies(app.id);
    const sessionId = client.session()!.sessionId;
    discord.gateway.invalidateSession(app.id, true);
    const meanwhile = discord.sendMessage(general, { content: "while invalid" });
    await client.waitFor((p) => p.t === "MESSAGE_CREATE" && p.d.id === meanwhile.id);
    await client.waitFor((p) => p.t === "RESUMED");
    expect(discord.gateway.identifies(app.id)).toBe(identifies);
    expect(client.session()?.sessionId).toBe(sessionId);
  });

  test("a close with 1000 by the client ends the session; 4200 keeps it resumable", async () => {
    const ending = await start(app.botToken);
    const endedId = ending.session()!.sessionId;
    await ending.instance.destroy({ code: 1000 });
    expect(discord.gateway.sessions(app.id).find((s) => s.id === endedId)?.resumable).toBe(false);

    const handing = await start(app.botToken);
    const keptId = handing.session()!.sessionId;
    await handing.instance.destroy({ code: 4200 });
    expect(discord.gateway.sessions(app.id).find((s) => s.id === keptId)).toMatchObject({ resumable: true });
  });

  test("4014 from the server stops the client with an error instead of reconnecting", async () => {
    const client = await start(app.botToken);
    const connections = discord.gateway.connections(app.id).length;
    discord.gateway.closeConnections(app.id, 4014);
    for (let i = 0; i < 100 && client.errors.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(client.errors.map((e) => e.message).join()).toMatch(/intent/i);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(discord.gateway.connections(app.id)).toHaveLength(connections);
  });

  test("a thread started through REST is dispatched as THREAD_CREATE, and the bot's own message comes back as MESSAGE_CREATE", async () => {
    const client = await start(app.botToken);
    const person = discord.sendMessage(general, { content: "start a thread from me" });
    const response = await fetch(`${discord.url}/channels/${general}/messages/${person.id}/threads`, {
      method: "POST",
      headers: { authorization: `Bot ${app.botToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "a thread" }),
    });
    expect(response.status).toBe(201);
    const created = await client.waitFor((p) => p.t === "THREAD_CREATE" && p.d.id === person.id);
    expect(created.d).toMatchObject({ parent_id: general, newly_created: true, type: 11 });
    const posted = await fetch(`${discord.url}/channels/${person.id}/messages`, {
      method: "POST",
      headers: { authorization: `Bot ${app.botToken}`, "content-type": "application/json" },
      body: JSON.stringify({ content: "in the thread" }),
    });
    const own = (await posted.json()) as { id: string };
    const echoed = await client.waitFor((p) => p.t === "MESSAGE_CREATE" && p.d.id === own.id);
    expect(echoed.d).toMatchObject({ author: { id: app.botId }, channel_type: 11, guild_id: guild.id });
  });

  test("a DM reaches only the bot it was written to", async () => {
    const client = await start(app.botToken);
    const other = await start(plain.botToken, GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES);
    const dm = discord.openDirectMessage(app.id);
    const message = discord.sendMessage(dm.id, { content: "just between us" });
    const dispatch = await client.waitFor((p) => p.t === "MESSAGE_CREATE" && p.d.id === message.id);
    expect(dispatch.d.guild_id).toBeUndefined();
    expect(dispatch.d.channel_type).toBe(1);
    expect(other.dispatches.some((p) => p.t === "MESSAGE_CREATE" && p.d.id === message.id)).toBe(false);
  });
});
