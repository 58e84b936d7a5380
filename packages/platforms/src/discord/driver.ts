import type { WebhookDriver } from "@patchbay/core";
import { acknowledge } from "./acknowledge.ts";
import { readDiscordSecrets } from "./integration-views.ts";
import type { DiscordSecrets } from "./integration-views.ts";
import { parseDiscordBody } from "./parse-body.ts";
import type { DiscordRoute } from "./route.ts";
import { verifyInteractionSignature } from "./verify.ts";

/**
 * The largest real body: a message command resolves its target (4000 characters, 10 embeds of up to 6000,
 * attachments, components) and a reply carries the message it replies to, each well under 100 KiB even at
 * four UTF-8 bytes a character. 1 MiB leaves room for resolved users, members and roles, nothing more.
 */
const MAX_DISCORD_BODY_BYTES = 1024 * 1024;

/** Discord's part of the webhook pipeline; the Gateway transport hands its dispatches to the same parse. */
export const discordWebhookDriver: WebhookDriver<DiscordSecrets, DiscordRoute> = {
  platform: "discord",
  maxBodyBytes: MAX_DISCORD_BODY_BYTES,
  readSecrets: readDiscordSecrets,
  verify: verifyInteractionSignature,
  parse: parseDiscordBody,
  acknowledge,
};
