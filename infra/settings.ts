import { MAX_RECEIVES } from "./queue";
import { bedrockEnabled, DEFAULT_ANTHROPIC_MODEL, DEFAULT_OPENAI_MODEL } from "./models";

/**
 * Plain settings every function reads as `Resource.Settings`. Deploy-time environment variables
 * of the same names as the local runtime's (design.md §2) override the defaults.
 */
export function createSettings(args: { apiUrl: $util.Output<string>; openAiApiKey: sst.Secret; anthropicApiKey: sst.Secret }) {
  const env = process.env;
  return new sst.Linkable("Settings", {
    properties: {
      // The execute-api URL (no trailing slash) unless a custom domain is put in front of it.
      publicUrl: env.PUBLIC_URL ? env.PUBLIC_URL.replace(/\/+$/, "") : args.apiUrl,
      telegramApiUrl: env.TELEGRAM_API_URL ?? "https://api.telegram.org",
      slackApiUrl: env.SLACK_API_URL ?? "https://slack.com/api/",
      discordApiUrl: env.DISCORD_API_URL ?? "https://discord.com/api/v10",
      openaiBaseUrl: env.OPENAI_BASE_URL ?? "https://api.openai.com/v1",
      anthropicBaseUrl: env.ANTHROPIC_BASE_URL ?? "https://api.anthropic.com",
      // Whether a key is set, never the key: functions not linked to a key still refuse (422) replicas
      // whose provider has none. The secrets' values are known at deploy time.
      openaiConfigured: args.openAiApiKey.value.apply((key) => key !== ""),
      anthropicConfigured: args.anthropicApiKey.value.apply((key) => key !== ""),
      // As locally: echo unless a provider key is set (the secret's value is known at deploy time).
      defaultModel:
        env.DEFAULT_MODEL ??
        $resolve([args.openAiApiKey.value, args.anthropicApiKey.value]).apply(([openai, anthropic]) =>
          openai ? DEFAULT_OPENAI_MODEL : anthropic ? DEFAULT_ANTHROPIC_MODEL : "echo",
        ),
      bedrockEnabled: bedrockEnabled(env),
      maxReceives: MAX_RECEIVES,
    },
  });
}
