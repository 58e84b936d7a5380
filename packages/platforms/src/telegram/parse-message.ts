import { IMAGE_LIMITS, withImages } from "@patchbay/core";
import type { InboundImage, InboundMessage, LoggedMessage, PlatformEvent, Sender } from "@patchbay/core";
import { commandOf, mentionsBot, repliesToBot } from "./addressing.ts";
import type { TelegramBot } from "./integration-views.ts";
import { TELEGRAM_TEXT_MAX, cut, displayName, seenChannel, sentAt } from "./message-fields.ts";
import type { TelegramRoute } from "./route.ts";
import type { TelegramMessage } from "./schemas.ts";

/** Service messages whose only news is who joined or left: logged as membership changes. */
const MEMBERSHIP_FIELDS = ["new_chat_members", "left_chat_member"];

/** Service messages Telegram posts itself: logged as system messages, never answered. */
const SERVICE_FIELDS = [
  "new_chat_title",
  "new_chat_photo",
  "delete_chat_photo",
  "group_chat_created",
  "supergroup_chat_created",
  "migrate_to_chat_id",
  "migrate_from_chat_id",
  "pinned_message",
  "message_auto_delete_timer_changed",
  "forum_topic_created",
  "forum_topic_edited",
  "forum_topic_closed",
  "forum_topic_reopened",
  "general_forum_topic_hidden",
  "general_forum_topic_unhidden",
  "video_chat_scheduled",
  "video_chat_started",
  "video_chat_ended",
  "video_chat_participants_invited",
  "write_access_allowed",
  "boost_added",
  "chat_background_set",
];

const has = (message: TelegramMessage, fields: string[]) => fields.some((field) => Object.hasOwn(message, field));

/** Telegram's stand-in users: an anonymous group admin, and the linked channel's automatic forwards. */
const GROUP_ANONYMOUS_BOT_ID = 1087968824;
const TELEGRAM_SERVICE_USER_ID = 777000;

function senderOf(message: TelegramMessage, bot: TelegramBot): Sender {
  if (bot.id !== null && message.from?.id === bot.id) return "self";
  // A post of the linked channel copied into its discussion group: answering it would answer every channel post.
  if (message.from?.id === TELEGRAM_SERVICE_USER_ID || Object.hasOwn(message, "is_automatic_forward")) return "system";
  // An admin writing anonymously is a person, though Telegram marks the stand-in user as a bot.
  if (message.from?.id === GROUP_ANONYMOUS_BOT_ID) return "person";
  if (message.from?.is_bot === true) return "bot";
  if (has(message, SERVICE_FIELDS)) return "system";
  return "person";
}

function normalise(message: TelegramMessage, key: string): InboundMessage<TelegramRoute> {
  const chatId = String(message.chat.id);
  // Ordinary groups number reply threads too; echoing those back fails, so only forum topics count.
  const threadId = message.is_topic_message === true && message.message_thread_id !== undefined ? String(message.message_thread_id) : null;
  return {
    key,
    conversationId: threadId ? `${chatId}:${threadId}` : chatId,
    chatId,
    isDirect: message.chat.type === "private",
    messageId: String(message.message_id),
    threadId,
    userId: String(message.from?.id ?? message.chat.id),
    userName: displayName(message.from),
    text: cut(message.text ?? message.caption ?? "", TELEGRAM_TEXT_MAX),
    sentAt: sentAt(message.date),
    route: { chatType: message.chat.type },
    ...withImages(imagesOf(message)),
  };
}

/**
 * A photo (Telegram keeps it as JPEG, in several sizes: the largest under the cap is taken, else the
 * smallest so the log says it was too large) or a document whose type is an image. An album arrives as one
 * message per picture, the caption on one of them: only that one is a question, or every picture would
 * get an answer of its own.
 */
function imagesOf(message: TelegramMessage): InboundImage[] {
  if (message.media_group_id !== undefined && !message.caption?.trim()) return [];
  const sizes = message.photo ?? [];
  if (sizes.length > 0) {
    const fitting = sizes.filter((size) => size.file_size === undefined || size.file_size <= IMAGE_LIMITS.maxBytes);
    const size = fitting.at(-1) ?? sizes[0]!;
    return [{ ref: size.file_id, name: "photo.jpg", mediaType: "image/jpeg", size: size.file_size ?? null }];
  }
  const document = message.document;
  if (document?.mime_type?.startsWith("image/")) {
    return [{ ref: document.file_id, name: document.file_name ?? "image", mediaType: document.mime_type, size: document.file_size ?? null }];
  }
  return [];
}

function logged({ key, conversationId, chatId, userId, userName, text, sentAt }: InboundMessage): LoggedMessage {
  return { key, conversationId, chatId, userId, userName, text, sentAt };
}

/** A new message: who wrote it, whether it addresses the bot, and the group it was seen in. */
export function parseNewMessage(message: TelegramMessage, key: string, bot: TelegramBot, receivedAt: string): PlatformEvent<TelegramRoute> {
  const inbound = normalise(message, key);
  const chat = inbound.isDirect ? undefined : seenChannel(message.chat, receivedAt);
  if (has(message, MEMBERSHIP_FIELDS)) return { kind: "activity", activity: "member", logged: logged(inbound), ...(chat ? { chat } : {}) };

  // Media carry their words as a caption, with the caption's own entities.
  const text = message.text ?? message.caption ?? "";
  const entities = (message.text !== undefined ? message.entities : message.caption_entities) ?? [];
  const command = commandOf(text, entities, bot, inbound.isDirect);
  return {
    kind: "message",
    message: inbound,
    sender: senderOf(message, bot),
    addressed: command?.forBot === true || mentionsBot(text, entities, bot) || repliesToBot(message, bot),
    ...(command?.forBot && command.name === "start" ? { greeting: true } : {}),
    ...(chat ? { chat } : {}),
  };
}

/** An edit of an earlier message: logged, never answered again. */
export function parseEditedMessage(message: TelegramMessage, key: string): PlatformEvent<TelegramRoute> {
  return { kind: "activity", activity: "edit", logged: logged(normalise(message, key)) };
}
