import type { Logger } from "@patchbay/core";
import { THREAD_TYPES } from "./parse-message.ts";
import type { DiscordRest } from "./rest.ts";

interface ChannelFacts {
  id?: unknown;
  type?: unknown;
  parent_id?: unknown;
}

interface GuildFacts {
  channels?: ChannelFacts[];
  threads?: ChannelFacts[];
}

interface MessageFacts {
  channel_id?: unknown;
  guild_id?: unknown;
  channel_type?: unknown;
}

/** Channel id → its parent when it is a thread, null when it is not one. */
type Parents = Map<string, string | null>;

function remember(parents: Parents, channel: ChannelFacts): void {
  if (typeof channel.id !== "string") return;
  const thread = typeof channel.type === "number" && THREAD_TYPES.has(channel.type);
  parents.set(channel.id, thread && typeof channel.parent_id === "string" ? channel.parent_id : null);
}

/**
 * Which channel a thread belongs to, for `channel_ids` (a thread counts as its parent): learnt from what the
 * session sees (GUILD_CREATE's channels and active threads, THREAD_CREATE/UPDATE, THREAD_LIST_SYNC,
 * CHANNEL_CREATE), and for a thread it has not seen, read once with `GET /channels/{id}`.
 */
export function createThreadParents(rest: DiscordRest, token: string, logger: Logger) {
  const parents: Parents = new Map();

  const lookUp = async (channelId: string): Promise<string | null | undefined> => {
    try {
      const channel = await rest<ChannelFacts>("GET", `/channels/${channelId}`, { token });
      remember(parents, { ...channel, id: channelId });
      return parents.get(channelId);
    } catch (error) {
      // Unknown, the thread is its own channel for this message; the next one asks again.
      logger.warn("discord thread parent not found", { channel_id: channelId, error: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
  };

  return {
    observe(type: string, data: unknown): void {
      if (typeof data !== "object" || data === null) return;
      switch (type) {
        case "GUILD_CREATE": {
          const guild = data as GuildFacts;
          for (const channel of [...(guild.channels ?? []), ...(guild.threads ?? [])]) remember(parents, channel);
          return;
        }
        case "THREAD_LIST_SYNC":
          for (const thread of (data as GuildFacts).threads ?? []) remember(parents, thread);
          return;
        case "THREAD_CREATE":
        case "THREAD_UPDATE":
        case "CHANNEL_CREATE":
          remember(parents, data as ChannelFacts);
          return;
      }
    },

    /** The parent of the guild channel a MESSAGE_* dispatch happened in, when that channel is a thread. */
    async parentOf(type: string, data: unknown): Promise<string | undefined> {
      if (!type.startsWith("MESSAGE_") || typeof data !== "object" || data === null) return undefined;
      const message = data as MessageFacts;
      if (typeof message.channel_id !== "string" || typeof message.guild_id !== "string") return undefined;
      if (typeof message.channel_type === "number" && !THREAD_TYPES.has(message.channel_type)) return undefined;
      const known = parents.has(message.channel_id) ? parents.get(message.channel_id) : await lookUp(message.channel_id);
      return known ?? undefined;
    },
  };
}
