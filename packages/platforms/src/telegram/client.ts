import { createHash } from "node:crypto";
import * as v from "valibot";
import { PlatformCallError } from "@patchbay/core";
import type { Logger, OutboundContext, PlatformClient } from "@patchbay/core";
import type { TelegramBotApi } from "./bot-api.ts";
import { markdownToTelegramHtml, markdownToTelegramText, splitForTelegram } from "./format.ts";
import { telegramRouteSchema } from "./route.ts";
import type { TelegramRoute } from "./route.ts";
import type { TelegramSentMessage } from "./types.ts";

/** Telegram's typing indicator fades after 5 s; it is renewed a little sooner. */
const TYPING_REFRESH_MS = 4000;
/** Telegram's FAQ: about one message per second in a chat (a private chat's drafts go at that pace). */
const PRIVATE_UPDATE_MS = 1000;
/** In groups about 20 messages a minute, edits included (grammY's observation): one edit every 3 s leaves room. */
const GROUP_UPDATE_MS = 3000;
/** `editMessageText` with the text already shown (platforms.md: treat as success, never send anew). */
const NOT_MODIFIED = /message is not modified/i;
/** `deleteMessage` of a message already deleted (Telegram's own wording, Client.cpp). */
const ALREADY_DELETED = /message to delete not found/i;

/**
 * The responder's Telegram side: typing while the model works, HTML replies under 4096 characters, and
 * answers shown as they are written — drafts in private chats, a message edited as it grows in groups.
 */
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

  /** Calls with Telegram HTML; formatting Telegram rejects must not lose the answer: the same part again, as its plain text. */
  const formatted = async <T>(context: OutboundContext, part: string, call: (text: { text: string; parse_mode?: "HTML" }) => Promise<T>): Promise<T> => {
    try {
      return await call({ text: markdownToTelegramHtml(part), parse_mode: "HTML" });
    } catch (error) {
      if (!isParseError(error)) throw error;
      logger.warn("telegram rejected formatting, sending plain text", { integration_id: context.integration.id });
      return call({ text: markdownToTelegramText(part) });
    }
  };

  const sendPart = async (context: OutboundContext, part: string, index: number) => {
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
    const sent = await formatted(context, part, (text) => send(context, message.chatId, { ...params, ...text }));
    return { messageId: String(sent.message_id) };
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

    sendPart,

    streaming: {
      updateIntervalMs: (context) => (routeOf(context).chatType === "private" ? PRIVATE_UPDATE_MS : GROUP_UPDATE_MS),

      // Drafts exist in private chats only (platforms.md §1.9).
      drafts: (context) => routeOf(context).chatType === "private",

      async showDraft(context, part) {
        const { message } = context;
        await formatted(context, part, (text) =>
          api(tokenOf(context), "sendMessageDraft", {
            chat_id: Number(message.chatId),
            draft_id: draftIdOf(context),
            ...(message.threadId ? { message_thread_id: Number(message.threadId) } : {}),
            ...text,
          }),
        );
      },

      postPart: sendPart,

      async editPart(context, messageId, part) {
        try {
          await formatted(context, part, (text) =>
            api(tokenOf(context), "editMessageText", {
              chat_id: context.message.chatId,
              message_id: Number(messageId),
              link_preview_options: { is_disabled: true },
              ...text,
            }),
          );
        } catch (error) {
          if (!saysTelegram(error, NOT_MODIFIED)) throw error;
        }
      },

      async removePart(context, messageId) {
        try {
          await api(tokenOf(context), "deleteMessage", { chat_id: context.message.chatId, message_id: Number(messageId) });
        } catch (error) {
          if (!saysTelegram(error, ALREADY_DELETED)) throw error;
        }
      },
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

/** One draft bubble per question, the same on every attempt: a redelivery animates the bubble already shown. */
function draftIdOf(context: OutboundContext): number {
  const digest = createHash("sha256").update(`${context.integration.id}:${context.message.key}`).digest();
  return (digest.readUInt32BE(0) % 2_147_483_646) + 1;
}

/** Whether Telegram refused with these words. */
function saysTelegram(error: unknown, words: RegExp): boolean {
  return error instanceof PlatformCallError && typeof error.details.platform_error === "string" && words.test(error.details.platform_error);
}

function isParseError(error: unknown): boolean {
  return saysTelegram(error, /can't parse entities/i);
}
