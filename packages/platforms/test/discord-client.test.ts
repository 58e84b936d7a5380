import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PlatformCallError, systemClock } from "@patchbay/core";
import type { InboundMessage, Integration, OutboundContext } from "@patchbay/core";
import { startFakeDiscord } from "@patchbay/testing";
import type { FakeDiscord } from "@patchbay/testing";
import { createDiscordClient } from "../src/discord/client.ts";
import { createDiscordRest } from "../src/discord/rest.ts";

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
let discord: FakeDiscord;
let apps = 0;

beforeAll(async () => {
  discord = await startFakeDiscord();
});
afterAll(async () => {
  await discord.close();
});

const client = () => createDiscordClient(createDiscordRest({ apiUrl: discord.url, timeoutMs: 5000 }), systemClock, logger);

/** A guild with one text channel, the bot in it, and a person's message there to answer. */
function channelWithQuestion() {
  const app = discord.addApplication({ name: "Ada", botToken: `discord-client-token-${++apps}` });
  const guild = discord.addGuild({ name: "g", channels: [{ name: "general", type: 0 }], members: [app.id] });
  const channel = guild.channels[0]!.id;
  const question = discord.addMessage(channel, { content: `<@${app.id}> what is a snowflake?` });
  return { app, channel, question };
}

function context(message: Partial<InboundMessage>, botToken: string, integration: Partial<Integration> = {}): OutboundContext {
  return {
    integration: { id: `int_discord_client_${apps}`, threadAutoCreate: false, ...integration } as Integration,
    secrets: { bot_token: botToken },
    message: {
      key: "m1",
      conversationId: "c",
      chatId: "c",
      isDirect: false,
      messageId: "1",
      threadId: null,
      userId: "u",
      userName: "U",
      text: "what is a snowflake?",
      sentAt: new Date().toISOString(),
      route: {},
      ...message,
    },
  };
}

function replyContext(integration: Partial<Integration> = {}) {
  const { app, channel, question } = channelWithQuestion();
  const ctx = context(
    { key: `m${question.id}`, chatId: channel, messageId: question.id, route: { via: "message", channelId: channel, messageId: question.id } },
    app.botToken,
    integration,
  );
  return { app, channel, question, ctx };
}

