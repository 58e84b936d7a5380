import { allowsMessageContent } from "./application-flags.ts";

/** Gateway intent bits Patchbay asks for (Discord docs, "Gateway Intents"). */
const GATEWAY_INTENTS = {
  /** GUILD_CREATE, THREAD_*, CHANNEL_*: where threads belong. */
  guilds: 1 << 0,
  guildMessages: 1 << 9,
  directMessages: 1 << 12,
  /** Privileged: the text of messages that neither mention the bot nor are DMs. */
  messageContent: 1 << 15,
} as const;

/**
 * IDENTIFY's intents for an application's `flags` (GET /applications/@me): guilds, guild messages and DMs
 * always; Message Content only when the application has it switched on, since asking for it otherwise gets
 * the connection closed with 4014 (mentions and DMs still carry their text without it).
 */
export function gatewayIntents(applicationFlags: number | undefined): number {
  const base = GATEWAY_INTENTS.guilds | GATEWAY_INTENTS.guildMessages | GATEWAY_INTENTS.directMessages;
  return allowsMessageContent(applicationFlags) ? base | GATEWAY_INTENTS.messageContent : base;
}
