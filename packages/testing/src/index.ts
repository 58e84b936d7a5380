export { startFakeTelegram } from "./fake-telegram.ts";
export type {
  DeliverOptions,
  Delivery,
  FakeFailure,
  FakeTelegram,
  FakeTelegramBot,
  FakeTelegramHandler,
  FakeTelegramOptions,
  PolledUpdate,
  RecordedCall,
  SentMessage,
  TelegramChat,
  TelegramMessage,
  TelegramResponse,
  TelegramUser,
  WebhookState,
} from "./fake-telegram.ts";
export { escapeTelegramHtml, parseTelegramText } from "./telegram-formatting.ts";
export type { TelegramEntity, TelegramTextParseOptions, TelegramTextParseResult } from "./telegram-formatting.ts";
export { startFakeOpenAI } from "./fake-openai.ts";
export type {
  ChatMessage,
  ChatRequest,
  FakeOpenAI,
  FakeOpenAIOptions,
  FakeOpenAIReplyFn,
  OpenAIFailure,
} from "./fake-openai.ts";
export { DEFAULT_BOT_SCOPES, slackSignature, startFakeSlack } from "./fake-slack.ts";
export type { FakeSlack, FakeSlackOptions, SlackAppInstall, SlackChannel, SlackEvent, SlackPostedMessage } from "./fake-slack.ts";
export type { SocketModeConnection, SocketModeEnvelope, SocketPushOptions, SocketPushResult } from "./fake-slack-socket-mode.ts";
export { ed25519PublicKeyHex, messageCommand, signDiscordRequest, slashCommand, startFakeDiscord } from "./fake-discord.ts";
export type { DiscordInteraction, DiscordMessage, FakeDiscord, FakeDiscordApplication, FakeDiscordGuild } from "./fake-discord.ts";
export type { FakeDiscordGateway, FakeDiscordGatewayOptions, GatewayConnection, GatewayEvent, GatewaySession } from "./fake-discord-gateway.ts";
export { startFakeAnthropic } from "./fake-anthropic.ts";
export type { AnthropicFailure, AnthropicMessage, AnthropicRequest, FakeAnthropic, FakeAnthropicOptions, FakeAnthropicReplyFn } from "./fake-anthropic.ts";
export { startFakeBedrock } from "./fake-bedrock.ts";
export type { BedrockFailure, BedrockRequest, BedrockStreamException, FakeBedrock, FakeBedrockOptions, FakeBedrockReplyFn } from "./fake-bedrock.ts";
export { mulberry32 } from "./seeded-random.ts";
export type { Rng } from "./seeded-random.ts";
