import type { PlatformCallError } from "@patchbay/core";
import { startFakeDiscord } from "@patchbay/testing";
import type { FakeDiscord, FakeDiscordApplication } from "@patchbay/testing";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { gatewayIntents, openGatewaySession } from "../src/discord/index.ts";
import type { GatewayDispatch, GatewaySession, GatewaySessionOptions } from "../src/discord/index.ts";

const MESSAGE_CONTENT_LIMITED = 1 << 19;
const GENERAL = "1310000000000000001";
const KNOWN_THREAD = "1310000000000000002";
const OTHER = "1310000000000000003";

let discord: FakeDiscord;
let app: FakeDiscordApplication;
let noContent: FakeDiscordApplication;

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

beforeAll(async () => {
  discord = await startFakeDiscord({ gateway: { heartbeatIntervalMs: 300 } });
  app = discord.addApplication({ name: "Sessions", botToken: "session-token-1", flags: MESSAGE_CONTENT_LIMITED });
  noContent = discord.addApplication({ name: "NoContent", botToken: "session-token-2" });
  discord.addGuild({
    name: "Session Guild",
    members: [app.id, noContent.id],
    channels: [
      { id: GENERAL, name: "general", type: 0 },
      { id: KNOWN_THREAD, name: "known", type: 11, parentId: GENERAL },
      { id: OTHER, name: "other", type: 0 },
    ],
  });
});
afterAll(() => discord.close());

const open: GatewaySession[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((session) => session.close("end")));
});

