import type { Sender } from "@patchbay/core";
import type { SlackBot } from "./integration-views.ts";
import type { SlackMessageEvent } from "./schemas.ts";

/** Slackbot's user id: its notices ("You have been removed from #…") arrive in the bot's DM like messages. */
const SLACKBOT_USER_ID = "USLACKBOT";

/** Subtypes that are someone writing: a message, with a file, broadcast from a thread, or a /me. */
const PERSON_SUBTYPES = new Set(["file_share", "thread_broadcast", "me_message"]);

/** Subtypes Slack posts itself about a conversation (https://docs.slack.dev/reference/events/message). */
const SYSTEM_SUBTYPES = new Set([
  "channel_archive",
  "channel_unarchive",
  "channel_name",
  "channel_purpose",
  "channel_topic",
  "channel_posting_permissions",
  "channel_convert_to_private",
  "channel_convert_to_public",
  "group_archive",
  "group_unarchive",
  "group_name",
  "group_purpose",
  "group_topic",
  "pinned_item",
  "unpinned_item",
  "reminder_add",
  "ekm_access_denied",
  "huddle_thread",
  "assistant_app_thread",
]);

/**
 * Who wrote a message event, or null for a subtype Patchbay does not know. The bot's own posts come back
 * as events, often without a subtype (only `user` or `bot_id` gives them away); other apps' posts carry a
 * `bot_id` or the classic `bot_message` subtype.
 */
export function senderOf(event: SlackMessageEvent, bot: SlackBot): Sender | null {
  const { subtype } = event;
  const known = subtype === undefined || subtype === "bot_message" || PERSON_SUBTYPES.has(subtype) || SYSTEM_SUBTYPES.has(subtype);
  if (!known) return null;
  if (event.user === bot.userId || event.bot_id === bot.botId) return "self";
  if (event.user === SLACKBOT_USER_ID || (subtype !== undefined && SYSTEM_SUBTYPES.has(subtype))) return "system";
  if (event.bot_id !== undefined || subtype === "bot_message") return "bot";
  return "person";
}
