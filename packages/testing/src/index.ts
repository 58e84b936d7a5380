export { startFakeTelegram } from "./fake-telegram.ts";
export type {
  DeliverOptions,
  Delivery,
  FakeFailure,
  FakeTelegram,
  FakeTelegramBot,
  FakeTelegramHandler,
  FakeTelegramOptions,
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
