import type { Addressing, IgnoreReason, InboundMessage, Integration } from "@patchbay/core";

/** The fields of Slack's message-like inner events Patchbay reads. */
export interface SlackMessageEvent {
  type: string;
  subtype?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
  channel?: string;
  channel_type?: string;
  event_ts?: string;
  /** Present on hidden `message_replied` notifications, which may arrive without a subtype. */
  message?: unknown;
}

export interface SlackEnvelope {
  type: "event_callback" | "url_verification" | string;
  challenge?: string;
  team_id?: string;
  api_app_id?: string;
  event_id?: string;
  event?: SlackMessageEvent;
}

export type ParsedEvent =
  | { kind: "message"; message: InboundMessage; addressing: Addressing }
  | { kind: "ignored"; message: InboundMessage; reason: IgnoreReason }
  /** Not a message anyone wrote to the bot (edits, joins, the bot's own posts): acknowledged and dropped. */
  | { kind: "skip"; why: string };

/** Subtypes that are still a person writing a message. */
const MESSAGE_SUBTYPES = new Set([undefined, "file_share", "thread_broadcast"]);

export function isEnvelope(body: unknown): body is SlackEnvelope {
  return typeof body === "object" && body !== null && typeof (body as { type?: unknown }).type === "string";
}

/** Normalises an `app_mention` or `message` event for one integration. */
export function parseEvent(event: SlackMessageEvent, integration: Integration): ParsedEvent {
  if (event.type !== "app_mention" && event.type !== "message") return { kind: "skip", why: `event ${event.type}` };
  const botUserId = String(integration.bot.user_id ?? "");
  // Our own posts come back as message events, sometimes without a subtype: dropped without a trace.
  if (event.user === botUserId || event.bot_id === integration.bot.id) return { kind: "skip", why: "own message" };
  const fromBot = event.bot_id !== undefined || event.subtype === "bot_message";
  if (!fromBot && (!MESSAGE_SUBTYPES.has(event.subtype) || event.message !== undefined)) {
    return { kind: "skip", why: `subtype ${event.subtype ?? "message_replied"}` };
  }
  if (!event.channel || !event.ts) return { kind: "skip", why: "no channel or ts" };

  const isDirect = event.channel_type === "im";
  const threadId = isDirect ? (event.thread_ts ?? null) : (event.thread_ts ?? event.ts);
  const mention = `<@${botUserId}>`;
  const raw = event.text ?? "";
  const message: InboundMessage = {
    // One Slack message arrives as app_mention and as message with different event ids: key on channel + ts.
    key: `${event.channel}:${event.ts}`,
    conversationId: threadId ? `${event.channel}:${threadId}` : event.channel,
    chatId: event.channel,
    isDirect,
    messageId: event.ts,
    threadId,
    userId: event.user ?? event.bot_id ?? "",
    userName: event.user ?? "",
    text: raw.split(mention).join(`@${integration.bot.username}`).trim(),
    sentAt: new Date(Number(event.ts) * 1000).toISOString(),
    reply: {},
  };
  if (fromBot) return { kind: "ignored", message, reason: "bot_message" };
  return { kind: "message", message, addressing: { addressed: event.type === "app_mention" || raw.includes(mention) } };
}
