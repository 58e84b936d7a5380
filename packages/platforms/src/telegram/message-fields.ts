import type { SeenChannel } from "@patchbay/core";
import type { TelegramChat, TelegramUser } from "./schemas.ts";

/** Telegram's own limit on a message's text, in UTF-16 code units (captions are shorter still). */
export const TELEGRAM_TEXT_MAX = 4096;
/** Names come from users; they are kept to a length any log or prompt can carry. */
const NAME_MAX = 128;

/** Cuts a string to at most `max` code units without splitting a surrogate pair. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return text.slice(0, end);
}

export function displayName(user: TelegramUser | undefined): string {
  if (!user) return "";
  const name = [user.first_name, user.last_name].filter(Boolean).join(" ") || user.username || String(user.id);
  return cut(name, NAME_MAX);
}

export function seenChannel(chat: TelegramChat, at: string): SeenChannel {
  return {
    id: String(chat.id),
    name: cut(chat.title ?? chat.username ?? chat.first_name ?? String(chat.id), NAME_MAX),
    isPrivate: chat.type !== "channel" && !chat.username,
    lastSeenAt: at,
  };
}

export const sentAt = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString();
