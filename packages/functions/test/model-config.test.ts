import { expect, test } from "vitest";
import { linkResources, settingsLink } from "./linked-resources.ts";

// Resource links are read once per process: this file runs alone, as a webhook function (no provider keys linked).
test("a function without the provider keys learns from Settings which are set; Bedrock takes the function's region", async () => {
  linkResources({
    Table: { name: "t" },
    ResponderQueue: { url: "https://sqs.eu-west-1.amazonaws.com/1/q.fifo" },
    TenantSecrets: { prefix: "patchbay/test/" },
    // Published by infra from the secrets: OpenAI's key is set, Anthropic's is not.
    Settings: settingsLink({ anthropicBaseUrl: "https://anthropic-gateway.example.com", openaiConfigured: true, bedrockEnabled: true }),
  });
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
