import { withImages } from "@patchbay/core";
import type { InboundImage, InboundMessage, PlatformEvent } from "@patchbay/core";
import { messageKey } from "./delivery-key.ts";
import type { SlackBot } from "./integration-views.ts";
import { activityLog, activityOf } from "./message-activity.ts";
import { mentions, readableText } from "./message-text.ts";
import type { SlackRoute } from "./route.ts";
import type { SlackMessageEvent } from "./schemas.ts";
import { senderOf } from "./sender.ts";
import { slackTime } from "./slack-time.ts";
import type { UnsupportedReason } from "./unsupported.ts";

type Unsupported = (reason: UnsupportedReason, detail: string) => PlatformEvent<never>;

/** A `message` or `app_mention` event: an activity, something Patchbay does not handle, or a message with its facts. */
export function parseMessageEvent(event: SlackMessageEvent, bot: SlackBot, unsupported: Unsupported): PlatformEvent<SlackRoute> {
  const activity = activityOf(event);
  if (activity) return { kind: "activity", activity, logged: activityLog(event, activity, bot) };
  // Slack's docs warn that message_replied may arrive without its subtype; its nested message gives it away.
  if (event.subtype === "message_replied" || (event.subtype === undefined && event.message !== undefined)) {
    return unsupported("unsupported_event", "message_replied: a thread's parent was updated; each reply arrives as a message of its own");
  }
  const sender = senderOf(event, bot);
  if (sender === null) return unsupported("unsupported_event", `message subtype ${event.subtype} is not handled`);
  return {
    kind: "message",
    message: inboundMessage(event, bot),
    sender,
    addressed: event.type === "app_mention" || mentions(event.text ?? "", bot.userId),
  };
}

function inboundMessage(event: SlackMessageEvent, bot: SlackBot): InboundMessage<SlackRoute> {
  const { channel, ts } = event;
  const isDirect = event.channel_type === "im";
  // A top-level channel message is answered in a thread of its own; a DM stays one plain conversation.
  const threadTs = event.thread_ts ?? (isDirect ? null : ts);
  return {
    key: messageKey(channel, ts),
    conversationId: threadTs ? `${channel}:${threadTs}` : channel,
    chatId: channel,
    isDirect,
    messageId: ts,
    threadId: threadTs,
    userId: event.user ?? event.bot_id ?? "",
    userName: event.user ?? "",
    text: readableText(event.text ?? "", bot),
    sentAt: slackTime(ts),
    route: { channel, threadTs },
    ...withImages(imagesOf(event)),
  };
}

/** Shared image files, by their url_private (Slack Connect files that must be looked up first are not pictures we can fetch). */
function imagesOf(event: SlackMessageEvent): InboundImage[] {
  return (event.files ?? []).flatMap((file) =>
    file.mimetype?.startsWith("image/") && file.url_private
      ? [{ ref: file.url_private, name: file.name ?? file.id, mediaType: file.mimetype, size: file.size ?? null }]
      : [],
  );
}
