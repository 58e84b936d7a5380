import type { Integration } from "@patchbay/core";

/**
 * Why an interaction or message from `guildId` is not this integration's to answer, or null when it is: one
 * application can be in several servers, and an integration answers in its own only (DMs carry no guild).
 */
export function outsideGuild(guildId: string | undefined, integration: Pick<Integration, "guildId">): string | null {
  if (guildId === undefined || integration.guildId === null || guildId === integration.guildId) return null;
  return `guild_id ${guildId}: this integration answers in guild ${integration.guildId} only`;
}
