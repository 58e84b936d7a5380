import type { ChatActivity, LoggedMessage } from "@patchbay/core";
import { messageKey } from "./delivery-key.ts";
import type { SlackBot } from "./integration-views.ts";
import { readableText } from "./message-text.ts";
import type { SlackMessageEvent } from "./schemas.ts";
import { slackTime } from "./slack-time.ts";

/** Message subtypes that report a change in a conversation rather than something new to answer. */
const ACTIVITY_SUBTYPES = new Map<string, ChatActivity>([
  ["message_changed", "edit"],
  ["message_deleted", "delete"],
  ["channel_join", "member"],
  ["channel_leave", "member"],
  ["group_join", "member"],
  ["group_leave", "member"],
]);

export const activityOf = (event: SlackMessageEvent): ChatActivity | undefined =>
  event.subtype === undefined ? undefined : ACTIVITY_SUBTYPES.get(event.subtype);

/**
 * The log entry of an edit, a deletion or a join: keyed by the event's own ts (an edit is not the message it
 * changes), attributed to the message's author. A deleted message's text is not kept.
 */
export function activityLog(event: SlackMessageEvent, activity: ChatActivity, bot: SlackBot): LoggedMessage {
  const subject = activity === "edit" ? event.message : activity === "delete" ? event.previous_message : undefined;
  const userId = subject?.user ?? event.user ?? "";
  return {
    key: messageKey(event.channel, event.ts),
    conversationId: event.channel,
    chatId: event.channel,
    userId,
    userName: userId,
    text: activity === "delete" ? "" : readableText(subject?.text ?? event.text ?? "", bot),
    sentAt: slackTime(event.ts),
  };
}
