import type { InboundMessage } from "@patchbay/core";

/** The parts of an interaction Patchbay reads (https://discord.com/developers/docs/interactions/receiving-and-responding). */
export interface Interaction {
  id: string;
  application_id: string;
  type: number;
  token: string;
  guild_id?: string;
  channel_id?: string;
  channel?: { id: string; type: number; parent_id?: string | null };
  member?: { user?: DiscordUser };
  user?: DiscordUser;
  data?: {
    name: string;
    type: number;
    options?: { name: string; type: number; value?: unknown }[];
    target_id?: string;
    resolved?: { messages?: Record<string, { id: string; content?: string }> };
  };
}

interface DiscordUser {
  id: string;
  username: string;
  global_name?: string | null;
}

export const INTERACTION = { ping: 1, command: 2 } as const;
const COMMAND = { chatInput: 1, message: 3 } as const;
const THREAD_TYPES = new Set([10, 11, 12]);
const DISCORD_EPOCH_MS = 1420070400000n;

/** What the responder needs to answer an interaction; the token is short-lived (15 minutes). */
export interface InteractionReply {
  applicationId: string;
  interactionToken: string;
  /** When Discord created the interaction, from its snowflake id. */
  createdAtMs: number;
}

export function isInteraction(body: unknown): body is Interaction {
  const value = body as Partial<Interaction> | null;
  return typeof value === "object" && value !== null && typeof value.type === "number" && typeof value.id === "string";
}

export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH_MS);
}

/** `/ask question:…` or the message context-menu command, as a message for the answering rules; null for anything else. */
export function parseCommand(interaction: Interaction): InboundMessage | null {
  const data = interaction.data;
  if (!data || !interaction.channel_id) return null;
  let text: string | undefined;
  let messageId = interaction.id;
  if (data.type === COMMAND.chatInput && data.name === "ask") {
    const value = data.options?.find((o) => o.name === "question")?.value;
    text = typeof value === "string" ? value : undefined;
  } else if (data.type === COMMAND.message && data.target_id) {
    text = data.resolved?.messages?.[data.target_id]?.content;
    messageId = data.target_id;
  }
  if (text === undefined) return null;
  const user = interaction.member?.user ?? interaction.user;
  // In a thread, the parent channel is what channel_ids name; the thread is the conversation.
  const inThread = interaction.channel !== undefined && THREAD_TYPES.has(interaction.channel.type);
  const chatId = inThread ? (interaction.channel!.parent_id ?? interaction.channel_id) : interaction.channel_id;
  const threadId = inThread ? interaction.channel_id : null;
  const reply: InteractionReply = {
    applicationId: interaction.application_id,
    interactionToken: interaction.token,
    createdAtMs: snowflakeTime(interaction.id),
  };
  return {
    key: `i${interaction.id}`,
    conversationId: threadId ?? chatId,
    chatId,
    isDirect: !interaction.guild_id,
    messageId,
    threadId,
    userId: user?.id ?? "",
    userName: user?.global_name ?? user?.username ?? "",
    text,
    sentAt: new Date(reply.createdAtMs).toISOString(),
    reply: { ...reply },
  };
}
