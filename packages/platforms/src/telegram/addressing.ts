import type { TelegramBot } from "./integration-views.ts";
import type { TelegramEntity, TelegramMessage } from "./schemas.ts";

/** A command at the start of a message, and whether it is for this bot. */
export interface Command {
  name: string;
  forBot: boolean;
}

function slice(text: string, entity: TelegramEntity): string {
  // Entity offsets are UTF-16 code units, which is how JavaScript indexes strings.
  return text.slice(entity.offset, entity.offset + entity.length);
}

/** `@bot` as a mention entity, or a text mention of the bot's user (people without a username). */
export function mentionsBot(text: string, entities: TelegramEntity[], bot: TelegramBot): boolean {
  return entities.some(
    (entity) =>
      (entity.type === "mention" && bot.handles.includes(slice(text, entity).slice(1).toLowerCase())) ||
      (entity.type === "text_mention" && bot.id !== null && entity.user?.id === bot.id),
  );
}

/** A command at the start of the message; in groups it is for the bot only as `/cmd@bot`. */
export function commandOf(text: string, entities: TelegramEntity[], bot: TelegramBot, isDirect: boolean): Command | null {
  const entity = entities.find((e) => e.type === "bot_command" && e.offset === 0);
  if (!entity) return null;
  const [name = "", target] = slice(text, entity).slice(1).split("@");
  return { name: name.toLowerCase(), forBot: target ? bot.handles.includes(target.toLowerCase()) : isDirect };
}

/**
 * A reply to one of the bot's messages. In forum topics every message that is not a real reply carries the
 * topic-creation service message as `reply_to_message`; when the bot created the topic, that is no reply to it.
 */
export function repliesToBot(message: TelegramMessage, bot: TelegramBot): boolean {
  const target = message.reply_to_message;
  if (!target || bot.id === null || target.from?.id !== bot.id) return false;
  if (target.forum_topic_created !== undefined) return false;
  return !(message.is_topic_message === true && target.message_id === message.message_thread_id);
}
