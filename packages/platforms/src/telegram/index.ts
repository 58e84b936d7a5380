import type { PlatformAdapters, PlatformDeps } from "../shared/platform-adapters.ts";
import { createTelegramBotApi } from "./bot-api.ts";
import { createTelegramClient } from "./client.ts";
import { createTelegramConnector } from "./connector.ts";
import { createTelegramIngress } from "./ingress.ts";

export { createTelegramIngress };

/** Every Bot API call is bounded so a hung connection cannot hold a request or a worker. */
const BOT_API_TIMEOUT_MS = 15_000;

export function createTelegramPlatform(deps: PlatformDeps): PlatformAdapters {
  const api = createTelegramBotApi({ apiUrl: deps.apiUrl, timeoutMs: BOT_API_TIMEOUT_MS });
  return {
    connector: createTelegramConnector(api, deps.store),
    client: createTelegramClient(api, deps.logger),
    ingress: createTelegramIngress(deps),
  };
}
