import { expect, test } from "vitest";

// Resource links are read once per process: this file runs alone, as a webhook function (no provider keys linked).
test("a function without the provider keys learns from Settings which are set; Bedrock takes the function's region", async () => {
  const resources = {
    App: { name: "patchbay", stage: "test" },
    Table: { name: "t" },
    ResponderQueue: { url: "https://sqs.eu-west-1.amazonaws.com/1/q.fifo" },
    TenantSecrets: { prefix: "patchbay/test/" },
    Settings: {
      publicUrl: "https://x.example",
      telegramApiUrl: "https://api.telegram.org",
      slackApiUrl: "https://slack.com/api/",
      discordApiUrl: "https://discord.com/api/v10",
      openaiBaseUrl: "https://api.openai.com/v1",
      anthropicBaseUrl: "https://anthropic-gateway.example.com",
      // Published by infra from the secrets: OpenAI's key is set, Anthropic's is not.
      openaiConfigured: true,
      anthropicConfigured: false,
      defaultModel: "echo",
      bedrockEnabled: true,
      maxReceives: 5,
    },
  };
  for (const [name, value] of Object.entries(resources)) process.env[`SST_RESOURCE_${name}`] = JSON.stringify(value);
  process.env.AWS_REGION = "eu-central-1";
  const { readAwsConfig } = await import("../src/config.ts");
  expect(readAwsConfig().settings).toMatchObject({
    openaiApiKey: undefined,
    anthropicApiKey: undefined,
    anthropicBaseUrl: "https://anthropic-gateway.example.com",
    bedrockRegion: "eu-central-1",
    modelRuntime: "aws",
    modelKeysElsewhere: ["openai"],
  });
});
