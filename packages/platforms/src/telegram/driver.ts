import type { WebhookDriver } from "@patchbay/core";
import { secretsEqual } from "../shared/constant-time.ts";
import { readTelegramSecrets } from "./integration-views.ts";
import type { TelegramSecrets } from "./integration-views.ts";
import { parseUpdate } from "./parse-update.ts";
import type { TelegramRoute } from "./route.ts";

/**
 * An Update is a message of at most 4096 characters plus its entities, and the message it replies to with
 * its own: even with an entity on every character that stays under ~500 KiB. Nothing real comes near 1 MiB.
 */
const MAX_UPDATE_BYTES = 1024 * 1024;

/**
 * Telegram's part of the webhook pipeline. Telegram signs nothing: it echoes the secret_token given to
 * setWebhook in a header, compared in constant time. Every verified update is answered 200, because any
 * other status makes Telegram retry it for a day and hold back the rest of that chat.
 */
export const telegramWebhookDriver: WebhookDriver<TelegramSecrets, TelegramRoute> = {
  platform: "telegram",
  maxBodyBytes: MAX_UPDATE_BYTES,
  readSecrets: readTelegramSecrets,

  async verify(request, context) {
    const given = request.headers.get("x-telegram-bot-api-secret-token");
    if (!given) return false;
    const secrets = await context.secrets();
    return secrets !== null && secretsEqual(given, secrets.webhook_secret);
  },

  parse: parseUpdate,

  // A method in this body would be executed by Telegram as a "webhook reply"; Patchbay answers from the responder.
  acknowledge: () => Response.json({ ok: true }),
};
