import { PlatformCallError, ValidationError, randomString } from "@patchbay/core";
import type { Integration, PlatformConnector, SecretBundle, Store } from "@patchbay/core";
import type { TelegramBotApi } from "./bot-api.ts";
import { ALLOWED_UPDATES } from "./types.ts";
import type { TelegramBotUser, TelegramSentMessage, TelegramWebhookInfo } from "./types.ts";

/** Telegram accepts 1–256 characters of A-Z a-z 0-9 _ - as secret_token. */
const SECRET_TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
const SECRET_TOKEN_LENGTH = 64;

const PRIVACY_WARNING =
  "Privacy mode is on: in groups the bot only sees commands and replies to it, not @mentions. " +
  "Turn it off with /setprivacy in @BotFather (then remove and re-add the bot to each group), or make the bot a group admin.";

/**
 * The Telegram control plane: getMe, setWebhook/getWebhookInfo/deleteWebhook, test messages, seen chats. An
 * integration that receives by long polling is "registered" when no webhook is set: Telegram refuses
 * getUpdates while one is.
 */
export function createTelegramConnector(api: TelegramBotApi, store: Pick<Store, "seenChannels">): PlatformConnector {
  const warningsFor = (me: TelegramBotUser) => (me.can_read_all_group_messages ? [] : [PRIVACY_WARNING]);

  return {
    platform: "telegram",

    async connect({ botToken, options }) {
      const me = await api<TelegramBotUser>(botToken, "getMe");
      if (!me.username) {
        throw new PlatformCallError("INVALID_CREDENTIALS", "The token does not belong to a bot with a username.");
      }
      return {
        bot: {
          id: String(me.id),
          username: me.username,
          can_read_all_group_messages: me.can_read_all_group_messages === true,
        },
        secrets: {
          bot_token: botToken,
          // A rotated token keeps the webhook secret: warm ingress instances that cached it keep verifying.
          webhook_secret:
            typeof options.webhook_secret === "string" ? options.webhook_secret : randomString(SECRET_TOKEN_LENGTH, SECRET_TOKEN_ALPHABET),
        },
        fields: { mention: `@${me.username}` },
        warnings: warningsFor(me),
      };
    },

    async register(integration, secrets, webhookUrl) {
      if (integration.delivery === "polling") {
        // Without drop_pending_updates: what Telegram holds for the bot is read by the poller.
        await api(secrets.bot_token!, "deleteWebhook");
        return;
      }
      try {
        await api(secrets.bot_token!, "setWebhook", {
          url: webhookUrl,
          secret_token: secrets.webhook_secret,
          allowed_updates: ALLOWED_UPDATES,
        });
      } catch (error) {
        throw webhookRefusal(error, webhookUrl);
      }
    },

    async isRegistered(integration, secrets, webhookUrl) {
      const { url } = await api<TelegramWebhookInfo>(secrets.bot_token!, "getWebhookInfo");
      return url === (integration.delivery === "polling" ? "" : webhookUrl);
    },

    async validate(integration, secrets, webhookUrl) {
      const me = await api<TelegramBotUser>(secrets.bot_token!, "getMe");
      if (String(me.id) !== integration.bot.id) {
        throw new PlatformCallError("INVALID_CREDENTIALS", "The stored token now belongs to a different bot; rotate bot_token.");
      }
      const info = await api<TelegramWebhookInfo>(secrets.bot_token!, "getWebhookInfo");
      if (integration.delivery === "polling") {
        if (info.url !== "") {
          throw new PlatformCallError(
            "PLATFORM_ERROR",
            "A webhook is set for this bot (by another deployment or bot framework), so Telegram refuses the long polling Patchbay receives by; Patchbay removes it on its next check.",
            { webhook_url: info.url },
          );
        }
        return { warnings: warningsFor(me) };
      }
      if (info.url !== webhookUrl) {
        throw new PlatformCallError(
          "PLATFORM_ERROR",
          info.url
            ? "Telegram delivers this bot's updates to another URL; Patchbay re-registers it on its next check, or PATCH the integration's bot_token to re-register now."
            : "The bot has no webhook; Patchbay re-registers it on its next check.",
          { webhook_url: info.url },
        );
      }
      const warnings = warningsFor(me);
      if (info.last_error_message) warnings.push(`Telegram's last delivery error: ${info.last_error_message}`);
      return { warnings };
    },

    async sendTest(_integration, secrets, channelId, text) {
      if (!channelId) {
        throw new ValidationError([{ field: "channel_id", message: "is required for Telegram (a chat id the bot is in; see /channels)" }]);
      }
      const sent = await api<TelegramSentMessage>(secrets.bot_token!, "sendMessage", { chat_id: channelId, text });
      return { messageId: String(sent.message_id) };
    },

    listChannels(integration: Integration) {
      // Telegram has no API to list a bot's chats: these are the chats it has seen.
      return store.seenChannels(integration.id);
    },

    async unregister(integration, secrets: SecretBundle) {
      // A polling integration set no webhook; one that is set now belongs to someone else.
      if (integration.delivery === "polling") return;
      await api(secrets.bot_token!, "deleteWebhook");
    },
  };
}

/** Telegram's refusal of a webhook URL says what to set: it only calls public HTTPS URLs. */
function webhookRefusal(error: unknown, webhookUrl: string): unknown {
  if (!(error instanceof PlatformCallError) || error.code !== "PLATFORM_ERROR" || error.retryable) return error;
  const description = String(error.details.platform_error ?? "");
  if (!/webhook/i.test(description)) return error;
  return new PlatformCallError(
    "PLATFORM_ERROR",
    `Telegram refused the webhook URL ${webhookUrl} (${description}). Telegram only calls public HTTPS URLs on port 443, 80, 88 or 8443: ` +
      "set PUBLIC_URL to one (a tunnel's HTTPS URL), or, with npm start, leave PUBLIC_URL unset and Patchbay receives by long polling instead.",
    { ...error.details, webhook_url: webhookUrl },
    { cause: error },
  );
}
