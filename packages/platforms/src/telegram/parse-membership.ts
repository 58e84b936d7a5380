import type { PlatformEvent } from "@patchbay/core";
import { displayName, seenChannel, sentAt } from "./message-fields.ts";
import type { TelegramRoute } from "./route.ts";
import type { TelegramMemberUpdate } from "./schemas.ts";

/** Someone (often the bot itself) joined, left or changed role: logged; a group is remembered for the listing. */
export function parseMemberUpdate(update: TelegramMemberUpdate, key: string, receivedAt: string): PlatformEvent<TelegramRoute> {
  const chatId = String(update.chat.id);
  return {
    kind: "activity",
    activity: "member",
    logged: {
      key,
      conversationId: chatId,
      chatId,
      userId: String(update.from.id),
      userName: displayName(update.from),
      text: "",
      sentAt: sentAt(update.date),
    },
    // A private chat here means a user blocked or restarted the bot: nothing to list.
    ...(update.chat.type === "private" ? {} : { chat: seenChannel(update.chat, receivedAt) }),
  };
}
