import { Resource } from "sst";
import { metricsService } from "@patchbay/aws";
import type { Settings } from "@patchbay/composition";
import { isPublicHttpsUrl } from "@patchbay/core";

/** Everything a function needs to know, read once at cold start from its SST links. */
export interface AwsConfig {
  tableName: string;
  queueUrl: string;
  secretPrefix: string;
  /** Receives before SQS moves a message to the dead-letter queue. */
  maxReceives: number;
  /** Names the stage in its metrics (the `service` dimension): `<app>-<stage>`. */
  metricsService: string;
  settings: Settings;
}

export class MissingLinkError extends Error {
  constructor(name: string) {
    super(`SST link "${name}" is missing: link it to this function in infra/ and deploy again.`);
    this.name = "MissingLinkError";
  }
}

export class InvalidSettingError extends Error {
  constructor(name: string, value: unknown, expected: string) {
    super(`Setting "${name}" is ${JSON.stringify(value)}; it must be ${expected}. Correct it in infra/settings.ts (or the deploy-time environment) and deploy again.`);
    this.name = "InvalidSettingError";
  }
}

/** SQS's own range for a redrive policy's maxReceiveCount. */
const MAX_RECEIVE_COUNT_LIMIT = 1000;

/** Receives before the dead letters, checked: a wrong count would dead-letter every message, or none. */
export function checkMaxReceives(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_RECEIVE_COUNT_LIMIT) {
    throw new InvalidSettingError("maxReceives", value, `a whole number from 1 to ${MAX_RECEIVE_COUNT_LIMIT} (the queue's redrive maxReceiveCount)`);
  }
  return value;
}

/** On AWS webhooks are the only way in: every platform must be able to call this base URL. */
export function checkPublicUrl(value: unknown): string {
  if (typeof value !== "string" || !isPublicHttpsUrl(value) || /[?#]|\/$/.test(value)) {
    throw new InvalidSettingError("publicUrl", value, "a public HTTPS base URL without a trailing slash, query or fragment (the API's URL, or PUBLIC_URL at deploy time)");
  }
  return value;
}

/** A linked resource, failing fast and by name when the function was deployed without it. */
export function link<K extends keyof Resource>(name: K): Resource[K] {
  if (!(name in Resource)) throw new MissingLinkError(String(name));
  return Resource[name];
}

export function readAwsConfig(): AwsConfig {
  const settings = link("Settings");
  // Only the functions that call models (the responder, the API for previews) are linked to the provider
  // keys; the others learn from Settings whether a key is set, so a replica naming a provider without one
  // is refused wherever it is created.
  const keys = { openai: linkedKey("OpenAiApiKey"), anthropic: linkedKey("AnthropicApiKey") };
  const configured = { openai: settings.openaiConfigured, anthropic: settings.anthropicConfigured };
  const keysElsewhere = (["openai", "anthropic"] as const).filter((p) => keys[p] === null && configured[p]);
  return {
    tableName: link("Table").name,
    queueUrl: link("ResponderQueue").url,
    secretPrefix: link("TenantSecrets").prefix,
    maxReceives: checkMaxReceives(settings.maxReceives),
    metricsService: metricsService(Resource.App.name, Resource.App.stage),
    settings: {
      publicUrl: checkPublicUrl(settings.publicUrl),
      // Discord's messages come over the Gateway, held by the listener function (infra/discord-listener.ts).
      listeners: ["gateway"],
      telegramApiUrl: settings.telegramApiUrl,
      slackApiUrl: settings.slackApiUrl,
      discordApiUrl: settings.discordApiUrl,
      openaiBaseUrl: settings.openaiBaseUrl,
      openaiApiKey: keys.openai ?? undefined,
      anthropicBaseUrl: settings.anthropicBaseUrl,
      anthropicApiKey: keys.anthropic ?? undefined,
      // The function's role and region (Lambda's AWS_REGION); the IAM grant exists only when infra enabled Bedrock.
      bedrockRegion: settings.bedrockEnabled ? process.env.AWS_REGION : undefined,
      modelRuntime: "aws",
      modelKeysElsewhere: keysElsewhere,
      defaultModel: settings.defaultModel,
    },
  };
}

/** A provider key linked to this function ("" set as the placeholder means not configured), or null when not linked. */
function linkedKey(name: "OpenAiApiKey" | "AnthropicApiKey"): string | undefined | null {
  if (!(name in Resource)) return null;
  return Resource[name].value || undefined;
}
