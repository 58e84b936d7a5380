import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { slashCommand } from "@patchbay/testing";
import { eventually } from "./helpers.ts";
import { startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";

let h: Harness;
let replicaId: string;
let n = 0;

const WORDS = Array.from({ length: 24 }, (_, i) => `word${i}`).join(" ");
/** The model's answer: Markdown, so the final message shows the platform's formatting. */
const ANSWER = `**Bold** start ${WORDS}.`;
/** What the first six streamed chunks show: "**Bold** start word0 word1 word2 word3". */
const FIRST_WORDS = 6;

beforeAll(async () => {
  h = await startHarness();
  h.openai.reply(() => ANSWER);
  replicaId = (await h.api("POST", "/v1/replicas", { name: "Ada", instructions: "You are Ada." })).body.id;
});
afterAll(async () => {
  await h.close();
});

async function events(integrationId: string) {
  return (await h.api("GET", `/v1/integrations/${integrationId}/events`)).body.data as any[];
}

/** Waits for the message's one event to be settled as replied. */
async function replied(integrationId: string) {
  return eventually(async () => {
    const list = await events(integrationId);
    return list.length === 1 && list[0].type === "replied" ? list[0] : undefined;
  });
}

describe("Telegram", () => {
  const user = { id: 42, is_bot: false, first_name: "Grace" };
  let messageId = 1;

  async function connect() {
    const id = 7100000 + ++n;
    const token = `${id}:AAstream${"s".repeat(20)}${n}`;
    h.telegram.addBot({ token, id, username: `stream${n}_bot`, can_read_all_group_messages: true });
    const answer = await h.api("POST", "/v1/integrations/telegram", { replica_id: replicaId, bot_token: token });
    expect(answer.status).toBe(201);
    return { token, integrationId: answer.body.id as string, handle: `@stream${n}_bot` };
  }
  // Telegram redelivers an update with its update_id, so each update here has its own.
  const update = (chat: object, text: string) => ({
    update_id: 900_000 + ++messageId,
    message: { message_id: messageId, from: user, chat, date: Math.floor(Date.now() / 1000), text },
  });
  /** A group message that mentions the bot (groups are answered when addressed). */
  const addressed = (bot: { handle: string }, chat: object, text: string) => {
    const question = update(chat, `${bot.handle} ${text}`);
    return { ...question, message: { ...question.message, entities: [{ type: "mention", offset: 0, length: bot.handle.length }] } };
  };
  const privateChat = { id: 42, type: "private", first_name: "Grace" };
  const group = (id: number) => ({ id, type: "supergroup", title: `Group ${id}` });

  test("a private chat sees the answer as a draft while it is written, then one formatted message", async () => {
    const bot = await connect();
    const hold = h.openai.holdNextStream(FIRST_WORDS);
    expect((await h.telegram.deliver(bot.token, update(privateChat, "stream to me"))).status).toBe(200);
    await hold.reached;
    const [draft] = await eventually(() => (h.telegram.drafts(bot.token).length > 0 ? h.telegram.drafts(bot.token) : undefined));
    expect(draft!.text).toBe("Bold start word0 word1 word2 word3");
    expect(h.telegram.sentMessages(bot.token)).toEqual([]);
    hold.release();

    await replied(bot.integrationId);
    const sent = h.telegram.sentMessages(bot.token);
    expect(sent.map((m) => m.text)).toEqual([`Bold start ${WORDS}.`]);
    expect(sent[0]!.entities).toEqual([{ type: "bold", offset: 0, length: 4 }]);
    expect(h.telegram.edits(bot.token)).toEqual([]);
  });

  test("a group sees the first words posted as the reply and edited to the whole formatted answer; one message", async () => {
    const bot = await connect();
    const chat = group(-1007001);
    const hold = h.openai.holdNextStream(FIRST_WORDS);
    await h.telegram.deliver(bot.token, addressed(bot, chat, "stream in the group"));
    await hold.reached;
    const [first] = await eventually(() => (h.telegram.sentMessages(bot.token).length > 0 ? h.telegram.sentMessages(bot.token) : undefined));
    expect(first!.text).toBe("Bold start word0 word1 word2 word3");
    expect(first!.reply_parameters).toMatchObject({ message_id: messageId, allow_sending_without_reply: true });
    hold.release();

    const event = await replied(bot.integrationId);
    expect(event.message_ids).toEqual([String(first!.message_id)]);
    expect(h.telegram.sentMessages(bot.token)).toHaveLength(1);
    const shown = h.telegram.chatHistory(bot.token, chat.id).find((m) => m.message_id === first!.message_id)!;
    expect(shown.text).toBe(`Bold start ${WORDS}.`);
    expect(shown.entities).toEqual([{ type: "bold", offset: 0, length: 4 }]);
    expect(h.telegram.edits(bot.token).at(-1)!.text).toBe(`Bold start ${WORDS}.`);
  });

  test("a 429 on the final edit is waited out (retry_after) and the answer still ends complete, once", async () => {
    const bot = await connect();
    const chat = group(-1007002);
    const hold = h.openai.holdNextStream(FIRST_WORDS);
    await h.telegram.deliver(bot.token, addressed(bot, chat, "slow me down"));
    await hold.reached;
    await eventually(() => h.telegram.sentMessages(bot.token).length === 1);
    h.telegram.failNext("editMessageText", { kind: "rate_limit", retryAfter: 1 });
    hold.release();

    await replied(bot.integrationId);
    const edits = h.telegram.callsTo("editMessageText", bot.token);
    expect(edits.map((call) => call.response?.status)).toEqual([429, 200]);
    expect(edits[1]!.at - edits[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(h.telegram.sentMessages(bot.token)).toHaveLength(1);
    expect(h.telegram.chatHistory(bot.token, chat.id).at(-1)!.text).toBe(`Bold start ${WORDS}.`);
  });

  test("a job redelivered mid-stream (the model failed after the first words) edits the message already posted to the new answer", async () => {
    const bot = await connect();
    const chat = group(-1007003);
    let asked = 0;
    h.openai.reply(() => (++asked === 1 ? ANSWER : "The **second** attempt's answer."));
    const hold = h.openai.holdNextStream(FIRST_WORDS);
    h.openai.failNext({ kind: "stream_error", afterChunks: FIRST_WORDS + 3 });
    const question = addressed(bot, chat, "fail half way");
    await h.telegram.deliver(bot.token, question);
    await hold.reached;
    await eventually(() => h.telegram.sentMessages(bot.token).length === 1);
    // Telegram delivering the same update again meanwhile changes nothing.
    expect((await h.telegram.deliver(bot.token, question)).status).toBe(200);
    hold.release();

    await replied(bot.integrationId);
    h.openai.reply(() => ANSWER);
    expect(asked).toBe(2);
    const sent = h.telegram.sentMessages(bot.token);
    expect(sent).toHaveLength(1);
    const shown = h.telegram.chatHistory(bot.token, chat.id).find((m) => m.message_id === sent[0]!.message_id)!;
    expect(shown.text).toBe("The second attempt's answer.");
    expect(shown.entities).toEqual([{ type: "bold", offset: 4, length: 6 }]);
  });

  test("when every attempt fails mid-stream, the message on screen ends with the last attempt's words, marked as cut off", async () => {
    const bot = await connect();
    const chat = group(-1007004);
    const hold = h.openai.holdNextStream(FIRST_WORDS);
    // Each of the five attempts gets the first few words out, then the model fails.
    h.openai.failNext({ kind: "stream_error", afterChunks: FIRST_WORDS + 3 }, 5);
    await h.telegram.deliver(bot.token, addressed(bot, chat, "never finishes"));
    await hold.reached;
    const [posted] = await eventually(() => (h.telegram.sentMessages(bot.token).length === 1 ? h.telegram.sentMessages(bot.token) : undefined));
    hold.release();

    const event = await eventually(async () => {
      const list = await events(bot.integrationId);
      return list.length === 1 && list[0].type === "failed" ? list[0] : undefined;
    });
    expect(event.error.code).toBe("MODEL_ERROR");
    expect(h.openai.requests.filter((r) => r.lastUserText.includes("never finishes"))).toHaveLength(5);
    const shown = h.telegram.chatHistory(bot.token, chat.id).find((m) => m.message_id === posted!.message_id)!;
    expect(shown.text).toBe("Bold start word0 word1 word2 word3 word4 word5…\n\n(The answer was cut off. Ask again to get it whole.)");
    expect(shown.entities).toEqual([
      { type: "bold", offset: 0, length: 4 },
      { type: "italic", offset: shown.text!.indexOf("("), length: "(The answer was cut off. Ask again to get it whole.)".length },
    ]);
    expect(h.telegram.sentMessages(bot.token)).toHaveLength(1);
  });

  test("a replica with stream off answers whole: no draft, no edit", async () => {
    const quiet = (await h.api("POST", "/v1/replicas", { name: "Quiet", instructions: "x", stream: false })).body.id;
    const id = 7100000 + ++n;
    const token = `${id}:AAquiet${"q".repeat(20)}${n}`;
    h.telegram.addBot({ token, id, username: `quiet${n}_bot` });
    const integration = (await h.api("POST", "/v1/integrations/telegram", { replica_id: quiet, bot_token: token })).body.id;
    h.openai.setChunkDelay(20);
    try {
      await h.telegram.deliver(token, update(privateChat, "no streaming please"));
      await replied(integration);
    } finally {
      h.openai.setChunkDelay(0);
    }
    expect(h.telegram.sentMessages(token).map((m) => m.text)).toEqual([`Bold start ${WORDS}.`]);
    expect([h.telegram.drafts(token), h.telegram.edits(token)]).toEqual([[], []]);
    expect(h.openai.requests.at(-1)!.stream).toBe(false);
  });
});

describe("Slack", () => {
  async function connect() {
    const team = h.slack.addWorkspace({ id: `T0STREAM${++n}`, name: `Stream ${n}` });
    const app = h.slack.addApp({ team_id: team.id, name: "Ada", bot_user_name: "ada" });
    const general = h.slack.addChannel({ team_id: team.id, name: "general", members: [app.bot_user_id, "U0HUMAN"] }).id;
    const answer = await h.api("POST", "/v1/integrations/slack", { replica_id: replicaId, bot_token: app.token, signing_secret: app.signing_secret, workspace_id: team.id });
    expect(answer.status).toBe(201);
    const send = (event: object) =>
      h.slack.sendEvent(app.app_id, answer.body.webhook_url, h.slack.eventCallback({ api_app_id: app.app_id, team_id: team.id, event: event as never }));
    return { app, general, send, integrationId: answer.body.id as string };
  }

  test("a mention is answered in its thread through a native stream to that person, then set to the formatted answer; no post", async () => {
    const c = await connect();
    const hold = h.openai.holdNextStream(FIRST_WORDS);
    const mention = h.slack.appMentionEvent({ channel: c.general, user: "U0HUMAN", text: `<@${c.app.bot_user_id}> stream it` });
    expect((await c.send(mention)).status).toBe(200);
    await hold.reached;
    const [stream] = await eventually(() => (h.slack.streams(c.general).length > 0 ? h.slack.streams(c.general) : undefined));
    expect(stream).toMatchObject({
      thread_ts: (mention as unknown as { ts: string }).ts,
      recipient_user_id: "U0HUMAN",
      recipient_team_id: c.app.team_id,
      chunks: ["**Bold** start word0 word1 word2 word3"],
      state: "streaming",
    });
    hold.release();

    await replied(c.integrationId);
    expect(h.slack.streams(c.general)).toEqual([expect.objectContaining({ ts: stream!.ts, state: "stopped" })]);
    expect(h.slack.message(c.general, stream!.ts)!.text).toBe(ANSWER);
    expect(h.slack.updates(c.general).map((u) => u.ts)).toEqual([stream!.ts]);
    expect(h.slack.posted(c.general)).toEqual([]);
  });

  test("a DM (no thread to stream into) gets the first words posted and chat.update'd to the answer", async () => {
    const c = await connect();
    const dm = h.slack.addChannel({ team_id: c.app.team_id, type: "im", members: [c.app.bot_user_id, "U0HUMAN"] }).id;
    const hold = h.openai.holdNextStream(FIRST_WORDS);
    await c.send(h.slack.messageEvent({ channel: dm, user: "U0HUMAN", text: "stream in private", channel_type: "im" }));
    await hold.reached;
    const [post] = await eventually(() => (h.slack.posted(dm).length > 0 ? h.slack.posted(dm) : undefined));
    expect(post!.markdown_text).toBe("**Bold** start word0 word1 word2 word3");
    hold.release();

    await replied(c.integrationId);
    expect(h.slack.posted(dm)).toHaveLength(1);
    expect(h.slack.streams(dm)).toEqual([]);
    expect(h.slack.message(dm, post!.ts)!.text).toBe(ANSWER);
  });

  test("a 429 on an append mid-stream slows the stream down instead of failing it; the answer ends whole, once", async () => {
    const c = await connect();
    const hold = h.openai.holdNextStream(FIRST_WORDS);
    await c.send(h.slack.appMentionEvent({ channel: c.general, user: "U0HUMAN", text: `<@${c.app.bot_user_id}> under a rate limit` }));
    await hold.reached;
    await eventually(() => h.slack.streams(c.general).length === 1);
    h.slack.failNext("chat.appendStream", { kind: "rate_limit", retryAfter: 1 });
    hold.release();

    await replied(c.integrationId);
    const appends = h.slack.callsTo("chat.appendStream").filter((call) => call.token === c.app.token).map((call) => call.response?.status);
    // The refused append, then the stream went on at a slower pace.
    expect(appends[0]).toBe(429);
    expect(appends.slice(1).every((status) => status === 200)).toBe(true);
    const [stream] = h.slack.streams(c.general);
    expect(stream).toMatchObject({ state: "stopped" });
    expect(h.slack.message(c.general, stream!.ts)!.text).toBe(ANSWER);
    expect(h.slack.posted(c.general)).toEqual([]);
    expect((await events(c.integrationId)).map((e) => e.type)).toEqual(["replied"]);
  });

  test("an app Slack does not let stream falls back to post and edit", async () => {
    const c = await connect();
    h.slack.failNext("chat.startStream", { kind: "error", error: "not_allowed_token_type" });
    const hold = h.openai.holdNextStream(FIRST_WORDS);
    await c.send(h.slack.appMentionEvent({ channel: c.general, user: "U0HUMAN", text: `<@${c.app.bot_user_id}> no streams here` }));
    await hold.reached;
    await eventually(() => h.slack.posted(c.general).length === 1);
    hold.release();
    await replied(c.integrationId);
    const [post] = h.slack.posted(c.general);
    expect(h.slack.message(c.general, post!.ts)!.text).toBe(ANSWER);
    expect(h.slack.streams(c.general)).toEqual([]);
  });
});

describe("Discord", () => {
  async function connect() {
    const i = ++n;
    const app = h.discord.addApplication({ name: `Stream ${i}`, botToken: `MTS${i}.discord-stream-token-${i}.abcdefghijklmnopqrstuvwxyz`, botUsername: `stream${i}` });
    const guild = h.discord.addGuild({ name: `Guild ${i}`, channels: [{ name: "general", type: 0 }], members: [app.id] });
    const answer = await h.api("POST", "/v1/integrations/discord", { replica_id: replicaId, bot_token: app.botToken, guild_id: guild.id });
    expect(answer.status).toBe(201);
    return { app, guild, general: guild.channels[0]!.id, integrationId: answer.body.id as string };
  }

  test("an answer streamed into two messages, redelivered after the model failed, that comes out shorter keeps the first message and deletes the second", async () => {
    const c = await connect();
    // Over Discord's 2000 characters by the time the stream is held: two messages on screen.
    const long = Array.from({ length: 400 }, (_, i) => `word${i}`).join(" ");
    let asked = 0;
    h.openai.reply(() => (++asked === 1 ? long : "Short **second** answer."));
    const hold = h.openai.holdNextStream(300);
    h.openai.failNext({ kind: "stream_error", afterChunks: 305 });
    try {
      const interaction = h.discord.createInteraction(c.app.id, { data: slashCommand("long please"), guild_id: c.guild.id, channel_id: c.general });
      await h.discord.deliverInteraction(c.app.id, interaction);
      await hold.reached;
      const entries = () => h.discord.interactionMessages(interaction.token);
      const [followup] = await eventually(() => {
        const found = entries().filter((m) => m.kind === "followup");
        return found.length === 1 ? found : undefined;
      });
      hold.release();

      const event = await replied(c.integrationId);
      expect(asked).toBe(2);
      const original = entries().find((m) => m.original)!.messageId;
      expect(entries().filter((m) => m.kind === "delete").map((m) => m.messageId)).toEqual([followup!.messageId]);
      expect(h.discord.messages(c.general).find((m) => m.id === original)!.content).toBe("Short **second** answer.");
      expect(h.discord.messages(c.general).some((m) => m.id === followup!.messageId)).toBe(false);
      expect(entries().filter((m) => m.kind === "followup")).toHaveLength(1);
      expect(event.message_ids).toEqual([original]);
    } finally {
      h.openai.reply(() => ANSWER);
    }
  });

  test("/ask shows the answer growing in its response, slows down on a 429 mid-stream, and ends with the whole answer", async () => {
    const c = await connect();
    // About 2.5 s of writing: a few edits at Discord's pace of one a second.
    h.openai.setChunkDelay(100);
    try {
      const interaction = h.discord.createInteraction(c.app.id, { data: slashCommand("stream it"), guild_id: c.guild.id, channel_id: c.general });
      expect(await (await h.discord.deliverInteraction(c.app.id, interaction)).json()).toEqual({ type: 5 });
      const edits = () => h.discord.interactionMessages(interaction.token).filter((m) => m.kind === "edit");
      await eventually(() => edits().length === 1);
      h.discord.failNext("editOriginalInteractionResponse", { kind: "rate_limit", retryAfter: 0.3 });

      await replied(c.integrationId);
      const contents = edits().map((m) => m.content);
      expect(contents.length).toBeGreaterThanOrEqual(2);
      expect(contents[0]!.length).toBeLessThan(ANSWER.length);
      for (const content of contents) expect(ANSWER.startsWith(content)).toBe(true);
      expect(contents.at(-1)).toBe(ANSWER);
      const calls = h.discord.callsTo("editOriginalInteractionResponse");
      expect(calls.map((call) => call.status)).toContain(429);
      expect(h.discord.interactionMessages(interaction.token).filter((m) => m.kind === "followup")).toEqual([]);
      expect(h.logs.some((line) => line.includes("slowing down"))).toBe(true);
    } finally {
      h.openai.setChunkDelay(0);
    }
  });
});
