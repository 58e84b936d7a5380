import type { Addressing, InboundMessage, Integration, SeenChannel } from "@patchbay/core";
import type { TelegramChat, TelegramEntity, TelegramMessage, TelegramUpdate, TelegramUser } from "./types.ts";

export type ParsedUpdate =
  /** A message to run through the answering rules. */
  | { kind: "message"; message: InboundMessage; addressing: Addressing; chat: SeenChannel | null; fromBot: boolean }
  /** Nothing to answer, but a chat worth remembering (the bot was added to a group). */
  | { kind: "chat"; chat: SeenChannel }
  /** An update Patchbay does not act on; acknowledged and dropped. */
  | { kind: "skip" };

/** Whether a JSON body has the shape of an Update. */
export function isUpdate(body: unknown): body is TelegramUpdate {
  return typeof body === "object" && body !== null && Number.isInteger((body as { update_id?: unknown }).update_id);
}

/** Normalises an Update for one integration's bot and decides whether it addresses the bot. */
export function parseUpdate(update: TelegramUpdate, integration: Integration, at: string): ParsedUpdate {
  const membership = update.my_chat_member;
  if (membership && membership.chat.type !== "private") {
    return { kind: "chat", chat: seenChannel(membership.chat, at) };
  }
  const message = update.message;
  if (!message || message.chat.type === "channel") return { kind: "skip" };

  const text = message.text ?? message.caption ?? "";
  const entities = message.text !== undefined ? (message.entities ?? []) : (message.caption_entities ?? []);
  const isDirect = message.chat.type === "private";
  const botId = Number(integration.bot.id);
  const handles = botHandles(integration);
  const command = commandOf(text, entities, handles, isDirect);
  const threadId = message.is_topic_message && message.message_thread_id !== undefined ? String(message.message_thread_id) : null;
  const chatId = String(message.chat.id);

  const inbound: InboundMessage = {
    key: `u${update.update_id}`,
    conversationId: threadId ? `${chatId}:${threadId}` : chatId,
    chatId,
    isDirect,
    messageId: String(message.message_id),
    threadId,
    userId: String(message.from?.id ?? message.chat.id),
    userName: displayName(message.from),
    text,
    sentAt: new Date(message.date * 1000).toISOString(),
    reply: { chatType: message.chat.type },
  };
  const addressed =
    command.forBot ||
    mentionsBot(text, entities, handles, botId) ||
    repliesToBot(message, botId);
  return {
    kind: "message",
    message: inbound,
    addressing: { addressed, greeting: command.name === "start" && command.forBot },
    chat: isDirect ? null : seenChannel(message.chat, at),
    fromBot: message.from?.is_bot === true,
  };
}

/** Lower-case handles without "@": the bot's username and the integration's `mention`. */
function botHandles(integration: Integration): string[] {
  return [integration.bot.username, integration.mention ?? ""]
    .map((h) => h.replace(/^@/, "").toLowerCase())
    .filter((h) => h.length > 0);
}

function slice(text: string, entity: TelegramEntity): string {
  // Entity offsets are UTF-16 code units, which is how JavaScript indexes strings.
  return text.slice(entity.offset, entity.offset + entity.length);
}

function mentionsBot(text: string, entities: TelegramEntity[], handles: string[], botId: number): boolean {
  for (const entity of entities) {
    if (entity.type === "mention" && handles.includes(slice(text, entity).slice(1).toLowerCase())) return true;
    if (entity.type === "text_mention" && entity.user?.id === botId) return true;
  }
  return false;
}

/** A command at the start of the message; in groups it is for the bot only as `/cmd@bot`. */
function commandOf(text: string, entities: TelegramEntity[], handles: string[], isDirect: boolean) {
  const entity = entities.find((e) => e.type === "bot_command" && e.offset === 0);
  if (!entity) return { name: null, forBot: false };
  const [name = "", target] = slice(text, entity).slice(1).split("@");
  const forBot = target ? handles.includes(target.toLowerCase()) : isDirect;
  return { name: name.toLowerCase(), forBot };
}

/**
 * A reply to one of the bot's messages. In forum topics every message that is not a real reply
 * carries the topic-creation service message as `reply_to_message`; that is not a reply to the bot.
 */
function repliesToBot(message: TelegramMessage, botId: number): boolean {
  const target = message.reply_to_message;
  if (!target || target.from?.id !== botId) return false;
  if (target.forum_topic_created !== undefined) return false;
  if (message.is_topic_message && target.message_id === message.message_thread_id) return false;
  return true;
}

function displayName(user: TelegramUser | undefined): string {
  if (!user) return "";
  return [user.first_name, user.last_name].filter(Boolean).join(" ") || user.username || String(user.id);
}

function seenChannel(chat: TelegramChat, at: string): SeenChannel {
  return {
    id: String(chat.id),
    name: chat.title ?? chat.username ?? chat.first_name ?? String(chat.id),
    isPrivate: chat.type !== "channel" && !chat.username,
    lastSeenAt: at,
  };
}
