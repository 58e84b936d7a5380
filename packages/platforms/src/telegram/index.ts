import type { PlatformModule } from "../shared/platform-module.ts";
import { createTelegramBotApi } from "./bot-api.ts";
import { createTelegramClient } from "./client.ts";
import { createTelegramConnector } from "./connector.ts";
import { telegramWebhookDriver } from "./driver.ts";
import { telegramImageDownload } from "./image-download.ts";

export { telegramWebhookDriver };
export type { TelegramRoute } from "./route.ts";
export { getTelegramUpdates } from "./updates.ts";
export type { GetUpdatesConflict, GetUpdatesRequest, PolledTelegramUpdate } from "./updates.ts";

/** Every Bot API call is bounded so a hung connection cannot hold a request or a worker. */
export const BOT_API_TIMEOUT_MS = 15_000;
export { createTelegramBotApi } from "./bot-api.ts";
export type { TelegramBotApi } from "./bot-api.ts";

export const telegramPlatform = {
  platform: "telegram",
  driver: telegramWebhookDriver,
  createClient: (deps) => {
    const api = createTelegramBotApi({ apiUrl: deps.apiUrl, timeoutMs: BOT_API_TIMEOUT_MS });
    return { ...createTelegramClient(api, deps.logger), downloadImage: telegramImageDownload(api, deps.apiUrl) };
  },
  createConnector: (deps) => createTelegramConnector(createTelegramBotApi({ apiUrl: deps.apiUrl, timeoutMs: BOT_API_TIMEOUT_MS }), deps.store),
} as const satisfies PlatformModule;
