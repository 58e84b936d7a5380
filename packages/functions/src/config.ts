import { Resource } from "sst";
import type { Settings } from "@patchbay/composition";

/** Everything a function needs to know, read once at cold start from its SST links. */
export interface AwsConfig {
  tableName: string;
  queueUrl: string;
  secretPrefix: string;
  /** Receives before SQS moves a message to the dead-letter queue. */
  maxReceives: number;
  settings: Settings;
}

export class MissingLinkError extends Error {
  constructor(name: string) {
    super(`SST link "${name}" is missing: link it to this function in infra/ and deploy again.`);
    this.name = "MissingLinkError";
  }
}

/** A linked resource, failing fast and by name when the function was deployed without it. */
export function link<K extends keyof Resource>(name: K): Resource[K] {
  if (!(name in Resource)) throw new MissingLinkError(String(name));
  return Resource[name];
}

export function readAwsConfig(): AwsConfig {
  const settings = link("Settings");
  // Only the responder calls models, so only it is linked to the provider keys.
  const openaiKey = "OpenAiApiKey" in Resource ? Resource.OpenAiApiKey.value : "";
  return {
    tableName: link("Table").name,
    queueUrl: link("ResponderQueue").url,
    secretPrefix: link("TenantSecrets").prefix,
    maxReceives: Number(settings.maxReceives),
    settings: {
      publicUrl: settings.publicUrl,
      telegramApiUrl: settings.telegramApiUrl,
      slackApiUrl: settings.slackApiUrl,
      discordApiUrl: settings.discordApiUrl,
      openaiBaseUrl: settings.openaiBaseUrl,
      openaiApiKey: openaiKey || undefined,
      defaultModel: settings.defaultModel,
    },
  };
}
