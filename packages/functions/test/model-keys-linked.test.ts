import { expect, test } from "vitest";

// Resource links are read once per process: this file runs alone, as the API or the responder (model keys linked).
test("a function linked to the model keys uses them; the empty placeholder means not configured, and no key is looked for elsewhere", async () => {
  const resources = {
    App: { name: "patchbay", stage: "test" },
    Table: { name: "t" },
    ResponderQueue: { url: "https://sqs.eu-west-1.amazonaws.com/1/q.fifo" },
    TenantSecrets: { prefix: "patchbay/test/" },
    OpenAiApiKey: { value: "sk-linked-openai-key" },
    AnthropicApiKey: { value: "" },
    Settings: {
      publicUrl: "https://x.example",
      telegramApiUrl: "https://api.telegram.org",
      slackApiUrl: "https://slack.com/api/",
      discordApiUrl: "https://discord.com/api/v10",
      openaiBaseUrl: "https://api.openai.com/v1",
      anthropicBaseUrl: "https://api.anthropic.com",
      openaiConfigured: true,
      anthropicConfigured: false,
      defaultModel: "openai/gpt-4o-mini",
      bedrockEnabled: false,
      maxReceives: 5,
    },
  };
  for (const [name, value] of Object.entries(resources)) process.env[`SST_RESOURCE_${name}`] = JSON.stringify(value);
  const { readAwsConfig } = await import("../src/config.ts");
  const { settings } = readAwsConfig();
  expect(settings).toMatchObject({ openaiApiKey: "sk-linked-openai-key", anthropicApiKey: undefined, bedrockRegion: undefined, modelKeysElsewhere: [] });
});
