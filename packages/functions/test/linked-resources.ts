/**
 * The Settings link every function reads, as infra/settings.ts publishes it, with platform and model URLs no call
 * can reach; a test overrides what it is about.
 */
export function settingsLink(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "sst.sst.Linkable",
    publicUrl: "https://patchbay.example",
    telegramApiUrl: "https://telegram.invalid",
    slackApiUrl: "https://slack.invalid/api/",
    discordApiUrl: "https://discord.invalid/api/v10",
    openaiBaseUrl: "https://openai.invalid/v1",
    anthropicBaseUrl: "https://anthropic.invalid",
    openaiConfigured: false,
    anthropicConfigured: false,
    defaultModel: "echo",
    bedrockEnabled: false,
    maxReceives: 5,
    ...overrides,
  };
}

/** Sets SST's links the way a deployed function's environment carries them (read once per process). */
export function linkResources(resources: Record<string, unknown>): void {
  for (const [name, value] of Object.entries({ App: { name: "patchbay", stage: "test" }, ...resources })) {
    process.env[`SST_RESOURCE_${name}`] = JSON.stringify(value);
  }
}
