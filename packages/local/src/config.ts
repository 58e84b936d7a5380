import { resolve } from "node:path";

/** Everything the local runtime reads from the environment, read once at start (design.md §2). */
export interface LocalConfig {
  port: number;
  publicUrl: string;
  dataDir: string;
  apiKeys: { owner: string; key: string }[];
  telegramApiUrl: string;
  slackApiUrl: string;
  discordApiUrl: string;
  openaiBaseUrl: string;
  openaiApiKey: string | undefined;
  anthropicBaseUrl: string;
  anthropicApiKey: string | undefined;
  /** AWS_REGION (or AWS_DEFAULT_REGION): bedrock/ models with the standard AWS credential chain. */
  bedrockRegion: string | undefined;
  modelRuntime: "local";
  defaultModel: string;
}

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable} ${problem}`);
    this.name = "ConfigError";
  }
}

export function readLocalConfig(env: NodeJS.ProcessEnv = process.env): LocalConfig {
  const port = Number(env.PORT ?? "3000");
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError("PORT", `must be a port number, got "${env.PORT}"`);
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]+/.test(publicUrl)) throw new ConfigError("PUBLIC_URL", `must be an http(s) URL, got "${publicUrl}"`);
  const openaiApiKey = env.OPENAI_API_KEY || undefined;
  const anthropicApiKey = env.ANTHROPIC_API_KEY || undefined;
  return {
    port,
    publicUrl,
    dataDir: resolve(env.DATA_DIR ?? "./.data"),
    apiKeys: parseApiKeys(env.API_KEYS),
    telegramApiUrl: (env.TELEGRAM_API_URL ?? "https://api.telegram.org").replace(/\/+$/, ""),
    slackApiUrl: env.SLACK_API_URL ?? "https://slack.com/api/",
    discordApiUrl: (env.DISCORD_API_URL ?? "https://discord.com/api/v10").replace(/\/+$/, ""),
    openaiBaseUrl: env.OPENAI_BASE_URL ?? "https://api.openai.com/v1",
    openaiApiKey,
    anthropicBaseUrl: env.ANTHROPIC_BASE_URL || "https://api.anthropic.com",
    anthropicApiKey,
    bedrockRegion: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    modelRuntime: "local",
    defaultModel: env.DEFAULT_MODEL ?? (openaiApiKey ? "openai/gpt-4o-mini" : anthropicApiKey ? "anthropic/claude-haiku-4-5" : "echo"),
  };
}

/** `owner:key,owner2:key2`. */
function parseApiKeys(value: string | undefined): { owner: string; key: string }[] {
  if (!value?.trim()) return [];
  return value.split(",").map((pair) => {
    const colon = pair.indexOf(":");
    const owner = pair.slice(0, colon).trim();
    const key = pair.slice(colon + 1).trim();
    if (colon <= 0 || !owner || key.length < 16) {
      throw new ConfigError("API_KEYS", "must be 'owner:key,owner2:key2' with keys of at least 16 characters");
    }
    return { owner, key };
  });
}