describe("a channel message (via message) is answered with a reply", () => {
  test("the first part replies to the message without pinging anyone; later parts follow plainly", async () => {
    const { channel, question, ctx } = replyContext();
    await client().sendPart(ctx, "first part", 0);
    await client().sendPart(ctx, "second part", 1);
    const [first, second] = discord.callsTo("createMessage").filter((call) => call.path === `/channels/${channel}/messages`);
    expect(first!.body).toMatchObject({
      content: "first part",
      message_reference: { message_id: question.id, fail_if_not_exists: false },
      allowed_mentions: { parse: [], replied_user: false },
      nonce: expect.any(String),
      enforce_nonce: true,
    });
    expect(second!.body).not.toHaveProperty("message_reference");
    expect(second!.body).toMatchObject({ content: "second part", allowed_mentions: { parse: [], replied_user: false }, enforce_nonce: true });
    const [reply] = discord.messages(channel).filter((m) => m.content === "first part");
    expect(reply!.message_reference).toMatchObject({ message_id: question.id });
  });

  test("@everyone, @here, user and role mentions in the answer are shown as written and ping nobody", async () => {
    const { app, channel, ctx } = replyContext();
    const answer = `@everyone and @here: ask <@${app.id}>, <@!${app.id}> or the <@&1100000000000000009> role`;
    await client().sendPart(ctx, answer, 0);
    const [posted] = discord.messages(channel).filter((m) => m.content === answer);
    expect(posted).toMatchObject({ mention_everyone: false, mentions: [], mention_roles: [] });
  });

  test("a retried part returns the message already posted (same nonce), never a second one", async () => {
    const { channel, ctx } = replyContext();
    const once = await client().sendPart(ctx, "only once", 0);
    const again = await client().sendPart(ctx, "only once", 0);
    expect(again.messageId).toBe(once.messageId);
    expect(discord.messages(channel).filter((m) => m.content === "only once")).toHaveLength(1);
  });

  test("a part posted by a worker killed before it recorded the post is edited to the new attempt's text, not posted again", async () => {
    const { channel, ctx } = replyContext();
    const lost = await client().sendPart(ctx, "**First** attempt, half writ", 0);
    const again = await client().sendPart(ctx, "The second attempt", 0);
    expect(again.messageId).toBe(lost.messageId);
    const answers = discord.messages(channel).filter((m) => m.message_reference !== undefined);
    expect(answers.map((m) => [m.id, m.content])).toEqual([[lost.messageId, "The second attempt"]]);
    expect(discord.callsTo("editMessage").at(-1)!.body).toEqual({ content: "The second attempt", allowed_mentions: { parse: [], replied_user: false } });
  });

  test("a question deleted meanwhile still gets its answer, as a plain message", async () => {
    const { app, channel } = channelWithQuestion();
    const ctx = context({ key: "m-gone", chatId: channel, route: { via: "message", channelId: channel, messageId: "1234567890123456789" } }, app.botToken);
    await client().sendPart(ctx, "answer anyway", 0);
    expect(discord.messages(channel).some((m) => m.content === "answer anyway")).toBe(true);
  });

  test("the typing indicator is shown in the message's channel while the model works", async () => {
    const { channel, ctx } = replyContext();
    const stop = client().startTyping(ctx);
    stop();
    await expect.poll(() => discord.callsTo("triggerTypingIndicator").some((call) => call.path === `/channels/${channel}/typing`)).toBe(true);
  });

  test("thread_auto_create answers in a thread started from the message (retried, it finds the thread); not in a DM", async () => {
    const { channel, question, ctx } = replyContext({ threadAutoCreate: true });
    const threaded = { ...ctx, message: { ...ctx.message, text: "what is a snowflake?" } };
    const sent = await client().sendPart(threaded, "threaded answer", 0);
    expect(discord.callsTo("startThreadFromMessage").at(-1)).toMatchObject({
      path: `/channels/${channel}/messages/${question.id}/threads`,
      body: { name: "what is a snowflake?" },
    });
    expect(discord.messages(question.id).map((m) => [m.id, m.content])).toEqual([[sent.messageId, "threaded answer"]]);
    // A redelivery after a crash: the thread exists (160004), the nonce returns the same message.
    expect((await client().sendPart(threaded, "threaded answer", 0)).messageId).toBe(sent.messageId);
    await client().finish!(threaded, [sent.messageId]);
    expect(discord.callsTo("startThreadFromMessage").filter((call) => call.path.includes(channel))).toHaveLength(2);

    const before = discord.callsTo("startThreadFromMessage").length;
    const inDm = { ...threaded, message: { ...threaded.message, isDirect: true } };
    await client().sendPart(inDm, "in the channel", 1);
    await client().finish!(inDm, [sent.messageId]);
    expect(discord.callsTo("startThreadFromMessage")).toHaveLength(before);
  });
});

describe("the route came through the queue as data: the client checks it", () => {
  test("an unusable route fails for good with a message saying so; typing quietly does nothing", async () => {
    const { app, channel } = channelWithQuestion();
    for (const route of [{}, { reply: {} }, { via: "message", channelId: channel }, { via: "interaction", applicationId: "1", interactionToken: "a b", createdAtMs: 0 }]) {
      const ctx = context({ chatId: channel, route }, app.botToken);
      const failure = await client().sendPart(ctx, "x", 0).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(PlatformCallError);
      expect(failure).toMatchObject({ code: "PLATFORM_ERROR", retryable: false, message: expect.stringContaining("no usable route") });
      expect(() => client().startTyping(ctx)()).not.toThrow();
    }
  });

  test("an interaction is not given a typing indicator: its deferred response already says the bot is thinking", () => {
    const { app, channel } = channelWithQuestion();
    const before = discord.callsTo("triggerTypingIndicator").length;
    const ctx = context({ chatId: channel, route: { via: "interaction", applicationId: app.id, interactionToken: "tok", createdAtMs: Date.now() } }, app.botToken);
    client().startTyping(ctx)();
    expect(discord.callsTo("triggerTypingIndicator")).toHaveLength(before);
  });
});
