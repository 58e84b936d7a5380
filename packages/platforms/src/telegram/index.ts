import type { Clock, InboundHandler, Logger, Store, TokenVault } from "@patchbay/core";
import type { PlatformAdapters } from "../shared/platform-adapters.ts";
import { createTelegramBotApi } from "./bot-api.ts";
import { createTelegramClient } from "./client.ts";
import { createTelegramConnector } from "./connector.ts";
import { createTelegramIngress } from "./ingress.ts";

export { createTelegramIngress };

export { createTelegramBotApi } from "./bot-api.ts";
export type { TelegramBotApi } from "./bot-api.ts";
export * from "./format.ts";

/** Every Bot API call is bounded so a hung connection cannot hold a request or a worker. */
const BOT_API_TIMEOUT_MS = 15_000;

export interface TelegramPlatformDeps {
  apiUrl: string;
  store: Store;
  vault: TokenVault;
  inbound: InboundHandler;
  clock: Clock;
  logger: Logger;
  fetch?: typeof fetch;
}

export function createTelegramPlatform(deps: TelegramPlatformDeps): PlatformAdapters {
  const api = createTelegramBotApi({ apiUrl: deps.apiUrl, timeoutMs: BOT_API_TIMEOUT_MS, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  return {
    connector: createTelegramConnector(api, deps.store),
    client: createTelegramClient(api, deps.logger),
    ingress: createTelegramIngress(deps),
  };
}
