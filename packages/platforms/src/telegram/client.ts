import * as v from "valibot";
import { PlatformCallError } from "@patchbay/core";
import type { Logger, OutboundContext, PlatformClient } from "@patchbay/core";
import type { TelegramBotApi } from "./bot-api.ts";
import { markdownToTelegramHtml, splitForTelegram } from "./format.ts";
import { telegramRouteSchema } from "./route.ts";
import type { TelegramRoute } from "./route.ts";
import type { TelegramSentMessage } from "./types.ts";

/** Telegram's typing indicator fades after 5 s; it is renewed a little sooner. */
const TYPING_REFRESH_MS = 4000;

/** The responder's Telegram side: typing while the model works, HTML replies under 4096 characters. */
export function createTelegramClient(api: TelegramBotApi, logger: Logger): PlatformClient {
  const tokenOf = (context: OutboundContext) => context.secrets.bot_token!;

  const send = async (context: OutboundContext, chatId: string, params: Record<string, unknown>) => {
    try {
      return await api<TelegramSentMessage>(tokenOf(context), "sendMessage", { chat_id: chatId, ...params });
    } catch (error) {
      // A group upgraded to a supergroup has a new id; Telegram says which.
      const migrated = error instanceof PlatformCallError ? error.details.migrate_to_chat_id : undefined;
      if (typeof migrated !== "string") throw error;
      return api<TelegramSentMessage>(tokenOf(context), "sendMessage", { chat_id: migrated, ...params });
    }
  };

  return {
    startTyping(context) {
      const { message } = context;
      const ping = () =>
        api(tokenOf(context), "sendChatAction", {
          chat_id: message.chatId,
          action: "typing",
          ...(message.threadId ? { message_thread_id: Number(message.threadId) } : {}),
        }).catch((error: unknown) => {
          logger.warn("typing indicator failed", {
            integration_id: context.integration.id,
            code: error instanceof PlatformCallError ? error.code : "INTERNAL",
          });
        });
      void ping();
      const timer = setInterval(ping, TYPING_REFRESH_MS);
      return () => clearInterval(timer);
    },

    split: (answer) => splitForTelegram(answer),

    async sendPart(context, part, index) {
      const { message } = context;
      const route = routeOf(context);
      const params: Record<string, unknown> = {
        link_preview_options: { is_disabled: true },
        ...(message.threadId ? { message_thread_id: Number(message.threadId) } : {}),
        // In groups the first part answers the question visibly; a deleted question must not lose the answer.
        ...(route.chatType !== "private" && index === 0
          ? { reply_parameters: { message_id: Number(message.messageId), allow_sending_without_reply: true } }
          : {}),
      };
      try {
        const sent = await send(context, message.chatId, { ...params, text: markdownToTelegramHtml(part), parse_mode: "HTML" });
        return { messageId: String(sent.message_id) };
      } catch (error) {
        if (!isParseError(error)) throw error;
        // Formatting Telegram rejects must not lose the answer: the same part again, as plain text.
        logger.warn("telegram rejected formatting, sending plain text", { integration_id: context.integration.id });
        const sent = await send(context, message.chatId, { ...params, text: part });
        return { messageId: String(sent.message_id) };
      }
    },
  };
}

/** The route came through the queue as data: checked, so a job from another version fails loudly, once. */
function routeOf(context: OutboundContext): TelegramRoute {
  const parsed = v.safeParse(telegramRouteSchema, context.message.route);
  if (parsed.success) return parsed.output;
  throw new PlatformCallError("PLATFORM_ERROR", "The queued Telegram message has no valid route (expected { chatType }); it cannot be answered.", {
    platform: "telegram",
  });
}

function isParseError(error: unknown): boolean {
  return (
    error instanceof PlatformCallError &&
    typeof error.details.platform_error === "string" &&
    /can't parse entities/i.test(error.details.platform_error)
  );
}
