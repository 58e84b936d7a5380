import * as v from "valibot";
import type { Integration, SecretBundle } from "@patchbay/core";
import { snowflake } from "./schemas.ts";

const discordSecretsSchema = v.object({ bot_token: v.pipe(v.string(), v.minLength(1)) });

/** The vault bundle of a Discord integration: the bot token for channel posts, typing and threads. */
export type DiscordSecrets = v.InferOutput<typeof discordSecretsSchema>;

/** The secrets view, or null when the bundle has no bot token. Verification needs none (it uses the public key). */
export function readDiscordSecrets(bundle: SecretBundle): DiscordSecrets | null {
  const parsed = v.safeParse(discordSecretsSchema, bundle);
  return parsed.success ? parsed.output : null;
}

/** What the connector stores in `integration.bot` (connector.ts), plus the managed role a Gateway transport may add. */
const botIdentitySchema = v.object({
  /** The application id. */
  id: snowflake(),
  username: v.string(),
  /** The bot user's id; null for applications without a bot user (then the application id stands in). */
  bot_user_id: v.nullish(snowflake()),
  /** Hex Ed25519 key Discord signs interactions with (the application's `verify_key`). */
  public_key: v.optional(v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/i))),
  /** The bot's managed role in the guild: a mention of it addresses the bot. */
  role_id: v.optional(snowflake()),
});

/** Who the integration's bot is, as the parser and the signature check need it. */
export interface DiscordBot {
  /** The bot user's id: its own messages and mentions of it carry this. */
  userId: string;
  publicKey: string | null;
  roleId: string | null;
}

/** The bot identity, or null when the stored record is unusable (nothing then verifies or counts as the bot's). */
export function discordBotOf(integration: Integration): DiscordBot | null {
  const parsed = v.safeParse(botIdentitySchema, integration.bot);
  if (!parsed.success) return null;
  const bot = parsed.output;
  // Applications created since 2020 have a bot user whose id is the application id.
  return { userId: bot.bot_user_id ?? bot.id, publicKey: bot.public_key ?? null, roleId: bot.role_id ?? null };
}
