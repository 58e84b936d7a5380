import { describe, expect, test } from "vitest";
import { createModelRouter } from "@patchbay/core";
import { createModelProviders } from "../src/model-providers.ts";
import type { ModelSettings } from "../src/model-providers.ts";

const none: ModelSettings = {
  runtime: "local",
  openai: { baseUrl: "https://api.openai.com/v1", apiKey: undefined },
  anthropic: { baseUrl: "https://api.anthropic.com", apiKey: undefined },
  bedrock: undefined,
  keysElsewhere: [],
  timeoutMs: 1000,
};
const routerFor = (settings: Partial<ModelSettings>) => {
  const { providers, unconfigured } = createModelProviders({ ...none, ...settings });
  return createModelRouter(providers, unconfigured);
};

describe("which providers a runtime has", () => {
  test("locally, each missing provider names its environment variables", () => {
    const router = routerFor({});
    expect(router.problem("echo")).toBeNull();
    expect(router.problem("openai/gpt-4o-mini")).toMatchObject({ code: "MODEL_AUTH", setting: "OPENAI_API_KEY" });
    expect(router.problem("anthropic/claude-haiku-4-5")).toMatchObject({ code: "MODEL_AUTH", setting: "ANTHROPIC_API_KEY" });
    expect(router.problem("bedrock/us.amazon.nova-lite-v1:0")).toMatchObject({ code: "MODEL_AUTH", setting: "AWS_REGION", message: expect.stringMatching(/AWS credentials/) });
  });

  test("on AWS, the SST secret and the deploy switch", () => {
    const router = routerFor({ runtime: "aws" });
    expect(router.problem("anthropic/claude-haiku-4-5")).toMatchObject({ setting: "AnthropicApiKey", message: expect.stringMatching(/npx sst secret set AnthropicApiKey <key> --stage <stage>/) });
    expect(router.problem("openai/gpt-4o-mini")).toMatchObject({ setting: "OpenAiApiKey" });
    expect(router.problem("bedrock/x")).toMatchObject({ setting: "ENABLE_BEDROCK" });
  });

  test("a key, a keyless OpenAI-compatible URL or a region configures the provider", () => {
    const router = routerFor({
      openai: { baseUrl: "http://127.0.0.1:11434/v1", apiKey: undefined },
      anthropic: { baseUrl: "https://api.anthropic.com", apiKey: "sk-ant-x" },
      bedrock: { region: "eu-west-1" },
    });
    for (const id of ["openai/llama3", "anthropic/claude-haiku-4-5", "bedrock/eu.anthropic.claude-sonnet-4-5-20250929-v1:0"]) expect(router.problem(id)).toBeNull();
  });

  test("a key the deployment has but this function is not given: replicas may name it, calling it here says why it cannot", async () => {
    const router = routerFor({ runtime: "aws", keysElsewhere: ["anthropic"] });
    expect(router.problem("anthropic/claude-haiku-4-5")).toBeNull();
    const { provider, model } = router.resolve("anthropic/claude-sonnet-4-5");
    expect(provider.acceptsImages(model)).toBe(true);
    await expect(provider.complete({ model, messages: [{ role: "user", content: "hi" }] })).rejects.toMatchObject({ code: "MODEL_ERROR", retryable: false, message: expect.stringMatching(/answered by the responder/) });
  });
});