function session(token: string, extra: Partial<GatewaySessionOptions> = {}) {
  const dispatches: GatewayDispatch[] = [];
  const fatal: PlatformCallError[] = [];
  const opened = openGatewaySession({
    apiUrl: discord.url,
    token,
    logger: silent,
    onDispatch: async (dispatch) => {
      dispatches.push(dispatch);
    },
    onFatal: (error) => {
      fatal.push(error);
    },
    ...extra,
  });
  open.push(opened);
  const waitFor = async (match: (d: GatewayDispatch) => boolean) => {
    for (let i = 0; i < 500; i++) {
      const found = dispatches.find(match);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error("dispatch never handed on");
  };
  return { session: opened, dispatches, fatal, waitFor };
}

const messageId = (d: GatewayDispatch) => (d.d as { id: string }).id;

describe("openGatewaySession", () => {
  test("asks for Message Content only when the application's flags allow it", async () => {
    const withContent = session(app.botToken);
    const without = session(noContent.botToken);
    await Promise.all([withContent.session.connected, without.session.connected]);
    const intents = (id: string) => discord.gateway.connections(id).at(-1)?.intents;
    expect(intents(app.id)).toBe(gatewayIntents(MESSAGE_CONTENT_LIMITED));
    expect(intents(app.id)).toBe(37377);
    expect(intents(noContent.id)).toBe(4609);
  });

  test("hands on MESSAGE_CREATE in Discord's order, with the parent of a thread it saw in GUILD_CREATE or read from REST", async () => {
    const { session: s, dispatches, waitFor } = session(app.botToken);
    await s.connected;
    const inChannel = discord.sendMessage(GENERAL, { content: "one" });
    const inKnown = discord.sendMessage(KNOWN_THREAD, { content: "two" });
    const person = discord.sendMessage(OTHER, { content: "thread starter" });
    // Started while the session runs: THREAD_CREATE tells it the parent.
    const thread = await fetch(`${discord.url}/channels/${OTHER}/messages/${person.id}/threads`, {
      method: "POST",
      headers: { authorization: `Bot ${noContent.botToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "elsewhere" }),
    });
    expect(thread.status).toBe(201);
    const inNew = discord.sendMessage(person.id, { content: "three" });
    await waitFor((d) => messageId(d) === inNew.id);
    const created = dispatches.filter((d) => d.t === "MESSAGE_CREATE");
    expect(created.map(messageId)).toEqual([inChannel.id, inKnown.id, person.id, inNew.id]);
    expect(created.map((d) => d.patchbay_parent_id)).toEqual([undefined, GENERAL, undefined, OTHER]);
    expect(dispatches.every((d) => d.op === 0 && typeof d.s === "number")).toBe(true);
    expect(dispatches.some((d) => d.t === "READY" || d.t === "GUILD_CREATE" || d.t === "THREAD_CREATE")).toBe(false);
  });

  test("the bot's own edits (a streamed answer growing) are not handed on; other people's are", async () => {
    const { session: s, dispatches, waitFor } = session(app.botToken);
    await s.connected;
    const edited = (authorId: string, id: string) => ({ id, channel_id: GENERAL, guild_id: "1", content: "edited", edited_timestamp: new Date().toISOString(), author: { id: authorId, username: "x" } });
    discord.gateway.dispatch(app.id, "MESSAGE_UPDATE", edited(app.botId, "1320000000000000001"));
    discord.gateway.dispatch(app.id, "MESSAGE_UPDATE", edited("1100000000000000001", "1320000000000000002"));
    await waitFor((d) => messageId(d) === "1320000000000000002");
    expect(dispatches.filter((d) => d.t === "MESSAGE_UPDATE").map(messageId)).toEqual(["1320000000000000002"]);

    // A session that RESUMEs sees no READY: it knows the bot from the application it read at open.
    await s.close("handover");
    const resumed = session(app.botToken, { resume: s.resumeState() });
    await resumed.session.connected;
    discord.gateway.dispatch(app.id, "MESSAGE_UPDATE", edited(app.botId, "1320000000000000003"));
    discord.gateway.dispatch(app.id, "MESSAGE_UPDATE", edited("1100000000000000001", "1320000000000000004"));
    await resumed.waitFor((d) => messageId(d) === "1320000000000000004");
    expect(resumed.dispatches.filter((d) => d.t === "MESSAGE_UPDATE").map(messageId)).toEqual(["1320000000000000004"]);
  });

  test("the parent of a thread it has not seen is read once with GET /channels/{id}", async () => {
    // Without the GUILDS intent neither GUILD_CREATE nor THREAD_CREATE come.
    const { session: s, waitFor } = session(noContent.botToken, { intents: 1 << 9 });
    await s.connected;
    const before = discord.callsTo("getChannel").length;
    const first = discord.sendMessage(KNOWN_THREAD, { content: `<@${noContent.botId}> first` });
    const second = discord.sendMessage(KNOWN_THREAD, { content: `<@${noContent.botId}> second` });
    expect((await waitFor((d) => messageId(d) === first.id)).patchbay_parent_id).toBe(GENERAL);
    expect((await waitFor((d) => messageId(d) === second.id)).patchbay_parent_id).toBe(GENERAL);
    expect(discord.callsTo("getChannel").slice(before).map((c) => c.path)).toEqual([`/channels/${KNOWN_THREAD}`]);
  });

  test("a hand-over: the next holder RESUMEs and gets what was sent in between exactly once", async () => {
    const first = session(app.botToken);
    await first.session.connected;
    const before = discord.sendMessage(GENERAL, { content: "before the hand-over" });
    await first.waitFor((d) => messageId(d) === before.id);
    await first.session.close("handover");
    const state = first.session.resumeState();
    expect(state).not.toBeNull();
    const sessionRecord = discord.gateway.sessions(app.id).find((s) => s.id === state!.sessionId);
    expect(sessionRecord?.resumable).toBe(true);
    expect(discord.gateway.connections(app.id).at(-1)?.closeCode).toBe(4200);

    const between = discord.sendMessage(GENERAL, { content: "between the holders" });
    const identifies = discord.gateway.identifies(app.id);
    const second = session(app.botToken, { resume: state });
    await second.session.connected;
    await second.waitFor((d) => messageId(d) === between.id);
    expect(discord.gateway.identifies(app.id)).toBe(identifies);
    expect(discord.gateway.connections(app.id).at(-1)).toMatchObject({ how: "resume", path: "/resume" });
    expect(second.dispatches.filter((d) => messageId(d) === between.id)).toHaveLength(1);
    expect(second.dispatches.some((d) => messageId(d) === before.id)).toBe(false);
  });

  test("resumeState never passes a dispatch that was not handed on, so the next holder gets it replayed", async () => {
    let refuse = "";
    const first = session(app.botToken, {
      onDispatch: async (dispatch) => {
        if (messageId(dispatch) === refuse) throw new Error("store down");
      },
    });
    await first.session.connected;
    const lost = discord.sendMessage(GENERAL, { content: "refused once" });
    refuse = lost.id; // set before the client has even read the frame
    const after = discord.sendMessage(GENERAL, { content: "after it" });
    const events = () => discord.gateway.sessions(app.id).at(-1)!.events;
    for (let i = 0; i < 200 && !events().some((e) => (e.d as { id?: string }).id === after.id && e.sentOn.length > 0); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await first.session.close("handover");
    const lostSequence = events().find((e) => (e.d as { id?: string }).id === lost.id)!.s;
    expect(first.session.resumeState()!.sequence).toBeLessThan(lostSequence);

    const second = session(app.botToken, { resume: first.session.resumeState() });
    await second.waitFor((d) => messageId(d) === lost.id);
    await second.waitFor((d) => messageId(d) === after.id);
  });

  test("a dispatch refused once (a short store outage) is tried again and the resume state moves past it", async () => {
    let refusals = 1;
    const taken: string[] = [];
    const { session: s } = session(app.botToken, {
      onDispatch: async (dispatch) => {
        if (dispatch.t === "MESSAGE_CREATE" && refusals-- > 0) throw new Error("store restarting");
        if (dispatch.t === "MESSAGE_CREATE") taken.push(messageId(dispatch));
      },
    });
    await s.connected;
    const message = discord.sendMessage(GENERAL, { content: "taken on the second try" });
    for (let i = 0; i < 300 && taken.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(taken).toEqual([message.id]);
    const sent = discord.gateway.sessions(app.id).at(-1)!.events.find((e) => (e.d as { id?: string }).id === message.id)!;
    expect(s.resumeState()!.sequence).toBeGreaterThanOrEqual(sent.s);
  });

  test("close('end') ends the session: nothing to resume", async () => {
    const { session: s } = session(app.botToken);
    await s.connected;
    const id = s.resumeState()!.sessionId;
    await s.close("end");
    expect(s.resumeState()).toBeNull();
    expect(discord.gateway.sessions(app.id).find((r) => r.id === id)?.resumable).toBe(false);
  });

  test("4014 is fatal: the error names the Message Content toggle, and no reconnect follows", async () => {
    const { session: s, fatal } = session(app.botToken);
    await s.connected;
    const connections = discord.gateway.connections(app.id).length;
    discord.gateway.closeConnections(app.id, 4014);
    for (let i = 0; i < 200 && fatal.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ code: "INSUFFICIENT_PERMISSIONS", retryable: false, details: { close_code: 4014 } });
    expect(fatal[0]!.message).toMatch(/Developer Portal.*Message Content Intent/);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(discord.gateway.connections(app.id)).toHaveLength(connections);
  });

  test("4004 is fatal and asks for the token again; a refused token at GET /gateway/bot rejects `connected`", async () => {
    const { session: s, fatal } = session(app.botToken);
    await s.connected;
    discord.gateway.closeConnections(app.id, 4004);
    for (let i = 0; i < 200 && fatal.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fatal[0]).toMatchObject({ code: "INVALID_CREDENTIALS", details: { close_code: 4004 } });
    expect(fatal[0]!.message).toMatch(/Reset Token/);

    const refused = session("not-a-known-token", { intents: 1 });
    await expect(refused.session.connected).rejects.toMatchObject({ code: "INVALID_CREDENTIALS" });
    expect(refused.fatal).toHaveLength(1);
  });

  test("closed while the library waits to identify again (after INVALID_SESSION), no connection is left behind", async () => {
    const { session: s } = session(app.botToken);
    await s.connected;
    discord.gateway.invalidateSession(app.id, false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const before = discord.gateway.connections(app.id).length;
    await s.close("end");
    // The library's own reconnect opens its socket 500 ms after the close (then waits to identify): well past that.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // A socket still waiting to IDENTIFY belongs to no app yet: every open one counts (nothing else is open now).
    expect(discord.gateway.connections().filter((c) => c.closedAt === undefined)).toEqual([]);
    expect(discord.gateway.connections(app.id).slice(before).some((c) => c.live)).toBe(false);
  });

  test("closed right after opening (while it fetches where the Gateway is), no connection is left behind", async () => {
    discord.failNext("getGatewayBot", { kind: "delay", ms: 300 });
    const { session: s } = session(app.botToken);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const before = discord.gateway.connections(app.id).length;
    await s.close("end");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(discord.gateway.connections(app.id).slice(before).filter((c) => c.closedAt === undefined)).toEqual([]);
  });

  test("a hand-over in the middle of a RECONNECT leaves no socket open and the next holder still gets everything", async () => {
    const first = session(app.botToken);
    await first.session.connected;
    discord.gateway.reconnect(app.id);
    const during = discord.sendMessage(GENERAL, { content: "sent during the reconnect" });
    await first.session.close("handover");
    expect(discord.gateway.connections(app.id).filter((c) => c.closedAt === undefined)).toEqual([]);
    const second = session(app.botToken, { resume: first.session.resumeState() });
    await second.session.connected;
    const after = discord.sendMessage(GENERAL, { content: "after the hand-over" });
    await second.waitFor((d) => messageId(d) === after.id);
    // Handed on once, by whichever holder had it: the first if it got it before closing, else the second's replay.
    const seen = [...first.dispatches, ...second.dispatches].filter((d) => messageId(d) === during.id);
    expect(seen).toHaveLength(1);
  });

  test("a RECONNECT and a dropped connection are resumed by the library, with nothing lost", async () => {
    const { session: s, waitFor } = session(app.botToken);
    await s.connected;
    const live = discord.gateway.connections(app.id).filter((c) => c.live).length;
    discord.gateway.reconnect(app.id);
    const during = discord.sendMessage(GENERAL, { content: "during reconnect" });
    await discord.gateway.waitForLive(app.id, { count: live + 1 });
    await waitFor((d) => messageId(d) === during.id);
    discord.gateway.drop(app.id);
    const dropped = discord.sendMessage(GENERAL, { content: "while dropped" });
    expect(await discord.gateway.waitForLive(app.id, { count: live + 2 })).toMatchObject({ how: "resume" });
    await waitFor((d) => messageId(d) === dropped.id);
  });
});
