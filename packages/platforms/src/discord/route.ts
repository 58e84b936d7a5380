import * as v from "valibot";
import { PlatformCallError } from "@patchbay/core";
import { interactionToken, snowflake } from "./schemas.ts";

/** Where a Discord answer goes: through the interaction's webhook, or as a reply to a channel message. */
export const discordRouteSchema = v.variant("via", [
  v.object({
    via: v.literal("interaction"),
    applicationId: snowflake(),
    /** Valid 15 minutes from `createdAtMs`; past that the answer goes to the channel with the bot token. */
    interactionToken: interactionToken(),
    /** When Discord created the interaction, from its snowflake id. */
    createdAtMs: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  }),
  v.object({
    via: v.literal("message"),
    /** The channel or thread the message was written in. */
    channelId: snowflake(),
    messageId: snowflake(),
  }),
]);

export type DiscordRoute = v.InferOutput<typeof discordRouteSchema>;
export type InteractionRoute = Extract<DiscordRoute, { via: "interaction" }>;
export type MessageRoute = Extract<DiscordRoute, { via: "message" }>;

/**
 * The route of a queued message, checked: it crossed the queue as plain data. An unreadable one cannot be
 * answered by any retry, so it fails for good (dead letters, with this message in the integration's last_error).
 */
export function readDiscordRoute(route: unknown): DiscordRoute {
  const parsed = v.safeParse(discordRouteSchema, route);
  if (parsed.success) return parsed.output;
  const where = parsed.issues[0].path?.map((item) => String(item.key)).join(".") || "route";
  throw new PlatformCallError("PLATFORM_ERROR", `The queued Discord message has no usable route (${where}); it cannot be answered.`, {
    platform: "discord",
  });
}
