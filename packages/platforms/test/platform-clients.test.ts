import { afterAll, beforeAll } from "vitest";
import { systemClock } from "@patchbay/core";
import type { InboundMessage, Integration, OutboundContext } from "@patchbay/core";
import { slashCommand, startFakeDiscord, startFakeSlack, startFakeTelegram } from "@patchbay/testing";
import type { FakeDiscord, FakeSlack, FakeTelegram } from "@patchbay/testing";
import { describePlatformClientContract } from "@patchbay/testing/contracts";
import { createDiscordClient } from "../src/discord/client.ts";
import { createDiscordRest } from "../src/discord/rest.ts";
import { createSlackClient } from "../src/slack/client.ts";
import { createTelegramBotApi } from "../src/telegram/bot-api.ts";
import { createTelegramClient } from "../src/telegram/client.ts";

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
let telegram: FakeTelegram;
let slack: FakeSlack;
let discord: FakeDiscord;

beforeAll(async () => {
  [telegram, slack, discord] = await Promise.all([startFakeTelegram(), startFakeSlack(), startFakeDiscord()]);
});
afterAll(async () => {
  await Promise.all([telegram.close(), slack.close(), discord.close()]);
});

function context(message: Partial<InboundMessage>, secrets: Record<string, string>): OutboundContext {
  return {
    integration: { id: "int_contract", threadAutoCreate: false } as Integration,
    secrets,
    message: {
      key: "k1",
      conversationId: "c",
      chatId: "c",
      isDirect: true,
      messageId: "1",
      threadId: null,
      userId: "u",
      userName: "U",
      text: "question",
      sentAt: new Date().toISOString(),
      route: {},
      ...message,
    },
  };
}

let bots = 0;
describePlatformClientContract("Telegram", async () => {
  const token = `${900000 + ++bots}:AAcontract-token-abcdefghijklmnopqrs`;
  telegram.addBot({ token, username: `contract${bots}_bot` });
  const chatId = 4200 + bots;
  return {
    client: createTelegramClient(createTelegramBotApi({ apiUrl: telegram.url, timeoutMs: 5000 }), logger),
    context: context({ chatId: String(chatId), isDirect: true, route: { chatType: "private" } }, { bot_token: token }),
    limit: 4096,
    sent: async () => telegram.sentMessages(token).map((m) => m.text),
    rateLimitNext: (seconds) => telegram.failNext("sendMessage", { kind: "rate_limit", retryAfter: seconds }),
    streamed: {
      shown: async (id) => telegram.chatHistory(token, chatId).find((m) => m.message_id === Number(id))?.text,
      rateLimitNextUpdate: (seconds) => telegram.failNext("editMessageText", { kind: "rate_limit", retryAfter: seconds }),
    },
  };
});

describePlatformClientContract("Slack", async () => {
  const team = slack.addWorkspace();
  const app = slack.addApp({ team_id: team.id });
  const channel = slack.addChannel({ team_id: team.id, members: [app.bot_user_id] }).id;
  const inThread = context(
    { chatId: channel, isDirect: false, threadId: "1700000000.000100", route: { channel, threadTs: "1700000000.000100" } },
    { bot_token: app.token },
  );
  return {
    client: createSlackClient(slack.url, logger),
    // A thread reply in a workspace: where Slack's native stream may go.
    context: { ...inThread, integration: { ...inThread.integration, workspaceId: team.id } },
    limit: 4000,
    sent: async () => slack.posted(channel).map((p) => p.markdown_text ?? p.text),
    rateLimitNext: (seconds) => slack.failNext("chat.postMessage", { kind: "rate_limit", retryAfter: seconds }),
    streamed: {
      shown: async (ts) => slack.message(channel, ts)?.text,
      rateLimitNextUpdate: (seconds) => slack.failNext("chat.appendStream", { kind: "rate_limit", retryAfter: seconds }),
    },
  };
});

describePlatformClientContract("Discord", async () => {
  const app = discord.addApplication({ name: "Contract", botToken: `contract-discord-token-${++bots}` });
  const guild = discord.addGuild({ name: "g", channels: [{ name: "general", type: 0 }], members: [app.id] });
  const channel = guild.channels[0]!.id;
  const interaction = discord.createInteraction(app.id, { data: slashCommand("question"), guild_id: guild.id, channel_id: channel });
  discord.acknowledgeInteraction(interaction.token);
  const route = { via: "interaction", applicationId: app.id, interactionToken: interaction.token, createdAtMs: Date.now() };
  return {
    client: createDiscordClient(createDiscordRest({ apiUrl: discord.url, timeoutMs: 5000 }), systemClock, logger),
    context: context({ chatId: channel, isDirect: false, route }, { bot_token: app.botToken }),
    limit: 2000,
    sent: async () => discord.interactionMessages(interaction.token).filter((m) => m.kind !== "response").map((m) => m.content),
    rateLimitNext: (seconds) => discord.failNext(/\/webhooks\//, { kind: "rate_limit", retryAfter: seconds }),
    streamed: {
      shown: async (id) => discord.messages(channel).find((m) => m.id === id)?.content,
      rateLimitNextUpdate: (seconds) => discord.failNext(/^PATCH \/webhooks\//, { kind: "rate_limit", retryAfter: seconds }),
    },
  };
});

describePlatformClientContract("Discord channel reply", async () => {
  const app = discord.addApplication({ name: "Contract", botToken: `contract-discord-token-${++bots}` });
  const guild = discord.addGuild({ name: "g", channels: [{ name: "general", type: 0 }], members: [app.id] });
  const channel = guild.channels[0]!.id;
  const question = discord.addMessage(channel, { content: "<@bot> question" });
  const route = { via: "message", channelId: channel, messageId: question.id };
  return {
    client: createDiscordClient(createDiscordRest({ apiUrl: discord.url, timeoutMs: 5000 }), systemClock, logger),
    context: context({ key: `m${question.id}`, chatId: channel, isDirect: false, route }, { bot_token: app.botToken }),
    limit: 2000,
    sent: async () => discord.messages(channel).filter((m) => m.id !== question.id).map((m) => m.content),
    rateLimitNext: (seconds) => discord.failNext("createMessage", { kind: "rate_limit", retryAfter: seconds }),
    streamed: {
      shown: async (id) => discord.messages(channel).find((m) => m.id === id)?.content,
      rateLimitNextUpdate: (seconds) => discord.failNext("editMessage", { kind: "rate_limit", retryAfter: seconds }),
    },
  };
});
