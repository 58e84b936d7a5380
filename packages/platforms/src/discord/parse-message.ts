import { withImages } from "@patchbay/core";
import type { InboundMessage, PlatformEvent, Sender } from "@patchbay/core";
import { messageKey } from "./delivery-key.ts";
import type { DiscordBot } from "./integration-views.ts";
import { attachedImages } from "./message-images.ts";
import { cutText, displayName } from "./message-text.ts";
import type { DiscordRoute } from "./route.ts";
import type { CreatedMessage } from "./schemas.ts";

type DiscordEvent = PlatformEvent<DiscordRoute>;

/** DEFAULT and REPLY: the message types people write; every other type is Discord's own (joins, pins, boosts…). */
const PERSON_TYPES = new Set([0, 19]);
/** ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD. */
export const THREAD_TYPES = new Set([10, 11, 12]);

function senderOf(message: CreatedMessage, bot: DiscordBot): Sender {
  // First: the bot's own interaction answers also carry a webhook_id and a non-default type.
  if (message.author.id === bot.userId) return "self";
  if (message.webhook_id !== undefined || message.author.bot === true) return "bot";
  if (message.author.system === true || !PERSON_TYPES.has(message.type)) return "system";
  return "person";
}

/** `<@id>`, the deprecated `<@!id>`, and `<@&role>` for the bot's managed role, with a space either side. */
function mentionPattern(bot: DiscordBot): RegExp {
  const role = bot.roleId ? `|<@&${bot.roleId}>` : "";
  return new RegExp(`( ?)(?:<@!?${bot.userId}>${role})( ?)`, "g");
}

/** The text without the bot's mentions; "ask <@bot> now" keeps one space where the mention was. */
const withoutMentions = (content: string, bot: DiscordBot) =>
  content.replace(mentionPattern(bot), (_mention, before: string, after: string) => (before && after ? " " : "")).trim();

function addresses(message: CreatedMessage, bot: DiscordBot): boolean {
  const mentioned =
    mentionPattern(bot).test(message.content) ||
    (message.mentions ?? []).some((user) => user.id === bot.userId) ||
    (bot.roleId !== null && (message.mention_roles ?? []).includes(bot.roleId));
  // A reply that does not ping the bot is not in `mentions`: the message replied to says who wrote it.
  const repliesToBot = message.referenced_message?.author.id === bot.userId;
  return mentioned || repliesToBot;
}

/**
 * A MESSAGE_CREATE dispatch as a message for the answering rules. A thread message belongs to its parent
 * channel for channel_ids when the transport knows the parent (`parentId`); the thread is the conversation.
 * The bot's mention is taken out of the text the model gets.
 */
export function parseCreatedMessage(message: CreatedMessage, bot: DiscordBot, parentId: string | undefined): DiscordEvent {
  const inThread = message.channel_type !== undefined && THREAD_TYPES.has(message.channel_type);
  const threadId = inThread ? message.channel_id : null;
  const chatId = inThread ? (parentId ?? message.channel_id) : message.channel_id;
  const inbound: InboundMessage<DiscordRoute> = {
    key: messageKey(message.id),
    conversationId: message.channel_id,
    chatId,
    isDirect: message.guild_id === undefined,
    messageId: message.id,
    threadId,
    userId: message.author.id,
    userName: displayName(message.author),
    text: cutText(withoutMentions(message.content, bot)),
    sentAt: new Date(message.timestamp).toISOString(),
    route: { via: "message", channelId: message.channel_id, messageId: message.id },
    ...withImages(attachedImages(message.attachments)),
  };
  return { kind: "message", message: inbound, sender: senderOf(message, bot), addressed: addresses(message, bot) };
}
