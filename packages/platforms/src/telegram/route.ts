import * as v from "valibot";

/** Where a Telegram answer goes besides the chat id: the chat's type (private chats get no visible reply quote). */
export const telegramRouteSchema = v.object({
  chatType: v.picklist(["private", "group", "supergroup", "channel"]),
});

export type TelegramRoute = v.InferOutput<typeof telegramRouteSchema>;
