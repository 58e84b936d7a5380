import * as v from "valibot";
import type { Integration, SecretBundle } from "@patchbay/core";

const telegramSecretsSchema = v.object({
  bot_token: v.pipe(v.string(), v.minLength(1)),
  webhook_secret: v.pipe(v.string(), v.minLength(1)),
});

/** The vault bundle of a Telegram integration: the token the client calls with, the secret webhooks carry. */
export type TelegramSecrets = v.InferOutput<typeof telegramSecretsSchema>;

/** The secrets view, or null when the bundle lacks either (verification then fails closed). */
export function readTelegramSecrets(bundle: SecretBundle): TelegramSecrets | null {
  const parsed = v.safeParse(telegramSecretsSchema, bundle);
  return parsed.success ? parsed.output : null;
}

const botIdentitySchema = v.object({
  // Telegram user ids are positive integers below 2^52; the record keeps them as decimal strings.
  id: v.pipe(v.string(), v.regex(/^[1-9][0-9]{0,15}$/), v.transform(Number), v.safeInteger()),
  username: v.pipe(v.string(), v.minLength(1)),
});

/** Who the integration's bot is, as the parser needs it: its numeric id and the handles it answers to. */
export interface TelegramBot {
  /** Null when the stored identity is unusable: nothing then counts as the bot's own or as a reply to it. */
  id: number | null;
  /** Lower-case, without "@": the bot's username and the integration's `mention`. */
  handles: string[];
}

export function telegramBotOf(integration: Integration): TelegramBot {
  const parsed = v.safeParse(botIdentitySchema, integration.bot);
  const handles = [parsed.success ? parsed.output.username : "", integration.mention ?? ""]
    .map((handle) => handle.replace(/^@/, "").toLowerCase())
    .filter((handle) => handle.length > 0);
  return { id: parsed.success ? parsed.output.id : null, handles };
}
