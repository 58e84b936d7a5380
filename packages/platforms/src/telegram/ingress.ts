import type { Clock, InboundHandler, Logger, SeenChannel, Store, TokenVault, WebhookIngress } from "@patchbay/core";
import { secretsEqual } from "../shared/constant-time.ts";
import { acknowledged, webhookErrors } from "../shared/webhook-errors.ts";
import { isUpdate, parseUpdate } from "./parse-update.ts";

/** How often a chat the bot is active in is re-recorded for the channel listing. */
const SEEN_CHAT_REFRESH_MS = 60 * 60 * 1000;

export interface TelegramIngressDeps {
  store: Store;
  vault: TokenVault;
  inbound: InboundHandler;
  clock: Clock;
  logger: Logger;
}

/**
 * POST /webhooks/telegram/{id}: checks the secret token, normalises the update, and hands it to the
 * answering rules. Anything Patchbay merely chooses not to answer still gets 200: a non-2xx makes
 * Telegram retry for a day and hold back the rest of that chat.
 */
export function createTelegramIngress({ store, vault, inbound, clock, logger }: TelegramIngressDeps): WebhookIngress {
  const lastRecorded = new Map<string, number>();

  const remember = async (integrationId: string, chat: SeenChannel) => {
    const key = `${integrationId}:${chat.id}`;
    const now = clock.now();
    if (now - (lastRecorded.get(key) ?? 0) < SEEN_CHAT_REFRESH_MS) return;
    await store.rememberChannel(integrationId, chat);
    lastRecorded.set(key, now);
  };

  return {
    async handle(request, integrationId) {
      const integration = await store.getIntegration(integrationId);
      if (!integration || integration.platform !== "telegram") throw webhookErrors.unknownIntegration(integrationId);
      const secret = (await vault.get(integrationId))?.webhook_secret;
      const given = request.headers.get("x-telegram-bot-api-secret-token");
      if (!secret || !given || !secretsEqual(given, secret)) throw webhookErrors.unverified("secret token");

      let body: unknown;
      try {
        body = await request.json();
      } catch {
        throw webhookErrors.malformed("JSON");
      }
      if (!isUpdate(body)) throw webhookErrors.malformed("a Telegram Update");

      const at = new Date(clock.now()).toISOString();
      const parsed = parseUpdate(body, integration, at);
      if (parsed.kind === "chat") await remember(integration.id, parsed.chat);
      if (parsed.kind !== "message") return acknowledged();
      if (parsed.chat) await remember(integration.id, parsed.chat);

      const { message, addressing } = parsed;
      if (parsed.fromBot) {
        await store.recordIgnored(integration.id, message, "bot_message", at);
      } else if (message.text.trim() === "") {
        await store.recordIgnored(integration.id, message, "empty_message", at);
      } else {
        await inbound.accept(integration, message, addressing);
      }
      logger.info("telegram update accepted", { integration_id: integration.id, key: message.key });
      return acknowledged();
    },
  };
}
