import type { PlatformEvent } from "@patchbay/core";
import { memberKey } from "./delivery-key.ts";
import type { SlackMemberEvent } from "./schemas.ts";
import { slackTime } from "./slack-time.ts";

/** Someone (the bot included) joined or left a conversation: logged, never answered. */
export function parseMemberEvent(event: SlackMemberEvent): PlatformEvent<never> {
  return {
    kind: "activity",
    activity: "member",
    logged: {
      key: memberKey(event.channel, event.user, event.event_ts),
      conversationId: event.channel,
      chatId: event.channel,
      userId: event.user,
      userName: event.user,
      text: "",
      sentAt: slackTime(event.event_ts),
    },
  };
}
