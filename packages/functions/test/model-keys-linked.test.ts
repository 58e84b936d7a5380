import { expect, test } from "vitest";
import { linkResources, settingsLink } from "./linked-resources.ts";

// Resource links are read once per process: this file runs alone, as the API or the responder (model keys linked).
test("a function linked to the model keys uses them; the empty placeholder means not configured, and no key is looked for elsewhere", async () => {
  linkResources({
    Table: { name: "t" },
    ResponderQueue: { url: "https://sqs.eu-west-1.amazonaws.com/1/q.fifo" },
    TenantSecrets: { prefix: "patchbay/test/" },
    OpenAiApiKey: { value: "sk-linked-openai-key" },
    AnthropicApiKey: { value: "" },
    Settings: settingsLink({ openaiConfigured: true, defaultModel: "openai/gpt-4o-mini" }),
  });
  const { readAwsConfig } = await import("../src/config.ts");
  const { settings } = readAwsConfig();
  expect(settings).toMatchObject({ openaiApiKey: "sk-linked-openai-key", anthropicApiKey: undefined, bedrockRegion: undefined, modelKeysElsewhere: [] });
});
