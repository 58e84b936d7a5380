import * as v from "valibot";
import type { Integration, SecretBundle } from "@patchbay/core";
import { slackId } from "./schemas.ts";

/** Loose: an `app_token` for Socket Mode may sit beside these. */
const slackSecretsSchema = v.looseObject({
  bot_token: v.pipe(v.string(), v.minLength(1)),
  signing_secret: v.pipe(v.string(), v.minLength(1)),
});

/** The vault bundle of a Slack integration: the token the client posts with, the secret webhooks are signed with. */
export type SlackSecrets = v.InferOutput<typeof slackSecretsSchema>;

/** The secrets view, or null when the bundle lacks either (verification then fails closed). */
export function readSlackSecrets(bundle: SecretBundle): SlackSecrets | null {
  const parsed = v.safeParse(slackSecretsSchema, bundle);
  return parsed.success ? parsed.output : null;
}

/** What connect stored from auth.test: the bot id, the bot user's handle and the bot user's id. */
const slackBotSchema = v.object({
  id: slackId("a Slack bot id"),
  username: v.pipe(v.string(), v.minLength(1), v.maxLength(80)),
  user_id: slackId("a Slack user id"),
});

/** Who the integration's bot is, as the parser needs it. */
export interface SlackBot {
  /** `bot_id` on the bot's own posts. */
  botId: string;
  /** The bot user: `user` on its own posts, `<@…>` in mentions of it. */
  userId: string;
  /** What a mention of the bot reads as in the text the model gets: `@username`. */
  username: string;
}

/** The bot of an integration, or null when the stored identity is unusable (then nothing can be told apart). */
export function slackBotOf(integration: Integration): SlackBot | null {
  const parsed = v.safeParse(slackBotSchema, integration.bot);
  if (!parsed.success) return null;
  return { botId: parsed.output.id, userId: parsed.output.user_id, username: parsed.output.username };
}
